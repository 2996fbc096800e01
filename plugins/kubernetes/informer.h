// One list + watch loop per resource, on a thread of its own: list (in pages),
// then watch from the list's resourceVersion; follow bookmarks; re-list on
// 410 Gone; when the API server goes away, retry with backoff (0.5 s doubling
// to 10 s) from the last resourceVersion seen, so the records stay served
// meanwhile and converge once it is back.
#pragma once
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "plugins/kubernetes/api_client.h"
#include "plugins/kubernetes/cache.h"

namespace skycore::plugins::kubernetes {

// A fresh list being read page by page: objects are parsed into the cache
// as they come, so neither the JSON of a large list nor a second copy of
// the cluster is ever held whole.
struct ListBuilder {
  virtual ~ListBuilder() = default;
  virtual bool add(const std::string& key, const JsonView& o, std::string& why) = 0;
  virtual void commit(ObjectCache& cache) = 0;
};

struct Resource {
  std::string name;            // "services", for logs
  std::string path;            // "/api/v1/services"
  std::string label_selector;  // "" = all
  // A watch event's object: parsed into the cache, or (unusable now, e.g.
  // a Service that lost its address) removed from it, with why.
  std::function<bool(ObjectCache&, const std::string& key, const JsonView&, std::string& why)> put;
  std::function<void(ObjectCache&, const std::string& key)> erase;
  std::function<std::unique_ptr<ListBuilder>(ObjectCache&)> new_list;
};

class Informer {
 public:
  Informer(ApiServer server, Resource resource, ObjectCache& cache);
  ~Informer();
  void start();
  void stop();

 private:
  void run();
  void list(std::string& rv);
  size_t watch(std::string& rv);  // events seen
  bool pause(std::chrono::milliseconds d);  // false when stopping
  // An object that could not be parsed: logged once per object, counted.
  void skip(const std::string& key, const std::string& why);

  ApiServer server_;
  Resource resource_;
  ObjectCache& cache_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::shared_ptr<ApiSession> session_;  // the one in use, to abort it
  std::set<std::string> skipped_;          // keys already logged (bounded)
  size_t skipped_total_ = 0;
};

// The resources the plugin watches, each parsing into its part of the cache.
Resource services_resource(const std::string& label_selector);
Resource endpoint_slices_resource();
Resource namespaces_resource();
Resource pods_resource();

}  // namespace skycore::plugins::kubernetes
