// What the plugin answers from: an immutable index of DNS names (relative to
// the cluster zone, e.g. "svc1.testns.svc") built from the watched objects.
// Rebuilt whole on every batch of changes and swapped in atomically; DNS
// workers look names up without locks or allocation.
#pragma once
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "plugins/kubernetes/cache.h"
#include "plugins/kubernetes/objects.h"
#include "plugins/kubernetes/pod_index.h"

namespace skycore::plugins::kubernetes {

struct Srv {
  uint16_t port = 0;
  std::string_view target;  // relative to the zone: the key of the target's own node
  std::vector<Ip> addrs;  // the target's addresses, for the additional section
};

struct Node {
  std::vector<Ip> addrs;   // A/AAAA
  std::vector<Srv> srvs;   // SRV
  std::string cname;       // an ExternalName's target (absolute, no trailing dot)
};

// A Service as k8s_external serves it: "svc.ns" -> its outside addresses.
struct External {
  std::vector<Ip> addrs;
  std::string host;  // a load balancer's host name (when it has no address)
  std::vector<Port> ports;
};

struct BuildOptions {
  std::vector<std::string> namespaces;  // only these (empty = all)
  bool endpoint_pod_names = false;
  bool ignore_empty_service = false;
  bool pods_verified = false;
  bool pod_index = false;  // autopath: client address -> namespace
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct IpHash {
  size_t operator()(const Ip& ip) const {
    return std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(ip.bytes.data()), ip.v6 ? 16 : 4));
  }
};

// One PTR answer: an address and a name with records (the name is the key
// of its node, so 50,000 endpoints keep no second copy of their names).
struct PtrName {
  Ip ip;
  const std::string* name;
  bool operator<(const PtrName& o) const { return ip < o.ip; }
};

class Snapshot {
 public:
  Snapshot() = default;
  Snapshot(const Objects& objects, const BuildOptions& options);
  // PTR names point into nodes_: never copied (a move keeps the nodes).
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  Snapshot(Snapshot&&) = default;
  Snapshot& operator=(Snapshot&&) = default;

  const Node* find(std::string_view name) const {
    auto it = nodes_.find(name);
    return it == nodes_.end() ? nullptr : &it->second;
  }
  // A name with nothing of its own but names below it (NODATA, not NXDOMAIN).
  bool is_empty_non_terminal(std::string_view name) const { return ents_.find(name) != ents_.end(); }
  bool has_namespace(std::string_view ns) const { return namespaces_.find(ns) != namespaces_.end(); }
  // Names (relative to the zone) whose address is `ip`; empty if none.
  std::span<const PtrName> reverse(const Ip& ip) const {
    auto range = std::equal_range(ptr_.begin(), ptr_.end(), PtrName{ip, nullptr});
    return {range.first, range.second};
  }
  size_t size() const { return nodes_.size(); }
  const PodIndex& pods() const { return pods_; }
  // k8s_external: "svc.ns" of a Service with outside addresses, and whether
  // "svc.ns" is a headless Service (its records are "... .svc.ns.svc" here).
  const External* external(std::string_view svc_ns) const {
    auto it = externals_.find(svc_ns);
    return it == externals_.end() ? nullptr : &it->second;
  }
  bool is_headless(std::string_view svc_ns) const { return headless_.find(svc_ns) != headless_.end(); }
  // Zone transfers: every name with records, and every external Service.
  template <typename F>
  void for_each_node(F&& f) const {
    for (const auto& [name, node] : nodes_) f(name, node);
  }
  template <typename F>
  void for_each_external(F&& f) const {
    for (const auto& [name, ext] : externals_) f(name, ext);
  }

 private:
  Node& node(const std::string& name) { return nodes_[name]; }
  std::unordered_map<std::string, Node, StringHash, std::equal_to<>> nodes_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> ents_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> namespaces_;
  std::vector<PtrName> ptr_;  // sorted by address
  PodIndex pods_;
  std::unordered_map<std::string, External, StringHash, std::equal_to<>> externals_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> headless_;
};

}  // namespace skycore::plugins::kubernetes
