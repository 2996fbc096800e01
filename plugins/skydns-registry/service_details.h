// What a registration may carry beyond the SkyDNS 1 fields: named ports,
// tags and health checks (Consul's vocabulary). Most registrations have
// none, so a Service holds them behind one shared pointer that is null
// then, and every snapshot that holds the service shares the same copy.
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skycore::plugins::skydns_registry {

// How an instance's checks last came out. Ordered: the worst check decides.
enum class Health : uint8_t { passing, warning, critical };
std::string_view health_name(Health h);

struct HealthCheck {
  enum Kind : uint8_t { http, tcp };
  Kind kind = http;
  std::string address;  // IP literal (IPv6 without brackets)
  uint16_t port = 0;
  std::string path;     // HTTP: the request target, "/" at least
  std::chrono::milliseconds interval{10000};
  std::chrono::milliseconds timeout{2000};
  bool operator==(const HealthCheck&) const = default;
  // As registered: "http://127.0.0.1:8080/health" or "127.0.0.1:9000".
  std::string target() const;
};

struct NamedPort {
  std::string name;  // a DNS label: `_<name>._tcp.<service>` selects it
  uint16_t port = 0;
  bool operator==(const NamedPort&) const = default;
};

struct ServiceDetails {
  std::vector<NamedPort> ports;   // by name
  std::vector<std::string> tags;  // lowercased, sorted, unique
  std::vector<HealthCheck> checks;
  bool operator==(const ServiceDetails&) const = default;
  bool empty() const { return ports.empty() && tags.empty() && checks.empty(); }
  const NamedPort* port(std::string_view name) const;
  bool has_tag(std::string_view tag) const;
};
using DetailsPtr = std::shared_ptr<const ServiceDetails>;
bool same_details(const DetailsPtr& a, const DetailsPtr& b);

inline constexpr size_t kMaxChecks = 8;
inline constexpr size_t kMaxNamedPorts = 32;
inline constexpr size_t kMaxTags = 64;

// Reads the JSON values of "Ports" (an object of name: number), "Tags" (an
// array of strings) and "Checks" (an array of {"HTTP"|"TCP", "Interval",
// "Timeout"}), each given as its raw text or empty when absent. Returns a
// message for the client, or nullopt with `out` set (null if all absent).
std::optional<std::string> details_from_json(std::string_view ports, std::string_view tags,
                                             std::string_view checks, DetailsPtr& out);
// `,"Ports":{...},"Tags":[...],"Checks":[...]` for the members present, in
// the form details_from_json reads.
void append_details_json(std::string& out, const ServiceDetails& d);

}  // namespace skycore::plugins::skydns_registry
