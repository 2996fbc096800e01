// What the skydns-registry fuzzers do with one input; shared with the corpus
// regression test (tests/fuzz_corpus_test.cpp) so both run exactly the same
// code. Each returns false when an invariant breaks (a bug); an exception
// escaping is a bug too, as none of the real callers catch one.
#pragma once
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/skydns-registry/catalogue.h"
#include "plugins/skydns-registry/etcd_record.h"
#include "plugins/skydns-registry/etcd_store.h"
#include "plugins/skydns-registry/service_json.h"

namespace skycore::plugins::skydns_registry::fuzz {

// A fixed clock, so a run replays the same way.
inline WallClock::time_point fuzz_now() { return WallClock::time_point(std::chrono::seconds(1'700'000'000)); }

// A put survives the journal: what journal_line writes, parse_journal_line
// reads back as the same change.
inline bool journal_round_trips(const Change& c) {
  std::string line = journal_line(c);
  if (line.empty() || line.back() != '\n') return false;
  line.pop_back();
  Change back;
  if (parse_journal_line(line, back)) return false;
  const Service &a = c.service, &b = back.service;
  if (back.kind != c.kind || b.uuid != a.uuid) return false;
  if (c.kind == Change::remove) return true;
  if (!b.same_body(a) || b.ttl != a.ttl) return false;
  return a.ttl == 0 || b.expires == std::chrono::ceil<std::chrono::seconds>(a.expires);
}

// The SkyDNS 1 HTTP API bodies (PUT/POST, PATCH, callbacks) and a journal
// line, all from the same bytes. A body the API accepts (from_json, then
// normalise) must survive the journal it is written to.
inline bool fuzz_skydns_json(std::string_view input) {
  const std::string body(input);
  Service s;
  if (!from_json(body, s) && !normalise(s)) {
    (void)labels_of(s);
    if (s.ttl > 0) s.expires = fuzz_now() + std::chrono::seconds(s.ttl);
    (void)to_json_text(s, fuzz_now());
    if (!journal_round_trips(Change(Change::put, s))) return false;
  }
  uint32_t ttl = 0;
  (void)ttl_from_json(body, ttl);
  CallbackTarget target;
  if (!callback_from_json(body, target) && (target.reply.empty() || target.port == 0)) return false;
  Change c;
  if (!parse_journal_line(input, c)) {
    if (c.service.uuid.empty()) return false;
    // Journal lines come from skycore only; one it reads it must also write.
    if (c.kind == Change::remove || !normalise(c.service))
      if (!journal_round_trips(c)) return false;
  }
  return true;
}

// The registry's zone in etcd, as `store etcd` for zone skydns.local lays it out.
inline const std::string& fuzz_zone_path() {
  static const std::string path = etcd_zone_path("/skydns", *wire::Name::from_text("skydns.local."));
  return path;
}

// etcd_store.cpp's split of a key below the zone into labels.
inline std::vector<std::string> fuzz_split_path(std::string_view rest) {
  std::vector<std::string> parts;
  while (true) {
    auto slash = rest.find('/');
    parts.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return parts;
}

// One etcd key and value, "KEY\nVALUE" (a KEY not starting with '/' is
// below the zone), read the way the etcd store reads a range or a watch
// event: a registration (service_from_etcd) if it is one, else another
// tool's record (make_record) after the store's own key checks. A
// registration read from etcd must read back the same after skycore
// writes it again (etcd_key + etcd_value).
inline bool fuzz_etcd_record(std::string_view input) {
  auto nl = input.find('\n');
  std::string key(input.substr(0, nl));
  std::string value(nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1));
  const std::string& zone_path = fuzz_zone_path();
  if (key.empty() || key[0] != '/') key = zone_path + key;
  for (int64_t lease : {int64_t{0}, int64_t{7}}) {
    KeyValue kv{key, value, 42, lease};
    std::string why;
    if (auto s = service_from_etcd(zone_path, kv, fuzz_now(), why)) {
      KeyValue again{etcd_key(zone_path, *s), etcd_value(*s), 43, lease};
      std::string why2;
      auto back = service_from_etcd(zone_path, again, fuzz_now(), why2);
      if (!back || !back->same_body(*s) || back->uuid != s->uuid || back->ttl != s->ttl) return false;
      continue;
    }
    if (kv.key.rfind(zone_path, 0) != 0) continue;
    auto path = fuzz_split_path(std::string_view(kv.key).substr(zone_path.size()));
    if (std::any_of(path.begin(), path.end(), [](const std::string& l) { return l.empty() || l.size() > 63; }))
      continue;
    if (path.size() > kMaxLabels) continue;
    auto r = make_record(kv.key, path, kv.value, kv.mod_revision, why);
    if (!r) continue;
    const Record& rec = **r;
    if (rec.host.empty() && rec.text.empty()) return false;
    if (rec.path.size() != path.size()) return false;
    wire::Name own;
    (void)rec.own_name(*wire::Name::from_text("skydns.local."), own);
    std::vector<std::string_view> labels(rec.path.rbegin(), rec.path.rend());
    if (!record_matches(rec, labels)) return false;  // a record answers its own name
  }
  return true;
}

// A scratch file for parsers that read a path, private to this process.
inline std::string fuzz_scratch_path(const char* what) {
  return "/tmp/skycore-fuzz-" + std::string(what) + "-" + std::to_string(::getpid());
}

// A static catalogue (`services FILE.toml`). A bad one throws
// std::runtime_error (the plugin keeps the previous one); a good one holds
// only normalised services with distinct UUIDs.
inline bool fuzz_catalogue(std::string_view input) {
  static const std::string path = fuzz_scratch_path("catalogue") + ".toml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(input.data(), static_cast<std::streamsize>(input.size()));
  }
  std::vector<Service> services;
  try {
    services = read_catalogue(path, fuzz_now());
  } catch (const std::runtime_error&) {
    return true;
  }
  for (size_t i = 0; i < services.size(); ++i) {
    Service again = services[i];
    if (normalise(again) || !again.same_body(services[i]) || again.uuid != services[i].uuid) return false;
    for (size_t j = 0; j < i; ++j)
      if (services[j].uuid == services[i].uuid) return false;
  }
  return true;
}

}  // namespace skycore::plugins::skydns_registry::fuzz
