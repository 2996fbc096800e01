// errors: logs the errors later plugins report (CoreDNS's errors), one
// "[ERROR] plugin/errors: RCODE NAME TYPE: message" line each, or, for
// messages matching a `consolidate` pattern, one summary line per period:
// "[ERROR] plugin/errors: 3 errors like 'REGEXP' occurred in last 5m".
#pragma once
#include <re2/re2.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/plugin/periodic_task.h"
#include "core/plugin/plugin.h"
#include "core/plugin/plugin_log.h"

namespace skycore::plugins::errors {

struct Consolidate {
  std::chrono::milliseconds period{0};
  std::string text;  // the REGEXP as written
  std::unique_ptr<RE2> re;
  LogLevel level = LogLevel::error;
};

class Errors final : public Plugin, private ResponseObserver {
 public:
  explicit Errors(std::vector<Consolidate> patterns = {});
  ~Errors() override { stop(); }
  std::string_view name() const override { return "errors"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  // One summary thread per pattern (started by setup's on_startup hook).
  void start();
  void stop();
  // Logs and resets pattern `i`'s count (what its thread does each period).
  void flush(size_t i);

 private:
  void finished(const Request& req, const Result& r, const Finished& f) override;
  struct Pattern {
    Consolidate cfg;
    std::atomic<uint64_t> count{0};
    std::unique_ptr<PeriodicTask> task;
  };
  std::vector<std::unique_ptr<Pattern>> patterns_;
};

std::string format_error(const Request& req, const Result& r);

}  // namespace skycore::plugins::errors
