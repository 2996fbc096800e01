// Where log lines go: one single-producer ring per worker, drained to
// stdout by a writer thread of its own, so a worker never waits for the
// terminal or a pipe. A full ring drops the line and counts it.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace skycore::plugins::log {

class LineSink {
 public:
  static constexpr size_t kRingBytes = 1 << 20;

  LineSink(size_t workers, int fd = 1);
  ~LineSink();
  void start();
  void stop();  // drains what is buffered, then ends the writer thread

  // Called only by worker `worker`; never blocks. False if dropped.
  bool push(size_t worker, std::string_view line);
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Ring {
    std::unique_ptr<char[]> buf{new char[kRingBytes]};
    std::atomic<uint64_t> head{0};  // written by the worker
    std::atomic<uint64_t> tail{0};  // written by the writer thread
  };
  void run();
  bool drain();  // true if anything was written

  int fd_;
  std::vector<std::unique_ptr<Ring>> rings_;
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable wake_;
};

}  // namespace skycore::plugins::log
