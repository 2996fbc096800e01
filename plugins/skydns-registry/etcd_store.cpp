#include "plugins/skydns-registry/etcd_store.h"
#include "core/plugin/plugin_log.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

namespace skycore::plugins::skydns_registry {
namespace {

std::vector<std::string> split_path(std::string_view rest) {
  std::vector<std::string> parts;
  while (true) {
    auto slash = rest.find('/');
    parts.emplace_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return parts;
}

class EtcdStore final : public Store {
 public:
  explicit EtcdStore(EtcdOptions o)
      : client_(std::move(o.endpoints)),
        zone_path_(etcd_zone_path(o.prefix, o.zone)),
        batcher_([this](const std::vector<TxnOp>& ops) { return client_.txn(ops); }) {}
  ~EtcdStore() override { stop_watching(); }

  // An etcd that is down at start-up is not fatal: the server starts with
  // an empty registry and the watch thread lists everything once it can.
  std::vector<Service> load() override {
    try {
      int64_t revision = 0;
      auto all = list(revision);
      revision_ = revision;
      listed_ = true;
      initial_records_ = std::move(all.records);
      return std::move(all.services);
    } catch (const std::exception& e) {
      plugin_log("skydns-registry", LogLevel::error, "etcd: {}; starting empty, retrying", e.what());
      return {};
    }
  }

  Written write(const Change& c) override {
    Written w;
    const std::optional<Service>& prev = c.previous;
    if (c.kind == Change::remove) {
      w.revision = batcher_.submit({TxnOp{c.service.key.empty() ? etcd_key(zone_path_, c.service) : c.service.key,
                                          "", 0, true}});
      release(c.service.lease);
      return w;
    }
    const Service& s = c.service;
    w.key = etcd_key(zone_path_, s);
    if (s.ttl > 0) {
      // A heartbeat with the same TTL renews the lease it already has; a
      // new TTL (PATCH, or a changed body) needs a lease of that length.
      if (prev && prev->lease && prev->ttl == s.ttl && client_.keep_alive(prev->lease))
        w.lease = prev->lease;
      else
        w.lease = client_.grant(s.ttl);
    }
    // The put happens even for a plain renewal: it is what tells the other
    // servers that the TTL started again.
    // Puts (and the delete of a moved registration's old key) of writers
    // on other threads share one txn.
    std::vector<TxnOp> ops{TxnOp{w.key, etcd_value(s), w.lease, false}};
    if (prev && !prev->key.empty() && prev->key != w.key) ops.push_back(TxnOp{prev->key, "", 0, true});
    w.revision = batcher_.submit(std::move(ops));
    if (prev && prev->lease && prev->lease != w.lease) release(prev->lease);
    return w;
  }

  bool shared() const override { return true; }
  bool slow_writes() const override { return true; }

  void start_watching(StoreEvents& events) override {
    std::lock_guard lock(mu_);
    if (watcher_.joinable()) return;
    stopping_ = false;
    // Other tools' records found by load() go in before the watch starts.
    // The key is copied first: arguments are evaluated in any order, and
    // moving the pointer before reading r->key dereferenced null.
    for (auto& r : initial_records_) {
      const std::string key = r->key;
      events.apply_record(key, std::move(r));
    }
    initial_records_.clear();
    watcher_ = std::thread([this, &events] { watch_loop(events); });
  }

  void stop_watching() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    client_.cancel_watch();
    if (watcher_.joinable()) watcher_.join();
  }

 private:
  struct Listing {
    std::vector<Service> services;
    std::vector<RecordPtr> records;
  };
  Listing list(int64_t& revision) {
    auto kvs = client_.range_prefix(zone_path_, revision);
    Listing out;
    auto now = WallClock::now();
    for (const auto& kv : kvs) {
      Parsed p = parse(kv, now);
      if (p.service) out.services.push_back(std::move(*p.service));
      else if (p.record) out.records.push_back(std::move(p.record));
      else note_skipped(kv.key, p.why);
    }
    return out;
  }

  // A registration if the key and value are one (skycore's own, or written
  // the same way by another tool), else another tool's record.
  struct Parsed {
    std::optional<Service> service;
    RecordPtr record;
    std::string why;
  };
  Parsed parse(const KeyValue& kv, WallClock::time_point now) const {
    Parsed p;
    if (auto s = service_from_etcd(zone_path_, kv, now, p.why)) {
      p.service = std::move(*s);
      return p;
    }
    if (kv.key.rfind(zone_path_, 0) != 0) return p;
    auto path = split_path(std::string_view(kv.key).substr(zone_path_.size()));
    if (std::any_of(path.begin(), path.end(), [](const std::string& l) { return l.empty() || l.size() > 63; })) {
      p.why = "an empty or over-long label in the key";
      return p;
    }
    if (path.size() > kMaxLabels) {
      p.why = fmt::format("deeper than {} labels below the zone", kMaxLabels);
      return p;
    }
    if (auto r = make_record(kv.key, std::move(path), kv.value, kv.mod_revision, p.why)) p.record = std::move(*r);
    return p;
  }

  // An old lease is no longer attached to the key; revoking it only tidies
  // etcd up (it would expire anyway), so a failure is not the client's.
  void release(int64_t lease) {
    if (!lease) return;
    try {
      client_.revoke(lease);
    } catch (const std::exception&) {
    }
  }

  void note_skipped(const std::string& key, const std::string& why) {
    std::lock_guard lock(mu_);
    if (skipped_.size() < 1000 && skipped_.insert(key).second)
      plugin_log("skydns-registry", LogLevel::warning, "etcd key {} not served: {}", key, why);
  }

  // Watches from the last revision seen. After any failure it waits (0.2 s
  // doubling to 5 s), re-lists everything (so what was deleted meanwhile,
  // or expired while etcd was down, goes away) and watches again.
  void watch_loop(StoreEvents& events) {
    bool relist = !listed_, down = !listed_;
    auto backoff = std::chrono::milliseconds(200);
    while (true) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      try {
        if (relist) {
          int64_t revision = 0;
          auto all = list(revision);
          events.replace_all(std::move(all.services), std::move(all.records), revision);
          revision_ = revision;
          relist = false;
        }
        if (down) plugin_log("skydns-registry", LogLevel::info, "etcd reachable again; registry re-read");
        down = false;
        backoff = std::chrono::milliseconds(200);
        client_.watch(zone_path_, revision_ + 1, [&](const std::vector<WatchEvent>& batch, int64_t) {
          auto now = WallClock::now();
          for (const auto& ev : batch) {
            revision_ = std::max(revision_, ev.kv.mod_revision);
            Parsed p;
            if (!ev.deleted) p = parse(ev.kv, now);
            if (p.service) {
              events.apply(Change{Change::put, std::move(*p.service)});
              events.apply_record(ev.kv.key, nullptr);  // if it was a record before
              continue;
            }
            // Deleted, or no longer a registration: whatever this key held goes.
            if (auto uuid = uuid_of(ev.kv.key)) {
              Change c{Change::remove};
              c.service.uuid = *uuid;
              c.service.key = ev.kv.key;
              c.service.revision = ev.kv.mod_revision;
              events.apply(c);
            }
            events.apply_record(ev.kv.key, p.record);
            if (!ev.deleted && !p.record) note_skipped(ev.kv.key, p.why);
          }
        });
      } catch (const std::exception& e) {
        if (!down) plugin_log("skydns-registry", LogLevel::error, "etcd: {}; retrying", e.what());
        down = relist = true;
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, backoff, [this] { return stopping_; })) return;
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
      }
    }
  }

  std::optional<std::string> uuid_of(const std::string& key) const {
    if (key.rfind(zone_path_, 0) != 0) return std::nullopt;
    auto parts = split_path(std::string_view(key).substr(zone_path_.size()));
    if (parts.size() != 6) return std::nullopt;
    return parts.back();
  }

  EtcdClient client_;
  const std::string zone_path_;
  TxnBatcher batcher_;  // after client_: it sends through it
  bool listed_ = false;
  std::vector<RecordPtr> initial_records_;
  int64_t revision_ = 0;  // the newest revision seen (the watch's thread owns it once it runs)
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread watcher_;
  std::set<std::string> skipped_;  // keys already warned about
};

}  // namespace

std::string etcd_zone_path(const std::string& prefix, const wire::Name& zone) {
  std::string path = prefix;
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string text = zone.to_text();  // "skydns.local."
  std::vector<std::string> labels;
  std::string_view rest(text);
  while (!rest.empty() && rest != ".") {
    auto dot = rest.find('.');
    labels.emplace_back(rest.substr(0, dot));
    rest.remove_prefix(dot == std::string_view::npos ? rest.size() : dot + 1);
  }
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) path += "/" + *it;
  return path + "/";
}

std::string etcd_key(const std::string& zone_path, const Service& s) {
  Labels l = labels_of(s);
  return fmt::format("{}{}/{}/{}/{}/{}/{}", zone_path, l.environment, l.service, l.version, l.region,
                     l.host, l.uuid);
}

std::string etcd_value(const Service& s) {
  Poco::JSON::Object o, extra;
  o.set("host", s.host);
  o.set("port", static_cast<int>(s.port));
  o.set("priority", 10);
  o.set("weight", 100);
  o.set("ttl", static_cast<int64_t>(s.ttl));
  extra.set("version", s.version);
  if (s.details) {
    // Beside the version, in the API's form; CoreDNS's etcd plugin ignores "skydns".
    std::string text = "{\"v\":0";
    append_details_json(text, *s.details);
    text += '}';
    auto d = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    for (const char* k : {"Ports", "Tags", "Checks"})
      if (d->has(k)) extra.set(k, d->get(k));
  }
  o.set("skydns", extra);
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

std::optional<Service> service_from_etcd(const std::string& zone_path, const KeyValue& kv,
                                         WallClock::time_point now, std::string& why) {
  if (kv.key.rfind(zone_path, 0) != 0) {
    why = "outside the zone";
    return std::nullopt;
  }
  auto parts = split_path(std::string_view(kv.key).substr(zone_path.size()));
  if (parts.size() != 6) {
    why = fmt::format("{} labels below the zone, a registration has 6", parts.size());
    return std::nullopt;
  }
  Poco::JSON::Object::Ptr v;
  try {
    v = Poco::JSON::Parser().parse(kv.value).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
    why = "value is not a JSON object";
    return std::nullopt;
  }
  Service s;
  try {
    s.environment = parts[0];
    s.name = parts[1];
    s.version = parts[2];
    s.region = parts[3];
    s.uuid = parts[5];
    s.host = v->optValue<std::string>("host", "");
    int port = v->optValue<int>("port", 0);
    if (port < 0 || port > 65535) throw std::out_of_range("port");
    s.port = static_cast<uint16_t>(port);
    int64_t ttl = v->optValue<int64_t>("ttl", 0);
    for (const char* field : {"text", "mail", "targetstrip", "group"})
      if (v->has(field)) {
        why = fmt::format("has the CoreDNS-etcd field \"{}\"", field);
        return std::nullopt;
      }
    if (auto extra = v->getObject("skydns")) {
      std::string version = extra->optValue<std::string>("version", "");
      if (dashed(lower(version)) == parts[2]) s.version = version;  // the undashed original
      std::string member[3];
      const char* names[3] = {"Ports", "Tags", "Checks"};
      for (int i = 0; i < 3; ++i)
        if (extra->has(names[i]) && !extra->get(names[i]).isEmpty()) {
          std::ostringstream text;
          Poco::JSON::Stringifier::stringify(extra->get(names[i]), text);
          member[i] = text.str();
        }
      if (auto err = details_from_json(member[0], member[1], member[2], s.details)) {
        why = *err;
        return std::nullopt;
      }
    }
    // Only a lease makes a record expire; without one "ttl" is just what
    // the record would be served with, and the record stays until deleted.
    if (kv.lease != 0 && ttl > 0 && ttl <= 0xffffffffLL) {
      s.ttl = static_cast<uint32_t>(ttl);
      s.expires = now + std::chrono::seconds(ttl);
    }
  } catch (const std::exception&) {
    why = "value has a field of the wrong type";
    return std::nullopt;
  }
  if (auto err = normalise(s)) {
    why = *err;
    return std::nullopt;
  }
  if (labels_of(s).host != parts[4]) {
    why = fmt::format("host label '{}' does not match host '{}'", parts[4], s.host);
    return std::nullopt;
  }
  s.key = kv.key;
  s.revision = kv.mod_revision;
  s.lease = kv.lease;
  return s;
}

std::unique_ptr<Store> make_etcd_store(EtcdOptions options) {
  return std::make_unique<EtcdStore>(std::move(options));
}

}  // namespace skycore::plugins::skydns_registry
