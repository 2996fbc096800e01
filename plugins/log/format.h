// CoreDNS's log line format: placeholders such as {remote} or {>id} are
// parsed once at setup into a list of parts; rendering writes into a caller's
// fixed buffer without allocating.
#pragma once
#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/plugin/request.h"
#include "core/plugin/result.h"

namespace skycore::plugins::log {

inline constexpr std::string_view kCommonFormat =
    "{remote}:{port} - {>id} \"{type} {class} {name} {proto} {size} {>do} {>bufsize}\" {rcode} "
    "{>rflags} {rsize} {duration}";
inline constexpr std::string_view kCombinedFormat =
    "{remote}:{port} - {>id} \"{type} {class} {name} {proto} {size} {>do} {>bufsize}\" {rcode} "
    "{>rflags} {rsize} {duration} \"{>opcode}\"";

// `{json}` as the whole format: one JSON object per line instead, with
// the common format's fields as keys (see README.md).
inline constexpr std::string_view kJsonFormat = "{json}";

enum class Field : uint8_t {
  literal, remote, port, id, type, cls, name, proto, size, do_bit, bufsize, rcode, rflags, rsize,
  duration, local, opcode, json
};

struct Part {
  Field field = Field::literal;
  std::string text;  // for literals (and unknown placeholders, kept as written)
};

// Splits a format; {common} and {combined} expand to CoreDNS's two formats;
// a format that is just {json} gives the one part Field::json.
std::vector<Part> parse_format(std::string_view format);

// Renders "[INFO] " + the line + "\n" into `out` (for {json}, the object +
// "\n"); returns the length used (a line that does not fit is cut short,
// still newline-terminated; a JSON object is then cut whole to "{}").
size_t render(const std::vector<Part>& parts, const Request& req, const Finished& o,
              std::span<char> out);

}  // namespace skycore::plugins::log
