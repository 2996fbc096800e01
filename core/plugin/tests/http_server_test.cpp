// HttpServer's AsyncHandler: a request can be answered later, from another
// thread, without holding the I/O thread or a pool thread meanwhile; a
// second answer is ignored, and an answer after the server is gone is
// harmless.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/plugin/http_server.h"

using namespace skycore;
using namespace std::chrono_literals;

namespace {
// A port nothing listens on now (the listener refuses port 0).
std::string free_address() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
}

int connect_to(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

void send_get(int fd, const std::string& path) {
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
}

// One whole response (the bodies here are short), or "" after `wait`.
std::string read_response(int fd, std::chrono::milliseconds wait = 5000ms) {
  std::string in;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto end = in.find("\r\n\r\n");
    if (end != std::string::npos) {
      auto cl = in.find("Content-Length: ");
      size_t length = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
      if (in.size() >= end + 4 + length) return in.substr(0, end + 4 + length);
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  return "";
}

// Requests to /later are parked until the test answers them.
struct Parked {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<HttpServer::Respond> waiting;
  void park(HttpServer::Respond r) {
    std::lock_guard lock(mu);
    waiting.push_back(std::move(r));
    cv.notify_all();
  }
  HttpServer::Respond take() {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, 5s, [&] { return !waiting.empty(); }));
    auto r = std::move(waiting.front());
    waiting.erase(waiting.begin());
    return r;
  }
};

HttpServer::AsyncHandler handler(Parked& parked) {
  return [&parked](const HttpRequest& req, HttpServer::Respond respond) {
    if (req.target == "/later") return parked.park(std::move(respond));
    if (req.target == "/throw") throw std::runtime_error("boom");
    respond(HttpResponse{200, "text/plain", "now:" + req.target, {}});
  };
}
}  // namespace

TEST_CASE("http server: an answer given later, from another thread, holds up nobody") {
  Parked parked;
  HttpLimits limits;  // no handler threads: the handler runs on the I/O thread
  HttpServer server(free_address(), limits, handler(parked));
  int slow = connect_to(server.port()), quick = connect_to(server.port());
  send_get(slow, "/later");
  auto respond = parked.take();
  send_get(quick, "/a");
  CHECK(read_response(quick).ends_with("now:/a"));  // while /later still waits
  CHECK(read_response(slow, 100ms) == "");
  std::thread([r = std::move(respond)] { r(HttpResponse{201, "text/plain", "late", {}}); }).join();
  std::string late = read_response(slow);
  CHECK(late.starts_with("HTTP/1.1 201 Created\r\n"));
  CHECK(late.ends_with("late"));
  // The connection goes on with the next request.
  send_get(slow, "/b");
  CHECK(read_response(slow).ends_with("now:/b"));
  ::close(slow);
  ::close(quick);
}

TEST_CASE("http server: a second answer is ignored; a handler that throws gets 500") {
  Parked parked;
  HttpServer server(free_address(), HttpLimits{}, handler(parked));
  int fd = connect_to(server.port());
  send_get(fd, "/later");
  auto respond = parked.take();
  respond(HttpResponse{200, "text/plain", "first", {}});
  respond(HttpResponse{200, "text/plain", "second", {}});
  CHECK(read_response(fd).ends_with("first"));
  send_get(fd, "/throw");
  CHECK(read_response(fd).starts_with("HTTP/1.1 500"));
  send_get(fd, "/c");
  std::string next = read_response(fd);
  CHECK(next.ends_with("now:/c"));  // nothing of "second" came in between
  CHECK(next.find("second") == std::string::npos);
  ::close(fd);
}

TEST_CASE("http server: an answer after the server is gone does nothing") {
  Parked parked;
  HttpServer::Respond respond;
  {
    HttpServer server(free_address(), HttpLimits{}, handler(parked));
    int fd = connect_to(server.port());
    send_get(fd, "/later");
    respond = parked.take();
    ::close(fd);
  }
  respond(HttpResponse{200, "text/plain", "too late", {}});  // ASan (scripts/sanitize) would see a use after free
  CHECK(parked.waiting.empty());
}
