#include "plugins/kubernetes/kubernetes.h"
#include "core/plugin/plugin_log.h"

#include <fmt/format.h>

#include <malloc.h>
#include <pthread.h>

#include <cstdio>

#include "core/plugin/qname.h"
#include "core/plugin/resolv_conf.h"
#include "plugins/kubernetes/cluster_lookup.h"

namespace skycore::plugins::kubernetes {
namespace {

constexpr std::string_view kDnsVersion = "1.1.0";  // the spec this plugin follows

}  // namespace

Kubernetes::Kubernetes(Config cfg, size_t workers)
    : cfg_(std::move(cfg)),
      answerer_("kubernetes", cfg_.zones, *this, cfg_.fallthrough, workers),
      views_(workers) {
  cluster_zone_ = cfg_.zones.front();
  for (const auto& z : cfg_.zones)
    if (!is_reverse_zone(z)) {
      cluster_zone_ = z;
      break;
    }
  informers_.push_back(std::make_unique<Informer>(cfg_.server, services_resource(cfg_.labels), cache_));
  informers_.push_back(std::make_unique<Informer>(cfg_.server, namespaces_resource(), cache_));
  if (!cfg_.noendpoints)
    informers_.push_back(std::make_unique<Informer>(cfg_.server, endpoint_slices_resource(), cache_));
  if (cfg_.pods == PodMode::verified)
    informers_.push_back(std::make_unique<Informer>(cfg_.server, pods_resource(), cache_));
  resources_ = informers_.size();
  cfg_.build.pods_verified = cfg_.pods == PodMode::verified;
  if (cfg_.autopath) {  // set in the Config directly (unit tests)
    cfg_.autopath = false;
    serve_search_paths();
  }
}

Kubernetes::~Kubernetes() { stop(); }

void Kubernetes::start() {
  started_ = std::chrono::steady_clock::now();
  started_flag_ = true;
  builder_ = std::thread([this] { build_loop(); });
  // Named so that per-thread CPU (top -H, scripts/bench) tells the control
  // plane from the DNS workers.
  pthread_setname_np(builder_.native_handle(), "k8s-build");
  for (auto& i : informers_) i->start();
}

void Kubernetes::stop() {
  for (auto& i : informers_) i->stop();
  {
    std::lock_guard lock(cache_.mutex());
    stopping_ = true;
  }
  cache_.wake();
  if (builder_.joinable()) builder_.join();
}

bool Kubernetes::ready() const {
  if (synced_) return true;
  return started_flag_ && std::chrono::steady_clock::now() - started_ >= cfg_.startup_timeout;
}

void Kubernetes::publish(std::shared_ptr<const Snapshot> next) { snapshot_.publish(std::move(next)); }

void Kubernetes::serve_objects(const Objects& objects) {
  publish(std::make_shared<const Snapshot>(objects, cfg_.build));
  synced_ = true;
}

// The builder's whole cost is what changed: each batch of watch events
// makes a snapshot sharing every untouched piece with the last one.
void Kubernetes::build_loop() {
  bool warned = false;
  std::shared_ptr<const Snapshot> last;
  size_t lists_seen = 0;  // lists done at the last batch
  while (true) {
    // Until the first sync nothing is served (SERVFAIL) unless
    // startup_timeout passed: the changes pile up in the cache and the
    // first snapshot is built once, not once per list page (a rebuild of
    // the PTR index per page made a large first sync quadratic).
    if (!synced_ && !ready() && !cache_.wait_for_lists(resources_, stopping_, std::chrono::milliseconds(200))) {
      std::lock_guard lock(cache_.mutex());
      if (stopping_) return;
      continue;  // not listed yet: look again (startup_timeout may have passed)
    }
    std::shared_ptr<const Snapshot> next;
    size_t lists = 0, changed = 0;
    std::chrono::steady_clock::duration took{};  // the build alone, not the wait for changes
    bool got = cache_.wait_and_read(stopping_, std::chrono::milliseconds(200),
                                    [&](const ObjectState& state, const Changes& changes, size_t n) {
      const auto began = std::chrono::steady_clock::now();
      lists = n;
      changed = changes.services.size();
      next = std::make_shared<const Snapshot>(Snapshot::next(last.get(), state, changes, cfg_.build));
      took = std::chrono::steady_clock::now() - began;
    });
    {
      std::lock_guard lock(cache_.mutex());
      if (stopping_) return;
    }
    if (got) {
      publish(next);
      last = next;
      // Parsing a large list leaves much freed heap behind; glibc keeps it
      // unless asked. Only after big batches: a trim walks the whole heap.
      if (changed >= 1000 || lists != lists_seen) malloc_trim(0);
      lists_seen = lists;
      if (!synced_ && lists >= resources_) {
        synced_ = true;
        plugin_log("kubernetes", LogLevel::info, "synced with {} ({} services)", cfg_.server.describe(), next->size());
      }
    }
    if (!synced_ && !warned && ready()) {
      warned = true;
      plugin_log("kubernetes", LogLevel::warning, "starting to serve before the first sync with {} (startup_timeout)",
                                 cfg_.server.describe());
    }
    // Coalesce bursts: the watch events of the next 20 ms (or of twice the
    // last build, after a big one) become one batch, so the builder never
    // takes more than a third of a core however fast changes come.
    if (got)
      std::this_thread::sleep_for(std::max<std::chrono::steady_clock::duration>(std::chrono::milliseconds(20), 2 * took));
  }
}

void Kubernetes::serve_search_paths() {
  if (cfg_.autopath) return;
  cfg_.autopath = true;
  cfg_.build.pod_index = true;
  if (cfg_.pods != PodMode::verified) {
    informers_.push_back(std::make_unique<Informer>(cfg_.server, pods_resource(), cache_));
    resources_ = informers_.size();
  }
  // As CoreDNS: the host's search domains follow the cluster's.
  if (cfg_.host_search.empty())
    for (const auto& d : read_search_domains("/etc/resolv.conf").value_or(std::vector<std::string>{}))
      if (auto n = wire::Name::from_text(d)) {
        n->lowercase();
        cfg_.host_search.push_back(*n);
      }
}

bool Kubernetes::search_path(const Request& req, SearchPath& out) const {
  if (!cfg_.autopath || !synced_) return false;
  const wire::Name* zone = nullptr;
  for (const auto& z : cfg_.zones)
    if (req.query.qname_lower.is_subdomain_of(z) && (!zone || z.size() > zone->size())) zone = &z;
  if (!zone) return false;

  Ip ip;
  if (req.remote_addr.is_v4() || (req.remote_addr.is_v6() && req.remote_addr.to_v6().is_v4_mapped())) {
    auto b = req.remote_addr.is_v4() ? req.remote_addr.to_v4().to_bytes()
                                     : asio::ip::make_address_v4(asio::ip::v4_mapped, req.remote_addr.to_v6()).to_bytes();
    std::copy(b.begin(), b.end(), ip.bytes.begin());
  } else {
    ip.v6 = true;
    ip.bytes = req.remote_addr.to_v6().to_bytes();
  }
  // The snapshot may change after this call returns (the walk suspends):
  // the namespace is copied into `out` now.
  std::string_view ns = view(req.worker).pods().namespace_of(ip);
  if (ns.empty()) return false;
  wire::Name svc = *zone;
  if (!svc.prepend_label("svc")) return false;
  wire::Name mine = svc;
  if (!mine.prepend_label(ns)) return false;
  out.add(mine);
  out.add(svc);
  out.add(*zone);
  for (const auto& h : cfg_.host_search) out.add(h);
  return true;
}

uint32_t Kubernetes::serial(const ServiceQuery&) const {
  return static_cast<uint32_t>(snapshot_.version());
}

Lookup Kubernetes::reverse(const ServiceQuery& q, const IpBytes& ip, std::vector<ServiceEntry>& out) {
  // A Service's address names the Service; an endpoint's its endpoint
  // names, unless a Service has it (Service rows come first). Each name once.
  bool any = false, service = false;
  const size_t first = out.size();
  char dash[48];
  view(q.req.worker).for_each_reverse(ip, [&](const PtrRow& row) {
    if (!any) {
      any = true;
      service = row.names_service();
    }
    if (row.names_service() != service) return;
    std::string_view label =
        service ? std::string_view() : row.records->endpoint_label(row.slice, row.endpoint, ip, cfg_.build.endpoint_pod_names, dash);
    ServiceEntry e;
    e.ttl = cfg_.ttl;
    if (!service_name(cluster_zone_, label, row.records->service(), true, e.target)) return;
    bool seen = false;
    for (size_t k = first; k < out.size() && !seen; ++k) seen = out[k].target.equals_ignore_case(e.target);
    if (!seen) out.push_back(e);
  });
  if (!any) return Lookup::nxdomain;
  return Lookup::found;
}

Lookup Kubernetes::services(const ServiceQuery& q, std::vector<ServiceEntry>& out) {
  const Snapshot& snap = view(q.req.worker);
  const uint16_t qtype = q.qtype;
  const auto labels = q.labels;
  const size_t above = labels.size();
  const uint32_t ttl = cfg_.ttl;

  if (above == 1 && labels[0] == "dns-version") {
    if (qtype == wire::rrtype::TXT) {
      ServiceEntry e;
      e.ttl = ttl;
      e.text = kDnsVersion;
      out.push_back(e);
    }
    return Lookup::found;
  }
  if (above == 3 && labels[2] == "pod" && cfg_.pods == PodMode::insecure) {
    if (auto ip = undashed(labels[0])) {  // insecure: any address the name carries
      if (qtype == wire::rrtype::A || qtype == wire::rrtype::AAAA) {
        ServiceEntry e;
        e.ttl = ttl;
        e.addr = *ip;
        e.use_addr = true;
        out.push_back(e);
      }
      return Lookup::found;
    }
  }
  ClusterQuestion cq;
  cq.labels = labels;
  cq.qtype = qtype;
  cq.ttl = ttl;
  cq.zone = &q.zone;
  cq.pod_names = cfg_.build.endpoint_pod_names;
  cq.verified_pods = cfg_.pods == PodMode::verified;
  Lookup found = answer_cluster(snap, cq, out);
  // kube2sky's names: <svc>.<ns>.<zone> answers as <svc>.<ns>.svc.<zone>.
  if (found == Lookup::nxdomain && cfg_.legacy_service_names && above >= 2 && above < 8 &&
      snap.has_namespace(labels[above - 1])) {
    std::string_view with_svc[8];
    std::copy(labels.begin(), labels.end(), with_svc);
    with_svc[above] = "svc";
    cq.labels = std::span<const std::string_view>(with_svc, above + 1);
    if (answer_cluster(snap, cq, out) == Lookup::found) return Lookup::found;
  }
  return found;
}

asio::awaitable<Result> Kubernetes::serve(Request& req, Next next) { return answerer_.serve(req, next); }

}  // namespace skycore::plugins::kubernetes
