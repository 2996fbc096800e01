// How a rule matches a name and what it makes of it: CoreDNS's exact,
// prefix, suffix, substring and regex on the lowercased presentation form
// ("www.example.org."). Regular expressions are Go's syntax, run by RE2
// (linear time), unanchored as Go's FindStringSubmatch; `{N}` in the
// replacement is group N.
#pragma once
#include "core/plugin/worker_regex.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace skycore::plugins::rewrite {

enum class Match : uint8_t { exact, prefix, suffix, substring, regex };

// The largest {N} a replacement may use.
inline constexpr int kMaxGroup = 31;

class NamePattern {
 public:
  NamePattern() = default;
  // `from`/`to` as the rule has them (normalised by the caller).
  NamePattern(Match m, std::string from, std::string to, std::shared_ptr<const WorkerRegex> re = nullptr)
      : match_(m), from_(std::move(from)), to_(std::move(to)), re_(std::move(re)) {}

  bool matches(std::string_view name, uint16_t worker) const;
  // The rewritten name into `out` (cleared first); false when `name` does
  // not match (out is then unspecified).
  bool rewrite(std::string_view name, uint16_t worker, std::string& out) const;

  Match match() const { return match_; }
  const std::string& from() const { return from_; }
  const std::string& to() const { return to_; }

 private:
  Match match_ = Match::exact;
  std::string from_, to_;
  std::shared_ptr<const WorkerRegex> re_;
};

// The highest {N} used in `replacement` (-1 for none).
int highest_group(std::string_view replacement);

}  // namespace skycore::plugins::rewrite
