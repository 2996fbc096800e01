#include <fmt/format.h>

#include "core/corefile/bounded_args.h"
#include "core/plugin/setup.h"
#include "plugins/errors/errors.h"

namespace skycore::plugins::errors {
namespace {

LogLevel level_of(const corefile::TokenCursor& c, const std::string& text) {
  if (text == "error") return LogLevel::error;
  if (text == "warning") return LogLevel::warning;
  if (text == "info") return LogLevel::info;
  if (text == "debug") return LogLevel::debug;
  throw c.err(fmt::format("errors: unknown log level '{}' (error, warning, info or debug)", text));
}

}  // namespace

// Syntax: errors { consolidate DURATION REGEXP [LEVEL]; stacktrace }
// (once per server block). REGEXP is Go's (RE2) syntax. `stacktrace` is
// accepted and does nothing: skycore recovers from no panics.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::vector<Consolidate> patterns;
  while (c.next_once()) {
    if (c.next_arg()) throw c.arg_err();
    while (c.next_block()) {
      if (c.val() == "stacktrace") {
        if (c.next_arg()) throw c.arg_err();
      } else if (c.val() == "consolidate") {
        auto args = c.remaining_args();
        if (args.size() < 2 || args.size() > 3) throw c.arg_err();
        Consolidate p;
        p.period = corefile::bounded_duration(c, "errors: consolidate DURATION", args[0],
                                              std::chrono::milliseconds(1), corefile::kMaxSetupDuration);
        p.text = args[1];
        p.re = std::make_unique<RE2>(args[1], RE2::Quiet);
        if (!p.re->ok())
          throw c.err(fmt::format("errors: consolidate: invalid regular expression '{}': {}", args[1], p.re->error()));
        if (args.size() == 3) p.level = level_of(c, args[2]);
        patterns.push_back(std::move(p));
      } else {
        throw c.unknown_property();
      }
    }
  }
  auto plugin = std::make_unique<Errors>(std::move(patterns));
  if (!ctx.validate_only) {
    Errors* e = plugin.get();
    ctx.on_startup.push_back([e] { e->start(); });
  }
  return plugin;
}

}  // namespace skycore::plugins::errors
