#include "plugins/any/any.h"

#include <array>
#include <cstring>

namespace skycore::plugins::any {

asio::awaitable<Result> Any::serve(Request& req, Next next) {
  if (req.query.qtype != wire::rrtype::ANY) co_return co_await next(req);
  // HINFO "ANY obsoleted" "See RFC 8482", TTL 8482 (CoreDNS's record).
  static constexpr std::string_view cpu = "ANY obsoleted", os = "See RFC 8482";
  std::array<uint8_t, 2 + cpu.size() + os.size()> rdata;
  rdata[0] = uint8_t(cpu.size());
  std::memcpy(&rdata[1], cpu.data(), cpu.size());
  rdata[1 + cpu.size()] = uint8_t(os.size());
  std::memcpy(&rdata[2 + cpu.size()], os.data(), os.size());
  req.response.add_opaque(wire::Section::answer, req.query.qname, 13 /* HINFO */, wire::rrclass::IN, 8482, rdata);
  co_return Result::written(name(), wire::rcode::NOERROR);
}

}  // namespace skycore::plugins::any
