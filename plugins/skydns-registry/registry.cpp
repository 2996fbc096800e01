#include "plugins/skydns-registry/registry.h"

#include <algorithm>

namespace skycore::plugins::skydns_registry {

Registry::Registry(std::unique_ptr<Store> store) : store_(std::move(store)) { publish_pending(); }

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
  uint64_t upto;
  {
    std::lock_guard lock(mu_);
    if (published_changes_ == changes_) return;  // a concurrent writer published ours
    upto = changes_;
    all.reserve(services_.size() + catalogue_.size());
    for (const auto& [_, e] : services_) all.push_back(e);
    for (const auto& [uuid, e] : catalogue_)
      if (!services_.count(uuid)) all.push_back(e);
  }
  auto snap = std::make_shared<const Snapshot>(std::move(all));  // outside mu_: the API keeps going
  std::atomic_store(&snapshot_, std::shared_ptr<const Snapshot>(std::move(snap)));
  published_changes_ = upto;
  version_.fetch_add(1, std::memory_order_release);
}

Upsert Registry::upsert(Service s, WallClock::time_point now, bool replace) {
  if (s.ttl > 0) s.expires = now + std::chrono::seconds(s.ttl);
  bool existed;
  {
    std::lock_guard lock(mu_);
    auto it = services_.find(s.uuid);
    existed = it != services_.end() && !it->second->service.expired(now);
    if (existed && !replace && !it->second->service.same_body(s)) return Upsert::conflict;
    store_->append({Change::put, s});  // durable before anyone is told
    services_[s.uuid] = make_entry(s);
    ++changes_;
  }
  publish_pending();
  return existed ? Upsert::refreshed : Upsert::created;
}

bool Registry::set_ttl(const std::string& uuid, uint32_t ttl, WallClock::time_point now) {
  {
    std::lock_guard lock(mu_);
    auto it = services_.find(uuid);
    if (it == services_.end() || it->second->service.expired(now)) return false;
    Service s = it->second->service;
    s.ttl = ttl;
    s.expires = now + std::chrono::seconds(ttl);
    store_->append({Change::put, s});
    it->second = make_entry(std::move(s));
    ++changes_;
  }
  publish_pending();
  return true;
}

bool Registry::remove(const std::string& uuid) {
  Service gone;
  {
    std::lock_guard lock(mu_);
    auto it = services_.find(uuid);
    if (it == services_.end()) return false;
    store_->append({Change::remove, it->second->service});
    gone = it->second->service;
    services_.erase(it);
    ++changes_;
  }
  publish_pending();
  if (on_removed_) on_removed_(gone);
  return true;
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

std::map<std::string, size_t> Registry::count_by_region(WallClock::time_point now) const {
  std::lock_guard lock(mu_);
  std::map<std::string, size_t> out;
  for (const auto* m : {&services_, &catalogue_})
    for (const auto& [uuid, e] : *m)
      if (!e->service.expired(now) && (m == &services_ || !services_.count(uuid))) ++out[e->service.region];
  return out;
}

std::map<std::string, size_t> Registry::count_by_environment(WallClock::time_point now) const {
  std::lock_guard lock(mu_);
  std::map<std::string, size_t> out;
  for (const auto* m : {&services_, &catalogue_})
    for (const auto& [uuid, e] : *m)
      if (!e->service.expired(now) && (m == &services_ || !services_.count(uuid))) ++out[e->service.environment];
  return out;
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
      store_->append({Change::remove, it->second->service});
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
