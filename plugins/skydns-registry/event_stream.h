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
// full, so it holds no more than that.
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
  std::vector<std::shared_ptr<HttpStream>> subscribers_, joining_;
  bool stopping_ = false;
  std::thread thread_;
};

// A service as an event's data: the API's JSON, plus "Heartbeat" (when it
// was last registered or refreshed) for services with a TTL.
std::string event_json(const Service& s, WallClock::time_point now);

}  // namespace skycore::plugins::skydns_registry
