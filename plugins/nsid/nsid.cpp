#include "plugins/nsid/nsid.h"

#include <array>
#include <cstring>

#include "core/wire/record.h"

namespace skycore::plugins::nsid {
namespace {

// The answer's OPT again, with its other options and our NSID (an
// upstream's OPT keeps its size, extended rcode, DO bit and options).
void add_nsid(Request& req, std::string_view data, uint16_t rcode) {
  auto& w = req.response;
  uint16_t udp = wire::kDefaultUdpCap;
  uint32_t ttl = (uint32_t(rcode >> 4) << 24) | (req.query.edns.do_bit ? 0x8000u : 0u);
  std::array<uint8_t, 1024> buf;
  size_t n = 0;
  if (auto o = wire::opt_record(w.data())) {
    udp = o->udp_size;
    ttl = o->ttl;
    const auto& opts = o->options;
    for (size_t i = 0; i + 4 <= opts.size();) {
      size_t len = 4 + size_t(opts[i + 2] << 8 | opts[i + 3]);
      if (i + len > opts.size()) break;
      uint16_t code = uint16_t(opts[i] << 8 | opts[i + 1]);
      if (code != kNsidOption && n + len <= buf.size() - 4 - data.size()) {
        std::memcpy(&buf[n], &opts[i], len);
        n += len;
      }
      i += len;
    }
  }
  const size_t keep = n;
  buf[n++] = 0;
  buf[n++] = kNsidOption;
  buf[n++] = uint8_t(data.size() >> 8);
  buf[n++] = uint8_t(data.size());
  std::memcpy(&buf[n], data.data(), data.size());
  n += data.size();
  w.remove_opt();
  const uint8_t ext = uint8_t(ttl >> 24);
  const bool do_bit = ttl & 0x8000u;
  // A full answer keeps its OPT without the NSID rather than losing both.
  if (!w.add_opt(udp, ext, do_bit, {buf.data(), n})) w.add_opt(udp, ext, do_bit, {buf.data(), keep});
}

}  // namespace

asio::awaitable<Result> Nsid::serve(Request& req, Next next) {
  auto opt = wire::opt_record(req.packet);
  if (!opt || !wire::has_option(opt->options, kNsidOption)) co_return co_await next(req);
  Result r = co_await next(req);
  if (r.answered) add_nsid(req, data_, r.rcode);
  co_return r;
}

}  // namespace skycore::plugins::nsid
