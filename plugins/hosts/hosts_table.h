// The parsed form of a hosts file, or of a Corefile's inline entries: names
// to addresses and addresses to names. Built once, then immutable, and looked
// up on the query path without allocating (keys are wire-format bytes, found
// through string_view).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/plugin/ip_bytes.h"
#include "core/wire/name.h"

namespace skycore::plugins::hosts {

using V4 = std::array<uint8_t, 4>;
using V6 = std::array<uint8_t, 16>;

using Address = IpBytes;

// Parses an address as Go's net.ParseIP does after CoreDNS drops an IPv6
// zone ("fe80::1%lo0"): dotted quads without leading zeros, IPv6 text forms.
// An IPv4-mapped IPv6 address ("::ffff:10.0.0.1") is the IPv4 address.
std::optional<Address> parse_address(std::string_view text);

class HostsTable {
 public:
  // name (lowercased) -> addr. A first label "*" makes a wildcard owner that
  // stands for exactly one more label. With `reverse`, also addr -> name
  // (never for wildcards). A repeated pair is kept once.
  void add(const wire::Name& name, const Address& addr, bool reverse);

  // The addresses of `qname` (lowercased) in one family: its own when it has
  // any of that family, else those of the wildcard one label up.
  std::span<const V4> v4(const wire::Name& qname) const;
  std::span<const V6> v6(const wire::Name& qname) const;
  // Names (lowercased wire form) of an address, in the order they were added.
  std::span<const std::string> names(const Address& addr) const;

  // CoreDNS's count: addresses of every name plus names of every address.
  size_t entries() const { return entries_; }

 private:
  struct Addresses {
    std::vector<V4> v4;
    std::vector<V6> v6;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <class T>
  using Map = std::unordered_map<std::string, T, Hash, std::equal_to<>>;

  // Own entry, and the wildcard entry that covers `qname` (either may be null).
  const Addresses* exact(const wire::Name& qname) const;
  const Addresses* wildcard(const wire::Name& qname) const;

  Map<Addresses> names_;
  Map<Addresses> wildcards_;  // keyed by the name below the "*" label
  Map<std::vector<std::string>> reverse_;
  size_t entries_ = 0;
};

}  // namespace skycore::plugins::hosts
