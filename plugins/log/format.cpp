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

// As CoreDNS (RFC 3986): IPv6 addresses in brackets, "[::1]" (not in JSON).
void put_address(Out& o, const asio::ip::address& a, bool brackets) {
  char tmp[INET6_ADDRSTRLEN];
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    inet_ntop(AF_INET, b.data(), tmp, sizeof tmp);
    o.put(tmp);
  } else {
    auto b = a.to_v6().to_bytes();
    inet_ntop(AF_INET6, b.data(), tmp, sizeof tmp);
    if (brackets) o.put("[");
    o.put(tmp);
    if (brackets) o.put("]");
  }
}

// What the client can take, as CoreDNS's state.Size(): 65535 over TCP.
unsigned client_size(const Request& req) {
  const auto& q = req.query;
  return req.transport == Transport::tcp ? 65535u : q.edns.present ? std::max<uint16_t>(q.edns.udp_size, 512) : 512u;
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

// Presentation form without allocating: labels with escapes. In a JSON
// string each backslash and quote of that form is escaped once more.
void put_name(Out& o, const wire::Name& name, bool json) {
  auto put_char = [&](char c) {
    if (json && (c == '\\' || c == '"')) o.put("\\");
    o.put({&c, 1});
  };
  auto wire_name = name.wire();
  if (wire_name[0] == 0) o.put(".");
  for (size_t i = 0; wire_name[i] != 0; i += wire_name[i] + 1) {
    for (size_t k = 1; k <= wire_name[i]; ++k) {
      unsigned char c = wire_name[i + k];
      if (c == '.' || c == '\\' || c == '"') {
        put_char('\\');
        put_char(char(c));
      } else if (c <= 0x20 || c >= 0x7f) {
        put_char('\\');
        o.fmt("{:03}", unsigned(c));
      } else {
        o.put({reinterpret_cast<const char*>(&c), 1});
      }
    }
    o.put(".");
  }
}

// Go's FormatFloat(seconds, 'f', -1): plain decimals, no exponent, no
// trailing zeros ("0.000237").
void put_seconds(Out& o, std::chrono::nanoseconds took) {
  char tmp[32];
  auto ns = static_cast<unsigned long long>(took.count());
  int len = std::snprintf(tmp, sizeof tmp, "%llu.%09llu", ns / 1000000000ull, ns % 1000000000ull);
  while (len > 1 && tmp[len - 1] == '0') --len;
  if (tmp[len - 1] == '.') --len;
  o.put({tmp, size_t(len)});
}

}  // namespace

std::vector<Part> parse_format(std::string_view format) {
  if (format == kJsonFormat) return {Part{Field::json, {}}};
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

namespace {

const char* type_text(uint16_t t, char (&tmp)[16]) {
  if (const char* n = wire::type_name(t)) return n;
  std::snprintf(tmp, sizeof tmp, "TYPE%u", unsigned(t));
  return tmp;
}

// One object per query, the common format's fields as keys (no ">"), so a
// log pipeline reads it without a regex. Values need no escaping but the
// name's; a line that would not fit is replaced whole by "{}" rather than
// left as broken JSON.
size_t render_json(const Request& req, const Finished& o, std::span<char> out) {
  Out w{out.first(out.size() - 1)};
  const auto& q = req.query;
  char t[16], r[16];
  w.put("{\"level\":\"info\",\"plugin\":\"log\",\"remote\":\"");
  put_address(w, req.remote_addr, false);
  w.fmt("\",\"port\":{},\"id\":{},\"type\":\"{}\",\"class\":\"", req.remote_port, q.id, type_text(q.qtype, t));
  if (const char* n = wire::class_name(q.qclass)) w.put(n);
  else w.fmt("CLASS{}", q.qclass);
  w.put("\",\"name\":\"");
  put_name(w, q.qname, true);
  const char* rcode = wire::rcode_name(o.rcode);
  if (!rcode) {
    std::snprintf(r, sizeof r, "RCODE%u", unsigned(o.rcode));
    rcode = r;
  }
  w.fmt("\",\"proto\":\"{}\",\"size\":{},\"do\":{},\"bufsize\":{},\"rcode\":\"{}\",\"rflags\":\"",
        req.proto_name(), req.packet.size(), q.edns.do_bit ? "true" : "false", client_size(req), rcode);
  put_flags(w, o.flags);
  w.fmt("\",\"rsize\":{},\"duration\":", o.size);
  put_seconds(w, o.took);
  w.put(",\"local\":\"");
  put_address(w, req.local_addr, false);
  w.fmt("\",\"opcode\":{}}}", q.opcode);
  if (w.n == w.buf.size()) {  // cut short
    w.n = 0;
    w.put("{}");
  }
  out[w.n] = '\n';
  return w.n + 1;
}

}  // namespace

size_t render(const std::vector<Part>& parts, const Request& req, const Finished& o,
              std::span<char> out) {
  if (parts.size() == 1 && parts[0].field == Field::json) return render_json(req, o, out);
  Out w{out.first(out.size() - 1)};  // keep room for the newline
  w.put("[INFO] ");
  const auto& q = req.query;
  for (const auto& p : parts) {
    switch (p.field) {
      case Field::literal: w.put(p.text); break;
      case Field::remote: put_address(w, req.remote_addr, true); break;
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
      case Field::name: put_name(w, q.qname, false); break;
      case Field::proto: w.put(req.proto_name()); break;
      case Field::size: w.fmt("{}", req.packet.size()); break;
      case Field::do_bit: w.put(q.edns.do_bit ? "true" : "false"); break;
      case Field::bufsize: w.fmt("{}", client_size(req)); break;
      case Field::rcode:
        if (const char* rc = wire::rcode_name(o.rcode)) w.put(rc);
        else w.fmt("RCODE{}", o.rcode);
        break;
      case Field::rflags: put_flags(w, o.flags); break;
      case Field::rsize: w.fmt("{}", o.size); break;
      case Field::duration:
        put_seconds(w, o.took);
        w.put("s");
        break;
      case Field::local: put_address(w, req.local_addr, true); break;
      case Field::json: break;  // only ever the whole format
      case Field::opcode: w.fmt("{}", q.opcode); break;  // a number, as CoreDNS prints it
    }
  }
  out[w.n] = '\n';
  return w.n + 1;
}

}  // namespace skycore::plugins::log
