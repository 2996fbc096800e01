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
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  reg_.on_publish([this](const std::string& uuid, const EntryPtr& entry) {
    std::lock_guard l(mu_);
    if (subscribers_.empty() && joining_.empty()) return;  // nobody follows: nothing to keep
    changes_.emplace_back(uuid, entry);
    cv_.notify_one();
  });
  thread_ = std::thread([this] { run(); });
}

void EventStream::stop() {
  reg_.on_publish(nullptr);
  {
    std::lock_guard lock(mu_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  for (auto& s : subscribers_) s->close();
  for (auto& s : joining_) s->close();
  subscribers_.clear();
  joining_.clear();
}

std::shared_ptr<HttpStream> EventStream::subscribe() {
  auto s = std::make_shared<HttpStream>();
  {
    std::lock_guard lock(mu_);
    // Streams whose client went are counted out first.
    std::erase_if(subscribers_, [](const auto& x) { return x->is_closed(); });
    if (!thread_.joinable() || subscribers_.size() + joining_.size() >= kMaxSubscribers) return nullptr;
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

void EventStream::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    bool woke = cv_.wait_for(lock, std::chrono::seconds(15),
                             [this] { return stopping_ || (!changes_.empty() && !subscribers_.empty()) || !joining_.empty(); });
    if (stopping_) return;
    if (!woke) {
      for (auto& s : subscribers_) s->push(": keep-alive\n\n");
      std::erase_if(subscribers_, [](const auto& x) { return x->is_closed(); });
      continue;
    }
    auto changes = std::move(changes_);
    changes_.clear();
    auto joining = std::move(joining_);
    joining_.clear();
    lock.unlock();
    // Formatted once for every subscriber, outside the lock.
    auto now = WallClock::now();
    std::string batch;
    for (const auto& [uuid, entry] : changes) batch += format(uuid, entry, now);
    if (!joining.empty()) {
      // Read after the changes were taken: whatever the snapshot lacks
      // follows in `batch` or in a later round.
      std::string snapshot = "event: snapshot\ndata: [";
      bool first = true;
      for (const auto& s : reg_.query("", now)) {
        if (!first) snapshot += ',';
        first = false;
        snapshot += event_json(s, now);
      }
      snapshot += "]\n\n";
      for (auto& s : joining) s->push(snapshot + batch, /*whole=*/true);
    }
    lock.lock();
    if (!batch.empty())
      for (auto& s : subscribers_) s->push(batch);
    for (auto& s : joining) subscribers_.push_back(std::move(s));
    std::erase_if(subscribers_, [](const auto& x) { return x->is_closed(); });
  }
}

}  // namespace skycore::plugins::skydns_registry
