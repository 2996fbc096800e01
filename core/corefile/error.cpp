#include "core/corefile/error.h"

#include <fmt/format.h>

namespace skycore::corefile {

Error::Error(std::string file, int line, std::string msg)
    : std::runtime_error(fmt::format("{}:{}: {}", file, line, msg)),
      file_(std::move(file)),
      line_(line),
      message_(std::move(msg)) {}

}  // namespace skycore::corefile
