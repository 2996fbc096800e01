#include "plugins/kubernetes/objects.h"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <arpa/inet.h>

#include <cstring>

namespace skycore::plugins::kubernetes {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// JSON null, absent and the wrong type all read as "nothing here", as the
// API server writes `null` for empty lists ("endpoints": null).
JsonView object(const JsonView& o, const char* name) {
  JsonView v = o[name];
  return v.is_object() ? v : JsonView();
}
JsonView array(const JsonView& o, const char* name) {
  JsonView v = o[name];
  return v.is_array() ? v : JsonView();
}
std::string text(const JsonView& o, const char* name) { return o[name].text(); }
std::optional<bool> flag(const JsonView& o, const char* name) { return o[name].boolean(); }

std::vector<Port> parse_ports(const JsonView& list) {
  std::vector<Port> out;
  list.for_each([&](const JsonView& p) {
    if (!p.is_object()) return;
    Port port;
    port.name = lower(text(p, "name"));
    const std::string proto = lower(text(p, "protocol"));
    if (!port.set_protocol(proto.empty() ? "tcp" : proto)) return;  // "tcp": the API's default
    int64_t n = p["port"].integer().value_or(0);
    if (n < 1 || n > 65535) return;
    port.port = static_cast<uint16_t>(n);
    out.push_back(std::move(port));
  });
  out.shrink_to_fit();
  return out;
}

// An object's top-level members, found in one scan of it (a list page is
// scanned once per object, not once per field).
struct Top {
  JsonView metadata, spec, status, rest[3];
  Top(const JsonView& o, std::initializer_list<std::string_view> more = {}) {
    JsonView all[6];
    std::string_view keys[6] = {"metadata", "spec", "status"};
    size_t n = 3;
    for (auto k : more)
      if (n < 6) keys[n++] = k;
    o.members(std::span<const std::string_view>(keys, n), all);
    metadata = all[0].is_object() ? all[0] : JsonView();
    spec = all[1].is_object() ? all[1] : JsonView();
    status = all[2].is_object() ? all[2] : JsonView();
    for (size_t i = 3; i < 6; ++i) rest[i - 3] = all[i];
  }
};

bool names(const JsonView& meta, std::string& ns, std::string& name, std::string& why) {
  JsonView m[2];
  meta.members({"name", "namespace"}, m);
  name = lower(m[0].text());
  ns = lower(m[1].text());
  if (name.empty()) {
    why = "no metadata.name";
    return false;
  }
  return true;
}

}  // namespace

bool Port::set_protocol(std::string_view p) {
  if (p.size() > sizeof proto) return false;
  std::memset(proto, 0, sizeof proto);
  std::memcpy(proto, p.data(), p.size());
  return true;
}

std::optional<Ip> parse_ip(const std::string& s) {
  asio::error_code ec;
  auto a = asio::ip::make_address(s, ec);
  if (ec) return std::nullopt;
  Ip ip;
  ip.v6 = a.is_v6();
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::memcpy(ip.bytes.data(), b.data(), 4);
  } else {
    auto b = a.to_v6().to_bytes();
    std::memcpy(ip.bytes.data(), b.data(), 16);
  }
  return ip;
}

std::string_view dashed(const Ip& ip, char* buf) {
  if (!inet_ntop(ip.v6 ? AF_INET6 : AF_INET, ip.bytes.data(), buf, 48)) return {};
  size_t n = std::strlen(buf);
  std::replace(buf, buf + n, ip.v6 ? ':' : '.', '-');
  return {buf, n};
}

std::optional<Ip> undashed(std::string_view label) {
  if (label.size() > 45) return std::nullopt;
  char text[48];
  std::memcpy(text, label.data(), label.size());
  text[label.size()] = 0;
  const bool v6 = std::count(label.begin(), label.end(), '-') != 3;
  std::replace(text, text + label.size(), '-', v6 ? ':' : '.');
  Ip ip;
  ip.v6 = v6;
  if (inet_pton(v6 ? AF_INET6 : AF_INET, text, ip.bytes.data()) != 1) return std::nullopt;
  return ip;
}

std::string dashed(const Ip& ip) {
  char buf[48];
  return std::string(dashed(ip, buf));
}

std::string object_key(const JsonView& o) {
  auto meta = object(o, "metadata");
  return text(meta, "namespace") + "/" + text(meta, "name");
}

std::string meta_text(const JsonView& o, const char* field) { return text(object(o, "metadata"), field); }

std::optional<Service> parse_service(const JsonView& o, std::string& why) {
  Service s;
  const Top top(o);
  if (!names(top.metadata, s.ns, s.name, why)) return std::nullopt;
  const JsonView& spec = top.spec;
  if (!spec.present()) {
    why = "no spec";
    return std::nullopt;
  }
  std::string type = text(spec, "type");
  if (type == "ExternalName") {
    s.kind = Service::Kind::external_name;
    s.external_name = lower(text(spec, "externalName"));
    while (!s.external_name.empty() && s.external_name.back() == '.') s.external_name.pop_back();
    if (s.external_name.empty()) {
      why = "ExternalName without spec.externalName";
      return std::nullopt;
    }
  } else {
    std::vector<std::string> ips;
    array(spec, "clusterIPs").for_each([&](const JsonView& v) { ips.push_back(v.text()); });
    if (ips.empty()) ips.push_back(text(spec, "clusterIP"));
    if (ips.front() == "None") {
      s.kind = Service::Kind::headless;
    } else {
      for (const auto& t : ips)
        if (auto ip = parse_ip(t)) s.cluster_ips.push_back(*ip);
      // A Service still being allocated an address has none yet: it is
      // skipped until it has one.
      if (s.cluster_ips.empty()) {
        why = "no clusterIP yet";
        return std::nullopt;
      }
    }
  }
  s.ports = parse_ports(array(spec, "ports"));
  // What k8s_external serves: spec.externalIPs and the load balancer's
  // ingress addresses (or its host name, as cloud load balancers give).
  array(spec, "externalIPs").for_each([&](const JsonView& v) {
    if (auto ip = parse_ip(v.text())) s.external_ips.push_back(*ip);
  });
  array(object(top.status, "loadBalancer"), "ingress").for_each([&](const JsonView& entry) {
    if (auto ip = parse_ip(text(entry, "ip"))) {
      if (std::find(s.external_ips.begin(), s.external_ips.end(), *ip) == s.external_ips.end())
        s.external_ips.push_back(*ip);
    } else if (std::string host = lower(text(entry, "hostname")); !host.empty() && s.external_host.empty()) {
      while (!host.empty() && host.back() == '.') host.pop_back();
      s.external_host = host;
    }
  });
  s.publish_not_ready = flag(spec, "publishNotReadyAddresses").value_or(false);
  if (text(object(top.metadata, "annotations"), "service.alpha.kubernetes.io/tolerate-unready-endpoints") == "true")
    s.publish_not_ready = true;
  return s;
}

void EndpointSlice::add(std::span<const Ip> addresses, bool ready, std::string_view hostname, std::string_view pod) {
  Endpoint e;
  e.first = static_cast<uint32_t>(ips.size());
  e.count = static_cast<uint8_t>(std::min<size_t>(addresses.size(), 255));
  e.ready = ready;
  e.names = static_cast<uint32_t>(names.size());
  e.host_len = static_cast<uint8_t>(std::min<size_t>(hostname.size(), 63));
  e.pod_len = static_cast<uint8_t>(std::min<size_t>(pod.size(), 63));
  ips.insert(ips.end(), addresses.begin(), addresses.begin() + e.count);
  names.append(hostname.substr(0, e.host_len));
  names.append(pod.substr(0, e.pod_len));
  endpoints.push_back(e);
}

void EndpointSlice::shrink() {
  ips.shrink_to_fit();
  endpoints.shrink_to_fit();
  names.shrink_to_fit();
  ports.shrink_to_fit();
}

std::optional<EndpointSlice> parse_endpoint_slice(const JsonView& o, std::string& why) {
  EndpointSlice s;
  std::string ns, name;
  const Top top(o, {"addressType", "ports", "endpoints"});
  if (!names(top.metadata, ns, name, why)) return std::nullopt;
  s.service = lower(text(object(top.metadata, "labels"), "kubernetes.io/service-name"));
  if (s.service.empty()) {
    why = "no kubernetes.io/service-name label";
    return std::nullopt;
  }
  std::string type = top.rest[0].text();
  if (type != "IPv4" && type != "IPv6") {
    why = "addressType " + type + " is not served";  // FQDN slices
    return std::nullopt;
  }
  s.ports = parse_ports(top.rest[1]);
  std::vector<Ip> addresses;
  top.rest[2].for_each([&](const JsonView& e) {
    if (!e.is_object()) return;
    addresses.clear();
    array(e, "addresses").for_each([&](const JsonView& a) {
      if (auto ip = parse_ip(a.text())) addresses.push_back(*ip);
    });
    if (addresses.empty()) return;
    auto ref = object(e, "targetRef");
    s.add(addresses, flag(object(e, "conditions"), "ready").value_or(true), lower(text(e, "hostname")),
          text(ref, "kind") == "Pod" ? lower(text(ref, "name")) : std::string());
  });
  s.shrink();
  return s;
}

std::optional<Pod> parse_pod(const JsonView& o, std::string& why) {
  Pod p;
  const Top top(o);
  if (!names(top.metadata, p.ns, p.name, why)) return std::nullopt;
  // A pod being deleted no longer verifies its address (as CoreDNS).
  if (!text(top.metadata, "deletionTimestamp").empty()) {
    why = "being deleted";
    return std::nullopt;
  }
  // A host-network pod has its node's address, shared with every other
  // such pod on the node: it names no pod and no namespace.
  p.host_network = flag(top.spec, "hostNetwork").value_or(false);
  const JsonView& status = top.status;
  array(status, "podIPs").for_each([&](const JsonView& v) {
    if (auto ip = parse_ip(text(v, "ip"))) p.ips.push_back(*ip);
  });
  if (p.ips.empty())
    if (auto ip = parse_ip(text(status, "podIP"))) p.ips.push_back(*ip);
  return p;
}

std::optional<Namespace> parse_namespace(const JsonView& o, std::string& why) {
  Namespace n;
  std::string ns;
  if (!names(object(o, "metadata"), ns, n.name, why)) return std::nullopt;
  return n;
}

}  // namespace skycore::plugins::kubernetes
