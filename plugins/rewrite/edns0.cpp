#include "plugins/rewrite/edns0.h"

#include <cstring>

#include "core/wire/header.h"
#include "core/wire/record.h"

namespace skycore::plugins::rewrite {

size_t OptionList::find(uint16_t code) const {
  for (size_t i = 0; i + 4 <= len_;) {
    if (uint16_t(buf_[i] << 8 | buf_[i + 1]) == code) return i;
    i += 4 + size_t(buf_[i + 2] << 8 | buf_[i + 3]);
  }
  return std::string_view::npos;
}

void OptionList::erase(size_t at) {
  size_t n = 4 + size_t(buf_[at + 2] << 8 | buf_[at + 3]);
  std::memmove(&buf_[at], &buf_[at + n], len_ - at - n);
  len_ -= n;
}

bool OptionList::append(uint16_t code, std::span<const uint8_t> data) {
  if (len_ + 4 + data.size() > buf_.size()) return false;  // a 1 KiB list is already absurd
  buf_[len_] = uint8_t(code >> 8);
  buf_[len_ + 1] = uint8_t(code);
  buf_[len_ + 2] = uint8_t(data.size() >> 8);
  buf_[len_ + 3] = uint8_t(data.size());
  if (!data.empty()) std::memcpy(&buf_[len_ + 4], data.data(), data.size());
  len_ += 4 + data.size();
  return true;
}

bool OptionList::replace(size_t at, uint16_t code, std::span<const uint8_t> data) {
  // Copy first: `data` never points into buf_, but keep the order simple.
  erase(at);
  return append(code, data);
}

namespace {

// The address bytes of `a` (4 or 16).
size_t address_bytes(const asio::ip::address& a, std::array<uint8_t, 16>& out) {
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::memcpy(out.data(), b.data(), 4);
    return 4;
  }
  auto b = a.to_v6().to_bytes();
  std::memcpy(out.data(), b.data(), 16);
  return 16;
}

// The option data a rule adds for this query; false when there is none.
bool rule_data(const Edns0Rule& rule, const Request& req, std::array<uint8_t, 272>& out, size_t& n) {
  using V = Edns0Rule::Variable;
  std::array<uint8_t, 16> ip;
  switch (rule.option) {
    case Edns0Rule::Option::nsid: n = 0; return true;
    case Edns0Rule::Option::subnet: {
      // RFC 7871: family, source prefix, scope 0, the address cut to the prefix.
      size_t len = address_bytes(req.remote_addr, ip);
      uint8_t bits = len == 4 ? rule.v4_bits : rule.v6_bits;
      size_t keep = (bits + 7u) / 8u;
      out[0] = 0;
      out[1] = len == 4 ? 1 : 2;
      out[2] = bits;
      out[3] = 0;
      for (size_t i = 0; i < keep; ++i) {
        uint8_t mask = i + 1 < keep || bits % 8 == 0 ? 0xFF : uint8_t(0xFF << (8 - bits % 8));
        out[4 + i] = ip[i] & mask;
      }
      n = 4 + keep;
      return true;
    }
    case Edns0Rule::Option::local: break;
  }
  auto put16 = [&](uint16_t v) { out[0] = uint8_t(v >> 8); out[1] = uint8_t(v); n = 2; };
  switch (rule.variable) {
    case V::none:
      n = std::min(rule.data.size(), out.size());
      std::memcpy(out.data(), rule.data.data(), n);
      return true;
    case V::qname: {
      // The question as text, as CoreDNS's {qname}.
      auto w = req.query.qname.wire();
      n = 0;
      for (size_t i = 0; w[i] != 0 && n + w[i] + 1 < out.size(); i += w[i] + 1) {
        std::memcpy(&out[n], &w[i + 1], w[i]);
        n += w[i];
        out[n++] = '.';
      }
      if (n == 0) out[n++] = '.';
      return true;
    }
    case V::qtype: put16(req.query.qtype); return true;
    case V::client_port: put16(req.remote_port); return true;
    case V::server_port: put16(req.local_port); return true;
    case V::client_ip: n = address_bytes(req.remote_addr, ip); std::memcpy(out.data(), ip.data(), n); return true;
    case V::server_ip: n = address_bytes(req.local_addr, ip); std::memcpy(out.data(), ip.data(), n); return true;
    case V::protocol: {
      std::string_view p = req.proto_name();
      std::memcpy(out.data(), p.data(), p.size());
      n = p.size();
      return true;
    }
  }
  return false;
}

}  // namespace

bool OptionList::apply(const Edns0Rule& rule, const Request& req) {
  const size_t at = find(rule.code);
  const bool exists = at != std::string_view::npos;
  if (rule.action == Edns0Rule::Action::unset) {
    if (!exists) return false;
    erase(at);
    return true;
  }
  if (exists ? rule.action == Edns0Rule::Action::append : rule.action == Edns0Rule::Action::replace)
    return false;
  std::array<uint8_t, 272> data;
  size_t n = 0;
  if (!rule_data(rule, req, data, n)) return false;
  std::span<const uint8_t> d(data.data(), n);
  return exists ? replace(at, rule.code, d) : append(rule.code, d);
}

}  // namespace skycore::plugins::rewrite
