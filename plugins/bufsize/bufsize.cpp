#include "plugins/bufsize/bufsize.h"

#include <algorithm>

namespace skycore::plugins::bufsize {

// As CoreDNS today: only a query with an OPT record is changed, and only
// down (a client without EDNS already gets 512). Over TCP the UDP size means
// nothing for the reply; it still travels upstream.
asio::awaitable<Result> Bufsize::serve(Request& req, Next next) {
  auto& edns = req.query.edns;
  if (edns.present && edns.udp_size > size_) {
    edns.udp_size = size_;
    if (req.transport == Transport::udp) {
      req.max_size = std::min(req.max_size, size_);
      req.response.lower_limit(req.max_size);
    }
  }
  return next(req);
}

}  // namespace skycore::plugins::bufsize
