// The objects the informers keep in step with the API server. Each object is
// parsed once into its compact form and kept as an immutable shared piece:
// the snapshots answer from the same pieces, so the cluster is held once.
// Informers write under one lock and note which Services a change touches;
// the snapshot builder takes those notes and rebuilds only those Services.
#pragma once
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "plugins/kubernetes/objects.h"
#include "plugins/kubernetes/pod_table.h"

namespace skycore::plugins::kubernetes {

// A whole cluster as values, keyed by "namespace/name": what unit tests,
// fuzzers and benchmarks of the answer path hand to ObjectCache::load().
struct Objects {
  std::map<std::string, Service> services;
  std::map<std::string, EndpointSlice> slices;
  std::map<std::string, Namespace> namespaces;
  PodTable pods;
};

using ServicePtr = std::shared_ptr<const Service>;
using SlicePtr = std::shared_ptr<const EndpointSlice>;

// What changed since the builder last looked.
struct Changes {
  std::set<std::string> services;  // "namespace/name" of Services whose records may differ
  bool namespaces = false;
  bool pods = false;
  bool listed = false;  // a list completed: the builder looks for its first sync
  bool any() const { return !services.empty() || namespaces || pods || listed; }
};

// The cache's contents, read by the builder under the cache's lock.
class ObjectState {
 public:
  const Service* service(const std::string& key) const {
    auto it = services_.find(key);
    return it == services_.end() ? nullptr : it->second.service.get();
  }
  ServicePtr service_ptr(const std::string& key) const {
    auto it = services_.find(key);
    return it == services_.end() ? nullptr : it->second.service;
  }
  // The slices of Service "namespace/name" (the service-name label).
  const std::vector<SlicePtr>& slices_of(const std::string& service_key) const {
    static const std::vector<SlicePtr> none;
    auto it = services_.find(service_key);
    return it == services_.end() ? none : it->second.slices;
  }
  const std::set<std::string>& namespaces() const { return namespaces_; }
  const PodTable& pods() const { return pods_; }
  template <typename F>
  void for_each_service_key(F&& f) const {
    for (const auto& [key, entry] : services_)
      if (entry.service) f(key);
  }

 protected:
  // A Service and the slices labelled with its name, under one key: either
  // may come first (or alone), and the entry goes when both have.
  struct ServiceEntry {
    ServicePtr service;
    std::vector<SlicePtr> slices;
  };
  std::unordered_map<std::string, ServiceEntry> services_;
  std::unordered_map<std::string, SlicePtr> slices_;  // by the slice's own key
  std::set<std::string> namespaces_;
  PodTable pods_;
};

// The kinds a list or a watch event writes.
enum class Kind { services, slices, namespaces, pods };

class ObjectCache : private ObjectState {
 public:
  // A watch event's object (or a list's). An object equal to the one held
  // changes nothing, so a relist of an unchanged cluster rebuilds nothing.
  void put_service(const std::string& key, Service s);
  void put_slice(const std::string& key, EndpointSlice s);
  void put_namespace(const std::string& key, Namespace n);
  void put_pod(const std::string& key, const Pod& p);
  void erase(Kind kind, const std::string& key);

  // A fresh list is applied object by object into what is held (so a
  // relist does not hold the cluster twice); at its end, what the list did
  // not name is removed and the kind counts as listed once more.
  void begin_list(Kind kind);
  void end_list(Kind kind);

  // Everything of `objects` at once, as after a full sync of every kind.
  void load(const Objects& objects);

  // Waits until something changed (or `stop` is set, or the timeout), then
  // calls f(state, changes, lists done so far) under the lock.
  template <typename F, typename Duration>
  bool wait_and_read(const bool& stop, Duration timeout, F&& f) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return changes_.any() || stop; });
    if (stop || !changes_.any()) return false;
    Changes changes = std::move(changes_);
    changes_ = Changes{};
    f(static_cast<const ObjectState&>(*this), changes, lists_);
    return true;
  }
  // Waits until `lists` lists have completed (each kind's first counts, and
  // every relist), or `stop` is set, or the timeout; true if they have.
  template <typename Duration>
  bool wait_for_lists(size_t lists, const bool& stop, Duration timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return lists_ >= lists || stop; });
    return lists_ >= lists;
  }
  // Wakes wait_and_read (to stop); `stop` must be set under mutex().
  std::mutex& mutex() { return mu_; }
  void wake() { cv_.notify_all(); }

 private:
  void changed() { cv_.notify_all(); }
  void seen(Kind kind, const std::string& key);
  void erase_locked(Kind kind, const std::string& key);
  void unlink_slice(const std::string& key);
  void drop_if_empty(std::unordered_map<std::string, ServiceEntry>::iterator it);

  std::mutex mu_;
  std::condition_variable cv_;
  Changes changes_;
  size_t lists_ = 0;
  // Keys a list in progress has named, per kind (pods by their hash key).
  std::map<Kind, std::unordered_set<std::string>> listing_;
  std::optional<PodTable> pods_list_;  // a pods list in progress
};

// "namespace/name" -> ("namespace", "name").
inline std::pair<std::string_view, std::string_view> split_key(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {{}, key};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace skycore::plugins::kubernetes
