#include "core/wire/reader.h"

#include <cstring>

namespace skycore::wire {

uint8_t WireReader::u8() {
  if (!ok_ || pos_ + 1 > msg_.size()) { ok_ = false; return 0; }
  return msg_[pos_++];
}

uint16_t WireReader::u16() {
  if (!ok_ || pos_ + 2 > msg_.size()) { ok_ = false; return 0; }
  uint16_t v = static_cast<uint16_t>(msg_[pos_] << 8 | msg_[pos_ + 1]);
  pos_ += 2;
  return v;
}

uint32_t WireReader::u32() {
  if (!ok_ || pos_ + 4 > msg_.size()) { ok_ = false; return 0; }
  uint32_t v = uint32_t(msg_[pos_]) << 24 | uint32_t(msg_[pos_ + 1]) << 16 |
               uint32_t(msg_[pos_ + 2]) << 8 | msg_[pos_ + 3];
  pos_ += 4;
  return v;
}

std::span<const uint8_t> WireReader::bytes(size_t n) {
  if (!ok_ || n > msg_.size() - pos_) { ok_ = false; return {}; }
  auto s = msg_.subspan(pos_, n);
  pos_ += n;
  return s;
}

void WireReader::name(Name& out) {
  read_name(&out);
  // Labels are copied as they are read; a name that fails half-way must not
  // leave a half-written Name behind.
  if (!ok_) out = Name();
}
void WireReader::skip_name() { read_name(nullptr); }

void WireReader::read_name(Name* out) {
  if (!ok_) return;
  size_t p = pos_;
  size_t end_of_name = 0;   // where the caller's cursor resumes (after 1st pointer)
  size_t limit = pos_;      // a pointer must target strictly before this
  size_t len = 0;           // uncompressed length so far
  uint8_t* dst = out ? out->raw() : nullptr;
  bool jumped = false;
  for (;;) {
    if (p >= msg_.size()) { ok_ = false; return; }
    uint8_t c = msg_[p];
    if ((c & 0xC0) == 0xC0) {
      if (p + 1 >= msg_.size()) { ok_ = false; return; }
      size_t target = size_t(c & 0x3F) << 8 | msg_[p + 1];
      // Strictly backwards from the current label run: this alone makes
      // loops impossible, since every jump lowers the limit.
      if (target >= limit) { ok_ = false; return; }
      if (!jumped) { end_of_name = p + 2; jumped = true; }
      limit = target;
      p = target;
      continue;
    }
    if (c & 0xC0) { ok_ = false; return; }  // 0x40/0x80: obsolete label types
    if (p + 1 + c > msg_.size()) { ok_ = false; return; }
    if (len + 1 + c > kMaxNameLength) { ok_ = false; return; }
    if (dst) std::memcpy(dst + len, &msg_[p], 1 + c);
    len += 1 + c;
    p += 1 + c;
    if (c == 0) break;
  }
  if (out) out->set_size(len);
  pos_ = jumped ? end_of_name : p;
}

}  // namespace skycore::wire
