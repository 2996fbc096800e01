// What the hosts-file fuzzer does with one input; shared with the corpus
// regression test (tests/fuzz_corpus_test.cpp) so both run exactly the same
// code. Returns false when an invariant breaks (a bug).
#pragma once
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/hosts/hosts_file.h"
#include "core/plugin/qname.h"

namespace skycore::plugins::hosts::fuzz {

// The blank-separated fields of each line, '#' comments cut, as hosts(5).
inline std::vector<std::vector<std::string_view>> fuzz_lines(std::string_view text) {
  std::vector<std::vector<std::string_view>> lines;
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; };
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    line = line.substr(0, line.find('#'));
    std::vector<std::string_view> fields;
    for (size_t i = 0; i < line.size();) {
      while (i < line.size() && blank(line[i])) ++i;
      size_t start = i;
      while (i < line.size() && !blank(line[i])) ++i;
      if (i > start) fields.push_back(line.substr(start, i - start));
    }
    lines.push_back(std::move(fields));
  }
  return lines;
}

// Any bytes as a hosts file: parsed for the root zone with reverse entries
// and for example.org without. Every "ADDRESS NAME..." line that
// parse_address and host_name accept must then be found both ways: NAME
// has ADDRESS, and (with reverse, for names that are not wildcards)
// ADDRESS names NAME.
inline bool fuzz_hosts_file(std::string_view text) {
  static const wire::Name kZones[] = {*wire::Name::from_text(".")};
  static const wire::Name kExample[] = {*wire::Name::from_text("example.org.")};
  HostsTable all = parse_hosts(text, {kZones, true});
  HostsTable some = parse_hosts(text, {kExample, false});
  if (some.entries() > all.entries()) return false;
  for (const auto& fields : fuzz_lines(text)) {
    if (fields.size() < 2) continue;
    auto addr = parse_address(fields[0]);
    if (!addr) continue;
    for (size_t i = 1; i < fields.size(); ++i) {
      auto name = host_name(fields[i]);
      if (!name) continue;
      bool found = false;
      if (addr->v6) {
        V6 want = addr->bytes;
        auto have = all.v6(*name);
        found = std::find(have.begin(), have.end(), want) != have.end();
      } else {
        V4 want{addr->bytes[0], addr->bytes[1], addr->bytes[2], addr->bytes[3]};
        auto have = all.v4(*name);
        found = std::find(have.begin(), have.end(), want) != have.end();
      }
      if (!found) return false;
      if (name->first_label() == "*") continue;
      auto names = all.names(*addr);
      auto wire = name->wire();
      std::string key(reinterpret_cast<const char*>(wire.data()), wire.size());
      if (std::find(names.begin(), names.end(), key) == names.end()) return false;
      if (auto back = reverse_address(*name)) (void)all.names(*back);
    }
  }
  return true;
}

}  // namespace skycore::plugins::hosts::fuzz
