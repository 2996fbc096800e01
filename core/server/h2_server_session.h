// The server side of one HTTP/2 connection (nghttp2, Debian's libnghttp2),
// without any I/O: bytes read from the client go in through feed(), bytes
// for the client come out of take_output(). Complete requests are handed
// to the owner; the owner answers each one, now or later, with respond().
// What a client can make it hold is bounded: request bodies up to
// max_body each and max_held together (else the stream is reset), at most
// max_streams at once (the SETTINGS it announces; nghttp2 refuses more).
#pragma once
#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace skycore::server {

struct H2Request {
  int32_t stream = 0;
  std::string method, path;
  std::vector<uint8_t> body;
};

class H2ServerSession {
 public:
  using OnRequest = std::function<void(H2Request&)>;
  H2ServerSession(size_t max_streams, size_t max_body, size_t max_held, OnRequest on_request);
  ~H2ServerSession();
  H2ServerSession(const H2ServerSession&) = delete;
  H2ServerSession& operator=(const H2ServerSession&) = delete;

  // False when the client broke the protocol: close the connection.
  bool feed(std::span<const uint8_t> bytes);
  // Appends what is ready to be written (frames nghttp2 wants to send).
  void take_output(std::vector<uint8_t>& out, size_t limit);
  // Answers stream `stream` if it is still open (a reset one is skipped).
  void respond(int32_t stream, int status, std::vector<std::pair<std::string, std::string>> headers,
               std::vector<uint8_t> body);
  bool done() const;       // neither side has more to say
  size_t open_streams() const { return streams_.size(); }

 private:
  struct Stream {
    H2Request req;
    std::vector<uint8_t> response;
    size_t sent = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // kept until sent
    size_t body_held = 0;  // the body's bytes in held_ (the body itself is handed on)
    bool too_big = false;
  };
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_header(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t, const uint8_t*, size_t,
                       uint8_t, void*);
  static int on_data(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int on_frame(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_close(nghttp2_session*, int32_t, uint32_t, void*);
  static ssize_t read_body(nghttp2_session*, int32_t, uint8_t*, size_t, uint32_t*, nghttp2_data_source*, void*);

  nghttp2_session* session_ = nullptr;
  size_t max_body_, max_held_;
  size_t held_ = 0;  // request and response bytes of the open streams
  OnRequest on_request_;
  std::map<int32_t, Stream> streams_;
};

}  // namespace skycore::server
