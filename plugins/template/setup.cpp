#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "core/plugin/setup.h"
#include "core/plugin/zone_args.h"
#include "core/wire/types.h"
#include "plugins/template/template.h"

namespace skycore::plugins::template_ {
namespace {

constexpr size_t kMaxRegexLength = 10000;  // CoreDNS's limit

bool mentions_cname(const std::string& text) {
  std::string upper = text;
  for (auto& ch : upper) ch = wire::ascii_upper(ch);
  return upper.find("CNAME") != std::string::npos;
}

Template parse_one(corefile::TokenCursor& c, SetupContext& ctx) {
  Template t;
  if (!c.next_arg()) throw c.arg_err();
  auto cls = wire::class_from_string(c.val());
  if (!cls) throw c.err(fmt::format("template: invalid query class {}", c.val()));
  if (!c.next_arg()) throw c.arg_err();
  auto type = wire::type_from_string(c.val());
  if (!type) throw c.err(fmt::format("template: invalid RR class {}", c.val()));  // CoreDNS's wording
  t.qclass = *cls;
  t.qtype = *type;
  auto zones = c.remaining_args();
  t.zones = zones.empty() ? block_zones(ctx) : zone_args(c, "template", zones);

  auto templates = [&](std::vector<GoTemplate>& into) {
    auto args = c.remaining_args();
    if (args.empty()) throw c.arg_err();
    for (const auto& a : args) {
      try {
        into.push_back(GoTemplate::parse(a));
      } catch (const std::invalid_argument& e) {
        throw c.err(fmt::format("template: could not compile template: {}: {}", a, e.what()));
      }
    }
  };
  while (c.next_block()) {
    const std::string prop = c.val();
    if (prop == "match") {
      auto args = c.remaining_args();
      if (args.empty()) throw c.arg_err();
      for (const auto& re : args) {
        if (re.size() > kMaxRegexLength)
          throw c.err(fmt::format("template: regex pattern too long: {} > {}", re.size(), kMaxRegexLength));
        Match m;
        try {
          m.re = std::make_shared<WorkerRegex>(re, ctx.workers);
        } catch (const std::invalid_argument& e) {
          throw c.err(fmt::format("template: could not parse regex: {}, {}", re, e.what()));
        }
        for (const auto& [name, index] : m.re->at(0).NamedCapturingGroups()) m.named.emplace_back(name, index);
        t.matches.push_back(std::move(m));
      }
    } else if (prop == "answer") {
      templates(t.answer);
    } else if (prop == "additional") {
      templates(t.additional);
    } else if (prop == "authority") {
      templates(t.authority);
    } else if (prop == "rcode") {
      if (!c.next_arg()) throw c.arg_err();
      auto rc = wire::rcode_from_string(c.val());
      if (!rc) throw c.err(fmt::format("template: unknown rcode {}", c.val()));
      t.rcode = *rc;
      if (c.next_arg()) throw c.arg_err();
    } else if (prop == "ederror") {
      auto args = c.remaining_args();
      if (args.size() != 1 && args.size() != 2) throw c.arg_err();
      uint16_t code = 0;
      auto [p, ec] = std::from_chars(args[0].data(), args[0].data() + args[0].size(), code);
      if (ec != std::errc() || p != args[0].data() + args[0].size())
        throw c.err(fmt::format("template: error parsing extended DNS error code {}", args[0]));
      t.ederror = true;
      t.ede_code = code;
      if (args.size() == 2) t.ede_reason = args[1];
      if (t.ede_reason.size() > 1000) throw c.err("template: ederror reason longer than 1000 bytes");
    } else if (prop == "fallthrough") {
      t.fall = fallthrough_args(c, "template", c.remaining_args());
    } else if (prop == "var" || prop == "expr") {
      throw c.err(fmt::format("template: '{}' (expr-lang expressions) is not supported by skycore; "
                              "use match with named groups", prop));
    } else {
      throw c.unknown_property();
    }
  }
  for (const auto* list : {&t.answer, &t.additional, &t.authority})
    for (const auto& g : *list) t.uses_groups |= g.uses_groups();
  for (const auto& g : t.answer) t.may_chase |= mentions_cname(g.text());
  return t;
}

}  // namespace

// Syntax (CoreDNS's): template CLASS TYPE [ZONE...] { match REGEX...;
//   answer RR...; additional RR...; authority RR...; rcode CODE;
//   ederror CODE [REASON]; fallthrough [ZONE...] }. Every `template` of a
// block is one template of one plugin, tried in order.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::vector<Template> templates;
  while (c.next()) templates.push_back(parse_one(c, ctx));
  auto plugin = std::make_unique<TemplatePlugin>(std::move(templates), ctx.workers);
  if (ctx.shared && !ctx.block.keys.empty()) {
    std::string server = ctx.server_label();
    TemplatePlugin* p = plugin.get();
    ctx.shared->metrics.add([p, server](std::vector<prometheus::MetricFamily>& out) { p->collect(out, server); });
  }
  return plugin;
}

}  // namespace skycore::plugins::template_
