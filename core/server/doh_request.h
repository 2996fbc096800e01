// RFC 8484's request and response rules, apart from the HTTP version that
// carries them: a query is GET /dns-query?dns=BASE64URL or POST /dns-query
// with the message as body; the answer is application/dns-message with a
// Cache-Control max-age of its smallest TTL.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace skycore::server {

inline constexpr std::string_view kDohPath = "/dns-query";
inline constexpr std::string_view kDohMediaType = "application/dns-message";

struct DohQuery {
  int status = 200;         // not 200: answer this status with `reason`, no DNS
  std::string reason;
  std::vector<uint8_t> message;
};

// `target` is the request target (path?query); `body` the POST body.
DohQuery parse_doh_request(std::string_view method, std::string_view target, std::span<const uint8_t> body);

// The smallest TTL of the answer and authority records, or -1 if none.
int64_t smallest_ttl(std::span<const uint8_t> response);

}  // namespace skycore::server
