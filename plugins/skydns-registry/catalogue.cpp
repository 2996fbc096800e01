#include "plugins/skydns-registry/catalogue.h"

#include <fmt/format.h>

#include <algorithm>
#include <toml++/toml.h>

namespace skycore::plugins::skydns_registry {
namespace {

// One [[service]] table; field names are case-insensitive, as in the API.
Service service_from(const toml::table& t, const std::string& path, WallClock::time_point now) {
  Service s;
  auto line = t.source().begin.line;
  auto fail = [&](const std::string& why) {
    return std::runtime_error(fmt::format("{}:{}: {}", path, line, why));
  };
  for (const auto& [key_binding, value_binding] : t) {
    // Named references: the lambdas below capture them (clang 14 cannot
    // capture structured bindings).
    const auto& key = key_binding;
    const auto& value = value_binding;
    std::string k = lower(key.str());
    auto text = [&]() -> std::string {
      if (auto v = value.value<std::string>()) return *v;
      throw fail(fmt::format("{} must be a string", key.str()));
    };
    auto number = [&](int64_t max) -> int64_t {
      auto v = value.value<int64_t>();
      if (!v || *v < 0 || *v > max) throw fail(fmt::format("{} must be a number from 0 to {}", key.str(), max));
      return *v;
    };
    if (k == "uuid") s.uuid = text();
    else if (k == "name") s.name = text();
    else if (k == "version") s.version = text();
    else if (k == "environment") s.environment = text();
    else if (k == "region") s.region = text();
    else if (k == "host") s.host = text();
    else if (k == "port") s.port = static_cast<uint16_t>(number(65535));
    else if (k == "ttl") s.ttl = static_cast<uint32_t>(number(UINT32_MAX));
    else throw fail(fmt::format("unknown field '{}'", key.str()));
  }
  if (s.uuid.empty()) throw fail("missing UUID");
  if (auto why = normalise(s)) throw fail(*why);
  if (s.ttl > 0) s.expires = now + std::chrono::seconds(s.ttl);
  return s;
}

}  // namespace

std::vector<Service> read_catalogue(const std::string& path, WallClock::time_point now) {
  if (!std::filesystem::is_regular_file(path)) throw std::runtime_error(fmt::format("cannot read '{}'", path));
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw std::runtime_error(fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
  }
  std::vector<Service> out;
  for (const auto& [key, node] : doc) {
    if (key.str() != "service") {
      throw std::runtime_error(fmt::format("{}:{}: unexpected '{}' (want [[service]] tables)", path,
                                           node.source().begin.line, key.str()));
    }
    const auto* arr = node.as_array();
    if (!arr) throw std::runtime_error(fmt::format("{}:{}: 'service' must be [[service]] tables", path, node.source().begin.line));
    for (const auto& item : *arr) {
      const auto* t = item.as_table();
      if (!t) throw std::runtime_error(fmt::format("{}:{}: a service must be a table", path, item.source().begin.line));
      Service s = service_from(*t, path, now);
      for (const auto& seen : out)
        if (seen.uuid == s.uuid)
          throw std::runtime_error(fmt::format("{}:{}: UUID '{}' is listed twice", path, t->source().begin.line, s.uuid));
      out.push_back(std::move(s));
    }
  }
  return out;
}

bool CatalogueWatch::changed() {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(path_, ec);
  auto size = std::filesystem::file_size(path_, ec);
  if (ec) return false;  // gone or unreadable for now: keep what we have
  if (mtime == mtime_ && size == size_) return false;
  mtime_ = mtime;
  size_ = size;
  return true;
}

}  // namespace skycore::plugins::skydns_registry
