// What an HttpServer handler answers, and its bytes on the wire.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skycore {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra fields (Allow, ...)
};

// {"error": reason} with `status`, the body every 4xx/5xx of the registry
// API and of the listener itself carries.
HttpResponse http_json_error(int status, std::string_view reason);

// Status line, headers (Content-Type, Content-Length, the extra ones, and
// Connection: close when `close`), blank line, and the body unless
// `head_only` (an answer to HEAD).
std::string serialize_response(const HttpResponse& r, bool head_only, bool close);

}  // namespace skycore
