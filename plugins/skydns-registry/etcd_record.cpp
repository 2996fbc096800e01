#include "plugins/skydns-registry/etcd_record.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <asio/ip/address.hpp>

#include <cstring>

#include "plugins/skydns-registry/service.h"

namespace skycore::plugins::skydns_registry {

bool Record::own_name(const wire::Name& zone, wire::Name& out) const {
  out = zone;
  // The top `targetstrip` labels of the name are the last path entries.
  size_t keep = targetstrip < path.size() ? path.size() - targetstrip : path.size();
  for (size_t i = 0; i < keep; ++i)
    if (!out.prepend_label(path[i])) return false;
  return true;
}

std::optional<RecordPtr> make_record(std::string key, std::vector<std::string> path,
                                     const std::string& value, int64_t revision, std::string& why) {
  auto r = std::make_shared<Record>();
  try {
    auto v = Poco::JSON::Parser().parse(value).extract<Poco::JSON::Object::Ptr>();
    r->host = lower(v->optValue<std::string>("host", ""));
    r->text = v->optValue<std::string>("text", "");
    int port = v->optValue<int>("port", 0), priority = v->optValue<int>("priority", 0),
        weight = v->optValue<int>("weight", 0), strip = v->optValue<int>("targetstrip", 0);
    int64_t ttl = v->optValue<int64_t>("ttl", 0);
    if (port < 0 || port > 65535 || priority < 0 || priority > 65535 || weight < 0 || weight > 65535 ||
        strip < 0 || strip > 127 || ttl < 0 || ttl > 0x7fffffff) {
      why = "a number out of range";
      return std::nullopt;
    }
    r->port = static_cast<uint16_t>(port);
    if (priority) r->priority = static_cast<uint16_t>(priority);
    r->weight = static_cast<uint16_t>(weight);
    r->targetstrip = static_cast<unsigned>(strip);
    if (ttl) r->ttl = static_cast<uint32_t>(ttl);
    r->mail = v->optValue<bool>("mail", false);
    r->group = v->optValue<std::string>("group", "");
  } catch (const std::exception&) {
    why = "value is not a JSON object of CoreDNS-etcd fields";
    return std::nullopt;
  }
  if (r->host.empty() && r->text.empty()) {
    why = "neither host nor text";
    return std::nullopt;
  }
  if (!r->host.empty()) {
    asio::error_code ec;
    auto a = asio::ip::make_address(r->host, ec);
    if (!ec) {
      r->ip = true;
      r->v6 = a.is_v6();
      if (a.is_v4()) std::memcpy(r->addr.data(), a.to_v4().to_bytes().data(), 4);
      else std::memcpy(r->addr.data(), a.to_v6().to_bytes().data(), 16);
    } else {
      auto n = wire::Name::from_text(r->host);
      if (!n) {
        why = "host is neither an address nor a domain name";
        return std::nullopt;
      }
      // CoreDNS strips from the fully qualified host, keeping it whole if
      // there are not that many labels.
      r->host_name = r->targetstrip < n->label_count() ? n->parent(r->targetstrip) : *n;
    }
  }
  for (auto& p : path) p = lower(p);
  r->key = std::move(key);
  r->path = std::move(path);
  r->revision = revision;
  return RecordPtr(std::move(r));
}

}  // namespace skycore::plugins::skydns_registry
