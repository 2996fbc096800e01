// The part of Go's text/template that CoreDNS's template plugin users write
// in answer, additional and authority lines: {{ .Name }} .Zone .Class .Type
// .Remote .Regex, {{ index .Match N }}, {{ .Group.NAME }} /
// {{ index .Group "NAME" }}, {{ .Question.Name }}, {{ .Message.Id }},
// {{ parseInt X BASE BITS }} over any of those, and the {{- -}} trim
// markers. Parsed once at setup; anything else is a setup error rather than
// a surprise at query time. Rendering appends to a caller's string: no
// allocation once that string has grown.
#pragma once
#include <re2/re2.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace skycore::plugins::template_ {

// What one query offers the templates.
struct TemplateData {
  std::string_view name, zone, cls, type, remote, regex;
  const re2::StringPiece* groups = nullptr;  // group 0 = the whole match
  int group_count = 0;
  // Named groups of the regex that matched: name -> index.
  const std::vector<std::pair<std::string, int>>* named = nullptr;
  uint16_t id = 0;
};

class GoTemplate {
 public:
  // Throws std::invalid_argument naming the action it does not support.
  static GoTemplate parse(std::string_view text);
  // Appends the output to `out`; false when Go's template would fail
  // (parseInt of something that is not a number in range).
  bool render(const TemplateData& d, std::string& out) const;
  // Whether the template reads .Match or .Group (the regex's groups must be filled).
  bool uses_groups() const { return uses_groups_; }
  const std::string& text() const { return text_; }

 private:
  enum class Value : uint8_t { name, zone, cls, type, remote, regex, match, group, question_name, message_id };
  struct Operand {
    Value value = Value::name;
    int index = 0;      // .Match
    std::string group;  // .Group
  };
  struct Segment {
    std::string literal;  // when !action
    bool action = false;
    Operand operand;
    bool parse_int = false;
    int base = 10, bits = 64;
  };
  static Operand operand(std::string_view action, const std::vector<std::string>& w, size_t at, size_t& used);
  bool operand_text(const Operand& o, const TemplateData& d, std::string& out) const;

  std::vector<Segment> segments_;
  bool uses_groups_ = false;
  std::string text_;
};

}  // namespace skycore::plugins::template_
