#include "plugins/skydns-registry/registry.h"

#include <algorithm>

namespace skycore::plugins::skydns_registry {

Registry::Registry(std::unique_ptr<Store> store)
    : store_(std::move(store)), snapshot_(std::make_shared<const Snapshot>(std::vector<EntryPtr>{})) {
  publish_pending();
}

void Registry::load(WallClock::time_point now) {
  auto loaded = store_->load();
  {
    std::lock_guard lock(mu_);
    services_.clear();
    for (auto& s : loaded) {
      if (s.expired(now)) continue;
      std::string key = s.uuid;  // the right side runs first: never key on a moved-from uuid
      services_[key] = make_entry(std::move(s));
    }
    ++changes_;
  }
  publish_pending();
}

void Registry::publish_pending() {
  std::lock_guard publishing(publish_mu_);
  std::vector<EntryPtr> all;
  std::vector<RecordPtr> records;
  uint64_t upto;
  {
    std::lock_guard lock(mu_);
    if (published_changes_ == changes_) return;  // a concurrent writer published ours
    upto = changes_;
    all.reserve(services_.size() + catalogue_.size());
    for (const auto& [_, e] : services_) all.push_back(e);
    for (const auto& [uuid, e] : catalogue_)
      if (!services_.count(uuid)) all.push_back(e);
    records.reserve(records_.size());
    for (const auto& [key, r] : records_) records.push_back(r);
  }
  auto snap = std::make_shared<const Snapshot>(std::move(all), std::move(records));  // outside mu_: the API keeps going
  published_changes_ = upto;
  snapshot_.publish(std::move(snap));
}

// Stamps a change with what the store assigned to it and applies it.
static Change written(Change c, const Written& w) {
  c.service.revision = w.revision;
  if (c.kind == Change::put) {
    c.service.key = w.key;
    c.service.lease = w.lease;
  }
  return c;
}

Upsert Registry::upsert(Service s, WallClock::time_point now, bool replace) {
  if (s.ttl > 0) s.expires = now + std::chrono::seconds(s.ttl);
  bool existed;
  {
    std::lock_guard lock(mu_);
    auto it = services_.find(s.uuid);
    existed = it != services_.end() && !it->second->service.expired(now);
    if (existed && !replace && !it->second->service.same_body(s)) return Upsert::conflict;
    Change c{Change::put, std::move(s)};
    if (it != services_.end()) c.previous = it->second->service;  // its key and lease, even if expired
    apply_locked(written(c, store_->append(c)));  // durable before anyone is told
  }
  publish_pending();
  return existed ? Upsert::refreshed : Upsert::created;
}

bool Registry::set_ttl(const std::string& uuid, uint32_t ttl, WallClock::time_point now) {
  {
    std::lock_guard lock(mu_);
    auto it = services_.find(uuid);
    if (it == services_.end() || it->second->service.expired(now)) return false;
    Change c{Change::put, it->second->service, it->second->service};
    c.service.ttl = ttl;
    c.service.expires = now + std::chrono::seconds(ttl);
    apply_locked(written(c, store_->append(c)));
  }
  publish_pending();
  return true;
}

bool Registry::remove(const std::string& uuid) {
  std::optional<Service> gone;
  {
    std::lock_guard lock(mu_);
    auto it = services_.find(uuid);
    if (it == services_.end()) return false;
    Change c{Change::remove, it->second->service};
    gone = apply_locked(written(c, store_->append(c)));
    if (!gone) gone = it->second->service;  // a newer write from elsewhere won; it is still gone here
  }
  publish_pending();
  if (on_removed_) on_removed_(*gone);
  return true;
}

std::optional<Service> Registry::apply_locked(const Change& c) {
  const Service& s = c.service;
  auto it = services_.find(s.uuid);
  if (s.revision != 0) {  // a shared store: order by revision
    if (it != services_.end() && it->second->service.revision > s.revision) return std::nullopt;
    if (c.kind == Change::put) {
      auto r = removed_at_.find(s.uuid);
      if (r != removed_at_.end() && r->second > s.revision) return std::nullopt;
    }
  }
  std::optional<Service> gone;
  if (c.kind == Change::put) {
    services_[s.uuid] = make_entry(s);
    if (s.revision != 0) removed_at_.erase(s.uuid);
  } else {
    // A delete of another key (the old key of a moved registration) leaves
    // the uuid's current key alone.
    if (it == services_.end() || (!s.key.empty() && it->second->service.key != s.key)) return std::nullopt;
    gone = it->second->service;
    services_.erase(it);
    if (s.revision != 0) removed_at_[s.uuid] = s.revision;
  }
  ++changes_;
  return gone;
}

void Registry::apply(const Change& c) {
  std::optional<Service> gone;
  {
    std::lock_guard lock(mu_);
    gone = apply_locked(c);
    // Every revision up to this one has now been seen: older removes
    // cannot be echoed again.
    std::erase_if(removed_at_, [&](const auto& kv) { return kv.second <= c.service.revision; });
  }
  publish_pending();
  if (gone && on_removed_) on_removed_(*gone);
}

void Registry::apply_record(const std::string& key, RecordPtr record) {
  {
    std::lock_guard lock(mu_);
    if (record) records_[key] = std::move(record);
    else if (!records_.erase(key)) return;
    ++changes_;
  }
  publish_pending();
}

void Registry::replace_all(std::vector<Service> all, std::vector<RecordPtr> records, int64_t revision) {
  std::vector<Service> gone;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, EntryPtr> next;
    for (auto& s : all) {
      std::string key = s.uuid;
      next[key] = make_entry(std::move(s));
    }
    // Writes this server made after the listing are newer than it.
    for (const auto& [uuid, e] : services_) {
      if (e->service.revision > revision) next[uuid] = e;
      else if (!next.count(uuid)) gone.push_back(e->service);
    }
    services_ = std::move(next);
    records_.clear();
    for (auto& r : records) {
      std::string key = r->key;
      records_[key] = std::move(r);
    }
    std::erase_if(removed_at_, [&](const auto& kv) { return kv.second <= revision; });
    ++changes_;
  }
  publish_pending();
  if (on_removed_)
    for (const auto& s : gone) on_removed_(s);
}

std::optional<Service> Registry::get(const std::string& uuid, WallClock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = services_.find(uuid);
  if (it == services_.end()) it = catalogue_.find(uuid);
  if (it == catalogue_.end() || it->second->service.expired(now)) return std::nullopt;
  return it->second->service;
}

void Registry::set_catalogue(std::vector<Service> services) {
  {
    std::lock_guard lock(mu_);
    catalogue_.clear();
    for (auto& s : services) {
      std::string key = s.uuid;
      catalogue_[key] = make_entry(std::move(s));
    }
    ++changes_;
  }
  publish_pending();
}

std::vector<Service> Registry::query(const std::string& pattern, WallClock::time_point now) const {
  std::vector<std::string_view> labels;
  std::string_view rest = pattern;
  while (!rest.empty() && rest.back() == '.') rest.remove_suffix(1);
  while (!rest.empty()) {
    auto dot = rest.find('.');
    labels.push_back(rest.substr(0, dot));
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  Pattern p;
  std::vector<Service> out;
  if (!make_pattern(labels, p)) return out;
  snapshot()->for_each_match(p, false, now, [&](const Entry& e) { out.push_back(e.service); });
  return out;
}

std::map<std::string, size_t> Registry::count_by(std::string Service::*field, WallClock::time_point now) const {
  std::lock_guard lock(mu_);
  std::map<std::string, size_t> out;
  for (const auto* m : {&services_, &catalogue_})
    for (const auto& [uuid, e] : *m)
      if (!e->service.expired(now) && (m == &services_ || !services_.count(uuid))) ++out[e->service.*field];
  return out;
}

std::map<std::string, size_t> Registry::count_by_region(WallClock::time_point now) const {
  return count_by(&Service::region, now);
}

std::map<std::string, size_t> Registry::count_by_environment(WallClock::time_point now) const {
  return count_by(&Service::environment, now);
}

std::vector<Service> Registry::purge_expired(WallClock::time_point now) {
  std::vector<Service> gone;
  {
    std::lock_guard lock(mu_);
    for (auto it = services_.begin(); it != services_.end();) {
      if (!it->second->service.expired(now)) {
        ++it;
        continue;
      }
      // A shared store expires keys itself (through their leases); deleting
      // here could race a renewal made on another server.
      if (!store_->shared()) store_->append({Change::remove, it->second->service});
      gone.push_back(it->second->service);
      it = services_.erase(it);
    }
    if (!gone.empty()) ++changes_;
  }
  publish_pending();
  if (on_removed_)
    for (const auto& s : gone) on_removed_(s);
  return gone;
}

}  // namespace skycore::plugins::skydns_registry
