#include "core/corefile/zone_key.h"

#include <fmt/format.h>

#include <string_view>

#include "core/corefile/error.h"
#include "core/corefile/reverse_zone.h"

namespace skycore::corefile {

namespace {

constexpr std::string_view kSchemeSep = "://";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Characters that never belong in a zone name but do show up in typos of
// Corefile syntax ("example.org{", "a;b") or in other kinds of address.
bool bad_zone_char(unsigned char c) {
  return c <= ' ' || c == 0x7F ||
         std::string_view("\"(),;{}[]\\/:@").find(static_cast<char>(c)) != std::string_view::npos;
}

// Validates a plain zone and brings it to the canonical fqdn form.
std::string normalize_zone(const Token& key, std::string_view zone) {
  if (zone.empty())
    throw Error(key.file, key.line, fmt::format("empty zone in key '{}'", key.text));
  std::string fqdn = lower(zone);
  if (fqdn.back() != '.') fqdn += '.';
  if (fqdn == ".") return fqdn;
  if (fqdn.size() > 255) {
    throw Error(key.file, key.line, fmt::format("zone name too long in key '{}'", key.text));
  }
  size_t label = 0;
  for (size_t i = 0; i < fqdn.size(); ++i) {
    char c = fqdn[i];
    if (bad_zone_char(static_cast<unsigned char>(c))) {
      throw Error(key.file, key.line,
                  fmt::format("zone is not a valid domain name: '{}'", key.text));
    }
    if (c != '.') {
      if (++label > 63) {
        throw Error(key.file, key.line, fmt::format("label longer than 63 in key '{}'", key.text));
      }
      continue;
    }
    if (label == 0) {
      throw Error(key.file, key.line, fmt::format("empty label in key '{}'", key.text));
    }
    label = 0;
  }
  return fqdn;
}

// Splits "host:port". Only digits after the last colon make a port, which
// keeps an IPv6 CIDR ("fd00::/64") whole; any other colon is an error.
std::string split_port(const Token& key, std::string_view& host) {
  auto colon = host.rfind(':');
  if (colon == std::string_view::npos) return {};
  std::string_view port = host.substr(colon + 1);
  if (port.empty()) {
    throw Error(key.file, key.line, fmt::format("expecting data after last colon: '{}'", key.text));
  }
  if (!all_digits(port)) {
    if (host.find('/') != std::string_view::npos && port.find('/') != std::string_view::npos) {
      return {};  // the colons belong to an IPv6 prefix
    }
    throw Error(key.file, key.line, fmt::format("invalid port '{}' in key '{}'", port, key.text));
  }
  size_t first = port.find_first_not_of('0');
  std::string_view digits = first == std::string_view::npos ? "0" : port.substr(first);
  if (digits.size() > 5 || std::stoul(std::string(digits)) > 65535) {
    throw Error(key.file, key.line, fmt::format("invalid port '{}' in key '{}'", port, key.text));
  }
  host = host.substr(0, colon);
  return std::string(digits);
}

}  // namespace

std::string to_string(const ZoneKey& key) {
  return key.port.empty() ? key.zone : key.zone + ":" + key.port;
}

bool operator==(const ZoneKey& a, const ZoneKey& b) {
  return a.transport == b.transport && a.zone == b.zone && a.port == b.port;
}

std::vector<ZoneKey> parse_zone_key(const Token& key) {
  std::string_view rest = key.text;
  std::string transport = "dns";
  if (auto sep = rest.find(kSchemeSep); sep != std::string_view::npos) {
    transport = lower(rest.substr(0, sep));
    if (transport != "dns" && transport != "tls" && transport != "https") {
      throw Error(key.file, key.line,
                  fmt::format("unsupported transport '{}' in key '{}'", transport, key.text));
    }
    rest = rest.substr(sep + kSchemeSep.size());
  }
  std::string port = split_port(key, rest);

  std::vector<ZoneKey> out;
  if (rest.find('/') != std::string_view::npos) {
    auto zones = reverse_zones(rest);
    if (!zones) {
      throw Error(key.file, key.line, fmt::format("invalid CIDR '{}' in key '{}'", rest, key.text));
    }
    for (auto& z : *zones) out.push_back(ZoneKey{transport, std::move(z), port});
    return out;
  }
  out.push_back(ZoneKey{transport, normalize_zone(key, rest), port});
  return out;
}

}  // namespace skycore::corefile
