// Durations as CoreDNS Corefiles write them (Go's time.ParseDuration subset):
// one or more NUMBER UNIT pairs, NUMBER possibly fractional, UNIT one of
// ms, s, m, h — "500ms", "0.5s", "10s", "1h30m" — or a bare "0". Shared by every plugin's
// setup so they all accept the same spellings.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace skycore::corefile {

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);
// Go's way of printing one: "5s", "1.5s", "500ms", "1m30s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace skycore::corefile
