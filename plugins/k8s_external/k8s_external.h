// k8s_external: the cluster's Services as the outside sees them, under a
// zone of their own, as CoreDNS's k8s_external: <svc>.<ns>.<zone> answers
// with the Service's external IPs and load-balancer ingress addresses (or a
// CNAME to the ingress host name), SRV per port, and with `headless` a
// headless Service's endpoints. The apex has its SOA and NS, the name
// server ns1.<apex>.<zone>. The data comes from the kubernetes plugin of
// the same server block (core/plugin/external_source.h); the answer path is
// the shared ServiceAnswerer, as for kubernetes and skydns-registry.
#pragma once
#include <string>
#include <vector>

#include "core/plugin/external_source.h"
#include "core/plugin/fallthrough.h"
#include "core/plugin/plugin.h"
#include "core/plugin/service_answerer.h"

namespace skycore::plugins::k8s_external {

struct Config {
  std::vector<wire::Name> zones;
  std::string apex = "dns";
  uint32_t ttl = 5;
  bool headless = false;
  Fallthrough fallthrough;
};

class K8sExternal final : public Plugin, public ZoneTransferSource, private ServiceBackend {
 public:
  K8sExternal(Config cfg, size_t workers);
  std::string_view name() const override { return "k8s_external"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;
  void set_source(const ExternalSource* s) { source_ = s; }
  bool has_source() const { return source_ != nullptr; }
  const std::vector<wire::Name>& zones() const { return cfg_.zones; }
  const Config& config() const { return cfg_; }

  // ZoneTransferSource: SOA, NS and the name server, then the Services.
  bool transfers(const wire::Name& zone) const override;
  uint32_t transfer_serial(const wire::Name&) const override { return source_ ? source_->external_version() : 0; }
  void transfer(const wire::Name& zone, TransferWriter& out) const override;

 private:
  bool ready() const override { return source_ && source_->external_ready(); }
  Lookup services(const ServiceQuery& q, std::vector<ServiceEntry>& out) override;
  // The snapshot's version, so a secondary sees changes (CoreDNS's README
  // calls its serial static).
  uint32_t serial(const ServiceQuery&) const override { return source_ ? source_->external_version() : 0; }
  uint32_t min_ttl(const ServiceQuery&) const override { return cfg_.ttl; }

  Config cfg_;
  ZoneSoaStyle style_;
  ServiceAnswerer answerer_;
  const ExternalSource* source_ = nullptr;
};

}  // namespace skycore::plugins::k8s_external
