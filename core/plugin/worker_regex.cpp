#include "core/plugin/worker_regex.h"

#include <stdexcept>

namespace skycore {

WorkerRegex::WorkerRegex(const std::string& pattern, size_t workers) {
  RE2::Options o;
  o.set_log_errors(false);
  for (size_t i = 0; i < (workers ? workers : 1); ++i) {
    auto re = std::make_unique<RE2>(pattern, o);
    if (!re->ok()) throw std::invalid_argument(re->error());
    copies_.push_back(std::move(re));
  }
}

}  // namespace skycore
