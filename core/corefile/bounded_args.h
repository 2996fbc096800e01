// Numbers and durations from a plugin's Corefile block, range-checked where
// they are read, so whatever -validate passes can start and nothing a user
// writes overflows later (a timer's deadline, a 32-bit TTL). Each error is a
// FILE:LINE message naming the property.
#pragma once
#include <chrono>
#include <cstdint>
#include <string_view>

#include "core/corefile/token_cursor.h"

namespace skycore::corefile {

// The longest duration a property may take unless it says otherwise: far
// below where adding it to a clock could overflow, far above any real use.
inline constexpr std::chrono::milliseconds kMaxSetupDuration = std::chrono::hours(24 * 365);

// `text` as a duration in [lo, hi]; `what` names it in errors ("cache: prefetch").
std::chrono::milliseconds bounded_duration(const TokenCursor& c, std::string_view what, std::string_view text,
                                           std::chrono::milliseconds lo = std::chrono::milliseconds(0),
                                           std::chrono::milliseconds hi = kMaxSetupDuration);

// `text` as a whole decimal number in [lo, hi] (no sign unless lo < 0, no
// spaces, no overflow).
int64_t bounded_int(const TokenCursor& c, std::string_view what, std::string_view text, int64_t lo, int64_t hi);

// A path the filesystem could hold: not empty, at most 4095 bytes, no
// component over 255 (so "File name too long" can only come from a
// directive that -validate already refused).
bool plausible_path(std::string_view path);

}  // namespace skycore::corefile
