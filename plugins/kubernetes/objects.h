// The parts of Kubernetes objects that DNS needs, parsed from the API's JSON
// (list items and watch events alike). Everything else is dropped at once,
// so a large cluster costs little memory.
#pragma once
#include <Poco/JSON/Object.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/plugin/ip_bytes.h"

namespace skycore::plugins::kubernetes {

using Ip = IpBytes;
std::optional<Ip> parse_ip(const std::string& text);
// "1-2-3-4" / "fd00--1" as an endpoint or pod name uses it.
std::string dashed(const Ip& ip);

struct Port {
  std::string name;      // lowercased; empty for an unnamed port
  std::string protocol;  // "tcp", "udp", "sctp"
  uint16_t port = 0;
};

struct Service {
  std::string ns, name;  // lowercased
  enum class Kind { cluster_ip, headless, external_name } kind = Kind::cluster_ip;
  std::vector<Ip> cluster_ips;
  std::string external_name;  // lowercased, no trailing dot
  std::vector<Port> ports;
  bool publish_not_ready = false;  // or the tolerate-unready annotation
  std::vector<Ip> external_ips;    // spec.externalIPs, then status.loadBalancer.ingress[].ip
  std::string external_host;       // the first ingress hostname (lowercased, no dot), if no ip
};

struct Endpoint {
  std::vector<Ip> addresses;
  bool ready = true;  // an absent condition means ready (API docs)
  std::string hostname;  // lowercased; may be empty
  std::string pod;       // targetRef name when it is a Pod
};

struct EndpointSlice {
  std::string ns, name;
  std::string service;  // the kubernetes.io/service-name label
  std::vector<Endpoint> endpoints;
  std::vector<Port> ports;
};

struct Pod {
  std::string ns, name;
  std::vector<Ip> ips;
  bool host_network = false;  // spec.hostNetwork: its address is the node's
};

struct Namespace {
  std::string name;
};

// Each returns nullopt (and why) for an object that is not usable; the
// watcher logs it and carries on.
std::optional<Service> parse_service(const Poco::JSON::Object::Ptr& o, std::string& why);
std::optional<EndpointSlice> parse_endpoint_slice(const Poco::JSON::Object::Ptr& o, std::string& why);
std::optional<Pod> parse_pod(const Poco::JSON::Object::Ptr& o, std::string& why);
std::optional<Namespace> parse_namespace(const Poco::JSON::Object::Ptr& o, std::string& why);

// metadata.namespace + "/" + metadata.name: the key an object is stored by.
std::string object_key(const Poco::JSON::Object::Ptr& o);

}  // namespace skycore::plugins::kubernetes
