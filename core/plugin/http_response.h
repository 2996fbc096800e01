// What an HttpServer handler answers, and its bytes on the wire.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skycore {

class HttpStream;

struct HttpResponse {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  HttpResponse(int st = 200, std::string type = "text/plain; charset=utf-8", std::string b = {}, Headers h = {},
               std::shared_ptr<HttpStream> s = {})
      : status(st), content_type(std::move(type)), body(std::move(b)), headers(std::move(h)), stream(std::move(s)) {}
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  Headers headers;  // extra fields (Allow, ...)
  // Set: `body` is sent, then whatever the stream brings until it closes,
  // with no Content-Length and Connection: close (http_stream.h).
  std::shared_ptr<HttpStream> stream;
};

// {"error": reason} with `status`, the body every 4xx/5xx of the registry
// API and of the listener itself carries.
HttpResponse http_json_error(int status, std::string_view reason);

// Status line, headers (Content-Type, Content-Length, the extra ones, and
// Connection: close when `close`), blank line, and the body unless
// `head_only` (an answer to HEAD).
std::string serialize_response(const HttpResponse& r, bool head_only, bool close);

}  // namespace skycore
