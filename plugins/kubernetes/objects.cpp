#include "plugins/kubernetes/objects.h"

#include <Poco/JSON/Array.h>
#include <asio/ip/address.hpp>

#include <algorithm>
#include <arpa/inet.h>

#include <cstring>

namespace skycore::plugins::kubernetes {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// JSON null, absent and the wrong type all read as "nothing here", as the
// API server writes `null` for empty lists ("endpoints": null).
Object::Ptr object(const Object::Ptr& o, const char* name) {
  if (!o || !o->has(name) || o->isNull(name) || !o->isObject(name)) return nullptr;
  return o->getObject(name);
}
Array::Ptr array(const Object::Ptr& o, const char* name) {
  if (!o || !o->has(name) || o->isNull(name) || !o->isArray(name)) return nullptr;
  return o->getArray(name);
}
std::string text(const Object::Ptr& o, const char* name) {
  if (!o || !o->has(name) || o->isNull(name)) return {};
  auto v = o->get(name);
  return v.isString() ? v.extract<std::string>() : std::string();
}
std::optional<bool> flag(const Object::Ptr& o, const char* name) {
  if (!o || !o->has(name) || o->isNull(name)) return std::nullopt;
  auto v = o->get(name);
  if (!v.isBoolean()) return std::nullopt;
  return v.extract<bool>();
}

std::vector<Port> parse_ports(const Array::Ptr& list) {
  std::vector<Port> out;
  if (!list) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    auto p = list->getObject(i);
    if (!p) continue;
    Port port;
    port.name = lower(text(p, "name"));
    port.protocol = lower(text(p, "protocol"));
    if (port.protocol.empty()) port.protocol = "tcp";  // the API's default
    int n = p->optValue<int>("port", 0);
    if (n < 1 || n > 65535) continue;
    port.port = static_cast<uint16_t>(n);
    out.push_back(std::move(port));
  }
  return out;
}

bool names(const Object::Ptr& o, std::string& ns, std::string& name, std::string& why) {
  auto meta = object(o, "metadata");
  name = lower(text(meta, "name"));
  ns = lower(text(meta, "namespace"));
  if (name.empty()) {
    why = "no metadata.name";
    return false;
  }
  return true;
}

}  // namespace

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

std::string dashed(const Ip& ip) {
  char buf[48];
  return std::string(dashed(ip, buf));
}

std::string object_key(const Object::Ptr& o) {
  auto meta = object(o, "metadata");
  return text(meta, "namespace") + "/" + text(meta, "name");
}

std::optional<Service> parse_service(const Object::Ptr& o, std::string& why) {
  Service s;
  if (!names(o, s.ns, s.name, why)) return std::nullopt;
  auto spec = object(o, "spec");
  if (!spec) {
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
    if (auto list = array(spec, "clusterIPs"))
      for (size_t i = 0; i < list->size(); ++i) ips.push_back(list->getElement<std::string>(i));
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
  if (auto list = array(spec, "externalIPs"))
    for (size_t i = 0; i < list->size(); ++i) {
      auto v = list->get(i);
      if (v.isString())
        if (auto ip = parse_ip(v.extract<std::string>())) s.external_ips.push_back(*ip);
    }
  if (auto ingress = array(object(object(o, "status"), "loadBalancer"), "ingress"))
    for (size_t i = 0; i < ingress->size(); ++i) {
      auto entry = ingress->getObject(i);
      if (auto ip = parse_ip(text(entry, "ip"))) {
        if (std::find(s.external_ips.begin(), s.external_ips.end(), *ip) == s.external_ips.end())
          s.external_ips.push_back(*ip);
      } else if (std::string host = lower(text(entry, "hostname")); !host.empty() && s.external_host.empty()) {
        while (!host.empty() && host.back() == '.') host.pop_back();
        s.external_host = host;
      }
    }
  s.publish_not_ready = flag(spec, "publishNotReadyAddresses").value_or(false);
  if (auto ann = object(object(o, "metadata"), "annotations"))
    if (text(ann, "service.alpha.kubernetes.io/tolerate-unready-endpoints") == "true") s.publish_not_ready = true;
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

std::optional<EndpointSlice> parse_endpoint_slice(const Object::Ptr& o, std::string& why) {
  EndpointSlice s;
  std::string ns, name;
  if (!names(o, ns, name, why)) return std::nullopt;
  s.service = lower(text(object(object(o, "metadata"), "labels"), "kubernetes.io/service-name"));
  if (s.service.empty()) {
    why = "no kubernetes.io/service-name label";
    return std::nullopt;
  }
  std::string type = text(o, "addressType");
  if (type != "IPv4" && type != "IPv6") {
    why = "addressType " + type + " is not served";  // FQDN slices
    return std::nullopt;
  }
  s.ports = parse_ports(array(o, "ports"));
  if (auto list = array(o, "endpoints")) {
    s.endpoints.reserve(list->size());
    s.ips.reserve(list->size());
    std::vector<Ip> addresses;
    for (size_t i = 0; i < list->size(); ++i) {
      auto e = list->getObject(i);
      if (!e) continue;
      addresses.clear();
      if (auto addrs = array(e, "addresses"))
        for (size_t k = 0; k < addrs->size(); ++k)
          if (auto ip = parse_ip(addrs->getElement<std::string>(k))) addresses.push_back(*ip);
      if (addresses.empty()) continue;
      auto ref = object(e, "targetRef");
      s.add(addresses, flag(object(e, "conditions"), "ready").value_or(true), lower(text(e, "hostname")),
            text(ref, "kind") == "Pod" ? lower(text(ref, "name")) : std::string());
    }
  }
  s.shrink();
  return s;
}

std::optional<Pod> parse_pod(const Object::Ptr& o, std::string& why) {
  Pod p;
  if (!names(o, p.ns, p.name, why)) return std::nullopt;
  // A pod being deleted no longer verifies its address (as CoreDNS).
  if (!text(object(o, "metadata"), "deletionTimestamp").empty()) {
    why = "being deleted";
    return std::nullopt;
  }
  // A host-network pod has its node's address, shared with every other
  // such pod on the node: it names no pod and no namespace.
  p.host_network = flag(object(o, "spec"), "hostNetwork").value_or(false);
  auto status = object(o, "status");
  if (auto list = array(status, "podIPs")) {
    for (size_t i = 0; i < list->size(); ++i)
      if (auto ip = parse_ip(text(list->getObject(i), "ip"))) p.ips.push_back(*ip);
  }
  if (p.ips.empty())
    if (auto ip = parse_ip(text(status, "podIP"))) p.ips.push_back(*ip);
  return p;
}

std::optional<Namespace> parse_namespace(const Object::Ptr& o, std::string& why) {
  Namespace n;
  std::string ns;
  if (!names(o, ns, n.name, why)) return std::nullopt;
  return n;
}

}  // namespace skycore::plugins::kubernetes
