// log: one line per query in CoreDNS's format, e.g.
//   [INFO] 127.0.0.1:50759 - 29008 "A IN example.org. udp 41 false 1232" NOERROR qr,rd,ra 68 0.000237s
// Lines are formatted into a stack buffer and handed to a LineSink: a worker
// never waits for stdout.
#pragma once
#include <memory>
#include <vector>

#include "core/plugin/plugin.h"
#include "core/wire/name.h"
#include "plugins/log/format.h"
#include "plugins/log/line_sink.h"

namespace skycore::plugins::log {

enum ClassMask : uint8_t { kSuccess = 1, kDenial = 2, kError = 4, kAll = 7 };

struct Rule {
  std::vector<wire::Name> names;  // zones to log (lowercased)
  std::vector<Part> format;
  uint8_t classes = kAll;
};

// success: NOERROR with answers, or a delegation; denial: NXDOMAIN and
// NODATA; error: everything else (CoreDNS's response classes).
uint8_t classify(const Request& req, const Finished& o);

class Log final : public Plugin, private ResponseObserver {
 public:
  Log(std::vector<Rule> rules, std::shared_ptr<LineSink> sink);
  std::string_view name() const override { return "log"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

 private:
  void finished(const Request& req, const Result& r, const Finished& f) override;
  std::vector<Rule> rules_;
  std::shared_ptr<LineSink> sink_;
};

}  // namespace skycore::plugins::log
