#include "plugins/kubernetes/records.h"

#include <algorithm>

namespace skycore::plugins::kubernetes {

bool BuildOptions::wanted(std::string_view ns) const {
  return namespaces.empty() || std::find(namespaces.begin(), namespaces.end(), ns) != namespaces.end();
}

ServiceRecords::ServiceRecords(ServicePtr svc, const std::vector<SlicePtr>& slices, const BuildOptions& o)
    : kind_(svc->kind), publish_not_ready_(svc->publish_not_ready), svc_(std::move(svc)) {
  const auto& ips = svc_->cluster_ips;
  cluster_ips_ = static_cast<uint8_t>(std::min<size_t>(ips.size(), UINT8_MAX));
  if (ips.size() <= kInlineIps) std::copy(ips.begin(), ips.end(), ips_.begin());
  if (external_name()) {
    answers_ = true;
    return;
  }
  slices_ = slices;
  slices_.shrink_to_fit();
  bool any_ready = false;
  for (const auto& s : slices_)
    for (const auto& e : s->endpoints) any_ready |= serves(e);
  // A headless Service without a ready endpoint has no records (NXDOMAIN);
  // `ignore empty_service` says the same of every Service.
  answers_ = any_ready || (!headless() && !o.ignore_empty_service);
  if (headless() && any_ready) {
    headless_ = std::make_unique<Headless>();
    for (const auto& s : slices_)
      for (const auto& e : s->endpoints)
        if (serves(e))
          for (const Ip& ip : s->addresses(e))
            if (std::find(headless_->addrs.begin(), headless_->addrs.end(), ip) == headless_->addrs.end())
              headless_->addrs.push_back(ip);
    headless_->addrs.shrink_to_fit();
    name_endpoints(o.endpoint_pod_names);
  }
}

void ServiceRecords::name_endpoints(bool pod_names) {
  // First pass: each distinct label, its addresses gathered in order.
  struct Gathering {
    std::string label;
    std::vector<Ip> addrs;
  };
  std::vector<Gathering> names;
  struct Pending {
    const Port* port;
    uint32_t name;
  };
  std::vector<Pending> rows;
  for_each_endpoint_name(pod_names, [&](std::string_view label, std::span<const Ip> addrs, size_t si, size_t) {
    size_t k = 0;
    while (k < names.size() && names[k].label != label) ++k;
    if (k == names.size()) names.push_back({std::string(label), {}});
    for (const Ip& ip : addrs)
      if (std::find(names[k].addrs.begin(), names[k].addrs.end(), ip) == names[k].addrs.end()) names[k].addrs.push_back(ip);
    for (const Port& p : slices_[si]->ports) {
      if (p.name.empty()) continue;  // SRV only for named ports
      bool seen = false;
      for (const auto& r : rows) seen |= r.name == k && *r.port == p;
      if (!seen) rows.push_back({&p, static_cast<uint32_t>(k)});
    }
  });
  size_t total = 0, text = 0;
  for (const auto& n : names) {
    total += n.addrs.size();
    text += n.label.size();
  }
  Headless& h = *headless_;
  h.named_addrs.reserve(total);
  h.labels.reserve(text);
  for (const auto& n : names) {
    h.named_addrs.insert(h.named_addrs.end(), n.addrs.begin(), n.addrs.end());
    h.labels += n.label;
  }
  size_t a = 0, t = 0;
  for (const auto& n : names) {
    h.named.push_back({std::string_view(h.labels).substr(t, n.label.size()), std::span<const Ip>(h.named_addrs).subspan(a, n.addrs.size())});
    a += n.addrs.size();
    t += n.label.size();
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    bool repeat = false;
    for (size_t j = 0; j < i && !repeat; ++j) repeat = rows[j].name == rows[i].name && rows[j].port->port == rows[i].port->port;
    h.srv_rows.push_back({rows[i].port, rows[i].name, repeat});
  }
}

std::string_view ServiceRecords::endpoint_label(size_t si, size_t ei, const Ip& ip, bool pod_names, char* buf) const {
  const EndpointSlice& s = *slices_[si];
  const auto& e = s.endpoints[ei];
  std::string_view host = s.hostname(e);
  if (host.empty() && pod_names) host = s.pod(e);
  return host.empty() ? dashed(ip, buf) : host;
}

}  // namespace skycore::plugins::kubernetes
