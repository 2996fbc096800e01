#include "plugins/k8s_external/k8s_external.h"

#include "core/plugin/zone_soa.h"

namespace skycore::plugins::k8s_external {
namespace {

ZoneSoaStyle style_for(const Config& cfg) {
  ZoneSoaStyle s;
  s.host = "ns1";
  s.apex = cfg.apex;
  s.hostmaster_under_apex = true;  // as CoreDNS's apex.go (its README's example is older)
  return s;
}

}  // namespace

K8sExternal::K8sExternal(Config cfg, size_t workers)
    : cfg_(std::move(cfg)),
      style_(style_for(cfg_)),
      answerer_("k8s_external", cfg_.zones, *this, cfg_.fallthrough, workers, style_) {}

bool K8sExternal::transfers(const wire::Name& zone) const {
  if (!source_ || !source_->external_ready()) return false;
  for (const auto& z : cfg_.zones)
    if (z.equals_ignore_case(zone)) return true;
  return false;
}

void K8sExternal::transfer(const wire::Name& zone, TransferWriter& out) const {
  const Request& req = out.request();
  const uint32_t ttl = cfg_.ttl, serial = source_->external_version();
  auto soa = [&] {
    out.add([&](wire::MessageWriter& w) {
      return add_zone_soa(w, wire::Section::answer, zone, zone, ttl, serial, ttl, style_);
    });
  };
  soa();
  out.add([&](wire::MessageWriter& w) {
    return w.add_name_rr(wire::Section::answer, zone, wire::rrtype::NS, ttl, zone_ns_name(zone, style_));
  });
  out.add([&](wire::MessageWriter& w) {
    return add_ns_address(w, wire::Section::answer, zone, req.local_addr, ttl, wire::rrtype::ANY, style_);
  });
  source_->external_transfer(zone, cfg_.headless, ttl, out);
  soa();
}

Lookup K8sExternal::services(const ServiceQuery& q, std::vector<ServiceEntry>& out) {
  // <apex>.<zone> holds only the name server: itself NODATA, the rest NXDOMAIN.
  if (!q.labels.empty() && q.labels.back() == cfg_.apex)
    return q.labels.size() == 1 ? Lookup::found : Lookup::nxdomain;
  return source_->external(q, cfg_.headless, cfg_.ttl, out);
}

asio::awaitable<Result> K8sExternal::serve(Request& req, Next next) {
  if (!source_) co_return co_await next(req);
  co_return co_await answerer_.serve(req, next);
}

}  // namespace skycore::plugins::k8s_external
