#include "plugins/kubernetes/informer.h"

#include <Poco/JSON/Array.h>
#include <Poco/URI.h>
#include <fmt/format.h>

#include <cstdio>

namespace skycore::plugins::kubernetes {
namespace {

using Poco::JSON::Object;

void log(const char* level, const std::string& what) {
  std::fprintf(stdout, "[%s] plugin/kubernetes: %s\n", level, what.c_str());
  std::fflush(stdout);
}

std::string meta_text(const Object::Ptr& o, const char* field) {
  if (!o || !o->has("metadata") || !o->isObject("metadata")) return {};
  auto m = o->getObject("metadata");
  return m->has(field) && !m->isNull(field) ? m->getValue<std::string>(field) : std::string();
}

std::string encode(const std::string& s) {
  std::string out;
  Poco::URI::encode(s, "&=+,()!", out);
  return out;
}

struct Gone : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename T>
Resource typed(std::string name, std::string path, std::string selector,
               std::map<std::string, T> Objects::*kind,
               std::optional<T> (*parse)(const Object::Ptr&, std::string&)) {
  struct Builder final : ListBuilder {
    std::map<std::string, T> Objects::*kind;
    std::optional<T> (*parse)(const Object::Ptr&, std::string&);
    std::map<std::string, T> all;
    bool add(const std::string& key, const Object::Ptr& o, std::string& why) override {
      auto t = parse(o, why);
      if (t) all[key] = std::move(*t);
      return t.has_value();
    }
    void commit(ObjectCache& cache) override { cache.replace(kind, std::move(all)); }
  };
  Resource r;
  r.name = std::move(name);
  r.path = std::move(path);
  r.label_selector = std::move(selector);
  r.put = [kind, parse](ObjectCache& cache, const std::string& key, const Object::Ptr& o, std::string& why) {
    auto t = parse(o, why);
    if (t) cache.put(kind, key, std::move(*t));
    else cache.erase(kind, key);
    return t.has_value();
  };
  r.erase = [kind](ObjectCache& cache, const std::string& key) { cache.erase(kind, key); };
  r.new_list = [kind, parse] {
    auto b = std::make_unique<Builder>();
    b->kind = kind;
    b->parse = parse;
    return std::unique_ptr<ListBuilder>(std::move(b));
  };
  return r;
}

}  // namespace

Resource services_resource(const std::string& label_selector) {
  return typed("services", "/api/v1/services", label_selector, &Objects::services, &parse_service);
}
Resource endpoint_slices_resource() {
  return typed("endpointslices", "/apis/discovery.k8s.io/v1/endpointslices", "", &Objects::slices,
               &parse_endpoint_slice);
}
Resource namespaces_resource() {
  return typed("namespaces", "/api/v1/namespaces", "", &Objects::namespaces, &parse_namespace);
}
Resource pods_resource() { return typed("pods", "/api/v1/pods", "", &Objects::pods, &parse_pod); }

Informer::Informer(ApiServer server, Resource resource, ObjectCache& cache)
    : server_(std::move(server)), resource_(std::move(resource)), cache_(cache) {}

Informer::~Informer() { stop(); }

void Informer::start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
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

void Informer::run() {
  std::string rv;
  bool relist = true, failing = false;
  auto backoff = std::chrono::milliseconds(500);
  while (true) {
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
      if (failing) log("INFO", fmt::format("{}: API server {} reachable again", resource_.name, server_.describe()));
      failing = false;
      backoff = std::chrono::milliseconds(500);
      watch(rv);  // returns when the server ends the stream: watch again from rv
    } catch (const Gone&) {
      relist = true;  // our resourceVersion is too old: list afresh at once
    } catch (const std::exception& e) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      if (auto* api = dynamic_cast<const ApiError*>(&e); api && api->status == 410) {
        relist = true;
        continue;
      }
      if (!failing) log("ERROR", fmt::format("{}: {}; retrying", resource_.name, e.what()));
      failing = true;
      if (!pause(backoff)) return;
      backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
    }
  }
}

void Informer::list(std::string& rv) {
  auto builder = resource_.new_list();
  std::string cont;
  size_t skipped = 0;
  std::string first_why;
  do {
    std::string path = resource_.path + "?limit=500";
    if (!resource_.label_selector.empty()) path += "&labelSelector=" + encode(resource_.label_selector);
    if (!cont.empty()) path += "&continue=" + encode(cont);
    auto page = session_->get(path);
    auto meta = page->getObject("metadata");
    if (auto items = page->getArray("items")) {
      for (size_t i = 0; i < items->size(); ++i) {
        auto o = items->getObject(i);
        std::string why;
        if (!o || !builder->add(meta_text(o, "namespace") + "/" + meta_text(o, "name"), o, why)) {
          if (!skipped++) first_why = meta_text(o, "namespace") + "/" + meta_text(o, "name") + ": " + why;
        }
      }
    }
    cont = meta && meta->has("continue") ? meta->getValue<std::string>("continue") : "";
    rv = meta && meta->has("resourceVersion") ? meta->getValue<std::string>("resourceVersion") : "";
  } while (!cont.empty());
  builder->commit(cache_);
  // Objects DNS cannot use (a Service without an address yet) are normal.
  if (skipped) log("DEBUG", fmt::format("{}: {} objects not served, e.g. {}", resource_.name, skipped, first_why));
}

void Informer::watch(std::string& rv) {
  std::string path = resource_.path + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=300";
  if (!rv.empty()) path += "&resourceVersion=" + encode(rv);
  if (!resource_.label_selector.empty()) path += "&labelSelector=" + encode(resource_.label_selector);
  session_->watch(path, [&](const Object::Ptr& ev) {
    std::string type = ev->optValue<std::string>("type", "");
    Object::Ptr o = ev->has("object") && ev->isObject("object") ? ev->getObject("object") : nullptr;
    if (type == "ERROR") {
      int code = o ? o->optValue<int>("code", 0) : 0;
      std::string message = o ? o->optValue<std::string>("message", "") : "";
      if (code == 410) throw Gone(message);
      throw std::runtime_error(fmt::format("watch error {}: {}", code, message));
    }
    if (!o) return;
    std::string key = meta_text(o, "namespace") + "/" + meta_text(o, "name");
    if (type == "ADDED" || type == "MODIFIED") {
      std::string why;
      resource_.put(cache_, key, o, why);
    } else if (type == "DELETED") {
      resource_.erase(cache_, key);
    }
    if (auto v = meta_text(o, "resourceVersion"); !v.empty()) rv = v;  // bookmarks too
  });
}

}  // namespace skycore::plugins::kubernetes
