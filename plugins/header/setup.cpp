#include <fmt/format.h>

#include <algorithm>

#include "core/plugin/setup.h"
#include "core/wire/header.h"
#include "plugins/header/header.h"

namespace skycore::plugins::header {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

// Syntax: header { [query|response] set|clear FLAG... } with FLAG aa, ra or
// rd; without a selector a rule is for responses (CoreDNS's older syntax).
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  Masks query, response;
  bool any = false;
  while (c.next()) {  // several header directives add up
    c.remaining_args();  // CoreDNS ignores arguments on the directive line
    while (c.next_block()) {
      std::vector<std::string> words{c.val()};
      for (auto& a : c.remaining_args()) words.push_back(a);
      for (auto& w : words) w = lower(w);
      Masks* side = &response;
      size_t i = 0;
      if (words[0] == "query" || words[0] == "response") {
        side = words[0] == "query" ? &query : &response;
        i = 1;
      }
      if (i >= words.size() || (words[i] != "set" && words[i] != "clear"))
        throw c.err(fmt::format("header: unknown flag action '{}', should be set or clear",
                                i < words.size() ? words[i] : ""));
      const bool on = words[i] == "set";
      if (i + 1 >= words.size()) throw c.err(fmt::format("header: no flags to {}", words[i]));
      for (size_t k = i + 1; k < words.size(); ++k) {
        uint16_t f = words[k] == "aa" ? wire::flag::AA
                     : words[k] == "ra" ? wire::flag::RA
                     : words[k] == "rd" ? wire::flag::RD
                                        : 0;
        if (!f) throw c.err(fmt::format("header: unknown flag '{}': want aa, ra or rd", words[k]));
        side->add(f, on);
      }
      any = true;
    }
  }
  if (!any) throw c.err("header: no rules (want `query|response set|clear FLAG...` in a block)");
  return std::make_unique<Header>(query, response);
}

}  // namespace skycore::plugins::header
