#include <unistd.h>

#include "core/plugin/setup.h"
#include "plugins/nsid/nsid.h"

namespace skycore::plugins::nsid {

// Syntax: nsid [DATA...]   (once per server block; the words of DATA are
// joined with spaces, as CoreDNS does; the host name by default).
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::string data;
  while (c.next_once()) {
    for (const auto& a : c.remaining_args()) data += (data.empty() ? "" : " ") + a;
    if (c.next_block()) throw c.unknown_property();
  }
  if (data.empty()) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) data = host;
  }
  if (data.size() > 512) throw c.err("nsid: DATA longer than 512 bytes");
  return std::make_unique<Nsid>(std::move(data));
}

}  // namespace skycore::plugins::nsid
