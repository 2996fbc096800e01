#include "plugins/whoami/whoami.h"

#include "core/wire/header.h"

namespace skycore::plugins::whoami {

// CoreDNS puts everything in the additional section: A or AAAA with the
// client's address under the query name, and SRV _<proto>.<qname> carrying
// the client's port. TTL 0 so nobody caches a per-client answer.
void write_answer(Request& req) {
  auto& w = req.response;
  const auto& q = req.query;
  w.set_flag(wire::flag::AA);
  if (req.remote_addr.is_v4()) {
    auto b = req.remote_addr.to_v4().to_bytes();
    w.add_a(wire::Section::additional, q.qname, 0, std::span<const uint8_t, 4>(b));
  } else {
    auto b = req.remote_addr.to_v6().to_bytes();
    w.add_aaaa(wire::Section::additional, q.qname, 0, std::span<const uint8_t, 16>(b));
  }
  wire::Name srv_owner = q.qname;
  if (srv_owner.prepend_label(req.transport == Transport::udp ? "_udp" : "_tcp"))
    w.add_srv(wire::Section::additional, srv_owner, 0, 0, 0, req.remote_port, wire::Name());
}

asio::awaitable<Result> Whoami::serve(Request& req, Next) {
  write_answer(req);
  co_return Result::written(name(), wire::rcode::NOERROR);
}

}  // namespace skycore::plugins::whoami
