#include "plugins/template/go_template.h"

#include <fmt/format.h>

#include <cctype>
#include <climits>
#include <cstdint>
#include <charconv>
#include <stdexcept>

namespace skycore::plugins::template_ {
namespace {

// Splits an action's pipeline into words; a parenthesised group stays one word.
std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    if (std::isspace(static_cast<unsigned char>(s[i]))) { ++i; continue; }
    size_t start = i;
    if (s[i] == '(') {
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '(') ++depth;
        if (s[i] == ')' && --depth == 0) { ++i; break; }
      }
    } else if (s[i] == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) if (s[i] == '\\') ++i;
      ++i;
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    }
    out.emplace_back(s.substr(start, std::min(i, s.size()) - start));
  }
  return out;
}

[[noreturn]] void unsupported(std::string_view action) {
  throw std::invalid_argument(fmt::format(
      "unsupported template action '{{{{{}}}}}' (skycore supports .Name .Zone .Class .Type .Remote .Regex "
      "index .Match N, .Group.NAME, index .Group \"NAME\", .Question.Name, .Message.Id and parseInt)",
      action));
}

int small_int(std::string_view w, std::string_view action) {
  int v = 0;
  auto [p, ec] = std::from_chars(w.data(), w.data() + w.size(), v);
  if (ec != std::errc() || p != w.data() + w.size() || v < 0) unsupported(action);
  return v;
}

}  // namespace

// One operand starting at w[at]; `used` says how many words it took. A
// parenthesised word is an operand of its own and must take all its words.
GoTemplate::Operand GoTemplate::operand(std::string_view action, const std::vector<std::string>& w, size_t at,
                                        size_t& used) {
  Operand o;
  used = 1;
  const std::string& s = w.at(at);
  auto quoted = [](const std::string& x) { return x.size() >= 2 && x.front() == '"' && x.back() == '"'; };
  if (s.size() > 2 && s.front() == '(' && s.back() == ')') {
    auto inner = words(std::string_view(s).substr(1, s.size() - 2));
    size_t taken = 0;
    if (inner.empty()) unsupported(action);
    o = operand(action, inner, 0, taken);
    if (taken != inner.size()) unsupported(action);
    return o;
  }
  if (s == ".Name") o.value = Value::name;
  else if (s == ".Zone") o.value = Value::zone;
  else if (s == ".Class") o.value = Value::cls;
  else if (s == ".Type") o.value = Value::type;
  else if (s == ".Remote") o.value = Value::remote;
  else if (s == ".Regex") o.value = Value::regex;
  else if (s == ".Question.Name") o.value = Value::question_name;
  else if (s == ".Message.Id") o.value = Value::message_id;
  else if (s.rfind(".Group.", 0) == 0 && s.size() > 7) {
    o.value = Value::group;
    o.group = s.substr(7);
  } else if (s == "index" && at + 2 < w.size() && w[at + 1] == ".Match") {
    o.value = Value::match;
    o.index = small_int(w[at + 2], action);
    used = 3;
  } else if (s == "index" && at + 2 < w.size() && w[at + 1] == ".Group" && quoted(w[at + 2])) {
    o.value = Value::group;
    o.group = w[at + 2].substr(1, w[at + 2].size() - 2);
    used = 3;
  } else {
    unsupported(action);
  }
  return o;
}

GoTemplate GoTemplate::parse(std::string_view text) {
  GoTemplate t;
  t.text_ = text;
  size_t i = 0;
  std::string literal;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    if (open == std::string_view::npos) {
      literal.append(text.substr(i));
      break;
    }
    literal.append(text.substr(i, open - i));
    size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) throw std::invalid_argument("unclosed action: '{{' without '}}'");
    std::string_view inner = text.substr(open + 2, close - open - 2);
    // "{{- x -}}": a marker on either side ("{{-}}" has only the left one).
    const bool trim_left = !inner.empty() && inner.front() == '-';
    if (trim_left) inner.remove_prefix(1);
    const bool trim_right = !inner.empty() && inner.back() == '-';
    if (trim_right) inner.remove_suffix(1);
    if (trim_left)
      while (!literal.empty() && std::isspace(static_cast<unsigned char>(literal.back()))) literal.pop_back();
    if (!literal.empty()) {
      t.segments_.push_back(Segment{std::move(literal)});
      literal.clear();
    }
    auto w = words(inner);
    if (w.empty()) unsupported(inner);
    Segment seg;
    seg.action = true;
    size_t used = 0;
    if (w[0] == "parseInt") {
      if (w.size() < 4) unsupported(inner);
      seg.parse_int = true;
      seg.operand = operand(inner, w, 1, used);
      if (w.size() != 1 + used + 2) unsupported(inner);
      seg.base = small_int(w[1 + used], inner);
      seg.bits = small_int(w[2 + used], inner);
      if ((seg.base != 0 && (seg.base < 2 || seg.base > 36)) || seg.bits < 0 || seg.bits > 64) unsupported(inner);
    } else {
      seg.operand = operand(inner, w, 0, used);
      if (used != w.size()) unsupported(inner);
    }
    if (seg.operand.value == Value::group) {
      // A numbered key ("1") is that group; anything else is looked up by name.
      const auto& g = seg.operand.group;
      int n = -1;
      auto [p, ec] = std::from_chars(g.data(), g.data() + g.size(), n);
      seg.operand.index = (!g.empty() && ec == std::errc() && p == g.data() + g.size()) ? n : -1;
      if (ec == std::errc::result_out_of_range) seg.operand.index = INT32_MAX;  // no such group: renders empty
    }
    if (seg.operand.value == Value::match || seg.operand.value == Value::group) t.uses_groups_ = true;
    t.segments_.push_back(std::move(seg));
    i = close + 2;
    if (trim_right)
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  }
  if (!literal.empty()) t.segments_.push_back(Segment{std::move(literal)});
  return t;
}

bool GoTemplate::operand_text(const Operand& o, const TemplateData& d, std::string& out) const {
  switch (o.value) {
    case Value::name: case Value::question_name: out.append(d.name); return true;
    case Value::zone: out.append(d.zone); return true;
    case Value::cls: out.append(d.cls); return true;
    case Value::type: out.append(d.type); return true;
    case Value::remote: out.append(d.remote); return true;
    case Value::regex: out.append(d.regex); return true;
    case Value::message_id: {
      char buf[8];
      auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d.id);
      out.append(buf, p);
      return true;
    }
    case Value::match:
      // Go's index past the end fails the template.
      if (o.index >= d.group_count) return false;
      out.append(d.groups[o.index].data(), d.groups[o.index].size());
      return true;
    case Value::group: {
      int at = o.index;  // .Group holds the numbered groups too (set at parse time)
      if (at < 0 && d.named) {
        for (const auto& [n, i] : *d.named)
          if (n == o.group) at = i;
      }
      if (at >= 0 && at < d.group_count) out.append(d.groups[at].data(), d.groups[at].size());
      return true;  // a missing key renders as nothing
    }
  }
  return false;
}

bool GoTemplate::render(const TemplateData& d, std::string& out) const {
  for (const auto& s : segments_) {
    if (!s.action) {
      out.append(s.literal);
      continue;
    }
    if (!s.parse_int) {
      if (!operand_text(s.operand, d, out)) return false;
      continue;
    }
    // strconv.ParseUint(s, base, bits): base 0 takes 0x/0o/0b prefixes.
    const size_t mark = out.size();
    if (!operand_text(s.operand, d, out)) return false;
    std::string_view digits(out.data() + mark, out.size() - mark);
    int base = s.base;
    if (base == 0) {
      base = 10;
      if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) { base = 16; digits.remove_prefix(2); }
      else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B')) { base = 2; digits.remove_prefix(2); }
      else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O')) { base = 8; digits.remove_prefix(2); }
      else if (digits.size() > 1 && digits[0] == '0') { base = 8; digits.remove_prefix(1); }
    }
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size()) return false;
    if (s.bits > 0 && s.bits < 64 && v >= (uint64_t{1} << s.bits)) return false;
    char buf[24];
    auto [q, ec2] = std::to_chars(buf, buf + sizeof buf, v);
    out.resize(mark);
    out.append(buf, q);
  }
  return true;
}

}  // namespace skycore::plugins::template_
