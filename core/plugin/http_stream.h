// A response body that never ends (server-sent events): the handler keeps
// the stream and pushes chunks from any thread; the HttpServer writes them
// as they come, each write bounded by its write timeout. A client that does
// not read cannot grow memory: once more than `max_buffered` bytes wait,
// push() fails, the stream is closed and the connection with it.
#pragma once
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>

namespace skycore {

class HttpStream {
 public:
  explicit HttpStream(size_t max_buffered = 256 * 1024) : max_(max_buffered) {}

  // Queues `chunk`; false (and closed) if the client fell too far behind,
  // false if closed already. `whole` takes the chunk whatever its size (a
  // first snapshot, as big as a listing would be); later pushes still count it.
  bool push(std::string_view chunk, bool whole = false) {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      if (closed_) return false;
      if (!whole && pending_.size() + chunk.size() > max_) {
        closed_ = true;
        pending_.clear();
      } else {
        pending_.append(chunk);
      }
      wake = wake_;
    }
    if (wake) wake();
    return !is_closed();
  }
  // Ends the stream (the server closes the connection once it has written
  // what is queued); also what the server calls when the client goes.
  void close() {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      wake = wake_;
    }
    if (wake) wake();
  }
  bool is_closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }

  // --- for the server ---
  // Called after each push or close, from the pushing thread.
  void on_wake(std::function<void()> f) {
    std::lock_guard lock(mu_);
    wake_ = std::move(f);
  }
  // Moves what is queued into `out`; false once closed and drained.
  bool take(std::string& out) {
    std::lock_guard lock(mu_);
    out.swap(pending_);
    pending_.clear();
    return !(closed_ && out.empty());
  }

 private:
  mutable std::mutex mu_;
  std::string pending_;
  bool closed_ = false;
  size_t max_;
  std::function<void()> wake_;
};

}  // namespace skycore
