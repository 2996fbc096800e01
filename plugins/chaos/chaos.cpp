#include "plugins/chaos/chaos.h"

#include <array>

#include "core/wire/header.h"

namespace skycore::plugins::chaos {
namespace {

// One TXT record of class CH: a single character-string (at most 255 bytes).
void add_ch_txt(wire::MessageWriter& w, const wire::Name& owner, std::string_view text) {
  std::array<uint8_t, 256> rdata;
  size_t n = std::min<size_t>(text.size(), 255);
  rdata[0] = static_cast<uint8_t>(n);
  std::copy_n(text.begin(), n, rdata.begin() + 1);
  w.add_opaque(wire::Section::answer, owner, wire::rrtype::TXT, wire::rrclass::CH, 0,
               std::span<const uint8_t>(rdata.data(), n + 1));
}

// The names answered, and what each one asks for.
enum class Asks { version, authors, hostname, nothing };
Asks asks(const wire::Name& qname) {
  static const std::pair<wire::Name, Asks> names[] = {
      {*wire::Name::from_text("version.bind."), Asks::version},
      {*wire::Name::from_text("version.server."), Asks::version},
      {*wire::Name::from_text("authors.bind."), Asks::authors},
      {*wire::Name::from_text("hostname.bind."), Asks::hostname},
      {*wire::Name::from_text("id.server."), Asks::hostname}};
  for (const auto& [n, what] : names)
    if (qname.equals_ignore_case(n)) return what;
  return Asks::nothing;
}

}  // namespace

asio::awaitable<Result> Chaos::serve(Request& req, Next next) {
  const auto& q = req.query;
  if (q.qclass != wire::rrclass::CH || q.qtype != wire::rrtype::TXT) co_return co_await next(req);
  auto& w = req.response;
  switch (asks(q.qname_lower)) {
    case Asks::version: add_ch_txt(w, q.qname, version_); break;
    case Asks::authors:
      for (const auto& a : authors_) add_ch_txt(w, q.qname, a);
      break;
    case Asks::hostname: add_ch_txt(w, q.qname, hostname_); break;
    case Asks::nothing: co_return co_await next(req);
  }
  co_return Result::written(name(), wire::rcode::NOERROR);
}

}  // namespace skycore::plugins::chaos
