#include "plugins/skydns-registry/service_json.h"

#include <Poco/JSON/Parser.h>

#include <strings.h>
#include <fmt/format.h>

#include "core/plugin/json_text.h"
#include "plugins/skydns-registry/json_members.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <map>

namespace skycore::plugins::skydns_registry {
namespace {

using Poco::JSON::Object;
using Error = std::optional<std::string>;
using StringField = std::pair<const char*, std::string*>;

// Members by lowercased name. Later members win, as with Go's decoder, which
// is what SkyDNS 1 clients were written against. A handful of members: a
// vector searched in order beats a map.
struct Fields {
  JsonMembers members;
  // JSON null reads as absent: Go leaves the field at its zero value too.
  const JsonValue* find(const char* name) const {
    for (auto it = members.rbegin(); it != members.rend(); ++it)
      if (it->first.size() == std::strlen(name) && strcasecmp(it->first.c_str(), name) == 0)
        return it->second.kind == JsonValue::null ? nullptr : &it->second;
    return nullptr;
  }
};

Error parse_fields(std::string_view text, Fields& out) { return parse_json_members(text, out.members); }

Error read_string(const Fields& fields, const char* name, std::string& out) {
  const JsonValue* v = fields.find(name);
  if (!v) return std::nullopt;
  if (v->kind != JsonValue::string) return fmt::format("{} must be a string", name);
  out = v->text;
  return std::nullopt;
}

// A JSON number or a numeric string as a whole number, saturated to int64
// (the callers' range checks then reject it); nullopt if it is neither.
std::optional<int64_t> whole_number(const JsonValue& v) {
  if (v.kind != JsonValue::string && v.kind != JsonValue::number) return std::nullopt;
  const std::string& text = v.text;
  bool integer = text.find_first_of(".eE") == std::string::npos;
  if (v.kind == JsonValue::number && !integer) {
    double d = std::strtod(text.c_str(), nullptr);
    if (!std::isfinite(d)) d = text[0] == '-' ? -1e300 : 1e300;  // 1e999 overflows to inf
    if (d != std::floor(d)) return std::nullopt;
    if (d >= 9.2e18) return std::numeric_limits<int64_t>::max();
    if (d <= -9.2e18) return std::numeric_limits<int64_t>::min();
    return static_cast<int64_t>(d);
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (ec == std::errc::result_out_of_range)
    return text[0] == '-' ? std::numeric_limits<int64_t>::min()
                          : std::numeric_limits<int64_t>::max();
  if (ec != std::errc()) return std::nullopt;
  return n;
}

Error read_port(const JsonValue& v, uint16_t& out) {
  auto n = whole_number(v);
  if (!n) return "Port must be a number";
  if (*n < 1 || *n > 65535) return "Port must be between 1 and 65535";
  out = static_cast<uint16_t>(*n);
  return std::nullopt;
}

Error read_ttl(const JsonValue& v, uint32_t& out) {
  auto n = whole_number(v);
  if (!n) return "TTL must be a number";
  if (*n < 0) return "TTL must not be negative";
  if (*n > std::numeric_limits<uint32_t>::max()) return "TTL is too large";
  out = static_cast<uint32_t>(*n);
  return std::nullopt;
}


// Journal fields are written by us, so each one must be there with its type.
Error journal_string(const Fields& f, const char* key, std::string& out) {
  const JsonValue* v = f.find(key);
  if (!v || v->kind != JsonValue::string) return fmt::format("missing string \"{}\"", key);
  out = v->text;
  return std::nullopt;
}

Error journal_number(const Fields& f, const char* key, int64_t lo, int64_t hi, int64_t& out) {
  const JsonValue* v = f.find(key);
  auto n = v ? whole_number(*v) : std::nullopt;
  if (!n || *n < lo || *n > hi) return fmt::format("missing or bad number \"{}\"", key);
  out = *n;
  return std::nullopt;
}

}  // namespace

std::string rfc3339(WallClock::time_point t) {
  std::time_t secs = WallClock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

Poco::JSON::Object::Ptr to_json(const Service& s, WallClock::time_point now) {
  return Poco::JSON::Parser().parse(to_json_text(s, now)).extract<Object::Ptr>();
}

// By hand, in to_json's order: the registry answers every write with it.
std::string to_json_text(const Service& s, WallClock::time_point now) {
  std::string out;
  out.reserve(160 + s.name.size() + s.host.size());
  const std::pair<std::string_view, const std::string*> strings[] = {
      {"UUID", &s.uuid},         {"Name", &s.name},     {"Version", &s.version},
      {"Environment", &s.environment}, {"Region", &s.region}, {"Host", &s.host}};
  out += '{';
  for (const auto& [key, value] : strings) {
    append_json_key(out, key);
    append_json_string(out, *value);
    out += ',';
  }
  out += fmt::format("\"Port\":{},\"TTL\":{}", s.port, s.remaining(now));
  if (s.ttl > 0) {
    out += ',';
    append_json_key(out, "Expires");
    append_json_string(out, rfc3339(s.expires));
  }
  if (s.details) append_details_json(out, *s.details);
  if (s.has_checks()) {
    out += ",\"Health\":";
    append_json_string(out, health_name(s.health));
  }
  out += '}';
  return out;
}

namespace {
// The raw text of a nested member (empty when absent or null: Go encodes a
// nil slice or map as null); an error if it is something else.
Error nested(const Fields& fields, const char* name, std::string_view& out) {
  const JsonValue* v = fields.find(name);
  if (!v || v->kind == JsonValue::null) return std::nullopt;
  if (v->kind != JsonValue::nested) return fmt::format("{} must be {}", name, name[0] == 'P' ? "an object" : "an array");
  out = v->text;
  return std::nullopt;
}

Error read_details(const Fields& fields, const char* ports, const char* tags, const char* checks, DetailsPtr& out) {
  std::string_view p, t, c;
  if (auto err = nested(fields, ports, p)) return err;
  if (auto err = nested(fields, tags, t)) return err;
  if (auto err = nested(fields, checks, c)) return err;
  if (p.empty() && t.empty() && c.empty()) return std::nullopt;  // a SkyDNS 1 body: nothing to parse
  return details_from_json(p, t, c, out);
}
}  // namespace

std::optional<std::string> from_json(const std::string& body, Service& out) {
  Fields fields;
  if (auto err = parse_fields(body, fields)) return err;
  Service s = out;  // `out` changes only if the whole body is good
  const StringField strings[] = {{"UUID", &s.uuid},       {"Name", &s.name},
                                 {"Version", &s.version}, {"Environment", &s.environment},
                                 {"Region", &s.region},   {"Host", &s.host}};
  for (auto [name, field] : strings) {
    if (auto err = read_string(fields, name, *field)) return err;
  }
  if (const JsonValue* v = fields.find("Port"))
    if (auto err = read_port(*v, s.port)) return err;
  if (const JsonValue* v = fields.find("TTL"))
    if (auto err = read_ttl(*v, s.ttl)) return err;
  if (auto err = read_details(fields, "Ports", "Tags", "Checks", s.details)) return err;
  out = std::move(s);
  return std::nullopt;
}

std::optional<std::string> ttl_from_json(const std::string& body, uint32_t& ttl) {
  Fields fields;
  if (auto err = parse_fields(body, fields)) return err;
  const JsonValue* v = fields.find("TTL");
  if (!v) return "missing TTL";
  return read_ttl(*v, ttl);
}

std::optional<std::string> callback_from_json(const std::string& body, CallbackTarget& out) {
  Fields fields;
  if (auto err = parse_fields(body, fields)) return err;
  CallbackTarget t;
  if (auto err = read_string(fields, "Reply", t.reply)) return err;
  if (t.reply.empty()) return "missing Reply";
  const JsonValue* port = fields.find("Port");
  if (!port) return "missing Port";
  if (auto err = read_port(*port, t.port)) return err;
  out = std::move(t);
  return std::nullopt;
}

// By hand: every write to the file store makes one.
std::string journal_line(const Change& c) {
  const Service& s = c.service;
  std::string out;
  out.reserve(160 + s.name.size() + s.host.size());
  out += c.kind == Change::put ? "{\"op\":\"put\",\"uuid\":" : "{\"op\":\"remove\",\"uuid\":";
  append_json_string(out, s.uuid);
  if (c.kind == Change::put) {
    const std::pair<std::string_view, const std::string*> strings[] = {
        {"name", &s.name}, {"version", &s.version}, {"environment", &s.environment},
        {"region", &s.region}, {"host", &s.host}};
    for (const auto& [key, value] : strings) {
      out += ',';
      append_json_key(out, key);
      append_json_string(out, *value);
    }
    int64_t expires = 0;
    if (s.ttl > 0) expires = std::chrono::ceil<std::chrono::seconds>(s.expires.time_since_epoch()).count();
    out += fmt::format(",\"port\":{},\"ttl\":{},\"expires\":{}", s.port, s.ttl, expires);
    if (s.details) append_details_json(out, *s.details);  // the API's own form
  }
  out += "}\n";
  return out;
}

std::optional<std::string> parse_journal_line(std::string_view line, Change& out) {
  Fields obj;
  if (auto err = parse_fields(line, obj)) return err;
  std::string op;
  Change c;
  if (auto err = journal_string(obj, "op", op)) return err;
  if (auto err = journal_string(obj, "uuid", c.service.uuid)) return err;
  if (c.service.uuid.empty()) return "empty uuid";
  if (op == "remove") {
    c.kind = Change::remove;
    out = std::move(c);
    return std::nullopt;
  }
  if (op != "put") return fmt::format("unknown op \"{}\"", op);
  Service& s = c.service;
  const StringField strings[] = {{"name", &s.name},
                                 {"version", &s.version},
                                 {"environment", &s.environment},
                                 {"region", &s.region},
                                 {"host", &s.host}};
  for (auto [key, field] : strings) {
    if (auto err = journal_string(obj, key, *field)) return err;
  }
  int64_t port = 0, ttl = 0, expires = 0;
  if (auto err = journal_number(obj, "port", 0, 65535, port)) return err;
  if (auto err = journal_number(obj, "ttl", 0, std::numeric_limits<uint32_t>::max(), ttl))
    return err;
  // Bounded well inside what a nanosecond system_clock can hold (year 2262).
  if (auto err = journal_number(obj, "expires", 0, int64_t{1} << 33, expires)) return err;
  if (auto err = read_details(obj, "Ports", "Tags", "Checks", s.details)) return err;
  s.port = static_cast<uint16_t>(port);
  s.ttl = static_cast<uint32_t>(ttl);
  if (s.ttl > 0) s.expires = WallClock::time_point(std::chrono::seconds(expires));
  c.kind = Change::put;
  out = std::move(c);
  return std::nullopt;
}

}  // namespace skycore::plugins::skydns_registry
