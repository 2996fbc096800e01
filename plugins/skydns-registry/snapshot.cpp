#include "plugins/skydns-registry/snapshot.h"

#include <asio/ip/address.hpp>

#include <cstring>

namespace skycore::plugins::skydns_registry {

bool make_pattern(std::span<const std::string_view> labels, Pattern& out) {
  if (labels.size() > kPositions) return false;
  out = Pattern{};
  size_t first = kPositions - labels.size();
  for (size_t i = 0; i < labels.size(); ++i) {
    std::string_view l = labels[i];
    out.at[first + i] = (l == "*" || l == "any") ? std::string_view() : l;
  }
  return true;
}

EntryPtr make_entry(Service s) {
  auto e = std::make_shared<Entry>();
  Labels l = labels_of(s);
  e->labels = {l.uuid, l.host, l.region, l.version, l.service, l.environment};
  e->env_service = l.environment + "/" + l.service;
  asio::error_code ec;
  auto a = asio::ip::make_address(s.host, ec);
  if (ec) {
    if (auto n = wire::Name::from_text(s.host)) e->host_name = *n;  // normalise() checked it
  } else {
    e->ip = true;
    e->v6 = a.is_v6();
    if (a.is_v4()) {
      auto b = a.to_v4().to_bytes();
      std::memcpy(e->addr.data(), b.data(), 4);
    } else {
      auto b = a.to_v6().to_bytes();
      std::memcpy(e->addr.data(), b.data(), 16);
    }
  }
  e->service = std::move(s);
  return e;
}

Snapshot::Snapshot(std::vector<EntryPtr> entries, std::vector<RecordPtr> records)
    : entries_(std::move(entries)), records_(std::move(records)) {
  all_.reserve(entries_.size());
  for (uint32_t i = 0; i < entries_.size(); ++i) {
    const Entry& e = *entries_[i];
    all_.push_back(i);
    by_env_[e.labels[kEnvironment]].push_back(i);
    by_env_service_[e.env_service].push_back(i);
    by_uuid_[e.labels[kUuid]].push_back(i);
  }
}

const std::vector<uint32_t>* Snapshot::bucket(const Pattern& p) const {
  std::string_view env = p.at[kEnvironment], svc = p.at[kService];
  if (env.empty()) return &all_;
  if (svc.empty()) {
    auto it = by_env_.find(env);
    return it == by_env_.end() ? nullptr : &it->second;
  }
  // Composite key on the stack: no allocation per query.
  char key[130];
  if (env.size() + svc.size() + 1 > sizeof key) return nullptr;
  std::memcpy(key, env.data(), env.size());
  key[env.size()] = '/';
  std::memcpy(key + env.size() + 1, svc.data(), svc.size());
  auto it = by_env_service_.find(std::string_view(key, env.size() + 1 + svc.size()));
  return it == by_env_service_.end() ? nullptr : &it->second;
}

const Entry* Snapshot::by_uuid(std::string_view uuid) const {
  auto it = by_uuid_.find(uuid);
  return it == by_uuid_.end() ? nullptr : entries_[it->second.front()].get();
}

}  // namespace skycore::plugins::skydns_registry
