// A domain name in uncompressed wire form, held inline (no heap), so the data
// path can copy, compare and lowercase names without allocating.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/wire/types.h"

namespace skycore::wire {

class Name {
 public:
  Name() { set_root(); }

  // Parses presentation format ("www.Example.org", "example.org.", "." or
  // with \. and \DDD escapes). Relative names are taken as absolute.
  static std::optional<Name> from_text(std::string_view text);

  // Adopts wire bytes that were already validated (labels <= 63, ends with 0).
  static Name from_wire_unchecked(std::span<const uint8_t> wire);

  std::span<const uint8_t> wire() const { return {bytes_.data(), len_}; }
  size_t size() const { return len_; }
  size_t label_count() const;  // root = 0
  bool is_root() const { return len_ == 1; }

  std::string to_text() const;  // always with the trailing dot
  // The same text into `out` (cleared first): no allocation once `out` has
  // grown to a name's length.
  void to_text(std::string& out) const;
  void lowercase();
  bool equals_ignore_case(const Name& o) const;
  // True if this name equals `zone` or lies below it (case-insensitive).
  bool is_subdomain_of(const Name& zone) const;
  // The suffix starting after `skip` labels (skip 1 of a.b. gives b.).
  Name parent(size_t skip = 1) const;
  // First label's bytes (without its length octet); empty for root.
  std::string_view first_label() const;
  // Prepends one label; false if it would exceed the limits.
  bool prepend_label(std::string_view label);

  // Reassembled by the reader; exposed for it only.
  uint8_t* raw() { return bytes_.data(); }
  void set_size(size_t n) { len_ = static_cast<uint8_t>(n); }

 private:
  void set_root() { bytes_[0] = 0; len_ = 1; }
  std::array<uint8_t, kMaxNameLength> bytes_{};
  uint8_t len_ = 1;
};

inline uint8_t ascii_lower(uint8_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }
inline char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? char(c - 32) : c; }

// Appends the presentation form of one label (escaping '.', '\\', '"', ';', '(',
// ')', '@', '$', and non-printables as \DDD).
void append_label_text(std::string& out, std::string_view label);

}  // namespace skycore::wire
