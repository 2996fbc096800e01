#include <unistd.h>

#include "core/plugin/setup.h"
#include "plugins/chaos/chaos.h"

namespace skycore::plugins::chaos {

// Syntax: chaos [VERSION] [AUTHORS...]   (once per server block). VERSION
// defaults to skycore-<version>, AUTHORS to "skycore"; the host name is
// the machine's.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::string version = "skycore-" + (ctx.build ? ctx.build->version : BuildInfo{}.version);
  std::vector<std::string> authors{"skycore"};
  while (c.next_once()) {
    auto args = c.remaining_args();
    if (!args.empty()) version = args[0];
    if (args.size() > 1) authors.assign(args.begin() + 1, args.end());
    if (c.next_block()) throw c.unknown_property();
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  return std::make_unique<Chaos>(std::move(version), std::move(authors), host);
}

}  // namespace skycore::plugins::chaos
