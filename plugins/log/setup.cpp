#include <fmt/format.h>

#include "core/plugin/zone_args.h"
#include "core/corefile/reverse_zone.h"
#include "core/plugin/plugin_log.h"
#include "core/plugin/setup.h"
#include "plugins/log/log.h"

namespace skycore::plugins::log {
namespace {

// One sink per configuration, shared by every block's log plugin. Not one
// per process: its rings have a single writer each (worker i), and during
// a reload the old and the new configuration's worker i both log. The old
// sink drains and ends with the old configuration.
std::shared_ptr<LineSink> shared_sink(SetupContext& ctx) {
  if (!ctx.shared) return std::make_shared<LineSink>(ctx.workers);
  bool made = false;
  auto sink = ctx.shared->keep<LineSink>("log-sink@" + std::to_string(ctx.shared->building()), [&] {
    made = true;
    return std::make_shared<LineSink>(ctx.workers);
  });
  if (made && !ctx.validate_only) {  // the first block to log starts and stops it
    ctx.on_startup.push_back([sink] { sink->start(); });
    ctx.on_shutdown.push_back([sink] { sink->stop(); });
  }
  return sink;
}

uint8_t parse_class(corefile::TokenCursor& c, const std::string& v) {
  if (v == "success") return kSuccess;
  if (v == "denial") return kDenial;
  if (v == "error") return kError;
  if (v == "all") return kAll;
  throw c.err(fmt::format("log: unknown class '{}'", v));
}

}  // namespace

// Syntax: log [NAMES...] [FORMAT] { class success|denial|error|all... }
// A FORMAT is the argument that holds a {placeholder}; NAMES default to ".".
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::vector<Rule> rules;
  while (c.next()) {
    Rule rule;
    // A process logging JSON (-log-format=json) logs queries as JSON too,
    // unless the block names a format.
    std::string format = std::string(log_format() == LogFormat::json ? kJsonFormat : kCommonFormat);
    auto args = c.remaining_args();
    for (size_t i = 0; i < args.size(); ++i) {
      const auto& a = args[i];
      if (a.find('{') != std::string::npos) {
        // As CoreDNS: only the last argument can be the format.
        if (i + 1 != args.size())
          throw c.err(fmt::format("log: the format '{}' must be the last argument", a));
        if (a.find(kJsonFormat) != std::string::npos && a != kJsonFormat)
          throw c.err(fmt::format("log: {} must be the whole format, not part of '{}'", kJsonFormat, a));
        format = a;
        continue;
      }
      for (const auto& n : zone_args(c, "log", std::span<const std::string>(&a, 1))) rule.names.push_back(n);
    }
    if (rule.names.empty()) rule.names.push_back(wire::Name());
    rule.format = parse_format(format);
    bool class_seen = false;
    while (c.next_block()) {
      if (c.val() != "class") throw c.unknown_property();
      auto classes = c.remaining_args();
      if (classes.empty()) throw c.arg_err();
      if (!class_seen) rule.classes = 0;
      class_seen = true;
      for (const auto& v : classes) rule.classes |= parse_class(c, v);
    }
    rules.push_back(std::move(rule));
  }
  return std::make_unique<Log>(std::move(rules), shared_sink(ctx));
}

}  // namespace skycore::plugins::log
