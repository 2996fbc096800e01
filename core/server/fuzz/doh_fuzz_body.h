// What a DNS-over-HTTPS client can send, before any TLS: the harness (and
// its corpus replay, tests/doh_corpus_test.cpp) feeds the bytes either to an
// HTTP/2 server session (after the client preface, as chunks of a few
// sizes, answering each request at once) or to the HTTP/1.1 head parser and
// RFC 8484's request rules. Checks what must hold whatever the bytes: the
// session's byte budget stays within its bound, base64url round-trips.
#pragma once
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "core/plugin/base64url.h"
#include "core/plugin/http_request.h"
#include "core/server/doh_request.h"
#include "core/server/h2_server_session.h"

namespace skycore::server::fuzz {

// False if an invariant broke (the fuzzer aborts on it).
inline bool doh_one_input(const uint8_t* data, size_t size) {
  if (size == 0) return true;
  std::span<const uint8_t> rest(data + 1, size - 1);
  if (data[0] & 1) {
    H2ServerSession* self = nullptr;
    size_t requests = 0;
    H2ServerSession session(100, 65535, 256 * 1024, [&](H2Request& r) {
      ++requests;
      DohQuery q = parse_doh_request(r.method, r.path, r.body);
      std::vector<uint8_t> answer = q.status == 200 ? q.message : std::vector<uint8_t>{'n', 'o'};
      self->respond(r.stream, q.status, {{"content-type", std::string(kDohMediaType)}}, std::move(answer));
    });
    self = &session;
    static constexpr char kPreface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    if (!session.feed({reinterpret_cast<const uint8_t*>(kPreface), sizeof kPreface - 1})) return false;
    std::vector<uint8_t> out;
    size_t chunk = 1 + (data[0] >> 1) % 64;
    for (size_t i = 0; i < rest.size(); i += chunk) {
      if (!session.feed(rest.subspan(i, std::min(chunk, rest.size() - i)))) break;
      out.clear();
      session.take_output(out, 1 << 20);
    }
    return session.open_streams() <= 101;
  }
  std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
  auto end = text.find("\r\n\r\n");
  HttpRequest req;
  if (end != std::string_view::npos && !parse_http_head(text.substr(0, end), 65535, req)) {
    auto body = rest.subspan(end + 4);
    DohQuery q = parse_doh_request(req.method, req.target, body);
    if (q.status == 200 && q.message.size() < 12) return false;
    smallest_ttl(body);
  }
  std::vector<uint8_t> decoded;
  if (base64url_decode(text, decoded)) {
    std::vector<uint8_t> again;
    std::string enc = base64url_encode(decoded.data(), decoded.size());
    if (!base64url_decode(enc, again) || again != decoded) return false;
  }
  return true;
}

}  // namespace skycore::server::fuzz
