// The client side of one HTTP/2 connection (nghttp2) for DNS over HTTPS,
// without any I/O: feed() takes bytes read from the server, take_output()
// gives bytes to write, and each finished stream is reported once through
// the callback with its status and body (or as failed: reset, or closed
// with the connection). Bodies are capped at one DNS message.
#pragma once
#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace skycore::plugins::forward {

class H2ClientSession {
 public:
  struct Done {
    int32_t stream = 0;
    bool ok = false;  // the stream ended normally
    int status = 0;
    std::vector<uint8_t> body;
  };
  using OnDone = std::function<void(Done&)>;

  explicit H2ClientSession(OnDone on_done);
  ~H2ClientSession();
  H2ClientSession(const H2ClientSession&) = delete;
  H2ClientSession& operator=(const H2ClientSession&) = delete;

  // POSTs `message` to `path` at `authority`; the stream id, or -1 when the
  // session cannot take another stream now.
  int32_t post(const std::string& authority, const std::string& path, std::span<const uint8_t> message);
  void cancel(int32_t stream);  // RST_STREAM; no callback for it afterwards
  bool feed(std::span<const uint8_t> bytes);  // false: the server broke the protocol
  void take_output(std::vector<uint8_t>& out, size_t limit);
  bool usable() const;  // the server has not said GOAWAY and the session is alive
  // Fails every open stream (the connection is gone).
  void fail_all();

 private:
  struct Stream {
    std::vector<uint8_t> request;
    size_t sent = 0;
    int status = 0;
    std::vector<uint8_t> body;
    bool too_big = false;
    bool cancelled = false;
  };
  static int on_header(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t, const uint8_t*, size_t,
                       uint8_t, void*);
  static int on_data(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int on_close(nghttp2_session*, int32_t, uint32_t, void*);
  static ssize_t read_request(nghttp2_session*, int32_t, uint8_t*, size_t, uint32_t*, nghttp2_data_source*, void*);

  nghttp2_session* session_ = nullptr;
  OnDone on_done_;
  std::map<int32_t, Stream> streams_;
};

}  // namespace skycore::plugins::forward
