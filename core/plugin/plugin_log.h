// Process messages as CoreDNS writes them: "[LEVEL] plugin/NAME: message", one
// line per call, on standard output (where CoreDNS sends its log), flushed at
// once so a supervisor or a test sees it. Not for the query path: the log
// plugin has its own buffered sink.
#pragma once
#include <fmt/format.h>

#include <string_view>

namespace skycore {

enum class LogLevel { debug, info, warning, error, fatal };

// -log-format: CoreDNS's text lines, or one JSON object per line
// ({"level":"info","plugin":"reload","msg":"..."}) for log pipelines. Set
// once in main() before any thread starts; the log plugin's default format
// follows it.
enum class LogFormat { text, json };
void set_log_format(LogFormat f);
LogFormat log_format();

// NAME may be empty for the core's own messages ("[INFO] Reloading").
void plugin_log(std::string_view plugin, LogLevel level, std::string_view message);

template <typename... Args>
void plugin_log(std::string_view plugin, LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
  plugin_log(plugin, level, std::string_view(fmt::format(f, std::forward<Args>(args)...)));
}

}  // namespace skycore
