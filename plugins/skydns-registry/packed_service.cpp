#include "plugins/skydns-registry/packed_service.h"

#include <stdexcept>

namespace skycore::plugins::skydns_registry {

PackedService::PackedService(const Service& s, std::initializer_list<std::string_view> extras)
    : port(s.port), ttl(s.ttl), expires(s.expires), revision(s.revision), lease(s.lease), details(s.details), health(s.health) {
  if (extras.size() > kMaxExtras) throw std::length_error("too many extra fields");
  const std::string_view fixed[] = {s.uuid, s.name, s.version, s.environment, s.region, s.host, s.key};
  size_t total = 0;
  for (auto f : fixed) total += f.size();
  for (auto f : extras) total += f.size();
  if (total > 0xffff) throw std::length_error("service text over 64 KiB");
  text_.reserve(total);
  size_t i = 0;
  auto add = [&](std::string_view f) {
    at_[i++] = static_cast<uint16_t>(text_.size());
    text_ += f;
  };
  for (auto f : fixed) add(f);
  for (auto f : extras) add(f);
  while (i < at_.size()) at_[i++] = static_cast<uint16_t>(text_.size());
}

uint32_t PackedService::remaining(WallClock::time_point now) const {
  if (ttl == 0) return 0;
  auto left = std::chrono::duration_cast<std::chrono::seconds>(expires - now).count();
  return left < 1 ? 1 : static_cast<uint32_t>(left);
}

Service PackedService::unpack() const {
  Service s;
  s.uuid = uuid();
  s.name = name();
  s.version = version();
  s.environment = environment();
  s.region = region();
  s.host = host();
  s.key = key();
  s.port = port;
  s.ttl = ttl;
  s.expires = expires;
  s.revision = revision;
  s.lease = lease;
  s.details = details;
  s.health = health;
  return s;
}

}  // namespace skycore::plugins::skydns_registry
