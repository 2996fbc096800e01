// A Go-syntax regular expression (RE2, linear time) compiled once per
// worker: RE2 shares its DFA cache between threads under a lock, so a copy
// per worker never contends on the query path. Used by rewrite and template.
#pragma once
#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace skycore {

class WorkerRegex {
 public:
  // Throws std::invalid_argument with RE2's reason.
  WorkerRegex(const std::string& pattern, size_t workers);
  const RE2& at(uint16_t worker) const { return *copies_[worker < copies_.size() ? worker : 0]; }
  int groups() const { return copies_[0]->NumberOfCapturingGroups(); }
  const std::string& pattern() const { return copies_[0]->pattern(); }

 private:
  std::vector<std::unique_ptr<RE2>> copies_;
};

}  // namespace skycore
