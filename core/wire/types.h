// DNS protocol constants shared by the codec and by plugins.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace skycore::wire {

namespace rrtype {
inline constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15,
                          TXT = 16, AAAA = 28, SRV = 33, DNAME = 39, OPT = 41, IXFR = 251,
                          RRSIG = 46, AXFR = 252, ANY = 255;
}
namespace rrclass {
inline constexpr uint16_t IN = 1, CH = 3, NONE = 254, ANY = 255;
}
namespace rcode {
inline constexpr uint16_t NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3,
                          NOTIMP = 4, REFUSED = 5, BADVERS = 16;
}
namespace opcode {
inline constexpr uint8_t QUERY = 0, IQUERY = 1, STATUS = 2, NOTIFY = 4, UPDATE = 5;
}

enum class Section : uint8_t { answer = 0, authority = 1, additional = 2 };

inline constexpr size_t kHeaderSize = 12;
inline constexpr size_t kMaxNameLength = 255;  // octets in wire form
inline constexpr size_t kMaxLabelLength = 63;
inline constexpr size_t kMaxUdpPlain = 512;     // RFC 1035 without EDNS
inline constexpr size_t kDefaultUdpCap = 1232;  // DNS flag day 2020: what we advertise and accept
inline constexpr size_t kOptRecordSize = 11;    // an OPT RR without options
inline constexpr size_t kMaxMessage = 65535;

// Mnemonics for known values, nullptr otherwise (no allocation: usable on
// the data path). The *_to_string forms fall back to RFC 3597's TYPE123.
const char* type_name(uint16_t type);
const char* rcode_name(uint16_t rcode);
const char* class_name(uint16_t cls);
const char* opcode_name(uint8_t op);  // never null ("OPCODE?" for unassigned ones)
std::string type_to_string(uint16_t type);
std::string rcode_to_string(uint16_t rcode);
std::string class_to_string(uint16_t cls);
// Mnemonics (any case) or RFC 3597's TYPE123 / CLASS3 forms; rcodes also
// as numbers (0-4095). Setup-time helpers.
std::optional<uint16_t> type_from_string(std::string_view text);
std::optional<uint16_t> class_from_string(std::string_view text);
std::optional<uint16_t> rcode_from_string(std::string_view text);

}  // namespace skycore::wire
