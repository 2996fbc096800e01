// The head of an HTTP/1.x request (request line + header fields) parsed from
// untrusted bytes, for skycore's own HTTP listeners (health, ready, metrics,
// the registry API). Strict where leniency hides attacks (request smuggling,
// malformed methods), plain about what it does not support.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace skycore {

struct HttpRequest {
  std::string method;   // as sent: a token of A-Z (FOO is a method, just an unknown one)
  std::string target;   // origin-form: /path?query
  int minor = 1;        // HTTP/1.minor
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::optional<size_t> content_length;
  bool chunked = false;
  bool keep_alive = true;
  bool expect_continue = false;
  std::string body;  // filled by the server after the head

  // The first value of header `name` (lowercase), or "".
  std::string_view header(std::string_view name) const;
};

// Why a head was refused: the status to answer and a reason for the JSON body.
struct HttpError {
  int status = 400;
  std::string reason;
};

// Parses `head`: everything before the blank line that ends it (without the
// final CRLF CRLF). A body longer than max_body is refused (413) here, before
// anything of it is read.
// "body larger than 64 KiB": the reason of a 413.
std::string body_too_large(size_t max_body);

std::optional<HttpError> parse_http_head(std::string_view head, size_t max_body, HttpRequest& out);

}  // namespace skycore
