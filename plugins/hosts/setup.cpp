#include "core/plugin/setup.h"
#include "core/plugin/plugin_log.h"
#include "core/plugin/zone_args.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "core/corefile/bounded_args.h"
#include "core/corefile/reverse_zone.h"
#include "plugins/hosts/hosts.h"

namespace skycore::plugins::hosts {
namespace {

// As CoreDNS: a FILE that does not exist (yet) only warns; the inline
// entries are served and the file is picked up once it appears.
void check_file(corefile::TokenCursor& c, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT)
      throw c.err(
          fmt::format("hosts: unable to access hosts file '{}': {}", path, std::strerror(errno)));
    plugin_log("hosts", LogLevel::warning, "File does not exist: {}", path);
  } else if (S_ISDIR(st.st_mode)) {
    plugin_log("hosts", LogLevel::warning, "Hosts file '{}' is a directory", path);
  }
}

uint32_t parse_ttl(corefile::TokenCursor& c, const std::vector<std::string>& args) {
  if (args.empty()) throw c.err("hosts: ttl needs a time in seconds");
  if (args.size() > 1) throw c.arg_err();
  const std::string& a = args[0];
  long long v = 0;
  auto [end, ec] = std::from_chars(a.data(), a.data() + a.size(), v);
  if (ec != std::errc() || end != a.data() + a.size())
    throw c.err(fmt::format("hosts: ttl '{}' is not a number of seconds", a));
  if (v <= 0 || v > 65535)
    throw c.err(fmt::format("hosts: ttl '{}' is invalid: want 1 to 65535", a));
  return static_cast<uint32_t>(v);
}

std::chrono::milliseconds parse_reload(corefile::TokenCursor& c,
                                       const std::vector<std::string>& args) {
  if (args.size() != 1) throw c.err("hosts: reload needs a duration (zero seconds to disable)");
  const std::string& a = args[0];
  if (a.starts_with('-'))
    throw c.err(fmt::format("hosts: invalid negative duration for reload '{}'", a));
  return corefile::bounded_duration(c, "hosts: reload", a);
}

// An INLINE line: IP NAME... CoreDNS silently skips lines that do not parse;
// in a Corefile that is nearly always a typo (`tll 30`), so it is an error here.
std::vector<std::string> inline_line(corefile::TokenCursor& c) {
  std::vector<std::string> fields{c.val()};
  if (!parse_address(c.val()))
    throw c.err(fmt::format("hosts: '{}' is neither a property nor an IP address", c.val()));
  for (auto& a : c.remaining_args()) {
    if (!host_name(a)) throw c.err(fmt::format("hosts: '{}' is not a valid host name", a));
    fields.push_back(std::move(a));
  }
  if (fields.size() < 2) throw c.err(fmt::format("hosts: '{}' needs one or more names", fields[0]));
  return fields;
}

struct Parsed {
  Config cfg;
  std::vector<std::vector<std::string>> inline_lines;
};

Parsed parse(SetupContext& ctx) {
  auto& c = ctx.cursor;
  Parsed p;
  Config& cfg = p.cfg;
  bool zones_given = false;
  std::string unsupported_file;
  int unsupported_line = 0;
  while (c.next_once()) {
    auto args = c.remaining_args();
    if (!args.empty()) {
      cfg.path = args[0];
      check_file(c, cfg.path);
      cfg.zones = zone_args(c, "hosts", std::span(args).subspan(1));
      zones_given = args.size() > 1;
    }
    while (c.next_block()) {
      const std::string prop = c.val();
      if (prop == "fallthrough") {
        cfg.fallthrough = fallthrough_args(c, "hosts", c.remaining_args());
      } else if (prop == "fallthrough_unsupported") {
        if (c.next_arg()) throw c.arg_err();
        cfg.fallthrough_unsupported = true;
        unsupported_file = c.file();
        unsupported_line = c.line();
      } else if (prop == "no_reverse") {
        if (c.next_arg()) throw c.arg_err();
        cfg.reverse = false;
      } else if (prop == "ttl") {
        cfg.ttl = parse_ttl(c, c.remaining_args());
      } else if (prop == "reload") {
        cfg.reload = parse_reload(c, c.remaining_args());
      } else if (cfg.fallthrough.enabled) {
        throw c.unknown_property();  // as CoreDNS: no inline lines after fallthrough
      } else {
        p.inline_lines.push_back(inline_line(c));
      }
    }
  }
  if (cfg.fallthrough_unsupported && !cfg.fallthrough.enabled)
    throw corefile::Error(unsupported_file, unsupported_line,
                          "hosts: fallthrough_unsupported requires fallthrough");
  if (!zones_given) cfg.zones = block_zones(ctx);
  return p;
}

}  // namespace

// Syntax: hosts [FILE [ZONES...]] { INLINE...; ttl SECONDS; no_reverse;
//   reload DURATION; fallthrough [ZONES...]; fallthrough_unsupported }
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  Parsed p = parse(ctx);
  HostsTable inline_entries;
  ParseOptions opt{p.cfg.zones, p.cfg.reverse};
  for (const auto& line : p.inline_lines) {
    std::vector<std::string_view> fields(line.begin(), line.end());
    add_entry(inline_entries, fields, opt);
  }
  const auto reload = p.cfg.reload;
  auto plugin = std::make_unique<Hosts>(std::move(p.cfg), std::move(inline_entries), ctx.workers);
  if (ctx.validate_only) return plugin;
  Hosts* raw = plugin.get();
  raw->file().reload();
  ctx.on_startup.push_back([raw, reload] { raw->file().start(reload); });
  ctx.on_shutdown.push_back([raw] { raw->file().stop(); });
  if (ctx.shared) {
    ctx.shared->metrics.add([raw](std::vector<prometheus::MetricFamily>& out) {
      auto entries = gauge_family("skycore_hosts_entries",
                                  "The combined number of entries in hosts and Corefile.");
      auto stamp = gauge_family("skycore_hosts_reload_timestamp_seconds",
                                "The timestamp of the last reload of hosts file.");
      add_value(entries, {{"hostsfile", raw->file().path()}}, double(raw->entries()));
      add_value(stamp, {{"hostsfile", raw->file().path()}}, raw->file().reload_timestamp());
      out.push_back(std::move(entries));
      out.push_back(std::move(stamp));
    });
  }
  return plugin;
}

}  // namespace skycore::plugins::hosts
