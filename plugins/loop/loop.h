// loop: detects a forwarding loop at start-up, as CoreDNS's loop plugin.
// It sends `<random>.<random>.<zone> HINFO` to this server's own address;
// if that query comes back through the chain more than twice (forward sent
// it to an upstream that sent it back to us), the server is forwarding to
// itself and stops with a clear message. After the probe got an answer, or
// 30 s, the plugin only passes queries on.
#pragma once
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "core/plugin/periodic_task.h"
#include "core/plugin/plugin.h"
#include "core/wire/name.h"

namespace skycore::plugins::loop {

class Loop final : public Plugin {
 public:
  Loop(wire::Name zone, std::string address, uint16_t port);
  ~Loop() override;
  std::string_view name() const override { return "loop"; }
  asio::awaitable<Result> serve(Request& req, Next next) override;

  void start();  // sends the probe from a thread of its own
  void stop();

 private:
  void probe();
  wire::Name zone_;
  wire::Name qname_;  // the probe's name, lowercased
  std::string address_;
  uint16_t port_;
  std::atomic<int> seen_{0};
  std::atomic<bool> disabled_{false};
  PeriodicTask task_{"loop", std::chrono::milliseconds(0), [this] { probe(); }};  // one probe run
};

}  // namespace skycore::plugins::loop
