#include "core/plugin/plugin_log.h"

#include <cstdio>
#include <string>

namespace skycore {

namespace {
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

void plugin_log(std::string_view plugin, LogLevel level, std::string_view message) {
  // One write per line: lines from several threads never interleave.
  std::string line = fmt::format("[{}] ", level_name(level));
  if (!plugin.empty()) line += fmt::format("plugin/{}: ", plugin);
  line.append(message);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace skycore
