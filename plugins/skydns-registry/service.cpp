#include "plugins/skydns-registry/service.h"

#include <asio/ip/address.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "core/wire/name.h"

namespace skycore::plugins::skydns_registry {
std::string dashed(std::string s) {
  std::replace(s.begin(), s.end(), '.', '-');
  return s;
}

namespace {

// A DNS label as SkyDNS names need it: letters, digits, dashes and
// underscores, 1..63 octets ("*" and "any" are reserved for wildcards).
bool is_label(const std::string& s) {
  if (s.empty() || s.size() > 63 || s == "*" || s == "any") return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
}

}  // namespace

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

uint32_t Service::remaining(WallClock::time_point now) const {
  if (ttl == 0) return 0;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(expires - now).count();
  return left < 1 ? 1 : static_cast<uint32_t>(left);
}

std::optional<std::string> normalise(Service& s) {
  s.uuid = lower(s.uuid);
  s.name = lower(s.name);
  s.version = lower(s.version);
  s.environment = lower(s.environment);
  s.region = lower(s.region);
  s.host = lower(s.host);
  if (s.host.empty()) return "missing Host";
  if (s.port == 0) return "missing Port (1..65535)";
  if (!is_label(s.uuid)) return fmt::format("UUID '{}' is not a valid DNS label", s.uuid);
  const std::pair<const char*, std::string> parts[] = {
      {"Name", s.name}, {"Version", dashed(s.version)}, {"Environment", s.environment}, {"Region", s.region}};
  for (const auto& [field, value] : parts)
    if (!is_label(value)) return fmt::format("{} '{}' is not a valid DNS label", field, value);
  if (!host_is_ip(s)) {
    // A host name must be a valid name (it is the SRV target) and becomes
    // one dashed label of the service's own name too.
    if (!wire::Name::from_text(s.host) || s.host.front() == '.')
      return fmt::format("Host '{}' is not a valid host name", s.host);
    std::string h = dashed(s.host);
    if (!is_label(h) && h.size() <= 63) return fmt::format("Host '{}' is not a valid host name", s.host);
    if (h.size() > 63) return fmt::format("Host '{}' is too long for one DNS label", s.host);
  }
  return std::nullopt;
}

Labels labels_of(const Service& s) {
  std::string host = dashed(s.host);
  std::replace(host.begin(), host.end(), ':', '-');  // IPv6 hosts
  return {s.uuid, host, s.region, dashed(s.version), s.name, s.environment};
}

bool host_is_ip(const Service& s) {
  asio::error_code ec;
  asio::ip::make_address(s.host, ec);
  return !ec;
}

}  // namespace skycore::plugins::skydns_registry
