#include "plugins/rrl/accounts.h"

#include <algorithm>
#include <bit>

namespace skycore::plugins::rrl {

const char* category_name(Category c) {
  switch (c) {
    case Category::response: return "response";
    case Category::nodata: return "nodata";
    case Category::nxdomain: return "nxdomain";
    case Category::referral: return "referral";
    case Category::error: return "error";
    case Category::request: return "request";
  }
  return "";
}

Accounts::Accounts(size_t size) {
  const size_t n = std::bit_ceil(std::max<size_t>(size, 64));
  accounts_.reset(static_cast<Account*>(std::calloc(n, sizeof(Account))));
  if (!accounts_) throw std::bad_alloc();
  mask_ = n - 1;
}

uint32_t Accounts::debit(uint64_t key, Category category, int64_t now_us, const Limits& limits) {
  const double rate = limits.per_second[static_cast<size_t>(category)];
  if (rate <= 0) return 0;
  key |= 1;  // never 0, which marks a free account
  Account* bucket = accounts_.get() + ((key >> 1) & mask_ & ~(kWays - 1));
  Account* a = nullptr;
  Account* oldest = bucket;
  for (size_t i = 0; i < kWays; ++i) {
    if (bucket[i].key == key) {
      a = &bucket[i];
      break;
    }
    if (bucket[i].key == 0 || bucket[i].last_us < oldest->last_us) oldest = &bucket[i];
  }
  if (!a) {  // a new account, in a free place or the oldest one's
    a = oldest;
    *a = Account{key, now_us, rate, 0};
  }
  // Credit for the time since the last debit, at most one second's worth;
  // debt at most `window` seconds' worth, so a flood stays limited for up
  // to that long after it stops.
  const double elapsed = double(std::max<int64_t>(now_us - a->last_us, 0)) / 1e6;
  a->balance = std::min(rate, a->balance + elapsed * rate) - 1;
  a->balance = std::max(a->balance, -limits.window_s * rate);
  a->last_us = now_us;
  if (a->balance >= 0) {
    a->limited = 0;
    return 0;
  }
  return ++a->limited;
}

}  // namespace skycore::plugins::rrl
