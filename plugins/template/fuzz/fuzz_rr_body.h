// What the rr_text fuzzer does with one input; shared with the corpus
// replay in tests/ so both run exactly the same code.
#pragma once
#include <array>
#include <stdexcept>
#include <string_view>

#include "core/wire/record.h"
#include "plugins/template/go_template.h"
#include "plugins/template/rr_text.h"

namespace skycore::plugins::template_ {

inline bool fuzz_one_rr(std::string_view text) {
  static std::array<uint8_t, 4096> buf;
  wire::MessageWriter w(buf, buf.size());
  w.start_query(1, 0, *wire::Name::from_text("q.example."), wire::rrtype::A, wire::rrclass::IN);
  RrHead head;
  for (auto s : {wire::Section::answer, wire::Section::additional}) (void)write_rr(text, s, w, head);
  wire::ParsedMessage m;
  if (!wire::parse_message(w.data(), m)) return false;
  try {
    auto t = GoTemplate::parse(text);
    std::string out;
    TemplateData d;
    d.name = "q.example.";
    (void)t.render(d, out);
  } catch (const std::invalid_argument&) {
  }
  return true;
}

}  // namespace skycore::plugins::template_
