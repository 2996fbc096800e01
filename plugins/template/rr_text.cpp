#include "plugins/template/rr_text.h"

#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <charconv>

namespace skycore::plugins::template_ {
namespace {

// Zone-file tokens: whitespace separated, "quoted strings" kept whole (with
// their quotes), parentheses and ;comments dropped.
class Tokens {
 public:
  explicit Tokens(std::string_view s) : s_(s) {}
  bool next(std::string_view& out) {
    for (;;) {
      while (i_ < s_.size() && (std::isspace(static_cast<unsigned char>(s_[i_])) || s_[i_] == '(' || s_[i_] == ')')) ++i_;
      if (i_ < s_.size() && s_[i_] == ';') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
        continue;
      }
      break;
    }
    if (i_ >= s_.size()) return false;
    size_t start = i_;
    if (s_[i_] == '"') {
      for (++i_; i_ < s_.size() && s_[i_] != '"'; ++i_)
        if (s_[i_] == '\\') ++i_;
      if (i_ < s_.size()) ++i_;
    } else {
      while (i_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[i_])) && s_[i_] != '(' && s_[i_] != ')' &&
             s_[i_] != ';') {
        if (s_[i_] == '\\') ++i_;
        ++i_;
      }
    }
    out = s_.substr(start, std::min(i_, s_.size()) - start);
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

template <class T>
bool number(std::string_view s, T& v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && ec == std::errc() && p == s.data() + s.size();
}

bool name(std::string_view s, wire::Name& out) {
  auto n = wire::Name::from_text(s);
  if (!n || s.empty()) return false;
  out = *n;
  return true;
}

// One <character-string>: a quoted string (with \" and \DDD escapes) or a bare word.
bool char_string(std::string_view tok, std::array<uint8_t, 256>& out, size_t& n) {
  bool quoted = tok.size() >= 2 && tok.front() == '"' && tok.back() == '"';
  if (quoted) tok = tok.substr(1, tok.size() - 2);
  n = 1;
  for (size_t i = 0; i < tok.size(); ++i) {
    uint8_t c = static_cast<uint8_t>(tok[i]);
    if (c == '\\' && i + 1 < tok.size()) {
      if (i + 3 < tok.size() + 0 && std::isdigit(static_cast<unsigned char>(tok[i + 1])) && i + 3 <= tok.size() - 1 &&
          std::isdigit(static_cast<unsigned char>(tok[i + 2])) && std::isdigit(static_cast<unsigned char>(tok[i + 3]))) {
        int v = (tok[i + 1] - '0') * 100 + (tok[i + 2] - '0') * 10 + (tok[i + 3] - '0');
        if (v > 255) return false;
        c = static_cast<uint8_t>(v);
        i += 3;
      } else {
        c = static_cast<uint8_t>(tok[++i]);
      }
    }
    if (n > 255) return false;
    out[n++] = c;
  }
  out[0] = static_cast<uint8_t>(n - 1);
  return true;
}

uint8_t hex_digit(char c) {
  if (c >= '0' && c <= '9') return uint8_t(c - '0');
  if (c >= 'a' && c <= 'f') return uint8_t(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return uint8_t(c - 'A' + 10);
  return 0xFF;
}

}  // namespace

RrStatus write_rr(std::string_view text, wire::Section section, wire::MessageWriter& w, RrHead& head) {
  Tokens t(text);
  std::string_view tok;
  if (!t.next(tok) || !name(tok, head.owner)) return RrStatus::invalid;
  uint32_t ttl = 3600;
  uint16_t cls = wire::rrclass::IN;
  std::optional<uint16_t> type;
  // [TTL] [CLASS] TYPE, TTL and CLASS in either order.
  for (int i = 0; i < 3 && !type; ++i) {
    if (!t.next(tok)) return RrStatus::invalid;
    uint32_t v;
    if (number(tok, v)) { ttl = v; continue; }
    if (auto c = wire::class_from_string(tok); c && !wire::type_from_string(tok)) { cls = *c; continue; }
    type = wire::type_from_string(tok);
    if (!type) return RrStatus::invalid;
  }
  if (!type) return RrStatus::invalid;
  head.type = *type;

  if (!w.begin_record(section, head.owner, *type, cls, ttl)) return RrStatus::full;
  auto fail = [&] {
    w.rollback_record();
    return RrStatus::invalid;
  };
  std::string_view a;
  wire::Name n;
  if (t.next(a) && a == "\\#") {  // RFC 3597: \# LEN HEX...
    std::string_view len_tok;
    size_t len = 0;
    if (!t.next(len_tok) || !number(len_tok, len)) return fail();
    size_t got = 0;
    std::string_view hex;
    while (t.next(hex)) {
      if (hex.size() % 2) return fail();
      for (size_t i = 0; i < hex.size(); i += 2) {
        uint8_t hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
        if (hi == 0xFF || lo == 0xFF) return fail();
        uint8_t b = uint8_t(hi << 4 | lo);
        w.rdata_bytes({&b, 1});
        ++got;
      }
    }
    if (got != len) return fail();
    // The generic form of a type with a layout of its own must still be a
    // valid record of that type (as miekg/dns checks): fixed sizes for
    // addresses; the presentation form for the types holding names or strings.
    switch (*type) {
      case wire::rrtype::A: if (got != 4) return fail(); break;
      case wire::rrtype::AAAA: if (got != 16) return fail(); break;
      case wire::rrtype::CNAME: case wire::rrtype::NS: case wire::rrtype::PTR: case wire::rrtype::DNAME:
      case wire::rrtype::MX: case wire::rrtype::SRV: case wire::rrtype::SOA: case wire::rrtype::TXT:
      case wire::rrtype::OPT: case 99:
        return fail();
      default: break;
    }
    return w.end_record() ? RrStatus::written : RrStatus::full;
  }
  switch (*type) {
    case wire::rrtype::A: {
      std::array<char, 64> s{};
      std::array<uint8_t, 4> ip;
      if (a.empty() || a.size() >= s.size()) return fail();
      std::copy(a.begin(), a.end(), s.begin());
      if (inet_pton(AF_INET, s.data(), ip.data()) != 1) return fail();
      w.rdata_bytes(ip);
      break;
    }
    case wire::rrtype::AAAA: {
      std::array<char, 64> s{};
      std::array<uint8_t, 16> ip;
      if (a.empty() || a.size() >= s.size()) return fail();
      std::copy(a.begin(), a.end(), s.begin());
      if (inet_pton(AF_INET6, s.data(), ip.data()) != 1) return fail();
      w.rdata_bytes(ip);
      break;
    }
    case wire::rrtype::CNAME: case wire::rrtype::NS: case wire::rrtype::PTR: case wire::rrtype::DNAME:
      if (!name(a, n)) return fail();
      w.rdata_name(n, *type != wire::rrtype::DNAME);
      if (*type == wire::rrtype::CNAME) head.target = n;
      break;
    case wire::rrtype::MX: {
      uint16_t pref;
      std::string_view ex;
      if (!number(a, pref) || !t.next(ex) || !name(ex, n)) return fail();
      w.rdata_u16(pref);
      w.rdata_name(n, true);
      break;
    }
    case wire::rrtype::SRV: {
      uint16_t v[3];
      std::string_view p2, p3, target;
      if (!number(a, v[0]) || !t.next(p2) || !number(p2, v[1]) || !t.next(p3) || !number(p3, v[2]) ||
          !t.next(target) || !name(target, n))
        return fail();
      for (uint16_t x : v) w.rdata_u16(x);
      w.rdata_name(n, false);
      break;
    }
    case wire::rrtype::TXT: case 99 /* SPF */: {
      std::array<uint8_t, 256> cs;
      size_t len;
      if (a.empty()) return fail();
      for (std::string_view s = a;; ) {
        if (!char_string(s, cs, len)) return fail();
        w.rdata_bytes({cs.data(), len});
        if (!t.next(s)) break;
      }
      break;
    }
    case wire::rrtype::SOA: {
      wire::Name rname;
      std::string_view r;
      if (!name(a, n) || !t.next(r) || !name(r, rname)) return fail();
      w.rdata_name(n, true);
      w.rdata_name(rname, true);
      for (int i = 0; i < 5; ++i) {
        std::string_view s;
        uint32_t v;
        if (!t.next(s) || !number(s, v)) return fail();
        w.rdata_u16(uint16_t(v >> 16));
        w.rdata_u16(uint16_t(v));
      }
      break;
    }
    default: return fail();  // needs the \# form
  }
  std::string_view extra;
  if (*type != wire::rrtype::TXT && *type != 99 && t.next(extra)) return fail();
  return w.end_record() ? RrStatus::written : RrStatus::full;
}

}  // namespace skycore::plugins::template_
