#include "plugins/hosts/hosts_table.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace skycore::plugins::hosts {
namespace {

std::string_view key_of(std::span<const uint8_t> wire) {
  return {reinterpret_cast<const char*>(wire.data()), wire.size()};
}

bool is_v4_mapped(const V6& b) {
  for (size_t i = 0; i < 10; ++i)
    if (b[i] != 0) return false;
  return b[10] == 0xff && b[11] == 0xff;
}

Address from_v6(const V6& b) {
  Address a;
  if (is_v4_mapped(b)) {
    std::memcpy(a.bytes.data(), b.data() + 12, 4);
  } else {
    a.v6 = true;
    a.bytes = b;
  }
  return a;
}

}  // namespace

std::optional<Address> parse_address(std::string_view text) {
  if (auto pct = text.find('%'); pct != std::string_view::npos) text = text.substr(0, pct);
  char buf[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof buf) return std::nullopt;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = 0;
  if (text.find(':') == std::string_view::npos) {
    Address a;  // glibc, like Go, refuses octets with leading zeros
    if (inet_pton(AF_INET, buf, a.bytes.data()) != 1) return std::nullopt;
    return a;
  }
  V6 b{};
  if (inet_pton(AF_INET6, buf, b.data()) != 1) return std::nullopt;
  return from_v6(b);
}

void HostsTable::add(const wire::Name& name, const Address& addr, bool reverse) {
  auto wire = name.wire();
  const bool wild = name.label_count() > 0 && name.first_label() == "*";
  Addresses& to =
      wild ? wildcards_[std::string(key_of(wire.subspan(2)))] : names_[std::string(key_of(wire))];
  if (addr.v6) {
    if (std::find(to.v6.begin(), to.v6.end(), addr.bytes) != to.v6.end()) return;
    to.v6.push_back(addr.bytes);
  } else {
    V4 b;
    std::memcpy(b.data(), addr.bytes.data(), 4);
    if (std::find(to.v4.begin(), to.v4.end(), b) != to.v4.end()) return;
    to.v4.push_back(b);
  }
  ++entries_;
  if (wild || !reverse) return;
  reverse_[std::string(addr.key())].emplace_back(key_of(wire));
  ++entries_;
}

const HostsTable::Addresses* HostsTable::exact(const wire::Name& qname) const {
  auto it = names_.find(key_of(qname.wire()));
  return it == names_.end() ? nullptr : &it->second;
}

const HostsTable::Addresses* HostsTable::wildcard(const wire::Name& qname) const {
  if (wildcards_.empty() || qname.is_root()) return nullptr;
  auto wire = qname.wire();
  auto it = wildcards_.find(key_of(wire.subspan(size_t{wire[0]} + 1)));
  return it == wildcards_.end() ? nullptr : &it->second;
}

std::span<const V4> HostsTable::v4(const wire::Name& qname) const {
  if (const Addresses* e = exact(qname); e && !e->v4.empty()) return e->v4;
  if (const Addresses* w = wildcard(qname)) return w->v4;
  return {};
}

std::span<const V6> HostsTable::v6(const wire::Name& qname) const {
  if (const Addresses* e = exact(qname); e && !e->v6.empty()) return e->v6;
  if (const Addresses* w = wildcard(qname)) return w->v6;
  return {};
}

std::span<const std::string> HostsTable::names(const Address& addr) const {
  auto it = reverse_.find(addr.key());
  if (it == reverse_.end()) return {};
  return it->second;
}

}  // namespace skycore::plugins::hosts
