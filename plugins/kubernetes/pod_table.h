// The pods the plugin watches (for `pods verified` and autopath), reduced to
// what answers need: each pod's namespace, interned, and its addresses. A
// pod is keyed by a 64-bit hash of "namespace/name" rather than the name:
// answers never show a pod's name (its A record is named by its address),
// and the hash is all a watch event needs to find the pod again. Two pods
// colliding in 64 bits (about 1 in 10^7 for a million pods) would lose one
// pod's address; that is the price of not keeping names.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "plugins/kubernetes/objects.h"

namespace skycore::plugins::kubernetes {

class PodTable {
 public:
  void put(std::string_view key, const Pod& pod);
  bool erase(std::string_view key);  // true if it was there
  size_t size() const { return pods_.size(); }

  // f(namespace, addresses, host_network) for every pod.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [_, e] : pods_)
      f(namespaces_[e.ns], std::span<const Ip>(e.ips.data(), e.count), e.host_network);
  }

 private:
  static constexpr size_t kMaxIps = 2;  // one per family: status.podIPs holds at most that
  struct Entry {
    uint32_t ns = 0;
    uint8_t count = 0;
    bool host_network = false;
    std::array<Ip, kMaxIps> ips{};
  };
  uint32_t intern(const std::string& ns);

  std::unordered_map<uint64_t, Entry> pods_;
  std::vector<std::string> namespaces_;
  std::unordered_map<std::string, uint32_t> ns_ids_;
};

}  // namespace skycore::plugins::kubernetes
