#include "plugins/forward/h2_client_session.h"

#include <algorithm>
#include <cstring>
#include <string_view>

namespace skycore::plugins::forward {

namespace {
constexpr size_t kMaxBody = 65535;
}

H2ClientSession::H2ClientSession(OnDone on_done) : on_done_(std::move(on_done)) {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
  nghttp2_session_client_new(&session_, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
}

H2ClientSession::~H2ClientSession() {
  on_done_ = nullptr;  // no callbacks from the teardown
  nghttp2_session_del(session_);
}

int32_t H2ClientSession::post(const std::string& authority, const std::string& path,
                              std::span<const uint8_t> message) {
  if (!usable()) return -1;
  std::string length = std::to_string(message.size());
  auto nv = [](std::string_view k, std::string_view v) {
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(k.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), k.size(), v.size(),
                      NGHTTP2_NV_FLAG_NONE};
  };
  nghttp2_nv headers[] = {nv(":method", "POST"), nv(":scheme", "https"), nv(":authority", authority),
                          nv(":path", path), nv("content-type", "application/dns-message"),
                          nv("accept", "application/dns-message"), nv("content-length", length)};
  nghttp2_data_provider provider{};
  provider.read_callback = read_request;
  int32_t id = nghttp2_submit_request(session_, nullptr, headers, sizeof headers / sizeof headers[0], &provider, nullptr);
  if (id < 0) return -1;
  streams_[id].request.assign(message.begin(), message.end());
  return id;
}

void H2ClientSession::cancel(int32_t stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  it->second.cancelled = true;
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream, NGHTTP2_CANCEL);
}

bool H2ClientSession::feed(std::span<const uint8_t> bytes) {
  return nghttp2_session_mem_recv(session_, bytes.data(), bytes.size()) >= 0;
}

void H2ClientSession::take_output(std::vector<uint8_t>& out, size_t limit) {
  while (out.size() < limit) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) break;
    out.insert(out.end(), data, data + n);
  }
}

bool H2ClientSession::usable() const {
  return nghttp2_session_want_read(session_) && nghttp2_session_check_request_allowed(session_);
}

void H2ClientSession::fail_all() {
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, s] : streams) {
    if (s.cancelled || !on_done_) continue;
    Done d{id, false, 0, {}};
    on_done_(d);
  }
}

int H2ClientSession::on_header(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                               const uint8_t* value, size_t valuelen, uint8_t, void* p) {
  auto* self = static_cast<H2ClientSession*>(p);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto it = self->streams_.find(frame->hd.stream_id);
  if (it == self->streams_.end()) return 0;
  if (std::string_view(reinterpret_cast<const char*>(name), namelen) == ":status") {
    int status = 0;
    for (size_t i = 0; i < valuelen && value[i] >= '0' && value[i] <= '9'; ++i) status = status * 10 + (value[i] - '0');
    it->second.status = status;
  }
  return 0;
}

int H2ClientSession::on_data(nghttp2_session* session, uint8_t, int32_t stream, const uint8_t* data, size_t len,
                             void* p) {
  auto* self = static_cast<H2ClientSession*>(p);
  auto it = self->streams_.find(stream);
  if (it == self->streams_.end() || it->second.too_big) return 0;
  auto& body = it->second.body;
  if (body.size() + len > kMaxBody) {
    it->second.too_big = true;
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream, NGHTTP2_CANCEL);
    return 0;
  }
  body.insert(body.end(), data, data + len);
  return 0;
}

int H2ClientSession::on_close(nghttp2_session*, int32_t stream, uint32_t error, void* p) {
  auto* self = static_cast<H2ClientSession*>(p);
  auto it = self->streams_.find(stream);
  if (it == self->streams_.end()) return 0;
  Stream s = std::move(it->second);
  self->streams_.erase(it);
  if (s.cancelled || !self->on_done_) return 0;
  Done d{stream, error == NGHTTP2_NO_ERROR && !s.too_big, s.status, std::move(s.body)};
  self->on_done_(d);
  return 0;
}

ssize_t H2ClientSession::read_request(nghttp2_session*, int32_t stream, uint8_t* buf, size_t length, uint32_t* flags,
                                      nghttp2_data_source*, void* p) {
  auto* self = static_cast<H2ClientSession*>(p);
  auto it = self->streams_.find(stream);
  if (it == self->streams_.end()) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  Stream& s = it->second;
  size_t n = std::min(length, s.request.size() - s.sent);
  std::memcpy(buf, s.request.data() + s.sent, n);
  s.sent += n;
  if (s.sent == s.request.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

}  // namespace skycore::plugins::forward
