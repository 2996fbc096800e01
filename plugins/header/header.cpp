#include "plugins/header/header.h"

#include "core/wire/header.h"

namespace skycore::plugins::header {

asio::awaitable<Result> Header::serve(Request& req, Next next) {
  const uint16_t asked = req.query.flags;
  if (!query_.empty()) req.query.flags = query_.apply(asked);
  Result res = co_await next(req);
  req.query.flags = asked;  // the plugins before see the query as it came
  if (res.answered && !response_.empty() && req.response.size() >= wire::kHeaderSize) {
    auto head = req.response.mutable_data();
    uint16_t f = uint16_t(head[2] << 8 | head[3]);
    f = response_.apply(f);
    head[2] = uint8_t(f >> 8);
    head[3] = uint8_t(f & 0xFF);
  }
  co_return res;
}

}  // namespace skycore::plugins::header
