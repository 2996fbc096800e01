// The whole answer path of a plugin that answers zones from a
// ServiceBackend, as CoreDNS's etcd and kubernetes ServeDNS: the longest
// zone, the apex and ns.dns.<zone>, reverse names, NXDOMAIN with SOA or
// fallthrough. The plugin keeps only its look-ups.
#pragma once
#include <asio/awaitable.hpp>
#include <string_view>
#include <vector>

#include "core/plugin/fallthrough.h"
#include "core/plugin/plugin.h"
#include "core/plugin/service_backend.h"
#include "core/plugin/zone_soa.h"

namespace skycore {

class ServiceAnswerer {
 public:
  ServiceAnswerer(std::string_view plugin, std::vector<wire::Name> zones, ServiceBackend& backend,
                  Fallthrough fallthrough, size_t workers, ZoneSoaStyle style = {});
  asio::awaitable<Result> serve(Request& req, Next next);
  const std::vector<wire::Name>& zones() const { return zones_; }

 private:
  // Per-worker scratch the backend fills: reused, so no allocation once warm.
  struct alignas(64) Scratch {
    std::vector<ServiceEntry> entries;
  };
  std::string_view plugin_;
  std::vector<wire::Name> zones_;
  ServiceBackend& backend_;
  Fallthrough fallthrough_;
  ZoneSoaStyle style_;
  std::vector<Scratch> scratch_;
};

}  // namespace skycore
