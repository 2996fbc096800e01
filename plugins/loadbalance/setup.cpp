#include <fmt/format.h>

#include <asio/ip/address.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

#include "core/corefile/bounded_args.h"
#include "core/corefile/duration.h"
#include "core/plugin/setup.h"
#include "plugins/loadbalance/loadbalance.h"

namespace skycore::plugins::loadbalance {

// Syntax: loadbalance [round_robin | weighted WEIGHTFILE] {
//   reload DURATION; limit_answers NUM; prefer CIDR... }
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  Config cfg;
  bool weighted = false;
  int file_line = 0;
  while (c.next_once()) {
    auto args = c.remaining_args();
    if (!args.empty()) {
      if (args[0] == "weighted") {
        if (args.size() != 2) throw c.arg_err();
        weighted = true;
        cfg.weights_file = args[1];
        file_line = c.token().line;
      } else if (args[0] == "round_robin") {
        if (args.size() != 1) throw c.arg_err();
      } else {
        throw c.err(fmt::format("loadbalance: unknown policy '{}' (want round_robin or weighted WEIGHTFILE)", args[0]));
      }
    }
    while (c.next_block()) {
      const std::string prop = c.val();
      if (prop == "reload") {
        if (!weighted) throw c.err("loadbalance: reload is for the weighted policy");
        if (!c.next_arg()) throw c.arg_err();
        auto d = corefile::parse_duration(c.val());
        if (!d) throw c.err(fmt::format("loadbalance: reload: '{}' is not a duration", c.val()));
        cfg.reload = *d;
      } else if (prop == "limit_answers") {
        if (!c.next_arg()) throw c.arg_err();
        cfg.limit_answers = static_cast<size_t>(corefile::bounded_int(c, "loadbalance: limit_answers", c.val(), 1, 65535));
      } else if (prop == "prefer") {
        auto nets = c.remaining_args();
        if (nets.empty()) throw c.arg_err();
        for (const auto& n : nets) {
          auto s = parse_subnet(n);
          if (!s) throw c.err(fmt::format("loadbalance: prefer: '{}' is not an address or CIDR", n));
          cfg.prefer.push_back(*s);
        }
        continue;
      } else {
        throw c.unknown_property();
      }
      if (c.next_arg()) throw c.arg_err();
    }
  }
  std::shared_ptr<const Weights> weights;
  std::string text;
  if (weighted) {
    // Read now, so a missing or broken file is a start-up error at its line.
    std::ifstream in(cfg.weights_file);
    if (!in) throw corefile::Error(c.token().file, file_line,
                                   fmt::format("loadbalance: cannot read weights file '{}'", cfg.weights_file));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string why;
    text = ss.str();
    auto w = parse_weights(text, why);
    if (!w) throw corefile::Error(c.token().file, file_line,
                                  fmt::format("loadbalance: weights file '{}': {}", cfg.weights_file, why));
    weights = std::make_shared<const Weights>(std::move(*w));
  }
  auto plugin = std::make_unique<Loadbalance>(std::move(cfg), ctx.workers, weights);
  plugin->set_loaded_text(std::move(text));
  if (!ctx.validate_only && weighted) {
    Loadbalance* raw = plugin.get();
    ctx.on_startup.push_back([raw] { raw->start(); });
    ctx.on_shutdown.push_back([raw] { raw->stop(); });
  }
  return plugin;
}

}  // namespace skycore::plugins::loadbalance
