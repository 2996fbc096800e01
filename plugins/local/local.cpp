#include "plugins/local/local.h"

#include <array>

#include "core/plugin/qname.h"

namespace skycore::plugins::local {
namespace {

constexpr uint32_t kTtl = 604800;  // CoreDNS's

const wire::Name& localhost() {
  static const wire::Name n = *wire::Name::from_text("localhost.");
  return n;
}

const std::array<wire::Name, 4>& zones() {
  static const std::array<wire::Name, 4> z = {
      *wire::Name::from_text("localhost."), *wire::Name::from_text("0.in-addr.arpa."),
      *wire::Name::from_text("127.in-addr.arpa."), *wire::Name::from_text("255.in-addr.arpa.")};
  return z;
}

void soa(wire::MessageWriter& w, wire::Section s, const wire::Name& origin) {
  static const wire::Name rname = *wire::Name::from_text("root.localhost.");
  w.add_soa(s, origin, kTtl, localhost(), rname, 1, 0, 0, 0, kTtl);
}

void loopback(Request& req) {
  auto& w = req.response;
  static constexpr std::array<uint8_t, 4> v4 = {127, 0, 0, 1};
  static constexpr std::array<uint8_t, 16> v6 = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (req.query.qtype == wire::rrtype::A) w.add_a(wire::Section::answer, req.query.qname, kTtl, v4);
  else if (req.query.qtype == wire::rrtype::AAAA) w.add_aaaa(wire::Section::answer, req.query.qname, kTtl, v6);
  else soa(w, wire::Section::authority, req.query.qname);
}

}  // namespace

Local::Local(bool localhost_prefix, size_t workers) : prefix_(localhost_prefix), count_(workers) {}

asio::awaitable<Result> Local::serve(Request& req, Next next) {
  const auto& q = req.query;
  const wire::Name& qn = q.qname_lower;
  const bool under_localhost = qn.label_count() > 1 && qn.is_subdomain_of(localhost());
  const bool legacy_prefix = prefix_ && qn.label_count() > 1 && qn.first_label() == "localhost";
  if (under_localhost || legacy_prefix) {
    count_[req.worker].add();
    loopback(req);
    co_return Result::written(name(), wire::rcode::NOERROR);
  }
  const wire::Name* zone = longest_zone(zones(), qn);
  if (!zone) co_return co_await next(req);
  auto& w = req.response;
  // The zone as the client wrote it (its case).
  const wire::Name origin = q.qname.parent(qn.label_count() - zone->label_count());
  bool any = false;
  if (qn.equals_ignore_case(*zone)) {
    any = true;
    switch (q.qtype) {
      case wire::rrtype::A:
      case wire::rrtype::AAAA:
        if (zone == &zones()[0]) loopback(req);
        else soa(w, wire::Section::authority, q.qname);
        break;
      case wire::rrtype::SOA: soa(w, wire::Section::answer, q.qname); break;
      case wire::rrtype::NS: w.add_name_rr(wire::Section::answer, q.qname, wire::rrtype::NS, kTtl, localhost()); break;
      default: soa(w, wire::Section::authority, q.qname);
    }
  } else if (static const wire::Name ptr = *wire::Name::from_text("1.0.0.127.in-addr.arpa."); qn.equals_ignore_case(ptr)) {
    any = true;
    if (q.qtype == wire::rrtype::PTR) w.add_name_rr(wire::Section::answer, q.qname, wire::rrtype::PTR, kTtl, localhost());
    else soa(w, wire::Section::authority, origin);
  }
  if (!any) {
    soa(w, wire::Section::authority, origin);
    w.set_rcode(wire::rcode::NXDOMAIN);
    co_return Result::written(name(), wire::rcode::NXDOMAIN);
  }
  co_return Result::written(name(), wire::rcode::NOERROR);
}

}  // namespace skycore::plugins::local
