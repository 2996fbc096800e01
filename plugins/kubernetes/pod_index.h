// Which namespace a client address belongs to, for autopath: sorted arrays
// of (address, namespace number), 8 bytes per IPv4 pod and 20 per IPv6 one,
// searched by bisection without allocation. Built with each snapshot from
// the pods' table. An address that pods of several namespaces claim (a
// reused address whose old pod is not gone yet) and host-network pods
// (their node's address) name no namespace: such a client walks its own
// search list, which is slower but never wrong.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/kubernetes/pod_table.h"

namespace skycore::plugins::kubernetes {

class PodIndex {
 public:
  PodIndex() = default;
  // `verified` also keeps every (address, namespace) pair, host-network
  // pods included, for `pods verified`.
  explicit PodIndex(const PodTable& pods, bool verified = false);
  // The namespace of the pod at `ip`, or empty when there is none or more than one.
  std::string_view namespace_of(const Ip& ip) const;
  // `pods verified`: whether a pod of `ns` has `ip`.
  bool has(const Ip& ip, std::string_view ns) const;
  size_t size() const { return v4_.size() + v6_.size(); }
  // Zone transfers with `pods verified`: f(address, namespace) for every pair.
  template <typename F>
  void for_each_verified(F&& f) const {
    for (const V4& e : all_v4_) f(Ip::from_v4_host_order(e.addr), std::string_view(namespaces_[e.ns]));
    for (const V6& e : all_v6_) {
      Ip ip;
      ip.v6 = true;
      ip.bytes = e.addr;
      f(ip, std::string_view(namespaces_[e.ns]));
    }
  }
  // Bytes the index holds (for docs/benchmarks.md's per-pod figure).
  size_t bytes() const;

 private:
  static constexpr uint32_t kShared = UINT32_MAX;
  struct V4 {
    uint32_t addr;  // host order, so that < sorts addresses
    uint32_t ns;
  };
  struct V6 {
    std::array<uint8_t, 16> addr;
    uint32_t ns;
  };
  std::vector<V4> v4_;
  std::vector<V6> v6_;
  std::vector<V4> all_v4_;  // verified: sorted by (address, namespace), repeats removed
  std::vector<V6> all_v6_;
  std::vector<std::string> namespaces_;
};

}  // namespace skycore::plugins::kubernetes
