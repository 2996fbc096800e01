#include "plugins/skydns-registry/service_details.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <asio/ip/address.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/corefile/duration.h"
#include "core/plugin/json_text.h"
#include "plugins/skydns-registry/service.h"

namespace skycore::plugins::skydns_registry {
namespace {

using Error = std::optional<std::string>;
using std::chrono::milliseconds;

bool is_label(const std::string& s) {
  if (s.empty() || s.size() > 63 || s == "*" || s == "any") return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

// Poco's parser for these nested values: they are small and rare (most
// registrations have none), and the flat members go through json_members.
Poco::Dynamic::Var parse(std::string_view text) { return Poco::JSON::Parser().parse(std::string(text)); }

Error read_ports(std::string_view text, ServiceDetails& d) {
  Poco::JSON::Object::Ptr obj;
  try {
    obj = parse(text).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    return "Ports must be an object of name: port";
  }
  if (obj->size() > kMaxNamedPorts) return fmt::format("at most {} named Ports", kMaxNamedPorts);
  for (const auto& [key, value] : *obj) {
    std::string name = lower(key);
    if (!is_label(name)) return fmt::format("port name '{}' is not a DNS label", key);
    int64_t n = 0;
    try {
      if (!value.isInteger()) throw std::exception();
      n = value.convert<int64_t>();
    } catch (const std::exception&) {
      return fmt::format("port '{}' must be a number", key);
    }
    if (n < 1 || n > 65535) return fmt::format("port '{}' must be between 1 and 65535", key);
    for (const auto& p : d.ports)
      if (p.name == name) return fmt::format("port '{}' is named twice", key);
    d.ports.push_back({name, static_cast<uint16_t>(n)});
  }
  std::sort(d.ports.begin(), d.ports.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return std::nullopt;
}

Error read_tags(std::string_view text, ServiceDetails& d) {
  Poco::JSON::Array::Ptr arr;
  try {
    arr = parse(text).extract<Poco::JSON::Array::Ptr>();
  } catch (const std::exception&) {
    return "Tags must be an array of strings";
  }
  if (arr->size() > kMaxTags) return fmt::format("at most {} Tags", kMaxTags);
  for (const auto& v : *arr) {
    if (!v.isString()) return "Tags must be an array of strings";
    std::string tag = lower(v.extract<std::string>());
    if (!is_label(tag)) return fmt::format("tag '{}' is not a DNS label", v.extract<std::string>());
    d.tags.push_back(tag);
  }
  std::sort(d.tags.begin(), d.tags.end());
  d.tags.erase(std::unique(d.tags.begin(), d.tags.end()), d.tags.end());
  return std::nullopt;
}

// "IP:PORT" or "[IPv6]:PORT".
Error read_host_port(std::string_view text, HealthCheck& c) {
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return "a check's address must be IP:PORT";
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return "a check's address must be IP:PORT";
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  asio::error_code ec;
  auto ip = asio::ip::make_address(std::string(host), ec);
  if (ec) return fmt::format("a check's host '{}' must be an IP address", host);
  if (ip.is_v6() != text.starts_with('[')) return "an IPv6 check address needs brackets: [::1]:PORT";
  unsigned n = 0;
  auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), n);
  if (err != std::errc() || end != port.data() + port.size() || n < 1 || n > 65535)
    return fmt::format("a check's port '{}' must be between 1 and 65535", port);
  c.address = ip.to_string();
  c.port = static_cast<uint16_t>(n);
  return std::nullopt;
}

Error read_check(const Poco::JSON::Object& o, HealthCheck& c) {
  auto field = [&](const char* want) -> const Poco::Dynamic::Var* {
    for (const auto& [key, value] : o)
      if (lower(key) == lower(want)) return &value;
    return nullptr;
  };
  auto text = [&](const char* name, std::string& out) -> Error {
    const auto* v = field(name);
    if (!v || v->isEmpty()) return std::nullopt;
    if (!v->isString()) return fmt::format("a check's {} must be a string", name);
    out = v->extract<std::string>();
    return std::nullopt;
  };
  std::string http, tcp, interval, timeout;
  for (auto [name, out] : {std::pair{"HTTP", &http}, {"TCP", &tcp}, {"Interval", &interval}, {"Timeout", &timeout}})
    if (auto err = text(name, *out)) return err;
  if (http.empty() == tcp.empty()) return "a check needs exactly one of HTTP or TCP";
  if (!http.empty()) {
    c.kind = HealthCheck::http;
    std::string_view rest = http;
    if (!rest.starts_with("http://")) return "an HTTP check must be an http:// URL (https is not checked)";
    rest.remove_prefix(7);
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    c.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (c.path.find_first_of(" \r\n\t") != std::string::npos) return "an HTTP check's path must not contain spaces";
    if (auto err = read_host_port(authority, c)) return err;
  } else {
    c.kind = HealthCheck::tcp;
    if (auto err = read_host_port(tcp, c)) return err;
  }
  if (!interval.empty()) {
    auto d = corefile::parse_duration(interval);
    if (!d || *d < std::chrono::seconds(1) || *d > std::chrono::hours(24))
      return fmt::format("a check's Interval '{}' must be a duration from 1s to 24h", interval);
    c.interval = *d;
  }
  c.timeout = std::min<milliseconds>(std::chrono::seconds(10), c.interval);
  if (!timeout.empty()) {
    auto d = corefile::parse_duration(timeout);
    if (!d || *d < milliseconds(10) || *d > c.interval)
      return fmt::format("a check's Timeout '{}' must be a duration from 10ms to its Interval", timeout);
    c.timeout = *d;
  }
  return std::nullopt;
}

Error read_checks(std::string_view text, ServiceDetails& d) {
  Poco::JSON::Array::Ptr arr;
  try {
    arr = parse(text).extract<Poco::JSON::Array::Ptr>();
  } catch (const std::exception&) {
    return "Checks must be an array of objects";
  }
  if (arr->size() > kMaxChecks) return fmt::format("at most {} Checks", kMaxChecks);
  for (size_t i = 0; i < arr->size(); ++i) {
    auto o = arr->getObject(static_cast<unsigned>(i));
    if (!o) return "Checks must be an array of objects";
    HealthCheck c;
    if (auto err = read_check(*o, c)) return err;
    d.checks.push_back(std::move(c));
  }
  return std::nullopt;
}


}  // namespace

std::string_view health_name(Health h) {
  switch (h) {
    case Health::passing: return "passing";
    case Health::warning: return "warning";
    default: return "critical";
  }
}

std::string HealthCheck::target() const {
  std::string host = address.find(':') == std::string::npos ? address : "[" + address + "]";
  if (kind == tcp) return fmt::format("{}:{}", host, port);
  return fmt::format("http://{}:{}{}", host, port, path);
}

const NamedPort* ServiceDetails::port(std::string_view name) const {
  for (const auto& p : ports)
    if (p.name == name) return &p;
  return nullptr;
}

bool ServiceDetails::has_tag(std::string_view tag) const {
  return std::binary_search(tags.begin(), tags.end(), tag, std::less<>());
}

bool same_details(const DetailsPtr& a, const DetailsPtr& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return *a == *b;
}

std::optional<std::string> details_from_json(std::string_view ports, std::string_view tags,
                                             std::string_view checks, DetailsPtr& out) {
  auto d = std::make_shared<ServiceDetails>();
  if (!ports.empty())
    if (auto err = read_ports(ports, *d)) return err;
  if (!tags.empty())
    if (auto err = read_tags(tags, *d)) return err;
  if (!checks.empty())
    if (auto err = read_checks(checks, *d)) return err;
  out = d->empty() ? nullptr : DetailsPtr(std::move(d));
  return std::nullopt;
}

void append_details_json(std::string& out, const ServiceDetails& d) {
  if (!d.ports.empty()) {
    out += ",\"Ports\":{";
    for (size_t i = 0; i < d.ports.size(); ++i) {
      if (i) out += ',';
      append_json_key(out, d.ports[i].name);
      out += std::to_string(d.ports[i].port);
    }
    out += '}';
  }
  if (!d.tags.empty()) {
    out += ",\"Tags\":[";
    for (size_t i = 0; i < d.tags.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, d.tags[i]);
    }
    out += ']';
  }
  if (!d.checks.empty()) {
    out += ",\"Checks\":[";
    for (size_t i = 0; i < d.checks.size(); ++i) {
      const HealthCheck& c = d.checks[i];
      if (i) out += ',';
      out += c.kind == HealthCheck::http ? "{\"HTTP\":" : "{\"TCP\":";
      append_json_string(out, c.target());
      out += fmt::format(",\"Interval\":\"{}\",\"Timeout\":\"{}\"}}", corefile::format_duration(c.interval), corefile::format_duration(c.timeout));
    }
    out += ']';
  }
}

}  // namespace skycore::plugins::skydns_registry
