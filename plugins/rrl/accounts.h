// Response rate limiting's accounts, as BIND 9 keeps them: one balance per
// (client prefix, response category, name, type), credited at the
// category's allowance per second and debited per response. A negative
// balance limits. One fixed table per worker (4-way buckets, the oldest
// account evicted): no lock, no allocation and bounded memory.
#pragma once
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

namespace skycore::plugins::rrl {

enum class Category : uint8_t { response, nodata, nxdomain, referral, error, request };
inline constexpr size_t kCategories = 6;
const char* category_name(Category c);

struct Limits {
  std::array<double, kCategories> per_second{};  // 0: that category is not limited
  double window_s = 15;                           // how far into debt a flood goes (and so how long it stays limited)
};

class Accounts {
 public:
  // `size`: accounts (rounded up to a power of two, at least 64).
  explicit Accounts(size_t size);
  // Debits the account `key` of `category` at `now_us`; the number of
  // times it has been limited in a row (0: not limited, 1: the first ...).
  uint32_t debit(uint64_t key, Category category, int64_t now_us, const Limits& limits);
  size_t size() const { return mask_ + 1; }

 private:
  struct Account {
    uint64_t key = 0;  // 0: free
    int64_t last_us = 0;
    double balance = 0;
    uint32_t limited = 0;
  };
  static constexpr size_t kWays = 4;
  struct Free {
    void operator()(Account* a) const { std::free(a); }
  };
  // calloc: pages of accounts never used are never touched (not resident).
  std::unique_ptr<Account, Free> accounts_;
  size_t mask_ = 0;  // of buckets * kWays
};

}  // namespace skycore::plugins::rrl
