#include "core/server/doh_request.h"

#include "core/plugin/base64url.h"
#include "core/wire/header.h"
#include "core/wire/reader.h"
#include "core/wire/types.h"

namespace skycore::server {
namespace {

// The value of `key` in a query string, or nullopt; a second one is an error.
struct Param {
  bool found = false, repeated = false;
  std::string_view value;
};

Param find_param(std::string_view query, std::string_view key) {
  Param p;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) != key) continue;
    if (p.found) p.repeated = true;
    p.found = true;
    p.value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
  }
  return p;
}

}  // namespace

DohQuery parse_doh_request(std::string_view method, std::string_view target, std::span<const uint8_t> body) {
  DohQuery q;
  auto qmark = target.find('?');
  std::string_view path = target.substr(0, qmark);
  std::string_view query = qmark == std::string_view::npos ? std::string_view() : target.substr(qmark + 1);
  if (path != kDohPath) return {404, "not found: DNS queries go to /dns-query", {}};
  if (method == "GET") {
    Param p = find_param(query, "dns");
    if (!p.found) return {400, "no 'dns' query parameter found", {}};
    if (p.repeated) return {400, "multiple 'dns' query values found", {}};
    if (!base64url_decode(p.value, q.message)) return {400, "the 'dns' parameter is not base64url", {}};
  } else if (method == "POST") {
    q.message.assign(body.begin(), body.end());
  } else {
    return {405, "only GET and POST", {}};
  }
  if (q.message.size() < wire::kHeaderSize) return {400, "not a DNS message", {}};
  return q;
}

int64_t smallest_ttl(std::span<const uint8_t> response) {
  if (response.size() < wire::kHeaderSize) return -1;
  wire::HeaderView h{response.data()};
  wire::WireReader r(response, wire::kHeaderSize);
  r.skip_questions(h.qdcount());
  int64_t least = -1;
  for (unsigned i = 0; i < unsigned(h.ancount()) + h.nscount() && r.ok(); ++i) {
    r.skip_name();
    r.u16();  // type
    r.u16();  // class
    uint32_t ttl = r.u32();
    uint16_t len = r.u16();
    r.skip(len);
    if (r.ok() && (least < 0 || ttl < least)) least = ttl;
  }
  return least;
}

}  // namespace skycore::server
