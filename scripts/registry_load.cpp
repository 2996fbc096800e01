// A load generator for the registry API, so that scripts/bench measures the
// registry and not a Python client: CONNS keep-alive HTTP/1.1 connections,
// each with one request in flight (as many services heartbeating at once),
// driven by poll(2) from one thread.
//   registry_load PORT CONNS FIRST COUNT put NAMES [PREFIX]
//                                                    PUT /skydns/services/u<i>
//                                                    for i in [FIRST, FIRST+COUNT),
//                                                    service <PREFIX><i % NAMES>
//                                                    (PREFIX "svc" unless given)
//   registry_load PORT CONNS FIRST COUNT patch       PATCH {"TTL":3600} (heartbeats)
// Prints "<requests> <seconds> <non-2xx answers>" and exits 1 on any error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Conn {
  int fd = -1;
  std::string out, in;
  size_t sent = 0;
  bool busy = false;
};

std::string request(const char* mode, long i, long names, const char* prefix) {
  std::string path = "/skydns/services/u" + std::to_string(i), body, method;
  if (std::strcmp(mode, "put") == 0) {
    method = "PUT";
    body = "{\"Name\":\"" + std::string(prefix) + std::to_string(i % names) + "\",\"Version\":\"1\",\"Environment\":\"production\"," +
           "\"Region\":\"" + (i % 2 ? "east" : "west") + "\",\"Host\":\"10." + std::to_string(i / 65536 % 256) +
           "." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256) +
           "\",\"Port\":8080,\"TTL\":3600}";
  } else {
    method = "PATCH";
    body = "{\"TTL\":3600}";
  }
  return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One whole response at the front of `in`: its length and status, or 0.
size_t response(const std::string& in, int& status) {
  size_t end = in.find("\r\n\r\n");
  if (end == std::string::npos) return 0;
  size_t length = 0;
  const char* cl = "\r\nContent-Length:";
  for (size_t at = in.find("\r\n"); at < end; at = in.find("\r\n", at + 2))
    if (strncasecmp(in.data() + at, cl, std::strlen(cl)) == 0) length = std::strtoul(in.data() + at + 17, nullptr, 10);
  if (in.size() < end + 4 + length) return 0;
  status = std::atoi(in.data() + 9);
  return end + 4 + length;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: registry_load PORT CONNS FIRST COUNT put NAMES [PREFIX] | patch\n");
    return 2;
  }
  int port = std::atoi(argv[1]), conns = std::atoi(argv[2]);
  long first = std::atol(argv[3]), count = std::atol(argv[4]);
  const char* mode = argv[5];
  long names = argc > 6 ? std::atol(argv[6]) : 1;
  const char* prefix = argc > 7 ? argv[7] : "svc";
  std::vector<Conn> cs(conns);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (auto& c : cs) {
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      std::perror("registry_load: connect");
      return 1;
    }
  }
  long next = first, done = 0, bad = 0;
  auto start = std::chrono::steady_clock::now();
  std::vector<pollfd> fds(conns);
  char buf[65536];
  while (done < count) {
    for (int k = 0; k < conns; ++k) {
      Conn& c = cs[k];
      if (!c.busy && next < first + count) {
        c.out = request(mode, next++, names, prefix);
        c.sent = 0;
        c.busy = true;
      }
      fds[k] = {c.fd, static_cast<short>(c.busy ? (c.sent < c.out.size() ? POLLOUT : POLLIN) : 0), 0};
    }
    if (poll(fds.data(), fds.size(), 10000) <= 0) {
      std::fprintf(stderr, "registry_load: no answer for 10 s\n");
      return 1;
    }
    for (int k = 0; k < conns; ++k) {
      Conn& c = cs[k];
      if (fds[k].revents & POLLOUT) {
        ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
        if (n <= 0) {
          std::perror("registry_load: send");
          return 1;
        }
        c.sent += static_cast<size_t>(n);
      } else if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = recv(c.fd, buf, sizeof buf, 0);
        if (n <= 0) {
          std::fprintf(stderr, "registry_load: the server closed a connection\n");
          return 1;
        }
        c.in.append(buf, static_cast<size_t>(n));
        int status = 0;
        if (size_t len = response(c.in, status)) {
          c.in.erase(0, len);
          c.busy = false;
          ++done;
          if (status < 200 || status > 299) ++bad;
        }
      }
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%ld %.6f %ld\n", done, secs, bad);
  for (auto& c : cs) close(c.fd);
  return bad ? 1 : 0;
}
