#include "core/wire/name.h"

#include <cstring>

namespace skycore::wire {

std::optional<Name> Name::from_text(std::string_view text) {
  Name n;
  if (text.empty() || text == ".") return n;
  uint8_t* out = n.bytes_.data();
  size_t pos = 0;         // write position
  size_t label_at = 0;    // position of the current label's length octet
  size_t label_len = 0;
  auto put = [&](uint8_t c) -> bool {
    if (label_len == kMaxLabelLength || pos + 1 >= kMaxNameLength) return false;
    out[pos++] = c;
    ++label_len;
    return true;
  };
  out[pos++] = 0;  // placeholder for the first label's length
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (label_len == 0) return std::nullopt;  // empty label
      out[label_at] = static_cast<uint8_t>(label_len);
      if (i + 1 == text.size()) {
        label_at = pos;  // trailing dot: the terminating root label
        label_len = 0;
        break;
      }
      if (pos >= kMaxNameLength) return std::nullopt;
      label_at = pos;
      out[pos++] = 0;
      label_len = 0;
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) return std::nullopt;
      char d = text[i + 1];
      if (d >= '0' && d <= '9') {
        if (i + 3 >= text.size()) return std::nullopt;  // \DDD needs three digits
        int v = 0;
        for (size_t k = 1; k <= 3; ++k) {
          char e = text[i + k];
          if (e < '0' || e > '9') return std::nullopt;
          v = v * 10 + (e - '0');
        }
        if (v > 255) return std::nullopt;
        if (!put(static_cast<uint8_t>(v))) return std::nullopt;
        i += 3;
      } else {
        if (!put(static_cast<uint8_t>(d))) return std::nullopt;
        i += 1;
      }
      continue;
    }
    if (!put(static_cast<uint8_t>(c))) return std::nullopt;
  }
  if (label_len > 0) {  // no trailing dot: close the last label
    out[label_at] = static_cast<uint8_t>(label_len);
    if (pos >= kMaxNameLength) return std::nullopt;
    out[pos++] = 0;
  } else {
    out[label_at] = 0;
    pos = label_at + 1;
  }
  n.len_ = static_cast<uint8_t>(pos);
  return n;
}

Name Name::from_wire_unchecked(std::span<const uint8_t> wire) {
  Name n;
  std::memcpy(n.bytes_.data(), wire.data(), wire.size());
  n.len_ = static_cast<uint8_t>(wire.size());
  return n;
}

size_t Name::label_count() const {
  size_t count = 0;
  for (size_t i = 0; bytes_[i] != 0; i += bytes_[i] + 1) ++count;
  return count;
}

void append_label_text(std::string& out, std::string_view label) {
  for (unsigned char c : label) {
    switch (c) {
      case '.': case '\\': case '"': case ';': case '(': case ')': case '@': case '$':
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
        break;
      default:
        if (c <= 0x20 || c >= 0x7f) {
          char buf[5] = {'\\', char('0' + c / 100), char('0' + c / 10 % 10), char('0' + c % 10), 0};
          out.append(buf, 4);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

std::string Name::to_text() const {
  std::string out;
  out.reserve(len_);
  to_text(out);
  return out;
}

void Name::to_text(std::string& out) const {
  out.clear();
  if (is_root()) {
    out.push_back('.');
    return;
  }
  for (size_t i = 0; bytes_[i] != 0; i += bytes_[i] + 1) {
    append_label_text(out, {reinterpret_cast<const char*>(&bytes_[i + 1]), bytes_[i]});
    out.push_back('.');
  }
}

void Name::lowercase() {
  for (size_t i = 0; bytes_[i] != 0; i += bytes_[i] + 1)
    for (size_t k = 1; k <= bytes_[i]; ++k) bytes_[i + k] = ascii_lower(bytes_[i + k]);
}

bool Name::equals_ignore_case(const Name& o) const {
  if (len_ != o.len_) return false;
  // Length octets are < 64 and never letters, so a byte-wise lowered compare
  // of the whole wire form is exact.
  for (size_t i = 0; i < len_; ++i)
    if (ascii_lower(bytes_[i]) != ascii_lower(o.bytes_[i])) return false;
  return true;
}

bool Name::is_subdomain_of(const Name& zone) const {
  if (zone.len_ > len_) return false;
  // Walk labels until the remaining suffix has the zone's length; it must
  // start on a label boundary and match.
  size_t i = 0;
  while (len_ - i > zone.len_) i += bytes_[i] + 1;
  if (len_ - i != zone.len_) return false;
  for (size_t k = 0; k < zone.len_; ++k)
    if (ascii_lower(bytes_[i + k]) != ascii_lower(zone.bytes_[k])) return false;
  return true;
}

Name Name::parent(size_t skip) const {
  size_t i = 0;
  while (skip-- > 0 && bytes_[i] != 0) i += bytes_[i] + 1;
  return from_wire_unchecked({bytes_.data() + i, len_ - i});
}

std::string_view Name::first_label() const {
  return {reinterpret_cast<const char*>(&bytes_[1]), bytes_[0]};
}

bool Name::prepend_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  size_t add = label.size() + 1;
  if (len_ + add > kMaxNameLength) return false;
  std::memmove(bytes_.data() + add, bytes_.data(), len_);
  bytes_[0] = static_cast<uint8_t>(label.size());
  std::memcpy(bytes_.data() + 1, label.data(), label.size());
  len_ = static_cast<uint8_t>(len_ + add);
  return true;
}

}  // namespace skycore::wire
