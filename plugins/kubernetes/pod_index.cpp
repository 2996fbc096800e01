#include "plugins/kubernetes/pod_index.h"

#include <algorithm>
#include <unordered_map>

namespace skycore::plugins::kubernetes {
namespace {

uint32_t v4_of(const Ip& ip) { return ip.v4_host_order(); }

// Sorts by address and folds repeats: one namespace stays, two become `shared`.
template <typename T>
void fold(std::vector<T>& v, uint32_t shared) {
  std::sort(v.begin(), v.end(), [](const T& a, const T& b) { return a.addr < b.addr || (a.addr == b.addr && a.ns < b.ns); });
  size_t out = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (out > 0 && v[out - 1].addr == v[i].addr) {
      if (v[out - 1].ns != v[i].ns) v[out - 1].ns = shared;
      continue;
    }
    v[out++] = v[i];
  }
  v.resize(out);
  v.shrink_to_fit();
}

}  // namespace

PodIndex::PodIndex(const PodTable& pods, bool verified) {
  std::unordered_map<std::string_view, uint32_t> ids;
  pods.for_each([&](const std::string& ns, std::span<const Ip> ips, bool host_network) {
    auto [it, fresh] = ids.try_emplace(ns, static_cast<uint32_t>(namespaces_.size()));
    if (fresh) namespaces_.push_back(ns);
    for (const Ip& ip : ips) {
      if (verified) {
        if (ip.v6) all_v6_.push_back({ip.bytes, it->second});
        else all_v4_.push_back({v4_of(ip), it->second});
      }
      if (host_network) continue;
      if (ip.v6) v6_.push_back({ip.bytes, it->second});
      else v4_.push_back({v4_of(ip), it->second});
    }
  });
  fold(v4_, kShared);
  fold(v6_, kShared);
  auto unique = [](auto& v) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.addr < b.addr || (a.addr == b.addr && a.ns < b.ns); });
    v.erase(std::unique(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.addr == b.addr && a.ns == b.ns; }), v.end());
    v.shrink_to_fit();
  };
  unique(all_v4_);
  unique(all_v6_);
}

bool PodIndex::has(const Ip& ip, std::string_view ns) const {
  auto matches = [&](auto first, auto last, const auto& addr) {
    for (auto it = std::lower_bound(first, last, addr, [](const auto& e, const auto& a) { return e.addr < a; });
         it != last && it->addr == addr; ++it)
      if (namespaces_[it->ns] == ns) return true;
    return false;
  };
  return ip.v6 ? matches(all_v6_.begin(), all_v6_.end(), ip.bytes) : matches(all_v4_.begin(), all_v4_.end(), v4_of(ip));
}

std::string_view PodIndex::namespace_of(const Ip& ip) const {
  uint32_t ns = kShared;
  if (ip.v6) {
    auto it = std::lower_bound(v6_.begin(), v6_.end(), ip.bytes, [](const V6& e, const auto& a) { return e.addr < a; });
    if (it != v6_.end() && it->addr == ip.bytes) ns = it->ns;
  } else {
    const uint32_t a = v4_of(ip);
    auto it = std::lower_bound(v4_.begin(), v4_.end(), a, [](const V4& e, uint32_t x) { return e.addr < x; });
    if (it != v4_.end() && it->addr == a) ns = it->ns;
  }
  return ns == kShared ? std::string_view() : std::string_view(namespaces_[ns]);
}

size_t PodIndex::bytes() const {
  size_t n = (v4_.capacity() + all_v4_.capacity()) * sizeof(V4) + (v6_.capacity() + all_v6_.capacity()) * sizeof(V6);
  for (const auto& s : namespaces_) n += sizeof(s) + s.capacity();
  return n;
}

}  // namespace skycore::plugins::kubernetes
