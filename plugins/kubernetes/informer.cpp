#include "plugins/kubernetes/informer.h"
#include "core/plugin/plugin_log.h"

#include <Poco/URI.h>
#include <fmt/format.h>

#include <pthread.h>

#include <cstdio>
#include <random>

namespace skycore::plugins::kubernetes {
namespace {


std::string encode(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "&=+,()!", out);
  return out;
}

struct Gone : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A watch stream that cannot be read (an event that is not JSON, not an
// object): its resourceVersion cannot be trusted past that point, so the
// informer lists afresh instead of re-reading the same bytes forever.
struct Corrupt : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr size_t kMaxListPages = 10'000;  // 5 million objects at 500 a page

// Retry delays as client-go's reflector: 800 ms doubling to 30 s, each
// drawn at random between half and all of the current step (so replicas
// restarted together do not hammer an API server in step).
class Backoff {
 public:
  std::chrono::milliseconds next() {
    std::uniform_int_distribution<int64_t> d(step_.count() / 2, step_.count());
    auto wait = std::chrono::milliseconds(d(rng_));
    step_ = std::min(step_ * 2, std::chrono::milliseconds(30'000));
    return wait;
  }
  void reset() { step_ = std::chrono::milliseconds(800); }

 private:
  std::chrono::milliseconds step_{800};
  std::mt19937_64 rng_{std::random_device{}()};
};

// A resource whose objects parse with `parse` and go into the cache with
// `put`; a list is applied object by object (ObjectCache::begin_list).
template <typename T>
Resource typed(std::string name, std::string path, std::string selector, Kind kind,
               std::optional<T> (*parse)(const JsonView&, std::string&),
               void (*put)(ObjectCache&, const std::string&, T)) {
  struct Builder final : ListBuilder {
    Kind kind;
    std::optional<T> (*parse)(const JsonView&, std::string&);
    void (*put)(ObjectCache&, const std::string&, T);
    ObjectCache* cache = nullptr;
    bool add(const std::string& key, const JsonView& o, std::string& why) override {
      auto t = parse(o, why);
      if (t) put(*cache, key, std::move(*t));
      return t.has_value();
    }
    void commit(ObjectCache& c) override { c.end_list(kind); }
  };
  Resource r;
  r.name = std::move(name);
  r.path = std::move(path);
  r.label_selector = std::move(selector);
  r.put = [kind, parse, put](ObjectCache& cache, const std::string& key, const JsonView& o, std::string& why) {
    auto t = parse(o, why);
    if (t) put(cache, key, std::move(*t));
    else cache.erase(kind, key);
    return t.has_value();
  };
  r.erase = [kind](ObjectCache& cache, const std::string& key) { cache.erase(kind, key); };
  r.new_list = [kind, parse, put](ObjectCache& cache) {
    auto b = std::make_unique<Builder>();
    b->kind = kind;
    b->parse = parse;
    b->put = put;
    b->cache = &cache;
    cache.begin_list(kind);
    return std::unique_ptr<ListBuilder>(std::move(b));
  };
  return r;
}

}  // namespace

Resource services_resource(const std::string& label_selector) {
  return typed<Service>("services", "/api/v1/services", label_selector, Kind::services, &parse_service,
                        [](ObjectCache& c, const std::string& k, Service s) { c.put_service(k, std::move(s)); });
}
Resource endpoint_slices_resource() {
  return typed<EndpointSlice>("endpointslices", "/apis/discovery.k8s.io/v1/endpointslices", "", Kind::slices,
                              &parse_endpoint_slice,
                              [](ObjectCache& c, const std::string& k, EndpointSlice s) { c.put_slice(k, std::move(s)); });
}
Resource namespaces_resource() {
  return typed<Namespace>("namespaces", "/api/v1/namespaces", "", Kind::namespaces, &parse_namespace,
                          [](ObjectCache& c, const std::string& k, Namespace n) { c.put_namespace(k, std::move(n)); });
}
// Pods go into the compact table rather than a map of whole objects.
Resource pods_resource() {
  return typed<Pod>("pods", "/api/v1/pods", "", Kind::pods, &parse_pod,
                    [](ObjectCache& c, const std::string& k, Pod p) { c.put_pod(k, p); });
}

Informer::Informer(ApiServer server, Resource resource, ObjectCache& cache)
    : server_(std::move(server)), resource_(std::move(resource)), cache_(cache) {}

Informer::~Informer() { stop(); }

void Informer::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "k8s-watch");
}

void Informer::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (session_) session_->abort();
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Informer::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

// List, then watch from the list's resourceVersion, for as long as the
// plugin runs. Every path back to the API server after a failure waits a
// backoff: a list that keeps answering 410 Gone, a continue token that never
// ends, a watch that ends at once with nothing, a corrupt stream. A watch
// that ran a while (the server ends each after timeoutSeconds) is simply
// started again, and one 410 after a healthy watch relists at once, as
// client-go does.
void Informer::run() {
  std::string rv;
  bool relist = true, failing = false, relisted_at_once = false;
  Backoff backoff;
  std::string last_error;
  while (true) {
    std::string error;
    try {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
        session_ = std::make_shared<ApiSession>(server_);
      }
      if (relist) {
        list(rv);
        relist = false;
      }
      if (failing) plugin_log("kubernetes", LogLevel::info, "{}: API server {} reachable again", resource_.name, server_.describe());
      failing = false;
      auto started = std::chrono::steady_clock::now();
      size_t events = watch(rv);
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      if (events > 0 || std::chrono::steady_clock::now() - started >= std::chrono::seconds(5)) {
        backoff.reset();  // a healthy stream that ended: watch again now
        relisted_at_once = false;
        continue;
      }
      error = "the watch ended at once without events";
    } catch (const Gone& e) {
      relist = true;
      if (!relisted_at_once) {  // the usual 410: our resourceVersion is too old
        relisted_at_once = true;
        continue;
      }
      error = fmt::format("410 Gone again after a relist: {}", e.what());
    } catch (const Corrupt& e) {
      relist = true;
      error = e.what();
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      if (auto* api = dynamic_cast<const ApiError*>(&e); api && api->status == 410) relist = true;
      error = e.what();
    }
    if (!failing || error != last_error) plugin_log("kubernetes", LogLevel::error, "{}: {}; retrying", resource_.name, error);
    failing = true;
    last_error = error;
    if (!pause(backoff.next())) return;
  }
}

void Informer::skip(const std::string& key, const std::string& why) {
  ++skipped_total_;
  if (skipped_.size() < 1000 && skipped_.insert(key).second)
    plugin_log("kubernetes", LogLevel::warning, "{}: {} not served: {} ({} skipped so far)", resource_.name, key, why, skipped_total_);
}

void Informer::list(std::string& rv) {
  auto builder = resource_.new_list(cache_);
  std::string cont;
  std::set<std::string> seen_tokens;
  size_t pages = 0;
  do {
    if (++pages > kMaxListPages) throw std::runtime_error(fmt::format("list longer than {} pages", kMaxListPages));
    std::string path = resource_.path + "?limit=500";
    if (!resource_.label_selector.empty()) path += "&labelSelector=" + encode(resource_.label_selector);
    if (!cont.empty()) path += "&continue=" + encode(cont);
    // The page is read in place: its items go straight into the cache's
    // compact form, with no document of the page.
    const std::string body = session_->get(path);
    std::string bad;
    auto parsed = JsonView::parse(body, bad);
    if (!parsed || !parsed->is_object()) throw std::runtime_error(fmt::format("GET {}: not a JSON object{}", path, bad.empty() ? "" : ": " + bad));
    const JsonView page = *parsed;
    const JsonView meta = page["metadata"];
    const JsonView items = page["items"];
    if (items.present() && !items.is_null() && !items.is_array())
      throw std::runtime_error("a list whose items are not an array");
    size_t i = 0;
    items.for_each([&](const JsonView& o) {
      const size_t item = i++;
      if (!o.is_object()) {
        skip(fmt::format("item {} of page {}", item, pages), "not an object");
        return;
      }
      std::string key = fmt::format("item {} of page {}", item, pages), why;
      try {
        key = meta_text(o, "namespace") + "/" + meta_text(o, "name");
        // An object DNS cannot use (a Service without an address yet) is
        // normal and not logged; one that does not parse is.
        builder->add(key, o, why);
      } catch (const std::exception& e) {
        skip(key, e.what());
      }
    });
    auto text = [&](const char* f) { return meta.is_object() ? meta[f].text() : std::string(); };
    cont = text("continue");
    rv = text("resourceVersion");
    // A token seen before would page forever.
    if (!cont.empty() && !seen_tokens.insert(cont).second)
      throw std::runtime_error("a list whose continue token repeats");
  } while (!cont.empty());
  builder->commit(cache_);
}

size_t Informer::watch(std::string& rv) {
  std::string path = resource_.path + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=300";
  if (!rv.empty()) path += "&resourceVersion=" + encode(rv);
  if (!resource_.label_selector.empty()) path += "&labelSelector=" + encode(resource_.label_selector);
  size_t events = 0;
  session_->watch(path, [&](std::string_view line) {
    std::string bad;
    auto parsed = JsonView::parse(line, bad);
    if (!parsed || !parsed->is_object()) throw Corrupt("a watch event that is not a JSON object");
    const JsonView ev = *parsed;
    ++events;
    std::string type = ev["type"].text();
    const JsonView obj = ev["object"];
    const JsonView* o = obj.is_object() ? &obj : nullptr;
    if (type == "ERROR") {
      int64_t code = o ? (*o)["code"].integer().value_or(0) : 0;
      std::string message = o ? (*o)["message"].text() : "";
      if (code == 410) throw Gone(message);
      throw std::runtime_error(fmt::format("watch error {}: {}", code, message));
    }
    if (!o) return;
    const std::string key = meta_text(*o, "namespace") + "/" + meta_text(*o, "name");
    const std::string v = meta_text(*o, "resourceVersion");
    try {
      if (type == "ADDED" || type == "MODIFIED") {
        std::string why;
        resource_.put(cache_, key, *o, why);
      } else if (type == "DELETED") {
        resource_.erase(cache_, key);
      }
    } catch (const std::exception& e) {
      // Skipped like a list item; an older version of it must not linger.
      resource_.erase(cache_, key);
      skip(key, e.what());
    }
    if (!v.empty()) rv = v;  // bookmarks too
  });
  return events;
}

}  // namespace skycore::plugins::kubernetes
