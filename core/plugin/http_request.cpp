#include "core/plugin/http_request.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace skycore {
namespace {

bool is_tchar(unsigned char c) {
  return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (item.size() == token.size() &&
        std::equal(item.begin(), item.end(), token.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
      return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

HttpError bad(std::string reason, int status = 400) { return HttpError{status, std::move(reason)}; }

}  // namespace

std::string body_too_large(size_t max_body) {
  if (max_body >= 1024 && max_body % 1024 == 0) return "body larger than " + std::to_string(max_body / 1024) + " KiB";
  return "body larger than " + std::to_string(max_body) + " bytes";
}

namespace {

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

std::optional<HttpError> parse_http_head(std::string_view head, size_t max_body, HttpRequest& out) {
  auto eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);

  // method SP request-target SP HTTP/1.x, exactly one space each (RFC 9112 3).
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return bad("malformed request line");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (method.empty() || method.size() > 32 || !std::all_of(method.begin(), method.end(), [](unsigned char c) {
        return is_tchar(c);
      }))
    return bad("malformed method");
  if (target.empty() || target.front() != '/' ||
      std::any_of(target.begin(), target.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; }))
    return bad("malformed request target");
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return bad(version.starts_with("HTTP/") ? "HTTP version not supported" : "malformed request line",
               version.starts_with("HTTP/") ? 505 : 400);
  out.method = std::string(method);
  out.target = std::string(target);
  out.minor = version.back() - '0';
  out.keep_alive = out.minor == 1;

  bool has_length = false;
  while (!rest.empty()) {
    eol = rest.find("\r\n");
    line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
    auto colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return bad("malformed header field");
    std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), [](unsigned char c) { return is_tchar(c); }))
      return bad("malformed header field name");  // also refuses "Name :" (RFC 9112 5.1)
    std::string_view value = trim(line.substr(colon + 1));
    if (std::any_of(value.begin(), value.end(), [](unsigned char c) { return (c < ' ' && c != '\t') || c == 0x7f; }))
      return bad("malformed header field value");
    std::string lname(name);
    std::transform(lname.begin(), lname.end(), lname.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lname == "content-length") {
      size_t n = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || p != value.data() + value.size() || value.empty()) {
        if (ec == std::errc::result_out_of_range) return bad(body_too_large(max_body), 413);
        return bad("malformed Content-Length");
      }
      if (has_length && out.content_length != n) return bad("conflicting Content-Length fields");
      has_length = true;
      out.content_length = n;
    } else if (lname == "transfer-encoding") {
      // Only "chunked" alone: anything else cannot be framed safely.
      if (!contains_token(value, "chunked") || trim(value).size() != 7 || out.chunked)
        return bad("unsupported Transfer-Encoding", 501);
      out.chunked = true;
    } else if (lname == "connection") {
      if (contains_token(value, "close")) out.keep_alive = false;
      else if (contains_token(value, "keep-alive")) out.keep_alive = true;
    } else if (lname == "expect") {
      if (!contains_token(value, "100-continue")) return bad("unsupported Expect", 417);
      out.expect_continue = out.minor == 1;
    }
    if (out.headers.size() >= 100) return bad("too many header fields", 431);
    out.headers.emplace_back(std::move(lname), std::string(value));
  }
  if (out.chunked && has_length) return bad("both Content-Length and Transfer-Encoding");
  if (out.content_length && *out.content_length > max_body) return bad(body_too_large(max_body), 413);
  return std::nullopt;
}

}  // namespace skycore
