#include "core/plugin/service_answerer.h"

#include "core/plugin/qname.h"
#include "core/plugin/record_builder.h"
#include "core/wire/header.h"

namespace skycore {

ServiceAnswerer::ServiceAnswerer(std::string_view plugin, std::vector<wire::Name> zones, ServiceBackend& backend,
                                 Fallthrough fallthrough, size_t workers, ZoneSoaStyle style)
    : plugin_(plugin),
      zones_(std::move(zones)),
      backend_(backend),
      fallthrough_(std::move(fallthrough)),
      style_(std::move(style)),
      scratch_(std::max<size_t>(workers, 1)) {}

asio::awaitable<Result> ServiceAnswerer::serve(Request& req, Next next) {
  const wire::Name* zone = longest_zone(zones_, req.query.qname_lower);
  if (!zone) co_return co_await next(req);
  auto& w = req.response;
  if (!backend_.ready()) {  // before the first sync an answer would be a lie
    w.set_rcode(wire::rcode::SERVFAIL);
    co_return Result::written(plugin_, wire::rcode::SERVFAIL);
  }
  w.set_flag(wire::flag::AA);

  QnameLabels labels(req.query.qname_lower);
  const ServiceQuery q{req, *zone, labels.above(*zone), backend_.answer_type(req.query.qtype)};
  RecordBuilder out(req, *zone, backend_.serial(q), backend_.min_ttl(q), style_);
  if (q.labels.empty()) {
    out.apex();
    co_return Result::written(plugin_, wire::rcode::NOERROR);
  }
  if (q.labels.size() == 2 && q.labels[0] == style_.host && q.labels[1] == style_.apex) {
    out.ns_target();  // the apex NS's target: this server's own address, as CoreDNS
    co_return Result::written(plugin_, wire::rcode::NOERROR);
  }

  auto& entries = scratch_[req.worker < scratch_.size() ? req.worker : 0].entries;
  entries.clear();
  Lookup found = Lookup::nxdomain;
  if (backend_.answers_reverse() && is_reverse_zone(*zone)) {
    if (auto ip = reverse_address(req.query.qname_lower)) found = backend_.reverse(q, *ip, entries);
    if (q.qtype != wire::rrtype::PTR) entries.clear();  // a reverse name has PTR records only
  } else {
    found = backend_.services(q, entries);
  }
  if (found == Lookup::found) {
    out.answer(q.qtype, entries);
    for (const auto& e : entries)
      if (e.alias) {
        co_await chase_alias(req, e.target, req.query.qtype);
        break;
      }
    co_return Result::written(plugin_, wire::rcode::NOERROR);
  }
  if (fallthrough_.covers(req.query.qname_lower)) co_return co_await next(req);
  if (!backend_.complete()) {
    // A name not found may well exist, and clients would cache an NXDOMAIN
    // (CoreDNS answers SERVFAIL too).
    w.set_rcode(wire::rcode::SERVFAIL);
    co_return Result::written(plugin_, wire::rcode::SERVFAIL);
  }
  out.nxdomain();
  co_return Result::written(plugin_, wire::rcode::NXDOMAIN);
}

}  // namespace skycore
