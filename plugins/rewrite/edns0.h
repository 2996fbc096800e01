// The EDNS options a rewritten query carries upstream (rewrite edns0): the
// client's own options of the codes the rules name, then each rule's set,
// replace, append or unset applied in order. Other client options (cookies)
// are never passed on, as forward never passes them.
#pragma once
#include <array>
#include <cstdint>
#include <span>

#include "core/plugin/request.h"
#include "core/wire/record.h"
#include "plugins/rewrite/rule.h"

namespace skycore::plugins::rewrite {

class OptionList {
 public:
  static constexpr size_t kCapacity = 1024;
  void clear() { len_ = 0; }
  // Copies the options of the query's OPT record whose code `keep` accepts.
  template <class Keep>
  void take_client(std::span<const uint8_t> packet, Keep keep) {
    if (auto opt = wire::opt_record(packet))
      wire::for_each_option(opt->options, [&](uint16_t code, std::span<const uint8_t> data) {
        if (keep(code)) append(code, data);
      });
  }
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

}  // namespace skycore::plugins::rewrite
