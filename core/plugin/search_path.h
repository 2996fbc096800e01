// The search list a client's resolver walks (its resolv.conf `search`), as a
// plugin that knows its clients supplies it: kubernetes knows a pod's
// namespace from its address. autopath asks for it on every query it may
// complete, so a source answers from memory, without locks or allocation.
#pragma once
#include <array>
#include <cstddef>

#include "core/wire/name.h"

namespace skycore {

struct Request;

struct SearchPath {
  static constexpr size_t kMax = 8;  // glibc stops at 6 domains, musl at 6; room for both
  // Absolute, lowercased, in the order the client tries them. The bare name
  // (what CoreDNS writes as the trailing "") is always tried last and is
  // not listed.
  std::array<wire::Name, kMax> names;
  size_t count = 0;

  bool add(const wire::Name& n) {
    if (count == kMax) return false;
    names[count++] = n;
    return true;
  }
};

class SearchPathSource {
 public:
  virtual ~SearchPathSource() = default;
  // Called once at setup, before the server starts, by the plugin that will
  // ask (autopath): the source gets ready to answer (kubernetes watches pods).
  virtual void serve_search_paths() = 0;
  // The search list of the client that sent `req` into `out` (empty on
  // entry), or false when the client is unknown: the query then goes on as
  // asked. Called on the DNS worker that serves `req`.
  virtual bool search_path(const Request& req, SearchPath& out) const = 0;
};

}  // namespace skycore
