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

}  // namespace skycore::plugins::kubernetes::fixture
