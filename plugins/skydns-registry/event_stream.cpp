#include "plugins/skydns-registry/event_stream.h"

#include <algorithm>

#include "core/plugin/json_text.h"
#include "plugins/skydns-registry/service_json.h"

namespace skycore::plugins::skydns_registry {

std::string event_json(const Service& s, WallClock::time_point now) {
  std::string out = to_json_text(s, now);
  if (s.ttl > 0) {
    out.pop_back();  // the closing brace
    out += ",\"Heartbeat\":";
    append_json_string(out, rfc3339(s.expires - std::chrono::seconds(s.ttl)));
    out += '}';
  }
  return out;
}

void EventStream::start() {
  {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stopping_ = false;
    running_ = true;
    thread_ = std::thread([this] { run(); });
  }
  // Set outside mu_: the registry calls the hook with its own lock held and
  // the hook takes mu_, so taking the registry's lock under mu_ here could
  // deadlock with a publish (an etcd watch event at start-up; TSan saw the
  // inversion).
  reg_.on_publish([this](const std::string& uuid, const EntryPtr& entry) {
    std::lock_guard l(mu_);
    // Kept for subscribers and for the joiners of a round under way (their
    // snapshot may have been read before this); joiners still waiting get
    // a snapshot that holds it, so for nobody else is it worth keeping.
    if (subscribers_.empty() && in_round_ == 0) return;
    changes_.emplace_back(uuid, entry);
    cv_.notify_one();
  });
}

void EventStream::stop() {
  reg_.on_publish(nullptr);
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    running_ = false;  // HTTP threads may still ask: they get null from now on
  }
  cv_.notify_all();
  thread_.join();
  std::vector<std::shared_ptr<HttpStream>> subscribers, joining;
  {
    std::lock_guard lock(mu_);
    subscribers.swap(subscribers_);
    joining.swap(joining_);
  }
  for (auto& s : subscribers) s->close();
  for (auto& s : joining) s->close();
}

std::shared_ptr<HttpStream> EventStream::subscribe() {
  auto s = std::make_shared<HttpStream>();
  {
    std::lock_guard lock(mu_);
    // Streams whose client went are counted out first.
    std::erase_if(subscribers_, [](const auto& x) { return x->is_closed(); });
    std::erase_if(joining_, [](const auto& x) { return x->is_closed(); });
    if (!running_ || subscribers_.size() + joining_.size() + in_round_ >= kMaxSubscribers) return nullptr;
    joining_.push_back(s);
  }
  cv_.notify_all();
  return s;
}

std::string EventStream::format(const std::string& uuid, const EntryPtr& entry, WallClock::time_point now) const {
  if (!entry || entry->service.expired(now)) {
    std::string out = "event: delete\ndata: {\"UUID\":";
    append_json_string(out, uuid);
    return out + "}\n\n";
  }
  return "event: put\ndata: " + event_json(entry->service.unpack(), now) + "\n\n";
}

bool EventStream::snapshot_room() {
  std::erase_if(snapshots_, [](const auto& w) { return w.expired(); });
  return snapshots_.size() < kMaxSnapshots;
}

void EventStream::run() {
  using Steady = std::chrono::steady_clock;
  std::unique_lock lock(mu_);
  auto keep_alive = Steady::now() + std::chrono::seconds(15);
  while (!stopping_) {
    auto ready = [this] {
      return stopping_ || (!changes_.empty() && !subscribers_.empty()) || (!joining_.empty() && snapshot_room());
    };
    // Joiners kept waiting for a snapshot buffer look again soon: the
    // buffer is freed by whichever server thread writes it last. One wait
    // per turn (no predicate loop), so a joiner arriving during a long
    // wait shortens the next one.
    auto until = joining_.empty() ? keep_alive : std::min(keep_alive, Steady::now() + std::chrono::milliseconds(100));
    if (!ready()) cv_.wait_until(lock, until);
    bool woke = ready();
    if (stopping_) return;
    if (Steady::now() >= keep_alive) {
      for (auto& s : subscribers_) s->push(": keep-alive\n\n");
      std::erase_if(subscribers_, [](const auto& x) { return x->is_closed(); });
      keep_alive = Steady::now() + std::chrono::seconds(15);
    }
    if (!woke) continue;
    auto changes = std::move(changes_);
    changes_.clear();
    std::vector<std::shared_ptr<HttpStream>> joining;
    // Gone before their snapshot (a HEAD, a client that left): none is made for them.
    std::erase_if(joining_, [](const auto& x) { return x->is_closed(); });
    if (snapshot_room()) {
      joining = std::move(joining_);
      joining_.clear();
      in_round_ = joining.size();
    }
    lock.unlock();
    // Formatted once for every subscriber, outside the lock.
    auto now = WallClock::now();
    std::string batch;
    for (const auto& [uuid, entry] : changes) batch += format(uuid, entry, now);
    if (!joining.empty()) {
      // Read after the changes were taken, and the registry tells of a
      // change only once its snapshot is published: this holds all of
      // `batch` already (joiners get no batch). What it lacks comes in a
      // later round, kept for them meanwhile (in_round_).
      std::string snapshot = "event: snapshot\ndata: [";
      bool first = true;
      for (const auto& s : reg_.query("", now)) {
        if (!first) snapshot += ',';
        first = false;
        snapshot += event_json(s, now);
      }
      snapshot += "]\n\n";
      auto shared = std::make_shared<const std::string>(std::move(snapshot));
      for (auto& s : joining) s->push_head(shared);
      lock.lock();
      snapshots_.push_back(shared);  // counted until the last stream has written it
      lock.unlock();
    }
    lock.lock();
    if (!batch.empty())
      for (auto& s : subscribers_) s->push(batch);
    for (auto& s : joining) subscribers_.push_back(std::move(s));
    in_round_ = 0;
    std::erase_if(subscribers_, [](const auto& x) { return x->is_closed(); });
  }
}

}  // namespace skycore::plugins::skydns_registry
