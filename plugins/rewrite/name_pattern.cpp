#include "plugins/rewrite/name_pattern.h"

#include <array>
#include <stdexcept>

namespace skycore::plugins::rewrite {

int highest_group(std::string_view s) {
  int top = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '{') continue;
    size_t j = i + 1;
    int n = 0;
    while (j < s.size() && j - i <= 3 && s[j] >= '0' && s[j] <= '9') n = n * 10 + (s[j++] - '0');
    if (j > i + 1 && j < s.size() && s[j] == '}') top = std::max(top, n);
  }
  return top;
}

namespace {

// `replacement` with every {N} replaced by group N (empty when the group
// did not take part), as Go's strings.ReplaceAll over the groups does.
void substitute(std::string_view replacement, const re2::StringPiece* groups, int n, std::string& out) {
  out.clear();
  for (size_t i = 0; i < replacement.size(); ++i) {
    if (replacement[i] == '{') {
      size_t j = i + 1;
      int g = 0;
      while (j < replacement.size() && j - i <= 3 && replacement[j] >= '0' && replacement[j] <= '9')
        g = g * 10 + (replacement[j++] - '0');
      if (j > i + 1 && j < replacement.size() && replacement[j] == '}' && g < n) {
        out.append(groups[g].data(), groups[g].size());
        i = j;
        continue;
      }
    }
    out.push_back(replacement[i]);
  }
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool NamePattern::matches(std::string_view name, uint16_t worker) const {
  switch (match_) {
    case Match::exact: return name == from_;
    case Match::prefix: return name.substr(0, from_.size()) == from_;
    case Match::suffix: return ends_with(name, from_);
    case Match::substring: return name.find(from_) != std::string_view::npos;
    case Match::regex: return RE2::PartialMatch(name, re_->at(worker));
  }
  return false;
}

bool NamePattern::rewrite(std::string_view name, uint16_t worker, std::string& out) const {
  out.clear();
  switch (match_) {
    case Match::exact:
      if (name != from_) return false;
      out = to_;
      return true;
    case Match::prefix:
      if (name.substr(0, from_.size()) != from_) return false;
      out.append(to_).append(name.substr(from_.size()));
      return true;
    case Match::suffix:
      if (!ends_with(name, from_)) return false;
      out.append(name.substr(0, name.size() - from_.size())).append(to_);
      return true;
    case Match::substring: {
      if (from_.empty() || name.find(from_) == std::string_view::npos) return false;
      for (size_t at = 0;;) {
        size_t hit = name.find(from_, at);
        if (hit == std::string_view::npos) {
          out.append(name.substr(at));
          return true;
        }
        out.append(name.substr(at, hit - at)).append(to_);
        at = hit + from_.size();
      }
    }
    case Match::regex: {
      const RE2& re = re_->at(worker);
      std::array<re2::StringPiece, kMaxGroup + 1> groups;
      const int n = std::min(re.NumberOfCapturingGroups(), kMaxGroup) + 1;
      if (!re.Match(name, 0, name.size(), RE2::UNANCHORED, groups.data(), n)) return false;
      substitute(to_, groups.data(), n, out);
      return true;
    }
  }
  return false;
}

}  // namespace skycore::plugins::rewrite
