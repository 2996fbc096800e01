#include <fmt/format.h>

#include <charconv>

#include "core/plugin/setup.h"
#include "core/wire/name.h"
#include "core/wire/types.h"
#include "plugins/rewrite/rewrite.h"

namespace skycore::plugins::rewrite {
namespace {

constexpr size_t kMaxRegexLength = 10000;  // CoreDNS's limit

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(wire::ascii_lower(static_cast<uint8_t>(ch)));
  return s;
}

// CoreDNS's plugin.Name.Normalize: lowercased, with the trailing dot.
std::string normalize(const std::string& s) {
  std::string n = lower(s);
  if (n.empty() || n.back() != '.') n.push_back('.');
  return n;
}

struct Parser {
  const corefile::TokenCursor& c;
  size_t workers;

  [[noreturn]] void fail(const std::string& msg) const { throw c.err("rewrite: " + msg); }

  std::optional<Match> match_type(const std::string& s) const {
    auto t = lower(s);
    if (t == "exact") return Match::exact;
    if (t == "prefix") return Match::prefix;
    if (t == "suffix") return Match::suffix;
    if (t == "substring") return Match::substring;
    if (t == "regex") return Match::regex;
    return std::nullopt;
  }

  std::shared_ptr<const WorkerRegex> regex(const std::string& pattern, const std::string& replacement) const {
    if (pattern.size() > kMaxRegexLength)
      fail(fmt::format("regex pattern too long: {} > {}", pattern.size(), kMaxRegexLength));
    std::shared_ptr<const WorkerRegex> re;
    try {
      re = std::make_shared<WorkerRegex>(pattern, workers);
    } catch (const std::invalid_argument& e) {
      fail(fmt::format("invalid regex matching pattern: {} ({})", pattern, e.what()));
    }
    int used = highest_group(replacement);
    if (used > kMaxGroup) fail(fmt::format("'{}' uses group {{{}}}: at most {{{}}}", replacement, used, kMaxGroup));
    if (used > re->groups())
      fail(fmt::format("the rewrite regex pattern ({}) uses more subexpressions than its corresponding "
                       "matching regex pattern ({})", replacement, pattern));
    return re;
  }

  // A question name pattern for name/ttl/rcode rules: [MATCH] FROM, with
  // the match type's normalisation.
  NamePattern question_pattern(Match m, const std::string& from, const std::string& to) const {
    if (m == Match::regex) return NamePattern(m, from, to, regex(from, to));
    return NamePattern(m, normalize(from), normalize(to));
  }

  void name_rule(Rule& r, const std::vector<std::string>& a) const {
    if (a.size() < 2) fail("too few arguments for a name rule");
    Match m = Match::exact;
    std::string from, to;
    size_t rest = 2;
    if (a.size() == 2) {
      from = a[0];
      to = a[1];
    } else {
      auto t = match_type(a[0]);
      if (!t)
        fail(fmt::format("name rule supports only exact, prefix, suffix, substring, and regex name "
                         "matching, received: {}", a[0]));
      m = *t;
      from = a[1];
      to = a[2];
      rest = 3;
    }
    if (m == Match::regex) {
      r.pattern = NamePattern(m, from, normalize(to), regex(from, to));
    } else {
      r.pattern = NamePattern(m, normalize(from), normalize(to));
      if (m == Match::exact) {
        if (!wire::Name::from_text(r.pattern.from()) || !wire::Name::from_text(r.pattern.to()))
          fail(fmt::format("invalid name in '{} {}'", from, to));
      }
    }
    bool automatic = false;
    answer_rules(r, std::vector<std::string>(a.begin() + rest, a.end()), automatic);
    if (m == Match::exact) {
      r.auto_answer = true;  // always, as CoreDNS
    } else if (automatic && m == Match::suffix) {
      // The reverse swap of the suffix, on owners and values.
      NamePattern back(Match::suffix, r.pattern.to(), r.pattern.from());
      r.answers.insert(r.answers.begin(), {AnswerRule{true, back}});
      r.answers.insert(r.answers.begin(), {AnswerRule{false, back}});
    } else {
      r.auto_answer = automatic;
    }
  }

  // answer (auto | name FROM TO | value FROM TO) { [answer] (...) }
  void answer_rules(Rule& r, const std::vector<std::string>& a, bool& automatic) const {
    if (a.empty()) return;
    if (a.size() < 2) fail("invalid arguments for name rule");
    size_t i = 0;
    int names = 0;
    bool first = true;
    while (i < a.size()) {
      if (first && a[i] != "answer")
        fail("exceeded the number of arguments for a non-answer rule argument for name rule");
      first = false;
      if (a[i] == "answer") ++i;
      if (i == a.size()) fail("type missing for answer rule for name rule");
      const std::string kind = a[i++];
      if (kind == "auto") {
        automatic = true;
        continue;
      }
      if (kind != "name" && kind != "value") fail(fmt::format("invalid type \"{}\" for answer rule for name rule", kind));
      if (a.size() - i < 2) fail(fmt::format("{} answer rule for name rule: 2 arguments required", kind));
      AnswerRule ar;
      ar.value = kind == "value";
      ar.pattern = NamePattern(Match::regex, a[i], normalize(a[i + 1]), regex(a[i], a[i + 1]));
      r.answers.push_back(std::move(ar));
      names += !ar.value;
      i += 2;
    }
    if (automatic && names > 0) fail("auto name answer rule cannot be combined with explicit name answer rules");
  }

  // [MATCH] NAME, then what the field needs: `rest` arguments left.
  NamePattern matched_name(const std::vector<std::string>& a, size_t rest, const char* field) const {
    if (a.size() == rest + 1) return question_pattern(Match::exact, a[0], "");
    if (a.size() == rest + 2) {
      auto t = match_type(a[0]);
      if (!t)
        fail(fmt::format("{} rule supports only exact, prefix, suffix, substring, and regex name matching", field));
      return question_pattern(*t, a[1], "");
    }
    fail(fmt::format("wrong number of arguments ({}) for a {} rule", a.size(), field));
  }

  static std::optional<uint32_t> number(std::string_view s) {
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  }

  void ttl_rule(Rule& r, const std::vector<std::string>& a) const {
    if (a.size() < 2) fail(fmt::format("too few ({}) arguments for a ttl rule", a.size()));
    r.pattern = matched_name(a, 1, "ttl");
    // SECONDS, MIN-MAX, -MAX or MIN-
    const std::string& t = a.back();
    auto dash = t.find('-');
    std::optional<uint32_t> lo, hi;
    if (dash == std::string::npos) {
      lo = hi = number(t);
    } else {
      lo = dash == 0 ? std::optional<uint32_t>(0) : number(t.substr(0, dash));
      hi = dash + 1 == t.size() ? std::optional<uint32_t>(UINT32_MAX) : number(t.substr(dash + 1));
    }
    if (!lo || !hi || *lo > *hi || (dash == 0 && dash + 1 == t.size()))
      fail(fmt::format("invalid TTL '{}' for a ttl rule", t));
    r.ttl_min = *lo;
    r.ttl_max = *hi;
  }

  void rcode_rule(Rule& r, const std::vector<std::string>& a) const {
    if (a.size() < 3) fail(fmt::format("too few ({}) arguments for a rcode rule", a.size()));
    r.pattern = matched_name(a, 2, "rcode");
    auto from = wire::rcode_from_string(a[a.size() - 2]);
    auto to = wire::rcode_from_string(a.back());
    if (!from) fail(fmt::format("invalid matching RCODE '{}' for a rcode rule", a[a.size() - 2]));
    if (!to) fail(fmt::format("invalid replacement RCODE '{}' for a rcode rule", a.back()));
    r.from = *from;
    r.to = *to;
  }

  void cname_rule(Rule& r, const std::vector<std::string>& a) const {
    Match m = Match::exact;
    std::string from, to;
    if (a.size() == 3) {
      auto t = match_type(a[0]);
      if (!t) fail(fmt::format("unknown cname rewrite type: {}", a[0]));
      m = *t;
      from = lower(a[1]);
      to = lower(a[2]);
    } else if (a.size() == 2) {
      from = lower(a[0]);
      to = lower(a[1]);
    } else {
      fail(fmt::format("too few ({}) arguments for a cname rule", a.size()));
    }
    if (m == Match::exact) r.pattern = NamePattern(m, normalize(from), normalize(to));
    else if (m == Match::regex) r.pattern = NamePattern(m, from, to, regex(from, to));
    else r.pattern = NamePattern(m, from, to);
  }

  void type_or_class(Rule& r, const std::vector<std::string>& a, bool type) const {
    const char* what = type ? "type" : "class";
    if (a.size() != 2) fail(fmt::format("{} rules must have exactly two arguments", what));
    auto parse = type ? wire::type_from_string : wire::class_from_string;
    auto from = parse(a[0]);
    auto to = parse(a[1]);
    if (!from) fail(fmt::format("invalid {} \"{}\"", what, a[0]));
    if (!to) fail(fmt::format("invalid {} \"{}\"", what, a[1]));
    r.from = *from;
    r.to = *to;
  }

  static std::optional<uint16_t> code(const std::string& s) {
    uint32_t v = 0;
    std::string_view t = s;
    int base = 10;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
      t.remove_prefix(2);
      base = 16;
    }
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v, base);
    if (ec != std::errc() || p != t.data() + t.size() || v > 0xFFFF) return std::nullopt;
    return static_cast<uint16_t>(v);
  }

  void edns0_rule(Rule& r, std::vector<std::string> a) const {
    if (a.size() < 2) fail("too few arguments for an EDNS0 rule");
    Edns0Rule& e = r.edns0;
    const std::string type = lower(a[0]), action = lower(a[1]);
    if (action == "set") e.action = Edns0Rule::Action::set;
    else if (action == "replace") e.action = Edns0Rule::Action::replace;
    else if (action == "append") e.action = Edns0Rule::Action::append;
    else if (action == "unset") e.action = Edns0Rule::Action::unset;
    else fail(fmt::format("invalid action: \"{}\"", a[1]));
    if (e.action != Edns0Rule::Action::unset && a.back() == "revert") {
      e.revert = true;
      a.pop_back();
    }
    const bool unset = e.action == Edns0Rule::Action::unset;
    if (type == "local") {
      e.option = Edns0Rule::Option::local;
      if (unset ? a.size() != 3 : a.size() != 4)
        fail(unset ? "local unset action requires exactly two arguments" : "EDNS0 local rules require three or four args");
      auto c = code(a[2]);
      if (!c) fail(fmt::format("invalid EDNS0 local option code '{}'", a[2]));
      e.code = *c;
      if (!unset) local_data(e, a[3]);
    } else if (type == "nsid") {
      e.option = Edns0Rule::Option::nsid;
      e.code = 3;
      if (a.size() != 2) fail("EDNS0 NSID rules can accept no more than one arg");
    } else if (type == "subnet") {
      e.option = Edns0Rule::Option::subnet;
      e.code = 8;
      if (unset) {
        if (a.size() != 2) fail("subnet unset action requires exactly one argument");
        return;
      }
      if (a.size() != 4) fail("EDNS0 subnet rules require three or four args");
      auto v4 = number(a[2]), v6 = number(a[3]);
      if (!v4 || *v4 > 32) fail(fmt::format("invalid IPv4 bit mask length {}", a[2]));
      if (!v6 || *v6 > 128) fail(fmt::format("invalid IPv6 bit mask length {}", a[3]));
      e.v4_bits = static_cast<uint8_t>(*v4);
      e.v6_bits = static_cast<uint8_t>(*v6);
    } else {
      fail(fmt::format("invalid rule type \"{}\"", a[0]));
    }
  }

  void local_data(Edns0Rule& e, const std::string& d) const {
    using V = Edns0Rule::Variable;
    if (d.size() > 1 && d.front() == '{' && d.back() == '}') {
      static const std::pair<const char*, V> vars[] = {
          {"{qname}", V::qname}, {"{qtype}", V::qtype}, {"{client_ip}", V::client_ip},
          {"{client_port}", V::client_port}, {"{protocol}", V::protocol},
          {"{server_ip}", V::server_ip}, {"{server_port}", V::server_port}};
      for (const auto& [n, v] : vars)
        if (d == n) {
          e.variable = v;
          return;
        }
      fail(fmt::format("unsupported variable name \"{}\" (skycore has no metadata plugin)", d));
    }
    if (d.size() > 2 && d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
      std::string_view hex(d.data() + 2, d.size() - 2);
      if (hex.size() % 2) fail(fmt::format("invalid hex data '{}'", d));
      for (size_t i = 0; i < hex.size(); i += 2) {
        uint8_t b = 0;
        auto [p, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, b, 16);
        if (ec != std::errc() || p != hex.data() + i + 2) fail(fmt::format("invalid hex data '{}'", d));
        e.data.push_back(b);
      }
    } else {
      e.data.assign(d.begin(), d.end());
    }
    if (e.data.size() > 255) fail("EDNS0 local data longer than 255 bytes");
  }

  Rule rule(const std::vector<std::string>& args) const {
    if (args.empty()) fail("no rule type specified for rewrite");
    Rule r;
    size_t start = 0;
    const std::string first = lower(args[0]);
    if (first == "continue" || first == "stop") {
      if (args.size() < 2) fail(fmt::format("{} rule must begin with a rule type", first));
      r.stop = first == "stop";
      start = 1;
    }
    const std::string field = lower(args[start]);
    std::vector<std::string> a(args.begin() + start + 1, args.end());
    if (field == "answer") fail("response rewrites must begin with a name rule");
    if (field == "name") { r.field = Field::name; name_rule(r, a); }
    else if (field == "type") { r.field = Field::type; type_or_class(r, a, true); }
    else if (field == "class") { r.field = Field::cls; type_or_class(r, a, false); }
    else if (field == "ttl") { r.field = Field::ttl; ttl_rule(r, a); }
    else if (field == "rcode") { r.field = Field::rcode; rcode_rule(r, a); }
    else if (field == "cname") { r.field = Field::cname; cname_rule(r, a); }
    else if (field == "edns0") { r.field = Field::edns0; edns0_rule(r, a); }
    else fail(fmt::format("invalid rule type \"{}\"", args[start]));
    return r;
  }
};

}  // namespace

// Syntax (CoreDNS's): rewrite [continue|stop] FIELD [MATCH] FROM TO [OPTIONS]
// or the same tokens inside a block: rewrite [continue|stop] { ... }.
// Every `rewrite` line of a block is one rule of one plugin, in order.
std::unique_ptr<Plugin> setup(SetupContext& ctx) {
  auto& c = ctx.cursor;
  std::vector<Rule> rules;
  while (c.next()) {
    auto args = c.remaining_args();
    const bool complete = args.size() >= 2;
    while (c.next_block()) {
      if (complete) throw c.err("rewrite: a rule is either on one line or in a block, not both");
      args.push_back(c.val());
      for (auto& a : c.remaining_args()) args.push_back(std::move(a));
    }
    rules.push_back(Parser{c, ctx.workers}.rule(args));
  }
  return std::make_unique<Rewrite>(std::move(rules), ctx.workers);
}

}  // namespace skycore::plugins::rewrite
