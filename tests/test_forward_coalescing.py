"""forward sends identical questions in flight upstream once: the others wait
for that answer (CVE-2023-30464 made the birthday attack on CoreDNS practical
because each one went out with its own ID and port). The upstream is the
dnspython one of tests/helpers/upstream.py, holding its replies back until
the test has seen every client's question join the flight."""

import random
import socket
import threading

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

from helpers.dnsclient import a_addresses
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, poll
from helpers.upstream import Upstream


def corefile(up, mport):
    return f""".:@PORT@ {{
    bind 127.0.0.1
    prometheus 127.0.0.1:{mport}
    forward example.org {up.address}
    whoami
}}
"""  # whoami answers the start-up probe, outside example.org: the upstream may be holding


def coalesced(mport):
    return Exposition(scrape(mport)).value("skycore_forward_coalesced_total") or 0


def asked(up, name, rdtype=dns.rdatatype.A):
    want = name.lower().rstrip(".") + "."
    return [q for _, q in up.seen_messages()
            if q.question and q.question[0].rdtype == rdtype and q.question[0].name.to_text().lower() == want]


def random_case(name, rng):
    return "".join(c.upper() if rng.random() < 0.5 else c for c in name)


def test_a_hundred_identical_questions_go_upstream_once(start_server):
    rng = random.Random(7)
    with Upstream() as up:
        up.hold = threading.Event()
        mport = free_port()
        srv = start_server(corefile(up, mport))
        # 100 clients on their own sockets (so on both workers), from two
        # addresses, each with its own ID and its own spelling of the name.
        clients = []
        for i in range(100):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("127.0.0.1" if i % 2 else "127.0.0.2", 0))
            s.settimeout(5)
            q = dns.message.make_query(random_case("herd.example.org.", rng), "A")
            q.id = rng.randrange(65536)
            s.sendto(q.to_wire(), ("127.0.0.1", srv.port))
            clients.append((s, q))
        try:
            poll(lambda: len(asked(up, "herd.example.org")) >= 1 and coalesced(mport) >= 99, 10,
                 what="every question in flight (1 asking, 99 waiting)")
            up.hold.set()
            for s, q in clients:
                r = dns.message.from_wire(s.recv(4096))
                assert r.id == q.id
                assert r.question[0].name.to_text() == q.question[0].name.to_text()  # its own case
                assert r.rcode() == dns.rcode.NOERROR and a_addresses(r) == ["192.0.2.1"]
        finally:
            for s, _ in clients:
                s.close()
        assert len(asked(up, "herd.example.org")) == 1
        assert coalesced(mport) == 99


def test_questions_that_differ_in_type_do_or_cd_are_asked_each(start_server):
    with Upstream() as up:
        up.hold = threading.Event()
        mport = free_port()
        srv = start_server(corefile(up, mport))
        variants = [dns.message.make_query("kinds.example.org.", "A"),
                    dns.message.make_query("kinds.example.org.", "A", want_dnssec=True),
                    dns.message.make_query("kinds.example.org.", "AAAA")]
        cd = dns.message.make_query("kinds.example.org.", "A")
        cd.flags |= dns.flags.CD
        variants.append(cd)
        socks = []
        try:
            for q in variants:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(5)
                s.sendto(q.to_wire(), ("127.0.0.1", srv.port))
                socks.append((s, q))
            # (The upstream reads its next datagram only after the held
            # reply, so count what forward sent.)
            poll(lambda: Exposition(scrape(mport)).value("skycore_forward_requests_total", to=up.address) == 4,
                 10, what="four different questions sent upstream")
            up.hold.set()
            for s, q in socks:
                r = dns.message.from_wire(s.recv(4096))
                assert r.id == q.id and r.rcode() == dns.rcode.NOERROR
        finally:
            for s, _ in socks:
                s.close()
        assert coalesced(mport) == 0
        assert len(asked(up, "kinds.example.org", dns.rdatatype.AAAA)) == 1
        ups = asked(up, "kinds.example.org")
        assert sorted((bool(q.flags & dns.flags.CD), bool(q.ednsflags & dns.flags.DO)) for q in ups) == \
            [(False, False), (False, True), (True, False)]


def test_followers_ask_on_their_own_when_the_leader_gets_no_answer(start_server):
    """The first question's reply is held past forward's 2 s try: its client
    gets SERVFAIL. The four that waited on it then ask for themselves, with
    the rest of their own 5 s, and are answered once the upstream replies."""
    with Upstream() as up:
        up.hold = threading.Event()
        mport = free_port()
        srv = start_server(corefile(up, mport))
        socks = []
        try:
            for i in range(5):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(8)
                q = dns.message.make_query("late.example.org.", "A")
                s.sendto(q.to_wire(), ("127.0.0.1", srv.port))
                socks.append((s, q))
                if i == 0:
                    poll(lambda: len(asked(up, "late.example.org")) == 1, 5, what="the first question upstream")
            poll(lambda: coalesced(mport) >= 4, 5, what="four waiting on the first")
            first = dns.message.from_wire(socks[0][0].recv(4096))  # its try timed out
            assert first.rcode() == dns.rcode.SERVFAIL
            up.hold.set()
            answers = [dns.message.from_wire(s.recv(4096)) for s, _ in socks[1:]]
        finally:
            for s, _ in socks:
                s.close()
        assert [r.rcode() for r in answers] == [dns.rcode.NOERROR] * 4
        assert all(a_addresses(r) == ["192.0.2.1"] for r in answers)
        assert len(asked(up, "late.example.org")) == 5  # the first, then each of the four on its own
