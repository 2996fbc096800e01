#include "core/plugin/zone_soa.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include "core/wire/types.h"

namespace skycore {
namespace {

// Looked up once: interfaces rarely change, and this is not worth a
// syscall per NS query.
asio::ip::address host_address() {
  static const asio::ip::address found = [] {
    asio::ip::address v4, v6;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) == 0) {
      for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr) continue;
        if (i->ifa_addr->sa_family == AF_INET && v4.is_unspecified()) {
          auto* sin = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
          asio::ip::address_v4 a(ntohl(sin->sin_addr.s_addr));
          if (!a.is_loopback()) v4 = a;
        } else if (i->ifa_addr->sa_family == AF_INET6 && v6.is_unspecified()) {
          auto* sin6 = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
          asio::ip::address_v6::bytes_type b;
          std::copy(sin6->sin6_addr.s6_addr, sin6->sin6_addr.s6_addr + 16, b.begin());
          asio::ip::address_v6 a(b);
          if (!a.is_loopback() && !a.is_link_local()) v6 = a;
        }
      }
      freeifaddrs(list);
    }
    if (!v4.is_unspecified()) return v4;
    if (!v6.is_unspecified()) return v6;
    return asio::ip::address(asio::ip::address_v4::loopback());
  }();
  return found;
}

}  // namespace

asio::ip::address server_address(const asio::ip::address& local) {
  return local.is_unspecified() ? host_address() : local;
}

bool add_ns_address(wire::MessageWriter& w, wire::Section section, const wire::Name& zone,
                    const asio::ip::address& local, uint32_t ttl, uint16_t qtype, const ZoneSoaStyle& style) {
  auto ip = server_address(local);
  const bool any = section == wire::Section::additional || qtype == wire::rrtype::ANY;
  if (ip.is_v4() && (any || qtype == wire::rrtype::A)) {
    auto b = ip.to_v4().to_bytes();
    return w.add_a(section, zone_ns_name(zone, style), ttl, std::span<const uint8_t, 4>(b.data(), 4));
  }
  if (ip.is_v6() && (any || qtype == wire::rrtype::AAAA)) {
    auto b = ip.to_v6().to_bytes();
    return w.add_aaaa(section, zone_ns_name(zone, style), ttl, std::span<const uint8_t, 16>(b.data(), 16));
  }
  return false;
}

}  // namespace skycore
