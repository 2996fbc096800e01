// The EDNS options a rewritten query carries upstream (rewrite edns0): the
// client's own options of the codes the rules name, then each rule's set,
// replace, append or unset applied in order. Other client options (cookies)
// are never passed on, as forward never passes them.
#pragma once
#include <array>
#include <cstdint>
#include <span>

#include "core/plugin/request.h"
#include "plugins/rewrite/rule.h"

namespace skycore::plugins::rewrite {

class OptionList {
 public:
  static constexpr size_t kCapacity = 1024;
  void clear() { len_ = 0; }
  // Copies the options of the client's OPT whose code `keep` accepts.
  template <class Keep>
  void take_client(std::span<const uint8_t> packet, size_t question_end, Keep keep);
  // Applies one rule; true when it changed the list (CoreDNS's RewriteDone).
  bool apply(const Edns0Rule& rule, const Request& req);
  std::span<const uint8_t> bytes() const { return {buf_.data(), len_}; }

 private:
  // Offset of the first option with `code`, or npos.
  size_t find(uint16_t code) const;
  void erase(size_t at);
  bool append(uint16_t code, std::span<const uint8_t> data);
  bool replace(size_t at, uint16_t code, std::span<const uint8_t> data);

  std::array<uint8_t, kCapacity> buf_;
  size_t len_ = 0;
};

// The options of the query's OPT record (empty when it has none).
std::span<const uint8_t> client_options(std::span<const uint8_t> packet, size_t question_end);

template <class Keep>
void OptionList::take_client(std::span<const uint8_t> packet, size_t question_end, Keep keep) {
  auto opts = client_options(packet, question_end);
  for (size_t i = 0; i + 4 <= opts.size();) {
    uint16_t code = uint16_t(opts[i] << 8 | opts[i + 1]);
    size_t n = size_t(opts[i + 2] << 8 | opts[i + 3]);
    if (i + 4 + n > opts.size()) break;
    if (keep(code)) append(code, opts.subspan(i + 4, n));
    i += 4 + n;
  }
}

}  // namespace skycore::plugins::rewrite
