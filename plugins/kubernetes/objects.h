// The parts of Kubernetes objects that DNS needs, parsed from the API's JSON
// (list items and watch events alike). Everything else is dropped at once,
// so a large cluster costs little memory.
#pragma once
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "core/plugin/ip_bytes.h"
#include "core/plugin/json_view.h"

namespace skycore::plugins::kubernetes {

using Ip = IpBytes;
std::optional<Ip> parse_ip(const std::string& text);
// "1-2-3-4" / "fd00--1" as an endpoint or pod name uses it.
std::string dashed(const Ip& ip);
// The same into `buf` (at least 48 bytes), without allocating.
std::string_view dashed(const Ip& ip, char* buf);
// The address a dashed label carries (three dashes: IPv4), without allocating.
std::optional<Ip> undashed(std::string_view label);

struct Port {
  Port() = default;
  Port(std::string n, std::string_view protocol, uint16_t p) : name(std::move(n)), port(p) { set_protocol(protocol); }
  std::string name;  // lowercased; empty for an unnamed port
  uint16_t port = 0;
  char proto[6] = {};  // lowercased "tcp", "udp", "sctp": inline, not a second string
  std::string_view protocol() const { return {proto, strnlen(proto, sizeof proto)}; }
  // False (the port is left out) for a protocol longer than 6 letters,
  // which the API server does not accept anyway.
  bool set_protocol(std::string_view p);
  bool operator==(const Port&) const = default;
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
  bool operator==(const Service&) const = default;
};

// An EndpointSlice packed as DNS needs it: every endpoint's addresses in
// one array, the host and pod names in one string, 16 bytes per endpoint
// besides. A slice is immutable once parsed and shared by the object cache
// and every snapshot that answers from it (no second copy).
struct EndpointSlice {
  struct Endpoint {
    uint32_t first = 0;    // its addresses: ips[first, first + count)
    uint32_t names = 0;    // its hostname, then its pod name, in `names`
    uint8_t count = 0;
    uint8_t host_len = 0;  // lowercased; may be empty
    uint8_t pod_len = 0;   // targetRef name when it is a Pod
    bool ready = true;     // an absent condition means ready (API docs)
    bool operator==(const Endpoint&) const = default;
  };
  std::string service;  // the kubernetes.io/service-name label
  std::vector<Ip> ips;
  std::vector<Endpoint> endpoints;
  std::string names;
  std::vector<Port> ports;

  // Appends an endpoint (its names cut to 63 bytes, the longest label).
  void add(std::span<const Ip> addresses, bool ready, std::string_view hostname, std::string_view pod);
  std::span<const Ip> addresses(const Endpoint& e) const { return {ips.data() + e.first, e.count}; }
  std::string_view hostname(const Endpoint& e) const { return {names.data() + e.names, e.host_len}; }
  std::string_view pod(const Endpoint& e) const { return {names.data() + e.names + e.host_len, e.pod_len}; }
  // Gives back what parsing reserved beyond the slice's size.
  void shrink();
  bool operator==(const EndpointSlice&) const = default;
};
struct Pod {
  std::string ns, name;
  std::vector<Ip> ips;
  bool host_network = false;  // spec.hostNetwork: its address is the node's
};

struct Namespace {
  std::string name;
  bool operator==(const Namespace&) const = default;
};

// Each returns nullopt (and why) for an object that is not usable; the
// watcher logs it and carries on.
// The API's JSON is read in place (JsonView), straight into these forms.
std::optional<Service> parse_service(const JsonView& o, std::string& why);
std::optional<EndpointSlice> parse_endpoint_slice(const JsonView& o, std::string& why);
std::optional<Pod> parse_pod(const JsonView& o, std::string& why);
std::optional<Namespace> parse_namespace(const JsonView& o, std::string& why);

// metadata.namespace + "/" + metadata.name: the key an object is stored by.
std::string object_key(const JsonView& o);
// metadata.<field> as text ("" if absent or not a string).
std::string meta_text(const JsonView& o, const char* field);

}  // namespace skycore::plugins::kubernetes
