// Bounds-checked cursor over a caller's message buffer (Knot's wire_ctx idea):
// every read past the end or over a malformed name sets a sticky error and
// returns zero values, so callers check ok() once after a group of reads.
#pragma once
#include <cstdint>
#include <span>

#include "core/wire/name.h"

namespace skycore::wire {

class WireReader {
 public:
  explicit WireReader(std::span<const uint8_t> msg, size_t pos = 0) : msg_(msg), pos_(pos) {}

  uint8_t u8();
  uint16_t u16();
  uint32_t u32();
  // Returns a view of the next n bytes (empty and error if short).
  std::span<const uint8_t> bytes(size_t n);
  void skip(size_t n) { (void)bytes(n); }
  // Reads a possibly compressed name into `out` (uncompressed). Strict:
  // pointers must point strictly backwards, labels <= 63, total <= 255.
  void name(Name& out);
  // Skips a name without copying it (same validation).
  void skip_name();
  // Skips `count` question entries (name, type, class): from just past the
  // header to the first record.
  void skip_questions(uint16_t count) {
    for (uint16_t i = 0; i < count && ok_; ++i) {
      skip_name();
      skip(4);
    }
  }

  bool ok() const { return ok_; }
  void fail() { ok_ = false; }
  size_t pos() const { return pos_; }
  size_t remaining() const { return ok_ ? msg_.size() - pos_ : 0; }
  std::span<const uint8_t> message() const { return msg_; }

 private:
  // Shared by name() and skip_name(); out may be null.
  void read_name(Name* out);
  std::span<const uint8_t> msg_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace skycore::wire
