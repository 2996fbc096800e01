#include "core/corefile/duration.h"

#include <charconv>
#include <string>

namespace skycore::corefile {
namespace {
constexpr double kMaxMs = 9223372036854.775807;  // INT64_MAX nanoseconds
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s == "0") return std::chrono::milliseconds(0);  // Go allows a bare zero, and only that
  double total_ms = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    double value = 0;
    try {
      size_t used = 0;
      value = std::stod(std::string(s.substr(0, i)), &used);
      if (used != i) return std::nullopt;
    } catch (...) {
      return std::nullopt;
    }
    s.remove_prefix(i);
    double scale;
    if (s.starts_with("ms")) scale = 1, s.remove_prefix(2);
    else if (s.starts_with("s")) scale = 1000, s.remove_prefix(1);
    else if (s.starts_with("m")) scale = 60'000, s.remove_prefix(1);
    else if (s.starts_with("h")) scale = 3'600'000, s.remove_prefix(1);
    else return std::nullopt;  // a number needs a unit, as in Go
    total_ms += value * scale;
    // Go refuses what does not fit int64 nanoseconds (about 2,562,047h);
    // so does this, before the cast below could wrap to a negative value.
    if (!(total_ms <= kMaxMs)) return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<long long>(total_ms));
}

std::string format_duration(std::chrono::milliseconds d) {
  long long ms = d.count();
  if (ms == 0) return "0s";
  if (ms < 1000) return std::to_string(ms) + "ms";
  std::string out;
  if (ms >= 3'600'000) {
    out += std::to_string(ms / 3'600'000) + "h";
    ms %= 3'600'000;
  }
  if (ms >= 60'000 || !out.empty()) {
    out += std::to_string(ms / 60'000) + "m";
    ms %= 60'000;
  }
  std::string secs = std::to_string(ms / 1000);
  if (ms % 1000) {
    std::string frac = std::to_string(1000 + ms % 1000).substr(1);  // 3 digits
    while (frac.back() == '0') frac.pop_back();
    secs += "." + frac;
  }
  return out + secs + "s";
}

}  // namespace skycore::corefile
