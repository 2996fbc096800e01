#include <fmt/format.h>

#include <charconv>

#include "core/corefile/bounded_args.h"
#include "core/plugin/setup.h"
#include "plugins/erratic/erratic.h"

namespace skycore::plugins::erratic {
namespace {
uint64_t amount(corefile::TokenCursor& c, uint64_t fallback) {
  if (!c.next_arg()) return fallback;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(c.val().data(), c.val().data() + c.val().size(), v);
  if (ec != std::errc() || p != c.val().data() + c.val().size() || v == 0)
    throw c.err(fmt::format("erratic: '{}' is not a positive number", c.val()));
  return v;
}
}  // namespace

// Syntax: erratic { drop [AMOUNT]; truncate [AMOUNT]; delay [AMOUNT [DURATION]] }
// AMOUNT defaults to 2 (every second query); DURATION to 100ms.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  Config cfg;
  while (c.next()) {
    if (c.next_arg()) throw c.arg_err();
    while (c.next_block()) {
      if (c.val() == "drop") cfg.drop = amount(c, 2);
      else if (c.val() == "truncate") cfg.truncate = amount(c, 2);
      else if (c.val() == "delay") {
        cfg.delay = amount(c, 2);
        if (c.next_arg()) {
          cfg.delay_for = corefile::bounded_duration(c, "erratic: delay", c.val());
        }
      } else throw c.unknown_property();
      if (c.next_arg()) throw c.arg_err();
    }
  }
  auto e = std::make_unique<Erratic>(cfg);
  if (ctx.shared) {
    Erratic* raw = e.get();
    ctx.shared->add_readiness("erratic", [raw] { return raw->ready(); });
  }
  return e;
}

}  // namespace skycore::plugins::erratic
