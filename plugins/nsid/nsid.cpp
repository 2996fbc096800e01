#include "plugins/nsid/nsid.h"

#include <array>
#include <cstring>

#include "core/wire/record.h"

namespace skycore::plugins::nsid {
namespace {

// The answer's OPT again, with its other options and our NSID (an
// upstream's OPT keeps its size, extended rcode, DO bit and options).
void add_nsid(Request& req, std::string_view nsid, uint16_t rcode) {
  auto& w = req.response;
  uint16_t udp = wire::kDefaultUdpCap;
  uint32_t ttl = (uint32_t(rcode >> 4) << 24) | (req.query.edns.do_bit ? 0x8000u : 0u);
  std::array<uint8_t, 1024> buf;
  size_t n = 0;
  auto put = [&](uint16_t code, std::span<const uint8_t> data) {
    buf[n++] = uint8_t(code >> 8);
    buf[n++] = uint8_t(code);
    buf[n++] = uint8_t(data.size() >> 8);
    buf[n++] = uint8_t(data.size());
    std::memcpy(&buf[n], data.data(), data.size());
    n += data.size();
  };
  if (auto o = wire::opt_record(w.data())) {
    udp = o->udp_size;
    ttl = o->ttl;
    wire::for_each_option(o->options, [&](uint16_t code, std::span<const uint8_t> data) {
      // Every other option, while it leaves room for ours.
      if (code != kNsidOption && n + 4 + data.size() <= buf.size() - 4 - nsid.size()) put(code, data);
    });
  }
  const size_t keep = n;
  put(kNsidOption, {reinterpret_cast<const uint8_t*>(nsid.data()), nsid.size()});
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
