// The objects the informers keep in step with the API server, keyed by
// "namespace/name". Informers write; the snapshot builder reads everything
// under the same lock and is woken when something changed.
#pragma once
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

#include "plugins/kubernetes/objects.h"
#include "plugins/kubernetes/pod_table.h"

namespace skycore::plugins::kubernetes {

struct Objects {
  std::map<std::string, Service> services;
  std::map<std::string, EndpointSlice> slices;
  std::map<std::string, Namespace> namespaces;
  PodTable pods;  // compact: pods are the most numerous objects
};

class ObjectCache {
 public:
  template <typename T>
  void put(std::map<std::string, T> Objects::*kind, const std::string& key, T obj) {
    std::lock_guard lock(mu_);
    (objects_.*kind)[key] = std::move(obj);
    changed_locked();
  }
  template <typename T>
  void erase(std::map<std::string, T> Objects::*kind, const std::string& key) {
    std::lock_guard lock(mu_);
    if ((objects_.*kind).erase(key)) changed_locked();
  }
  // A fresh list: replaces everything of that kind, and counts as that
  // kind's first sync.
  template <typename T>
  void replace(std::map<std::string, T> Objects::*kind, std::map<std::string, T> all) {
    std::lock_guard lock(mu_);
    objects_.*kind = std::move(all);
    ++lists_;
    changed_locked();
  }

  // Changes the objects in place (the pods' table): f(objects) returns
  // whether anything changed; `list` counts a fresh list's first sync.
  template <typename F>
  void update(F&& f, bool list = false) {
    std::lock_guard lock(mu_);
    bool changed = f(objects_);
    if (list) ++lists_;
    if (changed || list) changed_locked();
  }

  // Waits until something changed (or `stop` is set, or the timeout), then
  // calls f(objects, lists done so far) under the lock.
  template <typename F, typename Duration>
  bool wait_and_read(const bool& stop, Duration timeout, F&& f) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return dirty_ || stop; });
    if (stop || !dirty_) return false;
    dirty_ = false;
    f(objects_, lists_);
    return true;
  }
  // Wakes wait_and_read (to stop); `stop` must be set under lock_for_stop().
  std::mutex& mutex() { return mu_; }
  void wake() { cv_.notify_all(); }

 private:
  void changed_locked() {
    dirty_ = true;
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  Objects objects_;
  bool dirty_ = false;
  size_t lists_ = 0;
};

}  // namespace skycore::plugins::kubernetes
