#include "core/app/flags.h"

#include <fmt/format.h>

#include "core/corefile/port.h"

#include <charconv>
#include <string_view>

namespace skycore::app {

std::optional<std::string> parse_flags(int argc, char** argv, Flags& out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') return fmt::format("unexpected argument: {}", arg);
    arg.remove_prefix(arg.starts_with("--") ? 2 : 1);
    std::optional<std::string_view> value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto take_value = [&]() -> std::optional<std::string_view> {
      if (value) return value;
      if (i + 1 < argc) return std::string_view(argv[++i]);
      return std::nullopt;
    };
    auto set_bool = [&](bool& b) -> std::optional<std::string> {
      if (!value || *value == "true" || *value == "1") b = true;
      else if (*value == "false" || *value == "0") b = false;
      else return fmt::format("invalid boolean value \"{}\" for flag -{}", *value, arg);
      return std::nullopt;
    };
    std::optional<std::string> err;
    if (arg == "conf" || arg == "pidfile" || arg == "dns.port" || arg == "log-format") {
      auto v = take_value();
      if (!v) return fmt::format("flag needs an argument: -{}", arg);
      if (arg == "conf") out.conf = *v;
      else if (arg == "pidfile") out.pidfile = *v;
      else if (arg == "log-format") {
        if (*v != "json" && *v != "text")
          return fmt::format("invalid value \"{}\" for flag -log-format: json or text", *v);
        out.log_json = *v == "json";
      } else {
        auto port = corefile::parse_port(*v);
        if (!port) return fmt::format("invalid value \"{}\" for flag -dns.port", *v);
        out.dns_port = *port;
      }
    } else if (arg == "plugins") err = set_bool(out.plugins);
    else if (arg == "version") err = set_bool(out.version);
    else if (arg == "quiet") err = set_bool(out.quiet);
    else if (arg == "validate") err = set_bool(out.validate);
    else return fmt::format("flag provided but not defined: -{}", arg);
    if (err) return err;
  }
  return std::nullopt;
}

std::string usage(const char* argv0) {
  return fmt::format(
      "Usage of {}:\n"
      "  -conf string\n"
      "        Corefile to load (default \"Corefile\")\n"
      "  -dns.port string\n"
      "        Default port (default \"53\")\n"
      "  -log-format string\n"
      "        Process log lines as text or json; json also makes the log plugin's default format {{json}} (default \"text\")\n"
      "  -pidfile string\n"
      "        Path to write pid file\n"
      "  -plugins\n"
      "        List installed plugins\n"
      "  -quiet\n"
      "        Quiet mode (no initialization output)\n"
      "  -validate\n"
      "        Parse the Corefile and run every plugin's setup, then exit\n"
      "  -version\n"
      "        Show version\n",
      argv0);
}

}  // namespace skycore::app
