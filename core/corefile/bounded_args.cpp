#include "core/corefile/bounded_args.h"

#include <fmt/format.h>

#include <charconv>

#include "core/corefile/duration.h"

namespace skycore::corefile {

std::chrono::milliseconds bounded_duration(const TokenCursor& c, std::string_view what, std::string_view text,
                                           std::chrono::milliseconds lo, std::chrono::milliseconds hi) {
  auto d = parse_duration(text);
  if (!d) throw c.err(fmt::format("{}: '{}' is not a duration", what, text));
  if (*d < lo || *d > hi)
    throw c.err(fmt::format("{}: {} is out of range ({} to {})", what, text, format_duration(lo), format_duration(hi)));
  return *d;
}

int64_t bounded_int(const TokenCursor& c, std::string_view what, std::string_view text, int64_t lo, int64_t hi) {
  int64_t v = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;  // "+5" is a number; from_chars refuses it
  auto [p, ec] = std::from_chars(begin, end, v);
  if (text.empty() || p != end || (ec != std::errc() && ec != std::errc::result_out_of_range))
    throw c.err(fmt::format("{}: '{}' is not a number", what, text));
  if (ec == std::errc::result_out_of_range || v < lo || v > hi)
    throw c.err(fmt::format("{}: {} is out of range ({} to {})", what, text, lo, hi));
  return v;
}

bool plausible_path(std::string_view path) {
  if (path.empty() || path.size() > 4095 || path.find('\0') != std::string_view::npos) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    size_t len = (slash == std::string_view::npos ? path.size() : slash) - start;
    if (len > 255) return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

}  // namespace skycore::corefile
