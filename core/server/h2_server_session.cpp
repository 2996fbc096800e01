#include "core/server/h2_server_session.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace skycore::server {

H2ServerSession::H2ServerSession(size_t max_streams, size_t max_body, size_t max_held, OnRequest on_request)
    : max_body_(max_body), max_held_(max_held), on_request_(std::move(on_request)) {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
  nghttp2_session_server_new(&session_, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, static_cast<uint32_t>(max_streams)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 16 * 1024}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 2);
}

H2ServerSession::~H2ServerSession() { nghttp2_session_del(session_); }

bool H2ServerSession::feed(std::span<const uint8_t> bytes) {
  return nghttp2_session_mem_recv(session_, bytes.data(), bytes.size()) >= 0;
}

void H2ServerSession::take_output(std::vector<uint8_t>& out, size_t limit) {
  while (out.size() < limit) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) break;
    out.insert(out.end(), data, data + n);
  }
}

bool H2ServerSession::done() const {
  return !nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_);
}

void H2ServerSession::respond(int32_t stream, int status, std::vector<std::pair<std::string, std::string>> headers,
                              std::vector<uint8_t> body) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;  // reset by the client meanwhile
  Stream& s = it->second;
  held_ += body.size();
  s.response = std::move(body);
  s.headers = std::move(headers);
  s.headers.insert(s.headers.begin(), {":status", std::to_string(status)});
  s.headers.emplace_back("content-length", std::to_string(s.response.size()));
  std::vector<nghttp2_nv> nv;
  for (auto& [k, v] : s.headers)
    nv.push_back({reinterpret_cast<uint8_t*>(k.data()), reinterpret_cast<uint8_t*>(v.data()), k.size(), v.size(),
                  NGHTTP2_NV_FLAG_NONE});
  nghttp2_data_provider provider{};
  provider.read_callback = read_body;
  nghttp2_submit_response(session_, stream, nv.data(), nv.size(), &provider);
}

int H2ServerSession::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* self) {
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
    static_cast<H2ServerSession*>(self)->streams_[frame->hd.stream_id].req.stream = frame->hd.stream_id;
  return 0;
}

int H2ServerSession::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                               const uint8_t* value, size_t valuelen, uint8_t, void* self) {
  auto& streams = static_cast<H2ServerSession*>(self)->streams_;
  auto it = streams.find(frame->hd.stream_id);
  if (it == streams.end()) return 0;
  std::string_view n(reinterpret_cast<const char*>(name), namelen);
  std::string_view v(reinterpret_cast<const char*>(value), valuelen);
  if (n == ":method") it->second.req.method = v;
  else if (n == ":path") it->second.req.path = v;
  return 0;
}

int H2ServerSession::on_data(nghttp2_session* session, uint8_t, int32_t stream, const uint8_t* data, size_t len,
                             void* p) {
  auto* self = static_cast<H2ServerSession*>(p);
  auto it = self->streams_.find(stream);
  if (it == self->streams_.end() || it->second.too_big) return 0;
  auto& body = it->second.req.body;
  // No DNS message is this long; and the open streams together may not
  // hold more than max_held.
  // Over the budget is for now (REFUSED_STREAM: try again); over a DNS
  // message's size, for good (CANCEL).
  if (body.size() + len > self->max_body_ || self->held_ + len > self->max_held_) {
    bool retry = body.size() + len <= self->max_body_;
    it->second.too_big = true;
    self->held_ -= it->second.body_held;
    it->second.body_held = 0;
    body.clear();
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream, retry ? NGHTTP2_REFUSED_STREAM : NGHTTP2_CANCEL);
    return 0;
  }
  body.insert(body.end(), data, data + len);
  it->second.body_held += len;
  self->held_ += len;
  return 0;
}

int H2ServerSession::on_frame(nghttp2_session*, const nghttp2_frame* frame, void* p) {
  auto* self = static_cast<H2ServerSession*>(p);
  if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
      !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
    return 0;
  auto it = self->streams_.find(frame->hd.stream_id);
  if (it == self->streams_.end() || it->second.too_big) return 0;
  self->on_request_(it->second.req);  // may respond at once
  return 0;
}

int H2ServerSession::on_close(nghttp2_session*, int32_t stream, uint32_t, void* p) {
  auto* self = static_cast<H2ServerSession*>(p);
  auto it = self->streams_.find(stream);
  if (it == self->streams_.end()) return 0;
  self->held_ -= it->second.body_held + it->second.response.size();
  self->streams_.erase(it);
  return 0;
}

ssize_t H2ServerSession::read_body(nghttp2_session*, int32_t stream, uint8_t* buf, size_t length, uint32_t* flags,
                                   nghttp2_data_source*, void* p) {
  auto* self = static_cast<H2ServerSession*>(p);
  auto it = self->streams_.find(stream);
  if (it == self->streams_.end()) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  Stream& s = it->second;
  size_t n = std::min(length, s.response.size() - s.sent);
  std::memcpy(buf, s.response.data() + s.sent, n);
  s.sent += n;
  if (s.sent == s.response.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

}  // namespace skycore::server
