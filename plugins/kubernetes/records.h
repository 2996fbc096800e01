// One Service's DNS records, as the snapshot keeps them: the parsed Service
// and its EndpointSlices (the same immutable pieces the object cache holds)
// plus the little that is worked out once per change, the addresses
// <svc>.<ns>.svc answers. Every other name under the Service (its
// endpoints, its SRV names) is found by reading the query's labels against
// these pieces: nothing is kept per name.
#pragma once
#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/kubernetes/cache.h"
#include "plugins/kubernetes/objects.h"

namespace skycore::plugins::kubernetes {

struct BuildOptions {
  std::vector<std::string> namespaces;  // only these (empty = all)
  bool endpoint_pod_names = false;
  bool ignore_empty_service = false;
  bool pods_verified = false;
  bool pod_index = false;  // autopath: client address -> namespace
  bool wanted(std::string_view ns) const;
};

class ServiceRecords {
 public:
  ServiceRecords(ServicePtr svc, const std::vector<SlicePtr>& slices, const BuildOptions& o);
  // named() views into the records' own members: never copied or moved.
  ServiceRecords(const ServiceRecords&) = delete;
  ServiceRecords& operator=(const ServiceRecords&) = delete;

  const Service& service() const { return *svc_; }
  const std::vector<SlicePtr>& slices() const { return slices_; }
  bool headless() const { return kind_ == Service::Kind::headless; }
  bool external_name() const { return kind_ == Service::Kind::external_name; }
  // Whether <svc>.<ns>.svc exists in the cluster zone: not for a headless
  // Service without a ready endpoint, nor (with `ignore empty_service`) for
  // any Service without one. k8s_external may still serve it.
  bool answers() const { return answers_; }
  // What <svc>.<ns>.svc's A/AAAA answers: the cluster IPs, or a headless
  // Service's endpoints (each address once).
  std::span<const Ip> addresses() const {
    if (headless()) return headless_ ? std::span<const Ip>(headless_->addrs) : std::span<const Ip>();
    return cluster_ips_ <= kInlineIps ? std::span<const Ip>(ips_.data(), cluster_ips_) : std::span<const Ip>(svc_->cluster_ips);
  }
  // Whether an endpoint answers: ready, or publishNotReadyAddresses.
  bool serves(const EndpointSlice::Endpoint& e) const { return e.ready || publish_not_ready_; }

  // Every name an endpoint answers to, with the addresses under it:
  // f(label, addresses, slice index, endpoint index). The label is the
  // endpoint's hostname, else (endpoint_pod_names) its pod's name, else
  // each address dashed on its own ("10-1-0-1"). `buf` holds a dashed label.
  template <typename F>
  void for_each_endpoint_name(bool pod_names, F&& f) const {
    char buf[48];
    for (size_t si = 0; si < slices_.size(); ++si) {
      const EndpointSlice& s = *slices_[si];
      for (size_t ei = 0; ei < s.endpoints.size(); ++ei) {
        const auto& e = s.endpoints[ei];
        if (!serves(e)) continue;
        std::string_view host = s.hostname(e);
        if (host.empty() && pod_names) host = s.pod(e);
        if (!host.empty()) {
          f(host, s.addresses(e), si, ei);
        } else {
          for (const Ip& ip : s.addresses(e)) f(dashed(ip, buf), std::span<const Ip>(&ip, 1), si, ei);
        }
      }
    }
  }
  // A headless Service's endpoint names, worked out once per change (they
  // are few: headless Services are a cluster's minority), each with all its
  // addresses across slices, and its SRV rows: one per (port, name).
  struct Named {
    std::string_view label;
    std::span<const Ip> addrs;
  };
  struct SrvRow {
    const Port* port;  // in one of the slices
    uint32_t name;     // index into named()
    bool repeat;       // the same port number and name as an earlier row: not repeated in <svc>'s own SRV
  };
  std::span<const Named> named() const { return headless_ ? std::span<const Named>(headless_->named) : std::span<const Named>(); }
  std::span<const SrvRow> srv_rows() const { return headless_ ? std::span<const SrvRow>(headless_->srv_rows) : std::span<const SrvRow>(); }

  // The label endpoint (slice si, endpoint ei) is known by for `ip`.
  std::string_view endpoint_label(size_t si, size_t ei, const Ip& ip, bool pod_names, char* buf) const;

  // Every address a PTR record names this Service or one of its endpoints
  // by: f(ip, slice index or npos for the Service itself, endpoint index).
  template <typename F>
  void for_each_ptr(F&& f) const {
    if (external_name()) return;
    for (size_t si = 0; si < slices_.size(); ++si) {
      const EndpointSlice& s = *slices_[si];
      for (size_t ei = 0; ei < s.endpoints.size(); ++ei)
        if (serves(s.endpoints[ei]))
          for (const Ip& ip : s.addresses(s.endpoints[ei])) f(ip, si, ei);
    }
    if (answers_ && !headless())
      for (const Ip& ip : addresses()) f(ip, SIZE_MAX, 0);
  }

 private:
  // What an A/AAAA answer for <svc>.<ns>.svc reads, first and inline: the
  // answer touches this object and not the Service's second cache line
  // or its address array (a Service has at most two cluster IPs, one per
  // family). Measured: 0.7 us a query more over 1,429 distinct Services
  // than over one, most of it such misses.
  static constexpr size_t kInlineIps = 2;
  Service::Kind kind_;
  bool answers_ = false;
  bool publish_not_ready_ = false;
  uint8_t cluster_ips_ = 0;
  std::array<Ip, kInlineIps> ips_{};
  ServicePtr svc_;
  std::vector<SlicePtr> slices_;
  void name_endpoints(bool pod_names);

  // Headless Services only (a minority: the common ClusterIP Service keeps
  // 40 bytes here): the endpoints' addresses, names, SRV rows and labels.
  struct Headless {
    std::vector<Ip> addrs;
    std::vector<Named> named;
    std::vector<SrvRow> srv_rows;
    std::vector<Ip> named_addrs;
    std::string labels;  // dashed labels need a home
  };
  std::unique_ptr<Headless> headless_;
};

}  // namespace skycore::plugins::kubernetes
