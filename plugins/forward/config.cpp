#include "plugins/forward/config.h"

#include "core/plugin/plugin_log.h"

#include <fmt/format.h>

#include "core/plugin/zone_args.h"
#include "core/corefile/reverse_zone.h"
#include "core/corefile/bounded_args.h"
#include "core/corefile/port.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace skycore::plugins::forward {
namespace {

uint16_t parse_rcode(const std::string& s) {
  for (uint16_t rc = 0; rc < 24; ++rc)
    if (const char* n = wire::rcode_name(rc); n && s == n) return rc;
  return 0xFFFF;
}

wire::Name parse_zone(corefile::TokenCursor& c, std::string_view text) {
  auto n = wire::Name::from_text(text);
  if (!n) throw c.err(fmt::format("forward: '{}' is not a domain name", text));
  n->lowercase();
  return *n;
}

milliseconds duration_arg(corefile::TokenCursor& c, std::string_view what) {
  if (!c.next_arg()) throw c.arg_err();
  return corefile::bounded_duration(c, what, c.val());
}

void parse_property(corefile::TokenCursor& c, Config& cfg) {
  const std::string prop = c.val();
  if (prop == "except") {
    auto args = c.remaining_args();
    if (args.empty()) throw c.arg_err();
    for (auto& z : zone_args(c, "forward", args)) cfg.except.push_back(z);
  } else if (prop == "force_tcp") {
    cfg.force_tcp = true;
  } else if (prop == "prefer_udp") {
    cfg.prefer_udp = true;
  } else if (prop == "use_caps_for_id") {
    if (!c.remaining_args().empty()) throw c.arg_err();
    cfg.caps_for_id = true;
  } else if (prop == "expire") {
    cfg.expire = duration_arg(c, "forward: expire");
  } else if (prop == "max_fails") {
    if (!c.next_arg()) throw c.arg_err();
    cfg.max_fails = static_cast<int>(corefile::bounded_int(c, "forward: max_fails", c.val(), 0, 1'000'000));
  } else if (prop == "health_check") {
    cfg.health_interval = duration_arg(c, "forward: health_check");  // 0: no checks, as CoreDNS
    while (c.next_arg()) {
      if (c.val() == "no_rec") cfg.health_rd = false;
      else if (c.val() == "domain") {
        if (!c.next_arg()) throw c.arg_err();
        cfg.health_domain = parse_zone(c, c.val());
      } else throw c.err(fmt::format("forward: health_check: unknown option '{}'", c.val()));
    }
  } else if (prop == "policy") {
    if (!c.next_arg()) throw c.arg_err();
    if (c.val() == "random") cfg.policy = Policy::random;
    else if (c.val() == "round_robin") cfg.policy = Policy::round_robin;
    else if (c.val() == "sequential") cfg.policy = Policy::sequential;
    else throw c.err(fmt::format("forward: unknown policy '{}'", c.val()));
  } else if (prop == "max_concurrent") {
    if (!c.next_arg()) throw c.arg_err();
    cfg.max_concurrent = static_cast<size_t>(corefile::bounded_int(c, "forward: max_concurrent", c.val(), 0, 1'000'000));
  } else if (prop == "max_concurrent_per_upstream") {
    if (!c.next_arg()) throw c.arg_err();
    cfg.max_per_upstream = static_cast<size_t>(
        corefile::bounded_int(c, "forward: max_concurrent_per_upstream", c.val(), 0, 1'000'000));
  } else if (prop == "tls") {
    auto args = c.remaining_args();
    if (args.size() > 3) throw c.arg_err();
    cfg.tls.configured = true;
    // As CoreDNS: one argument is the CA; two a client certificate and key;
    // three all of them.
    if (args.size() == 1) {
      cfg.tls.ca = args[0];
    } else {
      if (args.size() > 0) cfg.tls.cert = args[0];
      if (args.size() > 1) cfg.tls.key = args[1];
      if (args.size() > 2) cfg.tls.ca = args[2];
    }
    // A client certificate or key that is missing is an error. A CA bundle
    // that is not there yet (OpenShift mounts it into the pod) is not:
    // tls:// upstreams then fail closed until it exists (make_tls_context).
    for (const auto& f : args)
      if (f != cfg.tls.ca && !std::filesystem::exists(f))
        throw c.err(fmt::format("forward: tls: cannot read '{}'", f));
    if (!cfg.tls.ca.empty() && !std::filesystem::exists(cfg.tls.ca))
      plugin_log("forward", LogLevel::warning,
                 "{}:{}: tls: CA file '{}' does not exist: tls:// upstreams fail until it does (then reload)",
                 c.token().file, c.token().line, cfg.tls.ca);
  } else if (prop == "tls_servername") {
    if (!c.next_arg()) throw c.arg_err();
    cfg.tls.server_name = c.val();
  } else if (prop == "next") {
    auto args = c.remaining_args();
    if (args.empty()) throw c.arg_err();
    for (const auto& a : args) {
      uint16_t rc = parse_rcode(a);
      if (rc == 0xFFFF) throw c.err(fmt::format("forward: next: unknown rcode '{}'", a));
      cfg.next_rcodes.push_back(rc);
    }
  } else if (prop == "next_on_nodata") {
    cfg.next_on_nodata = true;
  } else if (prop == "failover") {
    auto args = c.remaining_args();
    if (args.empty()) throw c.arg_err();
    for (const auto& a : args) {
      uint16_t rc = parse_rcode(a);
      if (rc == 0xFFFF) throw c.err(fmt::format("forward: failover: unknown rcode '{}'", a));
      if (rc == 0) throw c.err("forward: failover: NOERROR cannot be used");
      cfg.failover_rcodes.push_back(rc);
    }
  } else if (prop == "failfast_all_unhealthy_upstreams") {
    cfg.failfast_all_unhealthy = true;
  } else if (prop == "resolver") {
    auto args = c.remaining_args();
    if (args.empty()) throw c.arg_err();
    for (const auto& a : args) {
      auto r = parse_address_port(a, 53);
      if (!r) throw c.err(fmt::format("forward: resolver: '{}' is not IP[:PORT]", a));
      cfg.resolvers.push_back(*r);
    }
    return;
  } else if (prop == "max_connect_attempts") {
    if (!c.next_arg()) throw c.arg_err();
    int n = -1;
    auto [end, ec] = std::from_chars(c.val().data(), c.val().data() + c.val().size(), n);
    if (ec != std::errc() || end != c.val().data() + c.val().size() || n < 0 || n > 1000)
      throw c.err(fmt::format("forward: max_connect_attempts: '{}' is not a number from 0 to 1000", c.val()));
    cfg.max_connect_attempts = n;
  } else {
    throw c.unknown_property();
  }
  if (c.next_arg()) throw c.arg_err();
}

}  // namespace

std::optional<UpstreamAddress> parse_upstream(std::string_view text) {
  UpstreamAddress u;
  if (text.starts_with("tls://")) {
    u.tls = true;
    u.port = 853;
    text.remove_prefix(6);
  } else if (text.starts_with("https://")) {
    u.https = true;
    u.port = 443;
    text.remove_prefix(8);
    if (auto slash = text.find('/'); slash != std::string_view::npos) {
      u.path = std::string(text.substr(slash));
      text = text.substr(0, slash);
      if (u.path.find_first_of(" ?#") != std::string::npos) return std::nullopt;
    }
  } else if (text.starts_with("dns://")) {
    text.remove_prefix(6);
  } else if (text.find("://") != std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view host = text, port;
  if (text.starts_with("[")) {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return std::nullopt;
      port = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
  }
  asio::error_code ec;
  u.ip = asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  if (!port.empty()) {
    auto p = corefile::parse_port(port);
    if (!p) return std::nullopt;
    u.port = *p;
  }
  u.label = u.ip.is_v6() ? fmt::format("[{}]:{}", u.ip.to_string(), u.port)
                         : fmt::format("{}:{}", u.ip.to_string(), u.port);
  if (u.tls) u.label = "tls://" + u.label;
  if (u.https) u.label = "https://" + u.label;
  return u;
}

std::vector<std::string> read_resolv_conf(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string key, value;
    if (ls >> key >> value && key == "nameserver") out.push_back(value);
  }
  return out;
}

Config parse_config(corefile::TokenCursor& c) {
  Config cfg;
  if (!c.next_arg()) throw c.arg_err();
  cfg.from_text = c.val();
  // A CIDR names its reverse zones; CoreDNS forwards only the first of them.
  cfg.from = parse_zone(c, corefile::zone_names(c.val()).front());
  cfg.from_text = cfg.from.to_text();
  auto targets = c.remaining_args();
  if (targets.empty()) throw c.arg_err();
  const std::string file = c.token().file;
  const int line = c.token().line;
  struct Named {
    std::string host;
    uint16_t port;
    bool tls;
  };
  std::vector<Named> named;  // host-name targets, resolved once `resolver` is known
  for (const auto& t : targets) {
    std::vector<std::string> expanded = {t};
    Named n;
    if (!parse_upstream(t) && looks_like_host(t, n.host, n.port, n.tls)) {
      std::error_code exists_ec;
      if (!std::filesystem::exists(t, exists_ec)) {
        named.push_back(n);
        continue;
      }
    }
    // A path (not an address) is a resolv.conf whose nameservers we use.
    std::error_code ec;
    if (!parse_upstream(t) && !corefile::plausible_path(t))
      throw c.err(fmt::format("forward: not an IP address or file: '{}'", t.substr(0, 80)));
    if (!parse_upstream(t) && (t.find('/') != std::string::npos || std::filesystem::exists(t, ec))) {
      expanded = read_resolv_conf(t);
      if (expanded.empty()) throw c.err(fmt::format("forward: no nameservers found in '{}'", t));
    }
    for (const auto& e : expanded) {
      auto u = parse_upstream(e);
      if (!u) throw c.err(fmt::format("forward: not an IP address or file: '{}'", e));
      cfg.to.push_back(*u);
    }
  }
  while (c.next_block()) parse_property(c, cfg);
  for (const auto& n : named) {
    std::string why;
    auto ips = resolve_host(n.host, cfg.resolvers, why);
    if (ips.empty()) throw corefile::Error(file, line, fmt::format("forward: cannot resolve '{}': {}", n.host, why));
    for (const auto& ip : ips) {
      UpstreamAddress u;
      u.ip = ip;
      u.port = n.port;
      u.tls = n.tls;
      u.label = ip.is_v6() ? fmt::format("[{}]:{}", ip.to_string(), n.port) : fmt::format("{}:{}", ip.to_string(), n.port);
      if (u.tls) u.label = "tls://" + u.label;
      cfg.to.push_back(u);
    }
    // A DoT upstream known by name is verified against that name.
    if (n.tls && cfg.tls.server_name.empty()) cfg.tls.server_name = n.host;
  }
  if (cfg.to.size() > 15) throw corefile::Error(file, line, "forward: more than 15 upstreams");
  bool any_tls = false;
  for (const auto& u : cfg.to) any_tls |= u.tls || u.https;
  if (cfg.tls.configured && !any_tls)
    throw c.err("forward: 'tls' needs at least one tls:// upstream");
  if (cfg.force_tcp && cfg.prefer_udp) throw c.err("forward: force_tcp and prefer_udp are exclusive");
  return cfg;
}

}  // namespace skycore::plugins::forward
