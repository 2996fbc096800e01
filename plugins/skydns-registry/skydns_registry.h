// skydns-registry: services register over HTTP (the SkyDNS 1 API) with a
// TTL and are found over DNS as
//   <uuid>.<host>.<region>.<version>.<service>.<environment>.<zone>
// The registry (control plane) publishes snapshots; workers answer from their
// own cached snapshot pointer and compare one version number per query.
#pragma once
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/plugin/plugin.h"
#include "core/plugin/service_answerer.h"
#include "core/plugin/service_backend.h"
#include "core/wire/name.h"
#include "plugins/skydns-registry/catalogue.h"
#include "plugins/skydns-registry/registry.h"

namespace skycore::plugins::skydns_registry {

class SkydnsRegistry final : public Plugin, private ServiceBackend {
 public:
  // `keep` holds whatever must live as long as this plugin (the registry's
  // API and upkeep, shared with the next configuration after a reload).
  SkydnsRegistry(std::vector<wire::Name> zones, std::shared_ptr<Registry> registry, size_t workers,
                 std::shared_ptr<void> keep = nullptr);
  std::string_view name() const override { return "skydns-registry"; }
  asio::awaitable<Result> serve(Request& req, Next next) override { return answerer_.serve(req, next); }

 private:
  // ServiceBackend: look-ups in this worker's snapshot (lookup.h).
  uint16_t answer_type(uint16_t qtype) const override {
    return qtype == wire::rrtype::ANY ? wire::rrtype::SRV : qtype;  // SkyDNS answers ANY with SRV
  }
  Lookup services(const ServiceQuery& q, std::vector<ServiceEntry>& out) override;
  uint32_t serial(const ServiceQuery&) const override { return static_cast<uint32_t>(registry_->version()); }
  uint32_t min_ttl(const ServiceQuery&) const override;

  const Snapshot& view(uint16_t worker) { return views_.get(worker, registry_->source()); }

  std::shared_ptr<Registry> registry_;
  ServiceAnswerer answerer_;
  WorkerViews<Snapshot> views_;
  std::shared_ptr<void> keep_;
};

}  // namespace skycore::plugins::skydns_registry
