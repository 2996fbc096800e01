#include "plugins/acl/acl.h"

#include <algorithm>

#include "core/wire/header.h"

namespace skycore::plugins::acl {

const Rule* match(const Policy& p, uint16_t qtype, const IpBytes& source) {
  for (const Rule& r : p.rules) {
    if (!r.types.empty() && std::find(r.types.begin(), r.types.end(), qtype) == r.types.end()) continue;
    if (!r.nets.empty() &&
        std::none_of(r.nets.begin(), r.nets.end(), [&](const Subnet& n) { return n.contains(source); }))
      continue;
    return &r;
  }
  return nullptr;
}

Acl::Acl(std::vector<Policy> policies, size_t workers) : policies_(std::move(policies)), allowed_(workers) {
  for (const Policy& p : policies_) {
    first_zone_.push_back(zone_counters_.size());
    for (size_t i = 0; i < p.zones.size(); ++i) zone_counters_.push_back(std::make_unique<PerWorker<Counters>>(workers));
  }
}

namespace {

// The longest of `zones` that `qname` is in, or -1.
int matched_zone(const std::vector<wire::Name>& zones, const wire::Name& qname) {
  int best = -1;
  size_t best_len = 0;
  for (size_t i = 0; i < zones.size(); ++i)
    if (qname.is_subdomain_of(zones[i]) && (best < 0 || zones[i].size() > best_len)) {
      best = static_cast<int>(i);
      best_len = zones[i].size();
    }
  return best;
}

// RFC 8914 Extended DNS Error, without EXTRA-TEXT, for an EDNS client.
void add_ede(Request& req, uint16_t code) {
  if (!req.query.edns.present) return;
  const uint8_t opt[6] = {0, 15, 0, 2, static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code)};
  req.response.add_opt(wire::kDefaultUdpCap, 0, req.query.edns.do_bit, opt);
}

}  // namespace

asio::awaitable<Result> Acl::serve(Request& req, Next next) {
  const IpBytes source = ip_bytes(req.remote_addr);
  for (size_t p = 0; p < policies_.size(); ++p) {
    const int zone = matched_zone(policies_[p].zones, req.query.qname_lower);
    if (zone < 0) continue;
    const Rule* rule = match(policies_[p], req.query.qtype, source);
    if (!rule) continue;
    Counters& c = (*zone_counters_[first_zone_[p] + size_t(zone)])[req.worker];
    switch (rule->action) {
      case Action::allow:
        break;
      case Action::drop:
        c.dropped.add();
        req.response.reset({}, 0);  // nothing is sent
        co_return Result::written(name(), wire::rcode::REFUSED);
      case Action::block:
        c.blocked.add();
        req.response.set_rcode(wire::rcode::REFUSED);
        add_ede(req, 15);  // Blocked
        co_return Result::written(name(), wire::rcode::REFUSED);
      case Action::filter:
        c.filtered.add();
        add_ede(req, 17);  // Filtered
        co_return Result::written(name(), wire::rcode::NOERROR);
    }
    break;  // allowed: no later policy is asked
  }
  allowed_[req.worker].add();
  co_return co_await next(req);
}

void Acl::collect(std::vector<prometheus::MetricFamily>& out, const std::string& server) const {
  auto blocked = counter_family("skycore_acl_blocked_requests_total", "Counter of DNS requests being blocked.");
  auto filtered = counter_family("skycore_acl_filtered_requests_total", "Counter of DNS requests being filtered.");
  auto dropped = counter_family("skycore_acl_dropped_requests_total", "Counter of DNS requests being dropped.");
  auto allowed = counter_family("skycore_acl_allowed_requests_total", "Counter of DNS requests being allowed.");
  for (size_t p = 0; p < policies_.size(); ++p)
    for (size_t z = 0; z < policies_[p].zones.size(); ++z) {
      const auto& counters = *zone_counters_[first_zone_[p] + z];
      std::vector<prometheus::ClientMetric::Label> labels{
          {"server", server}, {"zone", policies_[p].zones[z].to_text()}, {"view", ""}};
      add_value(blocked, labels, double(counters.sum([](const Counters& c) { return c.blocked.get(); })));
      add_value(filtered, labels, double(counters.sum([](const Counters& c) { return c.filtered.get(); })));
      add_value(dropped, labels, double(counters.sum([](const Counters& c) { return c.dropped.get(); })));
    }
  add_value(allowed, {{"server", server}, {"view", ""}}, double(allowed_.sum([](const WorkerCounter& c) { return c.get(); })));
  for (auto* f : {&blocked, &filtered, &dropped, &allowed}) {
    sum_duplicate_series(*f);
    out.push_back(std::move(*f));
  }
}

}  // namespace skycore::plugins::acl
