// Health results shared through etcd (store etcd only). Each server writes
// its own view of an instance under
//   PREFIX-health/<zone labels reversed>/<uuid>/<server id>
// = {"status": "passing|warning|critical", "checks": "<fingerprint>"}
// with a lease of its own (kLeaseSeconds, kept alive while it runs), and
// follows everyone's with a watch. The tree sits beside the SkyDNS one, so
// CoreDNS's etcd plugin never reads it as records.
//
// The rule: an instance's status is the best among the fresh reports for
// its current checks (its own included). A server that cannot reach an
// instance (a partition, a firewall on its side) does not take it out of
// DNS while another server reaches it; when no server does, it is critical
// everywhere. A server that stops or loses etcd drops out within
// kLeaseSeconds, as its lease runs out. Reports for other checks (an older
// or newer registration of the same uuid) are ignored.
#pragma once
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "plugins/skydns-registry/etcd_client.h"
#include "plugins/skydns-registry/service_details.h"

namespace skycore::plugins::skydns_registry {

class HealthShare {
 public:
  static constexpr int64_t kLeaseSeconds = 30;
  // `root` ends with '/': "/skydns-health/local/skydns/".
  HealthShare(std::vector<EtcdEndpoint> endpoints, std::string root);
  ~HealthShare() { stop(); }

  // `changed(uuid)` runs on the watch thread when another server's report
  // for uuid appeared, changed or went.
  void start(std::function<void(const std::string& uuid)> changed);
  void stop();

  // This server's result for `uuid` (queued; written by a thread of its own).
  void report(const std::string& uuid, const ServiceDetails& checks, Health h);
  // This server no longer checks `uuid`.
  void forget(const std::string& uuid);
  // The best of `local` (if known) and the other servers' fresh reports for
  // these checks; nullopt when nobody has a result yet.
  std::optional<Health> effective(const std::string& uuid, const ServiceDetails& checks,
                                  std::optional<Health> local) const;

  const std::string& server_id() const { return id_; }
  static std::string fingerprint(const ServiceDetails& checks);

 private:
  struct Report {
    std::string checks;
    Health health;
  };
  void write_loop();
  void watch_loop();
  // Applies one key's value (empty: deleted); true if it changed.
  bool apply(const std::string& key, const std::string& value, std::string& uuid);

  EtcdClient client_;      // the writer's
  EtcdClient watcher_;     // the watch's own
  const std::string root_;
  const std::string id_;   // random per process
  std::function<void(const std::string&)> changed_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = true;
  std::map<std::string, std::optional<Report>> queued_;  // uuid -> put, or nullopt: delete
  std::map<std::string, Report> mine_;                    // what etcd holds of ours
  std::map<std::string, std::map<std::string, Report>> others_;  // uuid -> server -> report
  int64_t lease_ = 0;
  std::thread writer_, watch_;
};

}  // namespace skycore::plugins::skydns_registry
