// bufsize: caps the EDNS UDP payload size a client advertises (CoreDNS's
// bufsize), so answers are sized for a path that fragments or drops large
// datagrams: responses over UDP are truncated to the cap (the records that
// fit, TC set), whichever plugin answers. skycore already caps every client
// at 1232, so only smaller sizes change anything.
#pragma once
#include "core/plugin/plugin.h"

namespace skycore::plugins::bufsize {

inline constexpr uint16_t kDefaultSize = 1232;

class Bufsize final : public Plugin {
 public:
  explicit Bufsize(uint16_t size) : size_(size) {}
  std::string_view name() const override { return "bufsize"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;
  uint16_t size() const { return size_; }

 private:
  uint16_t size_;
};

}  // namespace skycore::plugins::bufsize
