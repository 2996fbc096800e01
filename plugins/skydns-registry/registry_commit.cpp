// The registry's commit path: queued changes are made durable together by
// the one commit thread, published once per group, and answered; a change
// the store could not make durable is undone. Also the synchronous forms of
// the writers, and the purge of expired services, which wait on that path.
#include <algorithm>
#include <exception>
#include <future>
#include <stdexcept>

#include "core/plugin/plugin_log.h"
#include "plugins/skydns-registry/registry.h"

namespace skycore::plugins::skydns_registry {

void Registry::publish_locked(uint64_t settled) {
  while (!staged_.empty() && staged_.front().ticket <= settled) {
    Staged& st = staged_.front();
    if (st.ticket == 0 || !store_->failed(st.ticket)) {
      if (on_checks_) {
        bool checks = st.entry && st.entry->service.has_checks();
        if (checks) checked_.insert(st.uuid);
        if (checks || checked_.erase(st.uuid)) on_checks_(st.uuid, checks ? st.entry : nullptr);
      }
      if (on_publish_) announced_.emplace_back(st.uuid, st.entry);
      builder_.set(st.uuid, std::move(st.entry));
    }
    staged_.pop_front();
  }
  // Writers whose group commit finished together publish once: the first
  // takes everything settled, the others find nothing left to do.
  if (builder_.changed()) snapshot_.publish(builder_.build());
  // Told only now, so a follower that reads the snapshot on this notice
  // finds the change in it (the event stream's new subscribers rely on it).
  for (const auto& [uuid, entry] : announced_) on_publish_(uuid, entry);
  announced_.clear();
}

void Registry::finish(std::unique_lock<std::mutex>& lock, Pending p) {
  if (p.ticket != 0 || !pending_.empty() || last_ticket_ > settled_) {
    pending_.push_back(std::move(p));
    if (pending_.size() == 1) pending_cv_.notify_one();
    return;
  }
  // Durable already (memory, etcd) and nothing queued or in flight before
  // it: publish here, sparing two thread switches per change.
  publish_locked(settled_);
  lock.unlock();
  if (p.removed && on_removed_) on_removed_(*p.removed);
  if (p.done) p.done(nullptr);
}

void Registry::commit_loop() {
  std::unique_lock lock(mu_);
  while (true) {
    pending_cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and nothing is left to finish
    if (pending_.back().ticket != 0) {
      // Before paying for a sync, let writers that are runnable queue theirs
      // too: on a busy core the I/O thread gets to finish what it has read,
      // and the group grows (each fsync costs ~50 us of CPU besides its wait).
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
    }
    std::vector<Pending> batch;
    batch.swap(pending_);
    uint64_t ticket = 0;
    for (const auto& p : batch) ticket = std::max(ticket, p.ticket);
    lock.unlock();
    // Everything up to `ticket` is settled afterwards, whether or not it throws.
    std::exception_ptr failure;
    if (ticket) try {
        store_->sync(ticket);
      } catch (...) {
        failure = std::current_exception();
      }
    lock.lock();
    std::vector<std::exception_ptr> failed(batch.size());
    // Newest first: a failed change's `before` may be an older failed
    // change of the same batch, to be undone in turn.
    for (size_t i = batch.size(); i-- > 0;) {
      Pending& p = batch[i];
      if (!p.ticket || !store_->failed(p.ticket)) continue;
      failed[i] = failure ? failure
                          : std::make_exception_ptr(std::runtime_error("the store could not make the change durable"));
      if (p.undo && registered_locked(p.uuid) == p.after) {
        if (p.before) services_[p.uuid] = p.before;
        else services_.erase(p.uuid);
      }
    }
    settled_ = std::max(settled_, ticket);
    publish_locked(settled_);
    std::shared_ptr<const Snapshot> durable;
    if (store_->compaction_due(snapshot_.current()->size())) durable = snapshot_.current();
    lock.unlock();
    if (durable) compact(*durable);
    for (size_t i = 0; i < batch.size(); ++i) {
      Pending& p = batch[i];
      if (!failed[i] && p.removed && on_removed_) on_removed_(*p.removed);
      if (p.done) p.done(failed[i]);
    }
    batch.clear();  // the callbacks' captures go before the lock is retaken
    lock.lock();
  }
}

void Registry::compact(const Snapshot& durable) {
  // What the snapshot holds is durable; what expired need not survive.
  auto now = WallClock::now();
  std::vector<const Entry*> all;
  all.reserve(durable.size());
  durable.each_entry([&](const Entry& e) {
    if (!e.catalogue && !e.service.expired(now)) all.push_back(&e);
  });
  std::sort(all.begin(), all.end(),
            [](const Entry* a, const Entry* b) { return a->service.uuid() < b->service.uuid(); });
  size_t next = 0;
  try {
    store_->compact([&](Service& s) {
      if (next == all.size()) return false;
      s = all[next++]->service.unpack();
      return true;
    });
  } catch (const std::exception& e) {
    // Every change is durable in the old journal still: only logged.
    plugin_log("skydns-registry", LogLevel::error, "compaction failed: {}", e.what());
  }
}

namespace {
// Waits for a Done; rethrows its failure.
struct Waiter {
  std::promise<void> promise;
  std::future<void> future = promise.get_future();
  Registry::Done done() {
    return [this](std::exception_ptr e) { e ? promise.set_exception(e) : promise.set_value(); };
  }
};
}  // namespace

Upsert Registry::upsert(Service s, WallClock::time_point now, bool replace) {
  Waiter w;
  Upsert r = upsert(std::move(s), now, replace, [d = w.done()](Upsert, std::exception_ptr e) { d(e); });
  if (r != Upsert::conflict) w.future.get();
  return r;
}

bool Registry::set_ttl(const std::string& uuid, uint32_t ttl, WallClock::time_point now) {
  Waiter w;
  bool known = set_ttl(uuid, ttl, now, w.done());
  if (known) w.future.get();
  return known;
}

bool Registry::remove(const std::string& uuid) {
  Waiter w;
  bool known = remove(uuid, w.done());
  if (known) w.future.get();
  return known;
}

std::vector<Service> Registry::purge_expired(WallClock::time_point now) {
  std::vector<Service> gone;
  Waiter waiter;
  {
    std::unique_lock lock(mu_);
    uint64_t ticket = 0;
    for (auto it = services_.begin(); it != services_.end();) {
      if (!it->second->service.expired(now)) {
        ++it;
        continue;
      }
      // A shared store expires keys itself (through their leases); deleting
      // here could race a renewal made on another server.
      if (!store_->shared()) {
        Written w = store_->write({Change::remove, it->second->service});
        if (w.ticket) ticket = last_ticket_ = w.ticket;
      }
      gone.push_back(it->second->service);
      it = services_.erase(it);
      stage_locked(gone.back().uuid, ticket ? ticket : last_ticket_);
    }
    if (gone.empty()) return gone;
    // Expired services are hidden by the snapshot already, so a removal the
    // journal could not record is not undone: it is purged again after a
    // restart.
    finish(lock, {ticket, "", nullptr, nullptr, false, std::nullopt, waiter.done()});
  }
  std::exception_ptr failure;
  try {
    waiter.future.get();
  } catch (...) {
    failure = std::current_exception();
  }
  if (on_removed_)
    for (const auto& s : gone) on_removed_(s);
  if (failure) std::rethrow_exception(failure);
  return gone;
}

}  // namespace skycore::plugins::skydns_registry
