// GET /skydns/events: the registry's changes as server-sent events, for the
// live view (GET /) and for clients that would rather follow than poll.
// A new subscriber first gets `event: snapshot` (every live service, as
// GET /skydns/services/ lists them), then `event: put` with a service that
// was registered, changed, refreshed or changed health, and `event: delete`
// with {"UUID": ...} for one that was removed or expired; a comment every
// 15 s keeps proxies from closing an idle stream. A put may repeat what the
// snapshot held: clients apply events by UUID.
//
// The registry's publish hook only queues (it runs under the registry's
// lock); one thread of this stream's own formats each change once and
// hands it to every subscriber. At most kMaxSubscribers streams (503
// beyond); a subscriber that stops reading is dropped once its buffer is
// full, so it holds no more than that. The snapshot is one buffer shared
// by every stream that joined in the same round, and at most
// kMaxSnapshots such buffers are alive at once (joiners wait for one to be
// written out), so slow or never-reading clients hold at most that many
// listings, however often they reconnect.
#pragma once
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/plugin/http_stream.h"
#include "plugins/skydns-registry/registry.h"

namespace skycore::plugins::skydns_registry {

class EventStream {
 public:
  static constexpr size_t kMaxSubscribers = 64;
  static constexpr size_t kMaxSnapshots = 4;
  explicit EventStream(Registry& reg) : reg_(reg) {}
  ~EventStream() { stop(); }
  void start();
  void stop();
  // A new stream, or null when kMaxSubscribers are following already.
  std::shared_ptr<HttpStream> subscribe();

 private:
  void run();
  std::string format(const std::string& uuid, const EntryPtr& entry, WallClock::time_point now) const;

  Registry& reg_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<std::string, EntryPtr>> changes_;
  bool snapshot_room();  // with mu_ held
  std::vector<std::shared_ptr<HttpStream>> subscribers_, joining_;
  std::vector<std::weak_ptr<const std::string>> snapshots_;  // still being written somewhere
  bool stopping_ = false;
  bool running_ = false;  // subscribe() admits streams
  size_t in_round_ = 0;   // joiners taken by the round under way
  std::thread thread_;
};

// A service as an event's data: the API's JSON, plus "Heartbeat" (when it
// was last registered or refreshed) for services with a TTL.
std::string event_json(const Service& s, WallClock::time_point now);

}  // namespace skycore::plugins::skydns_registry
