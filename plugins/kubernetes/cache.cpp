#include "plugins/kubernetes/cache.h"

#include <algorithm>

namespace skycore::plugins::kubernetes {
namespace {

std::string service_key_of(const std::string& slice_key, const EndpointSlice& s) {
  return std::string(split_key(slice_key).first) + "/" + s.service;
}

}  // namespace

void ObjectCache::seen(Kind kind, const std::string& key) {
  auto it = listing_.find(kind);
  if (it != listing_.end()) it->second.insert(key);
}

void ObjectCache::put_service(const std::string& key, Service s) {
  std::lock_guard lock(mu_);
  seen(Kind::services, key);
  auto& held = services_[key].service;
  if (held && *held == s) return;
  held = std::make_shared<const Service>(std::move(s));
  changes_.services.insert(key);
  changed();
}

void ObjectCache::drop_if_empty(std::unordered_map<std::string, ServiceEntry>::iterator it) {
  if (!it->second.service && it->second.slices.empty()) services_.erase(it);
}

void ObjectCache::unlink_slice(const std::string& key) {
  auto it = slices_.find(key);
  if (it == slices_.end()) return;
  const std::string owner = service_key_of(key, *it->second);
  if (auto entry = services_.find(owner); entry != services_.end()) {
    auto& list = entry->second.slices;
    list.erase(std::remove(list.begin(), list.end(), it->second), list.end());
    drop_if_empty(entry);
  }
  changes_.services.insert(owner);
  slices_.erase(it);
}

void ObjectCache::put_slice(const std::string& key, EndpointSlice s) {
  std::lock_guard lock(mu_);
  seen(Kind::slices, key);
  if (auto it = slices_.find(key); it != slices_.end() && *it->second == s) return;
  unlink_slice(key);
  auto ptr = std::make_shared<const EndpointSlice>(std::move(s));
  const std::string owner = service_key_of(key, *ptr);
  services_[owner].slices.push_back(ptr);
  slices_.emplace(key, std::move(ptr));
  changes_.services.insert(owner);
  changed();
}

void ObjectCache::put_namespace(const std::string& key, Namespace n) {
  std::lock_guard lock(mu_);
  seen(Kind::namespaces, key);
  if (namespaces_.insert(n.name).second) {
    changes_.namespaces = true;
    changed();
  }
}

void ObjectCache::put_pod(const std::string& key, const Pod& p) {
  std::lock_guard lock(mu_);
  if (pods_list_) {
    pods_list_->put(key, p);
    return;
  }
  pods_.put(key, p);
  changes_.pods = true;
  changed();
}

void ObjectCache::erase_locked(Kind kind, const std::string& key) {
  switch (kind) {
    case Kind::services:
      if (auto it = services_.find(key); it != services_.end() && it->second.service) {
        it->second.service.reset();
        drop_if_empty(it);
        changes_.services.insert(key);
      }
      break;
    case Kind::slices:
      unlink_slice(key);
      break;
    case Kind::namespaces:
      // Namespaces are keyed "/name" (they have no namespace of their own).
      if (namespaces_.erase(std::string(split_key(key).second))) changes_.namespaces = true;
      break;
    case Kind::pods:
      if (pods_.erase(key)) changes_.pods = true;
      break;
  }
}

void ObjectCache::erase(Kind kind, const std::string& key) {
  std::lock_guard lock(mu_);
  erase_locked(kind, key);
  if (changes_.any()) changed();
}

void ObjectCache::begin_list(Kind kind) {
  std::lock_guard lock(mu_);
  if (kind == Kind::pods) pods_list_.emplace();  // pods are compact: the list builds a table afresh
  else listing_[kind].clear();
}

void ObjectCache::end_list(Kind kind) {
  std::lock_guard lock(mu_);
  if (kind == Kind::pods) {
    if (pods_list_) pods_ = std::move(*pods_list_);
    pods_list_.reset();
    changes_.pods = true;
  } else {
    auto it = listing_.find(kind);
    std::unordered_set<std::string> named = it == listing_.end() ? std::unordered_set<std::string>{} : std::move(it->second);
    if (it != listing_.end()) listing_.erase(it);
    std::vector<std::string> gone;
    switch (kind) {
      case Kind::services:
        for (const auto& [k, entry] : services_)
          if (entry.service && !named.count(k)) gone.push_back(k);
        break;
      case Kind::slices:
        for (const auto& [k, _] : slices_)
          if (!named.count(k)) gone.push_back(k);
        break;
      case Kind::namespaces:
        for (const auto& n : namespaces_)
          if (!named.count("/" + n)) gone.push_back("/" + n);
        break;
      case Kind::pods:
        break;
    }
    for (const auto& k : gone) erase_locked(kind, k);
  }
  ++lists_;
  changes_.listed = true;
  changed();
}

void ObjectCache::load(const Objects& objects) {
  for (Kind k : {Kind::services, Kind::slices, Kind::namespaces, Kind::pods}) begin_list(k);
  for (const auto& [k, s] : objects.services) put_service(k, s);
  for (const auto& [k, s] : objects.slices) put_slice(k, s);
  for (const auto& [k, n] : objects.namespaces) put_namespace(k, n);
  {
    std::lock_guard lock(mu_);
    pods_list_ = objects.pods;
  }
  for (Kind k : {Kind::services, Kind::slices, Kind::namespaces, Kind::pods}) end_list(k);
}

}  // namespace skycore::plugins::kubernetes
