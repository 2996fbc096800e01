#include "plugins/forward/resolve_host.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <asio/ip/udp.hpp>
#include <fmt/format.h>

#include <charconv>
#include <random>

#include "core/wire/header.h"
#include "core/wire/record.h"
#include "core/wire/writer.h"

namespace skycore::plugins::forward {
namespace {

// One question over UDP to one resolver; the addresses of `host` in the answer.
std::vector<asio::ip::address> ask(const ResolverAddress& r, const wire::Name& host, uint16_t type) {
  std::vector<asio::ip::address> out;
  std::array<uint8_t, 512> q{};
  wire::MessageWriter w(q, q.size());
  const uint16_t id = static_cast<uint16_t>(std::random_device{}());
  if (!w.start_query(id, wire::flag::RD, host, type, wire::rrclass::IN)) return out;
  const asio::ip::udp::endpoint to(r.ip, r.port);  // its sockaddr, for the plain socket calls
  int fd = socket(to.protocol().family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return out;
  std::array<uint8_t, 4096> reply{};
  if (sendto(fd, w.data().data(), w.data().size(), 0, to.data(), to.size()) > 0) {
    pollfd p{fd, POLLIN, 0};
    for (int tries = 0; tries < 4 && poll(&p, 1, 2000) > 0; ++tries) {
      ssize_t n = recv(fd, reply.data(), reply.size(), 0);
      if (n < static_cast<ssize_t>(wire::kHeaderSize) || wire::HeaderView{reply.data()}.id() != id) continue;
      wire::ParsedMessage m;
      std::span<const uint8_t> msg(reply.data(), static_cast<size_t>(n));
      if (!wire::parse_message(msg, m)) break;
      for (const auto& rr : m.records) {
        if (rr.section != wire::Section::answer) continue;
        if (rr.type == wire::rrtype::A && rr.rdlength == 4) {
          asio::ip::address_v4::bytes_type b;
          std::memcpy(b.data(), msg.data() + rr.rdata_offset, 4);
          out.emplace_back(asio::ip::address_v4(b));
        } else if (rr.type == wire::rrtype::AAAA && rr.rdlength == 16) {
          asio::ip::address_v6::bytes_type b;
          std::memcpy(b.data(), msg.data() + rr.rdata_offset, 16);
          out.emplace_back(asio::ip::address_v6(b));
        }
      }
      break;
    }
  }
  close(fd);
  return out;
}

}  // namespace

bool looks_like_host(const std::string& text, std::string& host, uint16_t& port, bool& tls) {
  std::string_view t = text;
  tls = false;
  port = 53;
  if (t.starts_with("tls://")) {
    tls = true;
    port = 853;
    t.remove_prefix(6);
  } else if (t.starts_with("dns://")) {
    t.remove_prefix(6);
  }
  if (t.find('/') != std::string_view::npos || t.empty()) return false;
  if (auto colon = t.rfind(':'); colon != std::string_view::npos) {
    auto p = t.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc() || end != p.data() + p.size() || port == 0) return false;
    t = t.substr(0, colon);
  }
  bool letter = false;
  for (char ch : t) {
    if (std::isalpha(static_cast<unsigned char>(ch))) letter = true;
    else if (!std::isdigit(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.') return false;
  }
  if (!letter || t.find('.') == std::string_view::npos || !wire::Name::from_text(t)) return false;
  host.assign(t);
  return true;
}

std::vector<asio::ip::address> resolve_host(const std::string& host, const std::vector<ResolverAddress>& resolvers,
                                            std::string& why) {
  std::vector<asio::ip::address> out;
  if (resolvers.empty()) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_DGRAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), nullptr, &hints, &res);
    if (rc != 0) {
      why = gai_strerror(rc);
      return out;
    }
    for (addrinfo* a = res; a; a = a->ai_next) {
      if (a->ai_family == AF_INET) {
        auto* s = reinterpret_cast<sockaddr_in*>(a->ai_addr);
        out.emplace_back(asio::ip::address_v4(ntohl(s->sin_addr.s_addr)));
      } else if (a->ai_family == AF_INET6) {
        auto* s = reinterpret_cast<sockaddr_in6*>(a->ai_addr);
        asio::ip::address_v6::bytes_type b;
        std::memcpy(b.data(), &s->sin6_addr, 16);
        out.emplace_back(asio::ip::address_v6(b));
      }
    }
    freeaddrinfo(res);
  } else {
    auto name = wire::Name::from_text(host);
    for (const auto& r : resolvers) {
      if (!name) break;
      for (uint16_t type : {wire::rrtype::A, wire::rrtype::AAAA})
        for (const auto& a : ask(r, *name, type))
          if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
      if (!out.empty()) break;
    }
    if (out.empty()) why = "no address from the resolvers";
  }
  if (out.empty() && why.empty()) why = "no address";
  return out;
}

}  // namespace skycore::plugins::forward
