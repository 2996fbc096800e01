"""timeouts against the real binary: a TCP client that sends nothing is
closed after the block's idle timeout, one that sends a length and no query
after its read timeout; a pipelined client that keeps asking stays. The
default (10 s) would outlast each bounded wait here, so the tests fail
without the directive."""

import socket
import struct
import time

import dns.message

from helpers.dnsclient import frame, recv_frame, tcp_connect
from helpers.skycore import poll


COREFILE = """\
.:@PORT@ {
    bind 127.0.0.1
    timeouts {
        read 1s
        idle 2s
    }
    whoami
}
"""


def closed_by_server(sock):
    sock.settimeout(0.2)
    try:
        return sock.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def test_idle_and_read_timeouts_close_tcp_connections(start_server):
    srv = start_server(COREFILE)
    idle = tcp_connect(srv.port)
    partial = tcp_connect(srv.port)
    partial.sendall(struct.pack("!H", 40))  # a length, then nothing
    poll(lambda: closed_by_server(partial), 5, what="the half-sent query's connection to close (read 1s)")
    poll(lambda: closed_by_server(idle), 5, what="the idle connection to close (idle 2s)")
    idle.close()
    partial.close()


def test_a_client_that_keeps_asking_stays_connected(start_server):
    srv = start_server(COREFILE)
    s = tcp_connect(srv.port)
    q = dns.message.make_query("whoami.example.", "A")
    # 3 s in all, past the 2 s idle timeout, but never quiet for 2 s: the
    # passage of time is what is tested here, so this waits on the clock.
    for _ in range(6):
        s.sendall(frame(q.to_wire()))
        assert dns.message.from_wire(recv_frame(s)).id == q.id
        time.sleep(0.5)
    s.sendall(frame(q.to_wire()))
    assert dns.message.from_wire(recv_frame(s)).id == q.id
    s.close()
