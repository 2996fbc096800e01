// Building Kubernetes objects for tests in one line each.
#pragma once
#include <vector>

#include "plugins/kubernetes/objects.h"

namespace skycore::plugins::kubernetes::fixture {

inline Ip ip(const char* text) { return *parse_ip(text); }

inline Service service(const char* ns, const char* name, Service::Kind kind, std::vector<Ip> cluster_ips = {},
                       std::vector<Port> ports = {}) {
  Service s;
  s.ns = ns;
  s.name = name;
  s.kind = kind;
  s.cluster_ips = std::move(cluster_ips);
  s.ports = std::move(ports);
  return s;
}

struct EndpointSpec {
  std::vector<Ip> addresses;
  bool ready = true;
  const char* hostname = "";
  const char* pod = "";
};

inline EndpointSlice slice(const char* service, std::vector<EndpointSpec> endpoints, std::vector<Port> ports = {}) {
  EndpointSlice s;
  s.service = service;
  for (const auto& e : endpoints) s.add(e.addresses, e.ready, e.hostname, e.pod);
  s.ports = std::move(ports);
  return s;
}

}  // namespace skycore::plugins::kubernetes::fixture
