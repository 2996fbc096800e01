// kubernetes: cluster DNS from the Kubernetes API (list + watch), to the
// Kubernetes DNS specification 1.1.0 plus what CoreDNS serves. Informer
// threads keep an object cache in step with the API server; a builder
// thread turns each batch of changes into a new immutable Snapshot; DNS
// workers answer from their own snapshot pointer, refreshed by comparing a
// version number, and never wait for the API.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/plugin/fallthrough.h"
#include "core/plugin/external_source.h"
#include "core/plugin/plugin.h"
#include "core/plugin/search_path.h"
#include "core/plugin/service_answerer.h"
#include "core/plugin/service_backend.h"
#include "core/plugin/snapshot_source.h"
#include "core/wire/name.h"
#include "plugins/kubernetes/api_client.h"
#include "plugins/kubernetes/cache.h"
#include "plugins/kubernetes/informer.h"
#include "plugins/kubernetes/snapshot.h"

namespace skycore::plugins::kubernetes {

enum class PodMode { disabled, insecure, verified };

struct Config {
  std::vector<wire::Name> zones;  // lowercased
  ApiServer server;
  BuildOptions build;
  std::string labels;  // label selector for Services
  PodMode pods = PodMode::disabled;
  bool noendpoints = false;
  bool legacy_service_names = false;
  uint32_t ttl = 5;
  Fallthrough fallthrough;
  std::chrono::milliseconds startup_timeout{5000};
  // Set by serve_search_paths() (`autopath @kubernetes` in the block): watch
  // pods into the address to namespace index (whatever `pods` says), and
  // append the host's own search list (its /etc/resolv.conf) to each pod's.
  bool autopath = false;
  std::vector<wire::Name> host_search;
};

class Kubernetes final : public Plugin,
                         public SearchPathSource,
                         public ExternalSource,
                         public ZoneTransferSource,
                         private ServiceBackend {
 public:
  Kubernetes(Config cfg, size_t workers);
  ~Kubernetes() override;
  std::string_view name() const override { return "kubernetes"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  void start();
  void stop();
  // Every watched resource listed once, or startup_timeout passed.
  bool ready() const override;
  // Answers from `objects` as after a full sync, without an API server
  // (unit tests, benchmarks of the answer path).
  void serve_objects(const Objects& objects);

  // SearchPathSource (autopath): the search list of the pod that asked,
  // as the kubelet writes it: <ns>.svc.<zone> svc.<zone> <zone>, then the
  // host's.
  void serve_search_paths() override;
  bool search_path(const Request& req, SearchPath& out) const override;

  // ExternalSource (k8s_external, external.cpp).
  bool external_ready() const override { return synced_; }
  Lookup external(const ServiceQuery& q, bool headless, uint32_t ttl,
                  std::vector<ServiceEntry>& out) const override;
  uint32_t external_version() const override { return static_cast<uint32_t>(snapshot_.version()); }
  void external_transfer(const wire::Name& zone, bool headless, uint32_t ttl, TransferWriter& out) const override;

  // ZoneTransferSource (the transfer plugin, transfer.cpp): the cluster zone.
  bool transfers(const wire::Name& zone) const override;
  uint32_t transfer_serial(const wire::Name&) const override { return static_cast<uint32_t>(snapshot_.version()); }
  void transfer(const wire::Name& zone, TransferWriter& out) const override;

 private:
  // ServiceBackend: look-ups in the current snapshot.
  bool complete() const override { return synced_; }
  bool answers_reverse() const override { return true; }
  Lookup services(const ServiceQuery& q, std::vector<ServiceEntry>& out) override;
  Lookup reverse(const ServiceQuery& q, const IpBytes& ip, std::vector<ServiceEntry>& out) override;
  uint32_t serial(const ServiceQuery& q) const override;
  uint32_t min_ttl(const ServiceQuery&) const override { return cfg_.ttl; }

  const Snapshot& view(uint16_t worker) const { return views_.get(worker, snapshot_); }
  void publish(std::shared_ptr<const Snapshot> next);
  void build_loop();

  Config cfg_;
  ServiceAnswerer answerer_;
  wire::Name cluster_zone_;  // PTR targets live here: the first zone that is not a reverse zone
  size_t resources_ = 0;     // how many lists make a full sync
  ObjectCache cache_;
  std::vector<std::unique_ptr<Informer>> informers_;
  SnapshotSource<Snapshot> snapshot_;
  mutable WorkerViews<Snapshot> views_;
  std::atomic<bool> synced_{false};
  std::chrono::steady_clock::time_point started_{};
  std::atomic<bool> started_flag_{false};
  std::thread builder_;
  bool stopping_ = false;  // guarded by cache_.mutex()
};

}  // namespace skycore::plugins::kubernetes
