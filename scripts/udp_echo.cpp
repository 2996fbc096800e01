// The kernel's floor for a UDP DNS server on this machine: one thread that
// receives datagrams in batches (recvmmsg, 32 at a time, as skycore's
// listener does), sets the QR bit and sends each back unchanged
// (sendmmsg). No DNS work at all. scripts/bench builds it with g++ and
// measures its CPU per query in the same run as the servers, so "within
// 1.10x of the floor" has a number beside it.
// Usage: udp_echo PORT   (binds 127.0.0.1:PORT; runs until killed)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: udp_echo PORT\n");
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("udp_echo: bind");
    return 1;
  }
  constexpr int kBatch = 32;
  static char bufs[kBatch][1232];
  sockaddr_in peers[kBatch];
  iovec iov[kBatch];
  mmsghdr msgs[kBatch];
  for (;;) {
    for (int i = 0; i < kBatch; ++i) {
      iov[i] = {bufs[i], sizeof bufs[i]};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &peers[i];
      msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
    }
    int n = recvmmsg(fd, msgs, kBatch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;
    for (int i = 0; i < n; ++i) {
      iov[i].iov_len = msgs[i].msg_len;
      if (msgs[i].msg_len >= 3) bufs[i][2] = static_cast<char>(bufs[i][2] | 0x80);  // QR: a response
    }
    for (int sent = 0; sent < n;) {
      int r = sendmmsg(fd, msgs + sent, static_cast<unsigned>(n - sent), 0);
      if (r <= 0) break;
      sent += r;
    }
  }
}
