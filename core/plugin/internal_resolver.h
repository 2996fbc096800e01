// Resolving a name through the server's own zones and plugin chains, as if a
// client had asked: what CoreDNS calls "upstream" in its kubernetes and etcd
// plugins. A plugin that answers with a CNAME (a Kubernetes ExternalName)
// uses it to add the target's records, so forward and cache answer them.
// It allocates (a query and a reply buffer): it is not for the common path.
#pragma once
#include <asio/awaitable.hpp>
#include <cstdint>
#include <vector>

#include "core/wire/name.h"

namespace skycore {

struct Request;

class InternalResolver {
 public:
  virtual ~InternalResolver() = default;
  // The reply's wire bytes, or empty when nothing answered or the lookups
  // nest too deep (a CNAME loop across plugins).
  virtual asio::awaitable<std::vector<uint8_t>> resolve(const Request& parent, const wire::Name& name,
                                                        uint16_t qtype) const = 0;
};

}  // namespace skycore
