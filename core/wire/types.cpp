#include "core/wire/types.h"

#include <fmt/format.h>

#include "core/wire/name.h"

namespace skycore::wire {

const char* type_name(uint16_t type) {
  switch (type) {
    case rrtype::A: return "A";
    case rrtype::NS: return "NS";
    case rrtype::CNAME: return "CNAME";
    case rrtype::SOA: return "SOA";
    case rrtype::PTR: return "PTR";
    case rrtype::MX: return "MX";
    case rrtype::TXT: return "TXT";
    case rrtype::AAAA: return "AAAA";
    case rrtype::SRV: return "SRV";
    case rrtype::OPT: return "OPT";
    case rrtype::IXFR: return "IXFR";
    case rrtype::AXFR: return "AXFR";
    case rrtype::ANY: return "ANY";
    case 13: return "HINFO";
    case 35: return "NAPTR";
    case rrtype::DNAME: return "DNAME";
    case 99: return "SPF";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 257: return "CAA";
    default: return nullptr;
  }
}

const char* rcode_name(uint16_t rcode) {
  static constexpr const char* names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                          "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                          "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rcode < std::size(names)) return names[rcode];
  if (rcode == rcode::BADVERS) return "BADVERS";
  return nullptr;
}

const char* class_name(uint16_t cls) {
  switch (cls) {
    case rrclass::IN: return "IN";
    case rrclass::CH: return "CH";
    case 4: return "HS";
    case rrclass::NONE: return "NONE";
    case rrclass::ANY: return "ANY";
    default: return nullptr;
  }
}

const char* opcode_name(uint8_t op) {
  switch (op) {
    case opcode::QUERY: return "QUERY";
    case opcode::IQUERY: return "IQUERY";
    case opcode::STATUS: return "STATUS";
    case opcode::NOTIFY: return "NOTIFY";
    case opcode::UPDATE: return "UPDATE";
    default: return "OPCODE?";
  }
}

namespace {
bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_upper(a[i]) != ascii_upper(b[i])) return false;
  return true;
}
// "TYPE123"-style numbers (RFC 3597) after `prefix`, or a bare number when
// `bare` is allowed.
std::optional<uint16_t> numbered(std::string_view text, std::string_view prefix, bool bare) {
  if (text.size() > prefix.size() && iequals(text.substr(0, prefix.size()), prefix)) text.remove_prefix(prefix.size());
  else if (!bare) return std::nullopt;
  if (text.empty() || text.size() > 5) return std::nullopt;
  uint32_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + uint32_t(c - '0');
  }
  if (v > 0xFFFF) return std::nullopt;
  return static_cast<uint16_t>(v);
}
}  // namespace

std::optional<uint16_t> type_from_string(std::string_view text) {
  for (uint32_t t = 1; t <= 257; ++t)
    if (const char* n = type_name(static_cast<uint16_t>(t)); n && iequals(text, n)) return static_cast<uint16_t>(t);
  return numbered(text, "TYPE", false);
}

std::optional<uint16_t> class_from_string(std::string_view text) {
  for (uint16_t c : {rrclass::IN, rrclass::CH, uint16_t(4), rrclass::NONE, rrclass::ANY})
    if (iequals(text, class_name(c))) return c;
  return numbered(text, "CLASS", false);
}

std::optional<uint16_t> rcode_from_string(std::string_view text) {
  static constexpr std::pair<const char*, uint16_t> extended[] = {
      {"BADSIG", 16}, {"BADKEY", 17}, {"BADTIME", 18}, {"BADMODE", 19},
      {"BADNAME", 20}, {"BADALG", 21}, {"BADTRUNC", 22}, {"BADCOOKIE", 23}};
  for (uint16_t r = 0; r <= rcode::BADVERS; ++r)
    if (const char* n = rcode_name(r); n && iequals(text, n)) return r;
  for (const auto& [n, r] : extended)
    if (iequals(text, n)) return r;
  auto v = numbered(text, "RCODE", true);
  if (v && *v > 4095) return std::nullopt;  // 12 bits with EDNS
  return v;
}

std::string type_to_string(uint16_t type) {
  const char* n = type_name(type);
  return n ? std::string(n) : fmt::format("TYPE{}", type);
}
std::string rcode_to_string(uint16_t rcode) {
  const char* n = rcode_name(rcode);
  return n ? std::string(n) : fmt::format("RCODE{}", rcode);
}
std::string class_to_string(uint16_t cls) {
  const char* n = class_name(cls);
  return n ? std::string(n) : fmt::format("CLASS{}", cls);
}

}  // namespace skycore::wire
