#include "plugins/kubernetes/pod_table.h"

namespace skycore::plugins::kubernetes {
namespace {

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

uint32_t PodTable::intern(const std::string& ns) {
  auto [it, fresh] = ns_ids_.try_emplace(ns, static_cast<uint32_t>(namespaces_.size()));
  if (fresh) namespaces_.push_back(ns);
  return it->second;
}

void PodTable::put(std::string_view key, const Pod& pod) {
  Entry e;
  e.ns = intern(pod.ns);
  e.host_network = pod.host_network;
  for (const Ip& ip : pod.ips) {
    if (e.count == kMaxIps) break;
    e.ips[e.count++] = ip;
  }
  pods_[fnv1a(key)] = e;
}

bool PodTable::erase(std::string_view key) { return pods_.erase(fnv1a(key)) > 0; }

}  // namespace skycore::plugins::kubernetes
