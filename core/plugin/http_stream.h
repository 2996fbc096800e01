// A response body that never ends (server-sent events): the handler keeps
// the stream and pushes chunks from any thread; the HttpServer writes them
// as they come, each write bounded by its write timeout. A client that does
// not read cannot grow memory: once more than `max_buffered` bytes wait,
// push() fails, the stream is closed and the connection with it.
//
// A stream may start with one shared head (a snapshot as big as a listing,
// the same for every stream that joined together): it is held once however
// many streams carry it, is not counted against max_buffered, and the
// server writes it in pieces, each bounded by the write timeout, all of it
// within kHeadSeconds (so a client that reads slowly cannot keep a shared
// buffer alive for long).
#pragma once
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace skycore {

class HttpStream {
 public:
  static constexpr int kHeadSeconds = 30;
  explicit HttpStream(size_t max_buffered = 256 * 1024) : max_(max_buffered) {}

  // Queues `chunk`; false (and closed) if the client fell too far behind,
  // false if closed already.
  bool push(std::string_view chunk) {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      if (closed_) return false;
      if (pending_.size() + chunk.size() > max_) {
        closed_ = true;
        pending_.clear();
        head_.reset();
      } else {
        pending_.append(chunk);
      }
      wake = wake_;
    }
    if (wake) wake();
    return !is_closed();
  }
  // Sets the shared head, written before anything pushed; once per stream,
  // before its first push.
  bool push_head(std::shared_ptr<const std::string> head) {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      if (closed_) return false;
      head_ = std::move(head);
      wake = wake_;
    }
    if (wake) wake();
    return true;
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
  // Lets go of whatever is still queued, the head included: once the
  // server has stopped writing the stream, nothing should keep it alive.
  void drop() {
    std::lock_guard lock(mu_);
    head_.reset();
    pending_.clear();
    pending_.shrink_to_fit();
  }
  // Moves the head (if one is set) into `head` and what is queued into
  // `out`; false once closed and drained.
  bool take(std::shared_ptr<const std::string>& head, std::string& out) {
    std::lock_guard lock(mu_);
    head = std::move(head_);
    head_.reset();
    out.swap(pending_);
    pending_.clear();
    return !(closed_ && out.empty() && !head);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const std::string> head_;
  std::string pending_;
  bool closed_ = false;
  size_t max_;
  std::function<void()> wake_;
};

}  // namespace skycore
