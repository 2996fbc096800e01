#include "core/wire/types.h"

#include <fmt/format.h>

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
