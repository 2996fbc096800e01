#include "core/plugin/plugin_log.h"

#include <cstdio>
#include <string>

#include "core/plugin/json_text.h"

namespace skycore {

namespace {
LogFormat g_format = LogFormat::text;

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "DEBUG";
    case LogLevel::info: return "INFO";
    case LogLevel::warning: return "WARNING";
    case LogLevel::error: return "ERROR";
    case LogLevel::fatal: return "FATAL";
  }
  return "INFO";
}
}  // namespace

void set_log_format(LogFormat f) { g_format = f; }
LogFormat log_format() { return g_format; }

void plugin_log(std::string_view plugin, LogLevel level, std::string_view message) {
  // One write per line: lines from several threads never interleave.
  std::string line;
  if (g_format == LogFormat::json) {
    std::string level_text = level_name(level);
    for (auto& ch : level_text) ch = static_cast<char>(ch - 'A' + 'a');
    line = "{\"level\":\"" + level_text + "\"";
    if (!plugin.empty()) {
      line += ",\"plugin\":";
      append_json_string(line, plugin);
    }
    line += ",\"msg\":";
    append_json_string(line, message);
    line += '}';
  } else {
    line = fmt::format("[{}] ", level_name(level));
    if (!plugin.empty()) line += fmt::format("plugin/{}: ", plugin);
    line.append(message);
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace skycore
