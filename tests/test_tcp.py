"""DNS over TCP (RFC 7766): several and pipelined queries per connection,
idle timeout, many idle clients, the per-process connection cap."""

import contextlib
import math
import os
import resource
import socket
import time

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from helpers.dnsclient import (additional, assert_answers, frame, query, recv_frame, tcp,
                               tcp_connect, udp)
from helpers.skycore import poll

WHOAMI = """\
.:@PORT@ {
    bind 127.0.0.1
    whoami
}
"""
IDLE_TIMEOUT = 10  # seconds, fixed in the server
CONN_CAP = 1000  # per process, fixed in the server


def read_replies(sock, n):
    replies = {}
    for _ in range(n):
        wire = recv_frame(sock)
        assert wire is not None, f"connection closed after {len(replies)} of {n} replies"
        msg = dns.message.from_wire(wire)
        assert msg.id not in replies, f"two replies with ID {msg.id}"
        replies[msg.id] = msg
    return replies


def test_pipelined_queries_in_one_write(whoami_server):
    queries = [query(f"q{i}.example.org", id=1000 + i) for i in range(20)]
    with tcp_connect(whoami_server.port, timeout=3) as s:
        s.sendall(b"".join(frame(q.to_wire()) for q in queries))
        replies = read_replies(s, len(queries))
        client_port = s.getsockname()[1]
    assert sorted(replies) == [q.id for q in queries]
    for q in queries:
        r = replies[q.id]
        assert r.rcode() == dns.rcode.NOERROR
        assert r.question == q.question
        (srv,) = additional(r, dns.rdatatype.SRV)
        assert srv.name.to_text() == f"_tcp.{q.question[0].name}"
        assert list(srv)[0].port == client_port


def test_sequential_queries_on_one_connection(whoami_server):
    with tcp_connect(whoami_server.port) as s:
        for i in range(10):
            q = query(f"seq{i}.example.org")
            r = tcp(q, whoami_server.port, sock=s)
            assert r.id == q.id
            assert r.rcode() == dns.rcode.NOERROR


def test_query_split_across_writes(whoami_server):
    q = query("split.example.org")
    data = frame(q.to_wire())
    with tcp_connect(whoami_server.port) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(len(data)):  # one octet per write
            s.sendall(data[i:i + 1])
        r = dns.message.from_wire(recv_frame(s))
    assert r.id == q.id
    assert r.rcode() == dns.rcode.NOERROR


def test_idle_connection_is_closed_by_server(whoami_server):
    with tcp_connect(whoami_server.port) as s:
        r = tcp(query("idle.example.org"), whoami_server.port, sock=s)
        assert r.rcode() == dns.rcode.NOERROR
        start = time.monotonic()
        s.settimeout(IDLE_TIMEOUT + 3)
        try:
            data = s.recv(1)
        except ConnectionResetError:
            data = b""
        except socket.timeout:
            pytest.fail(f"connection still open after {IDLE_TIMEOUT + 3}s idle")
        elapsed = time.monotonic() - start
    assert data == b""
    # Not an immediate close: the connection lived for a good part of the timeout.
    assert elapsed > IDLE_TIMEOUT / 2


@contextlib.contextmanager
def open_connections(port, n):
    socks = []
    try:
        for _ in range(n):
            socks.append(tcp_connect(port, timeout=3))
        yield socks
    finally:
        for s in socks:
            s.close()


def test_idle_clients_do_not_block_new_ones(whoami_server):
    with open_connections(whoami_server.port, 200) as socks:
        # A few are worse than idle: stuck half-way through a length prefix
        # or a message.
        for s in socks[:20]:
            s.sendall(b"\x00")
        for s in socks[20:40]:
            s.sendall(b"\x00\x40\x12\x34")
        for i in range(5):
            for send in (udp, tcp):
                r = send(query(f"{send.__name__}{i}.example.org"), whoami_server.port, timeout=2)
                assert r.rcode() == dns.rcode.NOERROR
        # The idle connections themselves still work.
        r = tcp(query("held.example.org"), whoami_server.port, sock=socks[-1])
        assert r.rcode() == dns.rcode.NOERROR


def test_client_that_never_reads_does_not_block_others(whoami_server):
    wire = frame(query("flood.example.org").to_wire())
    with tcp_connect(whoami_server.port) as s:
        s.setblocking(False)
        sent = 0
        with contextlib.suppress(BlockingIOError, ConnectionError):
            for _ in range(5000):
                s.send(wire)
                sent += 1
        assert sent > 0
        assert_answers(whoami_server.port)


def is_closed_by_peer(sock):
    """Non-blocking check for FIN or RST from the server."""
    sock.setblocking(False)
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except ConnectionError:
        return True


def test_connection_cap_closes_idle_connections_first(start_server):
    n = CONN_CAP + 100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = n + 200  # the client's sockets, plus pytest's own files
    if hard != resource.RLIM_INFINITY and hard < need:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} < {need}: cannot hold {n} connections")
    if soft != resource.RLIM_INFINITY and soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))
    try:
        # The server inherits the raised limit, so it can reach its cap.
        srv = start_server(WHOAMI)
        with open_connections(srv.port, n) as socks:
            workers = len(os.sched_getaffinity(0))
            # The cap is split across workers (rounded up per worker).
            cap = workers * math.ceil(CONN_CAP / workers)
            poll(lambda: sum(map(is_closed_by_peer, socks)) >= n - cap, 5,
                 what=f"the server to close {n - cap} connections")
            # A fresh client still gets an answer...
            r = tcp(query("fresh.example.org"), srv.port, timeout=3)
            assert r.rcode() == dns.rcode.NOERROR
            assert udp(query("fresh.example.org"), srv.port).rcode() == dns.rcode.NOERROR
            closed = [is_closed_by_peer(s) for s in socks]
            # ...the newest connections survive: the oldest idle ones went first.
            assert not any(closed[-100:])
            assert sum(closed) >= n - cap
            # Not a wholesale purge. (Each worker enforces its share of the cap,
            # and SO_REUSEPORT spreads clients unevenly: a bit more than n - cap
            # may go.)
            assert sum(closed) < n // 4
            assert sum(closed[:len(closed) // 2]) > sum(closed[len(closed) // 2:])
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
