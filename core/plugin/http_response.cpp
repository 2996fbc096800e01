#include "core/plugin/http_response.h"

#include <fmt/format.h>

#include "core/plugin/json_text.h"

namespace skycore {
namespace {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

}  // namespace

HttpResponse http_json_error(int status, std::string_view reason) {
  std::string body = "{";
  append_json_key(body, "error");
  append_json_string(body, reason);
  body += '}';
  return HttpResponse{status, "application/json", std::move(body), {}};
}

std::string serialize_response(const HttpResponse& r, bool head_only, bool close) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\n", r.status, reason_phrase(r.status),
                                r.content_type);
  if (r.stream) close = true;  // the body ends when the connection does
  else out += fmt::format("Content-Length: {}\r\n", r.body.size());
  for (const auto& [k, v] : r.headers) out += fmt::format("{}: {}\r\n", k, v);
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head_only) out += r.body;
  return out;
}

}  // namespace skycore
