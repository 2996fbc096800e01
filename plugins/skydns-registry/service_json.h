// The JSON faces of a Service: the SkyDNS 1 HTTP API's bodies (lenient, as
// Go's decoder was: any case of a field name, numbers as strings) and the
// file store's journal lines (strict: only skycore writes them).
#pragma once
#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "plugins/skydns-registry/service.h"
#include "plugins/skydns-registry/store.h"

namespace skycore::plugins::skydns_registry {

// The API's view of a service: TTL is what is left of it at `now`, and
// "Expires" (RFC 3339, UTC) appears only for services that expire.
Poco::JSON::Object::Ptr to_json(const Service& s, WallClock::time_point now);
std::string to_json_text(const Service& s, WallClock::time_point now);
// "2026-12-04T02:10:27Z"
std::string rfc3339(WallClock::time_point t);

// Fills `out` from a PUT/POST body. Absent fields leave `out` as it was, so a
// missing Port stays 0. Returns a message for the client if the body is not
// a JSON object, a field has the wrong type, Port is outside 1..65535 or TTL
// is negative or too large. Host presence and label syntax are normalise()'s.
std::optional<std::string> from_json(const std::string& body, Service& out);

// A PATCH body: {"TTL": n}. TTL is required.
std::optional<std::string> ttl_from_json(const std::string& body, uint32_t& ttl);

// Where a SkyDNS 1 callback is delivered: {"Reply": host, "Port": port}.
struct CallbackTarget {
  std::string reply;
  uint16_t port = 0;
};
std::optional<std::string> callback_from_json(const std::string& body, CallbackTarget& out);

// One journal line, newline included: {"op":"put",...} or {"op":"remove","uuid":...}.
// "expires" is whole unix seconds, rounded up so a restart never shortens a TTL.
std::string journal_line(const Change& c);
// The inverse, without the newline; returns why the line is not a change.
std::optional<std::string> parse_journal_line(std::string_view line, Change& out);

}  // namespace skycore::plugins::skydns_registry
