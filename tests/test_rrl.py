"""rrl against the real binary: a UDP flood from one address is limited
(dropped, every other limited answer truncated) while a second address
(127.0.0.2) is answered at its own full rate; TCP is never limited;
report-only counts but answers. Counts come from the server's metrics, so
the test waits on conditions, never on time."""

import select
import socket

import dns.flags
import dns.message
import dns.rcode

from helpers.dnsclient import query, tcp
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, poll

NAME = "www.example.org."  # hosts answers it: a positive response


def corefile(mport, extra=""):
    return f"""example.org:@PORT@ {{
    bind 127.0.0.1
    prometheus 127.0.0.1:{mport}
    rrl {{
        responses-per-second 10
        window 5
        ipv4-prefix-length 32
        slip-ratio 2
{extra}    }}
    hosts {{
        192.0.2.1 www.example.org
    }}
}}
"""


def metric(mport, name, category="response"):
    return Exposition(scrape(mport)).value(name, category=category) or 0


def flood(port, source, n):
    """n queries from one socket; -> (the socket, the query ids)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    ids = []
    for i in range(n):
        q = query(NAME)
        q.id = i
        ids.append(i)
        s.sendto(q.to_wire(), ("127.0.0.1", port))
    return s, ids


def replies(s, expected, timeout=5):
    """Reads until `expected` replies have come (or the timeout): the messages."""
    out = []
    while len(out) < expected:
        ready, _, _ = select.select([s], [], [], timeout)
        if not ready:
            break
        out.append(dns.message.from_wire(s.recv(4096)))
    return out


def test_a_flood_is_limited_and_another_client_is_not(start_server):
    mport = free_port()
    srv = start_server(corefile(mport))
    s, ids = flood(srv.port, "127.0.0.1", 200)
    try:
        poll(lambda: metric(mport, "skycore_rrl_limited_total") + 10 >= 200, 10, what="the flood counted")
        limited = metric(mport, "skycore_rrl_limited_total")
        slipped = metric(mport, "skycore_rrl_slipped_total")
        dropped = metric(mport, "skycore_rrl_dropped_total")
        assert limited >= 180  # 10 a second allowed: the flood takes well under a second
        assert slipped + dropped == limited
        assert abs(slipped - dropped) <= 1  # slip 2: every other one
        got = replies(s, 200 - dropped)
        assert len(got) == 200 - dropped
        truncated = [r for r in got if r.flags & dns.flags.TC]
        assert len(truncated) == slipped
        assert all(not r.answer for r in truncated)
        assert 10 <= len(got) - len(truncated) <= 20
        # Nothing more comes: the rest were dropped.
        assert select.select([s], [], [], 0.2)[0] == []
    finally:
        s.close()
    # Another address, at once: its own allowance, answered in full.
    other, _ = flood(srv.port, "127.0.0.2", 10)
    try:
        got = replies(other, 10)
        assert len(got) == 10 and not any(r.flags & dns.flags.TC for r in got)
    finally:
        other.close()
    # TCP from the flooding address: never limited.
    for _ in range(30):
        r = tcp(query(NAME), srv.port)
        assert r.rcode() == dns.rcode.NOERROR and not (r.flags & dns.flags.TC) and r.answer


def test_report_only_counts_but_answers(start_server):
    mport = free_port()
    srv = start_server(corefile(mport, "        report-only\n"))
    s, _ = flood(srv.port, "127.0.0.1", 100)
    try:
        got = replies(s, 100)
        assert len(got) == 100 and not any(r.flags & dns.flags.TC for r in got)
    finally:
        s.close()
    assert metric(mport, "skycore_rrl_limited_total") >= 80
    assert metric(mport, "skycore_rrl_dropped_total") == 0
    assert metric(mport, "skycore_rrl_slipped_total") == 0


def test_requests_per_second_drops_queries_by_prefix(start_server):
    mport = free_port()
    srv = start_server(corefile(mport, "        requests-per-second 5\n").replace("responses-per-second 10", "responses-per-second 0"))
    s, _ = flood(srv.port, "127.0.0.1", 100)
    try:
        poll(lambda: metric(mport, "skycore_rrl_dropped_total", "request") + 10 >= 100, 10, what="the requests counted")
        dropped = metric(mport, "skycore_rrl_dropped_total", "request")
        got = replies(s, 100 - dropped)
        assert len(got) == 100 - dropped and 5 <= len(got) <= 10
    finally:
        s.close()
