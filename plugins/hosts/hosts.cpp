#include "plugins/hosts/hosts.h"

#include <algorithm>

#include "core/plugin/qname.h"
#include "core/wire/header.h"

namespace skycore::plugins::hosts {
namespace {

// The file's records first, then the inline ones it does not already have
// (CoreDNS appends both lists; a record twice in an RRset is not useful).
template <class T, class Add>
void each_unique(std::span<const T> first, std::span<const T> second, Add&& add) {
  for (const auto& x : first)
    if (!add(x)) return;  // the response is full (TC is set)
  for (const auto& x : second)
    if (std::find(first.begin(), first.end(), x) == first.end() && !add(x)) return;
}

}  // namespace

Hosts::Hosts(Config cfg, HostsTable inline_entries, size_t workers)
    : cfg_(std::move(cfg)),
      inline_(std::move(inline_entries)),
      file_(cfg_.path, cfg_.zones, cfg_.reverse),
      views_(workers) {}

bool Hosts::falls_through(const wire::Name& qname) const {
  return cfg_.fallthrough.covers(qname);
}

// CoreDNS's ServeDNS, step by step: names outside the zones go on (except
// PTR, whose reverse zones need not be listed); PTR for an unknown address
// goes on; a name with no address at all falls through or gets SERVFAIL
// (CoreDNS has no SOA to write an NXDOMAIN with); a known name gets its
// records of the asked type, or an empty NOERROR (no SOA either).
Action Hosts::answer(Request& req) {
  const wire::Query& q = req.query;
  const wire::Name& qname = q.qname_lower;
  if (q.qtype != wire::rrtype::PTR && !in_any_zone(cfg_.zones, qname)) return Action::next;
  const HostsTable& file = view(req.worker);
  auto& w = req.response;
  const uint32_t ttl = cfg_.ttl;
  const auto sec = wire::Section::answer;
  if (q.qtype == wire::rrtype::PTR) {
    auto addr = reverse_address(qname);
    if (!addr) return Action::next;
    auto names_file = file.names(*addr), names_inline = inline_.names(*addr);
    if (names_file.empty() && names_inline.empty()) return Action::next;
    w.set_flag(wire::flag::AA);
    each_unique(names_file, names_inline, [&](const std::string& n) {
      auto target =
          wire::Name::from_wire_unchecked({reinterpret_cast<const uint8_t*>(n.data()), n.size()});
      return w.add_name_rr(sec, q.qname, wire::rrtype::PTR, ttl, target);
    });
    return Action::written;
  }
  const bool supported = q.qtype == wire::rrtype::A || q.qtype == wire::rrtype::AAAA;
  if (!supported && cfg_.fallthrough_unsupported && falls_through(qname)) return Action::next;
  const bool known = !file.v4(qname).empty() || !inline_.v4(qname).empty() ||
                     !file.v6(qname).empty() || !inline_.v6(qname).empty();
  if (!known) return falls_through(qname) ? Action::next : Action::servfail;

  w.set_flag(wire::flag::AA);
  if (q.qtype == wire::rrtype::A) {
    each_unique(file.v4(qname), inline_.v4(qname), [&](const V4& ip) {
      return w.add_a(sec, q.qname, ttl, std::span<const uint8_t, 4>(ip));
    });
  } else if (q.qtype == wire::rrtype::AAAA) {
    each_unique(file.v6(qname), inline_.v6(qname), [&](const V6& ip) {
      return w.add_aaaa(sec, q.qname, ttl, std::span<const uint8_t, 16>(ip));
    });
  }
  return Action::written;
}

asio::awaitable<Result> Hosts::serve(Request& req, Next next) {
  switch (answer(req)) {
    case Action::written: co_return Result::written(name(), wire::rcode::NOERROR);
    case Action::servfail: co_return Result::unanswered(name(), wire::rcode::SERVFAIL);
    case Action::next: break;
  }
  co_return co_await next(req);
}

}  // namespace skycore::plugins::hosts
