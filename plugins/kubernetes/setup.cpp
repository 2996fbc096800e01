#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>

#include "core/corefile/bounded_args.h"
#include "core/plugin/zone_args.h"
#include "core/corefile/duration.h"
#include "core/corefile/reverse_zone.h"
#include "core/plugin/setup.h"
#include "plugins/kubernetes/kubeconfig.h"
#include "plugins/kubernetes/label_selector.h"
#include "plugins/kubernetes/kubernetes.h"

namespace skycore::plugins::kubernetes {
namespace {


struct Parsed {
  Config cfg;
  std::string endpoint, tls_cert, tls_key, tls_ca, kubeconfig, context;
  std::string file;
  int line = 0, endpoint_line = 0, tls_line = 0, kubeconfig_line = 0;
};

Parsed parse(SetupContext& ctx) {
  auto& c = ctx.cursor;
  Parsed p;
  Config& cfg = p.cfg;
  while (c.next_once()) {
    p.file = c.file();
    p.line = c.line();
    cfg.zones = zone_args(c, "kubernetes", c.remaining_args());
    while (c.next_block()) {
      const std::string prop = c.val();
      static const char* kKnown[] = {"endpoint", "tls", "kubeconfig", "namespaces", "labels", "pods",
                                     "endpoint_pod_names", "ttl", "noendpoints", "fallthrough", "ignore",
                                     "startup_timeout", "legacy_service_names"};
      if (std::find(std::begin(kKnown), std::end(kKnown), prop) == std::end(kKnown)) throw c.unknown_property();
      const int line = c.line();
      auto args = c.remaining_args();
      auto want = [&](size_t lo, size_t hi) {
        if (args.size() < lo || args.size() > hi) throw c.arg_err();
      };
      if (prop == "endpoint") {
        want(1, 1);
        std::string why;
        if (!parse_server_url(args[0], why)) throw c.err("kubernetes: endpoint " + why);
        p.endpoint = args[0];
        p.endpoint_line = line;
      } else if (prop == "tls") {
        want(3, 3);
        p.tls_line = line;
        p.tls_cert = args[0];
        p.tls_key = args[1];
        p.tls_ca = args[2];
      } else if (prop == "kubeconfig") {
        want(1, 2);
        p.kubeconfig_line = line;
        p.kubeconfig = args[0];
        if (args.size() == 2) p.context = args[1];
      } else if (prop == "namespaces") {
        want(1, SIZE_MAX);
        for (auto& a : args) {
          std::transform(a.begin(), a.end(), a.begin(), [](unsigned char ch) { return std::tolower(ch); });
          cfg.build.namespaces.push_back(a);
        }
      } else if (prop == "labels") {
        want(1, SIZE_MAX);
        std::string expr;  // "app in (a, b)" arrives as several tokens
        for (const auto& a : args) expr += (expr.empty() ? "" : " ") + a;
        if (auto why = label_selector_error(expr)) throw c.err(fmt::format("kubernetes: labels: {}", *why));
        cfg.labels = expr;
      } else if (prop == "pods") {
        want(1, 1);
        if (args[0] == "disabled") cfg.pods = PodMode::disabled;
        else if (args[0] == "insecure") cfg.pods = PodMode::insecure;
        else if (args[0] == "verified") cfg.pods = PodMode::verified;
        else throw c.err(fmt::format("kubernetes: pods '{}': want disabled, insecure or verified", args[0]));
      } else if (prop == "endpoint_pod_names") {
        want(0, 0);
        cfg.build.endpoint_pod_names = true;
      } else if (prop == "ttl") {
        want(1, 1);
        unsigned v = 0;
        auto [end, ec] = std::from_chars(args[0].data(), args[0].data() + args[0].size(), v);
        if (ec != std::errc() || end != args[0].data() + args[0].size() || v > 3600)
          throw c.err(fmt::format("kubernetes: ttl '{}': want 0 to 3600 seconds", args[0]));
        cfg.ttl = v;
      } else if (prop == "noendpoints") {
        want(0, 0);
        cfg.noendpoints = true;
      } else if (prop == "fallthrough") {
        cfg.fallthrough = fallthrough_args(c, "kubernetes", args);
      } else if (prop == "ignore") {
        want(1, 1);
        if (args[0] != "empty_service") throw c.err(fmt::format("kubernetes: ignore '{}': only empty_service", args[0]));
        cfg.build.ignore_empty_service = true;
      } else if (prop == "startup_timeout") {
        want(1, 1);
        cfg.startup_timeout = corefile::bounded_duration(c, "kubernetes: startup_timeout", args[0]);
      } else if (prop == "legacy_service_names") {
        want(0, 0);
        cfg.legacy_service_names = true;
      }
    }
  }
  if (cfg.zones.empty()) cfg.zones = block_zones(ctx);
  if (!p.endpoint.empty() && !p.kubeconfig.empty())
    throw corefile::Error(p.file, p.endpoint_line, "kubernetes: use endpoint or kubeconfig, not both");
  if (!p.tls_cert.empty() && (p.endpoint.empty() || p.endpoint.rfind("https://", 0) != 0))
    throw corefile::Error(p.file, p.tls_line, "kubernetes: tls needs an https endpoint");
  return p;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read '{}'", path));
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

// Syntax: kubernetes [ZONES...] { endpoint URL; tls CERT KEY CACERT;
//   kubeconfig FILE [CONTEXT]; namespaces NS...; labels EXPR;
//   pods disabled|insecure|verified; endpoint_pod_names; ttl SECONDS;
//   noendpoints; fallthrough [ZONES...]; ignore empty_service;
//   startup_timeout DURATION; legacy_service_names }
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  Parsed p = parse(ctx);
  Config& cfg = p.cfg;
  // Errors in what an option names (a file, a certificate) point at that option.
  int blame = p.kubeconfig_line ? p.kubeconfig_line : p.tls_line ? p.tls_line : p.endpoint_line ? p.endpoint_line : p.line;
  try {
    if (!p.endpoint.empty()) {
      std::string why;
      cfg.server = *parse_server_url(p.endpoint, why);
      if (!p.tls_cert.empty()) {
        cfg.server.cert_pem = read_text(p.tls_cert);
        cfg.server.key_pem = read_text(p.tls_key);
        cfg.server.ca_pem = read_text(p.tls_ca);
      }
    } else if (!p.kubeconfig.empty()) {
      cfg.server = read_kubeconfig(p.kubeconfig, p.context);
    } else if (!ctx.validate_only) {
      cfg.server = in_cluster_config();
    }
    // Certificates and keys are loaded now, so a bad one is a start-up
    // error with its line rather than a failure on every connection.
    if (cfg.server.https) ApiSession check(cfg.server);
  } catch (const corefile::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw corefile::Error(p.file, blame, fmt::format("kubernetes: {}", e.what()));
  }
  auto plugin = std::make_unique<Kubernetes>(std::move(cfg), ctx.workers);
  if (ctx.validate_only) return plugin;
  Kubernetes* raw = plugin.get();
  if (ctx.shared) {
    ctx.shared->add_readiness("kubernetes", [raw] { return raw->ready(); });
  }
  ctx.on_startup.push_back([raw] { raw->start(); });
  ctx.on_shutdown.push_back([raw] { raw->stop(); });
  return plugin;
}

}  // namespace skycore::plugins::kubernetes
