#include "plugins/log/format.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstdio>
#include <cstring>

#include "core/wire/header.h"

namespace skycore::plugins::log {
namespace {

struct Known {
  std::string_view name;
  Field field;
};
constexpr Known kFields[] = {
    {"remote", Field::remote}, {"port", Field::port},       {">id", Field::id},
    {"type", Field::type},     {"class", Field::cls},       {"name", Field::name},
    {"proto", Field::proto},   {"size", Field::size},       {">do", Field::do_bit},
    {">bufsize", Field::bufsize}, {"rcode", Field::rcode},  {">rflags", Field::rflags},
    {"rsize", Field::rsize},   {"duration", Field::duration}, {"local", Field::local},
    {">opcode", Field::opcode}};

void add_literal(std::vector<Part>& parts, std::string_view s) {
  if (s.empty()) return;
  if (!parts.empty() && parts.back().field == Field::literal) parts.back().text += s;
  else parts.push_back({Field::literal, std::string(s)});
}

// A bounded writer into the caller's buffer.
struct Out {
  std::span<char> buf;
  size_t n = 0;
  void put(std::string_view s) {
    size_t k = std::min(s.size(), buf.size() - n);
    std::memcpy(buf.data() + n, s.data(), k);
    n += k;
  }
  template <typename... Args>
  void fmt(fmt::format_string<Args...> f, Args&&... args) {
    auto r = fmt::format_to_n(buf.data() + n, buf.size() - n, f, std::forward<Args>(args)...);
    n += std::min<size_t>(r.size, buf.size() - n);
  }
};

// As CoreDNS (RFC 3986): IPv6 addresses in brackets, "[::1]".
void put_address(Out& o, const asio::ip::address& a) {
  char tmp[INET6_ADDRSTRLEN];
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    inet_ntop(AF_INET, b.data(), tmp, sizeof tmp);
    o.put(tmp);
  } else {
    auto b = a.to_v6().to_bytes();
    inet_ntop(AF_INET6, b.data(), tmp, sizeof tmp);
    o.put("[");
    o.put(tmp);
    o.put("]");
  }
}

void put_flags(Out& o, uint16_t f) {
  static constexpr std::pair<uint16_t, const char*> kFlags[] = {
      {wire::flag::QR, "qr"}, {wire::flag::AA, "aa"}, {wire::flag::TC, "tc"}, {wire::flag::RD, "rd"},
      {wire::flag::RA, "ra"}, {wire::flag::Z, "z"},   {wire::flag::AD, "ad"}, {wire::flag::CD, "cd"}};
  bool first = true;
  for (auto [bit, name] : kFlags) {
    if (!(f & bit)) continue;
    if (!first) o.put(",");
    o.put(name);
    first = false;
  }
  if (first) o.put("-");
}

}  // namespace

std::vector<Part> parse_format(std::string_view format) {
  std::string expanded;
  for (size_t i = 0; i < format.size();) {
    if (format.substr(i).starts_with("{common}")) {
      expanded += kCommonFormat;
      i += 8;
    } else if (format.substr(i).starts_with("{combined}")) {
      expanded += kCombinedFormat;
      i += 10;
    } else {
      expanded += format[i++];
    }
  }
  std::vector<Part> parts;
  std::string_view s = expanded;
  while (!s.empty()) {
    auto open = s.find('{');
    auto close = open == std::string_view::npos ? open : s.find('}', open);
    if (open == std::string_view::npos || close == std::string_view::npos) {
      add_literal(parts, s);
      break;
    }
    add_literal(parts, s.substr(0, open));
    std::string_view name = s.substr(open + 1, close - open - 1);
    bool known = false;
    for (const auto& k : kFields)
      if (k.name == name) {
        parts.push_back({k.field, {}});
        known = true;
      }
    // {/label} is CoreDNS's metadata; skycore has none, and CoreDNS prints
    // "-" for a label nobody set. Other unknown names stay as written.
    if (!known) add_literal(parts, name.starts_with("/") ? std::string_view("-") : s.substr(open, close - open + 1));
    s.remove_prefix(close + 1);
  }
  return parts;
}

size_t render(const std::vector<Part>& parts, const Request& req, const Finished& o,
              std::span<char> out) {
  Out w{out.first(out.size() - 1)};  // keep room for the newline
  w.put("[INFO] ");
  const auto& q = req.query;
  for (const auto& p : parts) {
    switch (p.field) {
      case Field::literal: w.put(p.text); break;
      case Field::remote: put_address(w, req.remote_addr); break;
      case Field::port: w.fmt("{}", req.remote_port); break;
      case Field::id: w.fmt("{}", q.id); break;
      case Field::type:
        if (const char* t = wire::type_name(q.qtype)) w.put(t);
        else w.fmt("TYPE{}", q.qtype);
        break;
      case Field::cls:
        if (const char* c = wire::class_name(q.qclass)) w.put(c);
        else w.fmt("CLASS{}", q.qclass);
        break;
      case Field::name: {
        // Presentation form without allocating: labels with escapes.
        auto wire_name = q.qname.wire();
        if (wire_name[0] == 0) w.put(".");
        for (size_t i = 0; wire_name[i] != 0; i += wire_name[i] + 1) {
          for (size_t k = 1; k <= wire_name[i]; ++k) {
            unsigned char c = wire_name[i + k];
            if (c == '.' || c == '\\' || c == '"') w.fmt("\\{}", char(c));
            else if (c <= 0x20 || c >= 0x7f) w.fmt("\\{:03}", unsigned(c));
            else w.put({reinterpret_cast<const char*>(&c), 1});
          }
          w.put(".");
        }
        break;
      }
      case Field::proto: w.put(req.proto_name()); break;
      case Field::size: w.fmt("{}", req.packet.size()); break;
      case Field::do_bit: w.put(q.edns.do_bit ? "true" : "false"); break;
      // What the client can take, as CoreDNS's state.Size(): 65535 over TCP.
      case Field::bufsize:
        w.fmt("{}", req.transport == Transport::tcp ? 65535 : q.edns.present ? std::max<uint16_t>(q.edns.udp_size, 512) : 512);
        break;
      case Field::rcode:
        if (const char* rc = wire::rcode_name(o.rcode)) w.put(rc);
        else w.fmt("RCODE{}", o.rcode);
        break;
      case Field::rflags: put_flags(w, o.flags); break;
      case Field::rsize: w.fmt("{}", o.size); break;
      case Field::duration: {
        // Go's FormatFloat(seconds, 'f', -1): plain decimals, no exponent,
        // no trailing zeros ("0.000237s").
        char tmp[32];
        auto ns = static_cast<unsigned long long>(o.took.count());
        int len = std::snprintf(tmp, sizeof tmp, "%llu.%09llu", ns / 1000000000ull, ns % 1000000000ull);
        while (len > 1 && tmp[len - 1] == '0') --len;
        if (tmp[len - 1] == '.') --len;
        w.put({tmp, size_t(len)});
        w.put("s");
        break;
      }
      case Field::local: put_address(w, req.local_addr); break;
      case Field::opcode: w.fmt("{}", q.opcode); break;  // a number, as CoreDNS prints it
    }
  }
  out[w.n] = '\n';
  return w.n + 1;
}

}  // namespace skycore::plugins::log
