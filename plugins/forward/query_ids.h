// Unpredictable 16-bit query IDs (RFC 5452), drawn from a per-worker buffer
// of kernel randomness refilled with one getrandom() per 2048 IDs.
#pragma once
#include <sys/random.h>

#include <array>
#include <cstdint>
#include <cstring>

namespace skycore::plugins::forward {

class QueryIds {
 public:
  uint16_t next() {
    if (pos_ == buf_.size()) refill();
    return buf_[pos_++];
  }

 private:
  void refill() {
    size_t got = 0;
    auto* bytes = reinterpret_cast<uint8_t*>(buf_.data());
    while (got < sizeof buf_) {
      ssize_t n = getrandom(bytes + got, sizeof buf_ - got, 0);
      if (n > 0) got += static_cast<size_t>(n);
    }
    pos_ = 0;
  }
  std::array<uint16_t, 2048> buf_{};
  size_t pos_ = buf_.size();
};

}  // namespace skycore::plugins::forward
