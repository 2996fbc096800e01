#include "plugins/skydns-registry/registry.h"

#include <algorithm>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <exception>
#include <stdexcept>

namespace skycore::plugins::skydns_registry {

Registry::Registry(std::unique_ptr<Store> store)
    : store_(std::move(store)), snapshot_(std::make_shared<const Snapshot>()) {
  committer_ = std::thread([this] { commit_loop(); });
}

Registry::~Registry() {
  stop_watching();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  pending_cv_.notify_one();
  committer_.join();
}

void Registry::load(WallClock::time_point now) {
  replace_with_loaded(store_->load(), now);
#ifdef __GLIBC__
  // The replay's transient copies (the journal's map, the loaded list) are
  // freed by now; hand their pages back rather than keep a restart's peak.
  malloc_trim(0);
#endif
}

void Registry::replace_with_loaded(std::vector<Service> loaded, WallClock::time_point now) {
  std::lock_guard lock(mu_);
  for (const auto& [uuid, _] : services_) builder_.set(uuid, nullptr);
  services_.clear();
  for (auto& s : loaded) {
    if (s.expired(now)) continue;
    std::string key = s.uuid;  // the right side runs first: never key on a moved-from uuid
    services_[key] = entry_with_health(std::move(s), nullptr);
  }
  for (const auto& [uuid, _] : services_) stage_locked(uuid, last_ticket_);
  for (const auto& [uuid, _] : catalogue_) stage_locked(uuid, last_ticket_);
  publish_locked(settled_);
}

EntryPtr Registry::registered_locked(const std::string& uuid) const {
  auto it = services_.find(uuid);
  return it == services_.end() ? nullptr : it->second;
}

void Registry::stage_locked(const std::string& uuid, uint64_t ticket) {
  EntryPtr e = registered_locked(uuid);
  if (!e) {
    auto c = catalogue_.find(uuid);
    if (c != catalogue_.end()) e = c->second;
  }
  staged_.push_back({ticket, uuid, std::move(e)});
}

Written Registry::write(std::unique_lock<std::mutex>& lock, const Change& c) {
  if (!store_->slow_writes()) return store_->write(c);
  // etcd: round trips must not hold everyone else up. Concurrent writes of
  // one uuid are then ordered by the revisions etcd gives them (apply_locked).
  lock.unlock();
  Written w;
  try {
    w = store_->write(c);
  } catch (...) {
    lock.lock();
    throw;
  }
  lock.lock();
  return w;
}

std::optional<Service> Registry::apply_written_locked(Change c, const Written& w) {
  c.service.revision = w.revision;
  if (c.kind == Change::put) {
    c.service.key = w.key;
    c.service.lease = w.lease;
  }
  if (w.ticket) last_ticket_ = w.ticket;
  return apply_locked(c, w.ticket ? w.ticket : last_ticket_);
}

Upsert Registry::upsert(Service s, WallClock::time_point now, bool replace, UpsertDone done) {
  if (s.ttl > 0) s.expires = now + std::chrono::seconds(s.ttl);
  std::string uuid = s.uuid;
  std::unique_lock lock(mu_);
  EntryPtr before = registered_locked(uuid);
  bool existed = before && !before->service.expired(now);
  if (existed && !replace && !before->service.same_body(s)) return Upsert::conflict;
  Change c{Change::put, std::move(s)};
  if (before) c.previous = before->service;  // its key and lease, even if expired
  Written w = write(lock, c);
  apply_written_locked(std::move(c), w);
  Upsert result = existed ? Upsert::refreshed : Upsert::created;
  // Durable before anyone is told.
  finish(lock, {w.ticket, uuid, before, registered_locked(uuid), true, std::nullopt,
                [result, done = std::move(done)](std::exception_ptr e) { done(result, e); }});
  return result;
}

bool Registry::set_ttl(const std::string& uuid, uint32_t ttl, WallClock::time_point now, Done done) {
  std::unique_lock lock(mu_);
  EntryPtr before = registered_locked(uuid);
  if (!before || before->service.expired(now)) return false;
  Change c{Change::put, before->service, before->service};
  c.service.ttl = ttl;
  c.service.expires = now + std::chrono::seconds(ttl);
  Written w = write(lock, c);
  apply_written_locked(std::move(c), w);
  finish(lock, {w.ticket, uuid, before, registered_locked(uuid), true, std::nullopt, std::move(done)});
  return true;
}

bool Registry::remove(const std::string& uuid, Done done) {
  std::unique_lock lock(mu_);
  EntryPtr before = registered_locked(uuid);
  if (!before) return false;
  Change c{Change::remove, before->service};
  Written w = write(lock, c);
  std::optional<Service> gone = apply_written_locked(std::move(c), w);
  if (!gone) gone = before->service;  // a newer write from elsewhere won; it is still gone here
  finish(lock, {w.ticket, uuid, before, registered_locked(uuid), true, std::move(gone), std::move(done)});
  return true;
}

std::optional<Service> Registry::apply_locked(const Change& c, uint64_t ticket) {
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
    EntryPtr& slot = services_[s.uuid];
    slot = entry_with_health(s, slot);
    if (s.revision != 0) removed_at_.erase(s.uuid);
  } else {
    // A delete of another key (the old key of a moved registration) leaves
    // the uuid's current key alone.
    if (it == services_.end() || (!s.key.empty() && it->second->service.key() != s.key)) return std::nullopt;
    gone = it->second->service;
    services_.erase(it);
    if (s.revision != 0) removed_at_[s.uuid] = s.revision;
  }
  stage_locked(s.uuid, ticket);
  return gone;
}

void Registry::apply(const Change& c) {
  std::optional<Service> gone;
  {
    std::lock_guard lock(mu_);
    gone = apply_locked(c, last_ticket_);
    // Every revision up to this one has now been seen: older removes
    // cannot be echoed again.
    std::erase_if(removed_at_, [&](const auto& kv) { return kv.second <= c.service.revision; });
    publish_locked(settled_);
  }
  if (gone && on_removed_) on_removed_(*gone);
}

void Registry::apply_record(const std::string& key, RecordPtr record) {
  std::lock_guard lock(mu_);
  if (record) records_[key] = std::move(record);
  else if (!records_.erase(key)) return;
  std::vector<RecordPtr> all;
  all.reserve(records_.size());
  for (const auto& [_, r] : records_) all.push_back(r);
  builder_.set_records(std::move(all));
  publish_locked(settled_);
}

void Registry::replace_all(std::vector<Service> all, std::vector<RecordPtr> records, int64_t revision) {
  std::vector<Service> gone;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, EntryPtr> next;
    for (auto& s : all) {
      std::string key = s.uuid;
      next[key] = entry_with_health(std::move(s), registered_locked(key));
    }
    // Writes this server made after the listing are newer than it.
    for (const auto& [uuid, e] : services_) {
      if (e->service.revision > revision) next[uuid] = e;
      else if (!next.count(uuid)) gone.push_back(e->service);
    }
    services_ = std::move(next);
    for (const auto& s : gone) stage_locked(s.uuid, last_ticket_);
    for (const auto& [uuid, _] : services_) stage_locked(uuid, last_ticket_);
    records_.clear();
    std::vector<RecordPtr> listed;
    for (auto& r : records) {
      std::string key = r->key;
      records_[key] = r;
      listed.push_back(std::move(r));
    }
    std::sort(listed.begin(), listed.end(), [](const RecordPtr& a, const RecordPtr& b) { return a->key < b->key; });
    builder_.set_records(std::move(listed));
    std::erase_if(removed_at_, [&](const auto& kv) { return kv.second <= revision; });
    publish_locked(settled_);
  }
  if (on_removed_)
    for (const auto& s : gone) on_removed_(s);
}

EntryPtr Registry::entry_with_health(Service s, const EntryPtr& before) {
  if (!s.has_checks()) s.health = Health::passing;
  else if (before && same_details(before->service.details, s.details)) s.health = before->service.health;
  else s.health = Health::critical;  // as Consul: not served as healthy before a check passed
  return make_entry(std::move(s));
}

size_t Registry::set_health(const std::vector<HealthResult>& results) {
  std::vector<Service> changed;
  {
    std::lock_guard lock(mu_);
    for (const auto& r : results) {
      auto it = services_.find(r.uuid);
      if (it == services_.end() || !same_details(it->second->service.details, r.checked)) continue;
      if (it->second->service.health == r.health) continue;
      Service s = it->second->service.unpack();
      s.health = r.health;
      it->second = make_entry(s);
      stage_locked(r.uuid, last_ticket_);  // after any write of it still in flight
      changed.push_back(std::move(s));
    }
    if (!changed.empty()) publish_locked(settled_);  // one snapshot for the whole batch
  }
  if (on_health_)
    for (const auto& s : changed) on_health_(s);
  return changed.size();
}

void Registry::on_checks(ChecksWatch f) {
  std::lock_guard lock(mu_);
  on_checks_ = std::move(f);
  checked_.clear();
  if (!on_checks_) return;
  // What is published already.
  for (const auto& [uuid, e] : services_)
    if (e->service.has_checks()) {
      checked_.insert(uuid);
      on_checks_(uuid, e);
    }
}

std::map<Health, size_t> Registry::count_by_health(WallClock::time_point now) const {
  std::map<Health, size_t> out{{Health::passing, 0}, {Health::warning, 0}, {Health::critical, 0}};
  std::lock_guard lock(mu_);
  for (const auto& [_, e] : services_)
    if (e->service.has_checks() && !e->service.expired(now)) ++out[e->service.health];
  return out;
}

std::optional<Service> Registry::get(const std::string& uuid, WallClock::time_point now) const {
  auto snap = snapshot();
  const Entry* e = snap->by_uuid(uuid);
  if (!e || e->service.expired(now)) return std::nullopt;
  return e->service;
}

void Registry::set_catalogue(std::vector<Service> services) {
  std::lock_guard lock(mu_);
  std::vector<std::string> touched;
  for (const auto& [uuid, _] : catalogue_) touched.push_back(uuid);
  catalogue_.clear();
  for (auto& s : services) {
    std::string key = s.uuid;
    touched.push_back(key);
    auto e = make_entry(std::move(s));
    std::const_pointer_cast<Entry>(e)->catalogue = true;  // not yet shared
    catalogue_[key] = std::move(e);
  }
  for (const auto& uuid : touched) stage_locked(uuid, last_ticket_);
  publish_locked(settled_);
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
  // Groups come in hash order: the API lists by uuid.
  std::sort(out.begin(), out.end(), [](const Service& a, const Service& b) { return a.uuid < b.uuid; });
  return out;
}

std::map<std::string, size_t> Registry::count_by(std::string_view (PackedService::*field)() const,
                                                 WallClock::time_point now) const {
  std::lock_guard lock(mu_);
  std::map<std::string, size_t> out;
  for (const auto* m : {&services_, &catalogue_})
    for (const auto& [uuid, e] : *m)
      if (!e->service.expired(now) && (m == &services_ || !services_.count(uuid))) ++out[std::string((e->service.*field)())];
  return out;
}

std::map<std::string, size_t> Registry::count_by_region(WallClock::time_point now) const {
  return count_by(&PackedService::region, now);
}

std::map<std::string, size_t> Registry::count_by_environment(WallClock::time_point now) const {
  return count_by(&PackedService::environment, now);
}

}  // namespace skycore::plugins::skydns_registry
