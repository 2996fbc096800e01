"""forward to https:// upstreams (DNS over HTTPS, RFC 8484) with unbound's DoH
server (HTTP/2) as the upstream: answers over one reused connection, the
certificate checked against tls_servername, health checks and failover to
the next upstream, and queries in flight sharing the connection."""

import concurrent.futures
import os

import dns.rcode
import pytest

from helpers.certs import make_pki
from helpers.dnsclient import query, tcp, udp
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, poll, run_skycore
from helpers.unbound import Unbound
from helpers.upstream import Upstream

NAME = "doh.example.test"


@pytest.fixture
def doh_unbound(tmp_path):
    pki = make_pki(tmp_path / "pki", NAME)
    with Unbound(tmp_path / "unbound-doh", https=(pki.server_key, pki.server_cert)) as u:
        yield u, pki


def corefile(u, pki, mport, server_name=NAME, extra_to="", options=""):
    return (f".:@PORT@ {{\n    bind 127.0.0.1\n    errors\n    prometheus 127.0.0.1:{mport}\n"
            f"    forward . https://{u.address} {extra_to} {{\n        tls {pki.ca}\n"
            f"        tls_servername {server_name}\n{options}    }}\n}}\n")


def established_to(port):
    """Established TCP sockets whose remote end is 127.0.0.1:port (/proc/net/tcp)."""
    n = 0
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            rem, state = fields[2], fields[3]
            if state == "01" and rem == f"0100007F:{port:04X}":
                n += 1
    return n


def a_of(r):
    return sorted(rr.address for rrset in r.answer for rr in rrset if rrset.rdtype == 1)


def test_answers_come_from_unbound_over_https(start_server, doh_unbound):
    u, pki = doh_unbound
    mport = free_port()
    srv = start_server(corefile(u, pki, mport))
    to = f"https://{u.address}"
    before = Exposition(scrape(mport))  # the start-up probe went upstream too
    for via in (udp, tcp):
        q = query("www.example.test")
        r = via(q, srv.port, timeout=5)
        assert r.id == q.id and r.rcode() == dns.rcode.NOERROR and a_of(r) == ["192.0.2.55"]
    r = udp(query("nope.example.test"), srv.port, timeout=5)
    assert r.rcode() == dns.rcode.NXDOMAIN
    e = Exposition(scrape(mport))
    delta = lambda name, **kw: e.value(name, **kw) - before.value(name, **kw)
    assert delta("skycore_forward_requests_total", to=to) == 3
    assert delta("skycore_forward_responses_total", to=to, rcode="NOERROR") == 2
    assert delta("skycore_forward_responses_total", to=to, rcode="NXDOMAIN") == 1


def test_queries_in_flight_share_one_connection(start_server, doh_unbound):
    u, pki = doh_unbound
    srv = start_server(corefile(u, pki, free_port()))
    udp(query("www.example.test"), srv.port, timeout=5)  # the connection is up

    def ask(i):
        return udp(query("www.example.test" if i % 2 else f"n{i}.example.test"), srv.port, timeout=5).rcode()

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        rcodes = list(pool.map(ask, range(64)))
    assert rcodes.count(dns.rcode.NOERROR) == 32 and rcodes.count(dns.rcode.NXDOMAIN) == 32
    # One connection per worker at most (a worker's queries share its
    # HTTP/2 connection): skycore's established sockets to unbound's port.
    assert 1 <= established_to(u.port) <= max(1, len(os.sched_getaffinity(0)))


def test_a_wrong_server_name_fails_and_the_next_upstream_answers(start_server, doh_unbound):
    u, pki = doh_unbound
    plain = Upstream()
    try:
        mport = free_port()
        srv = start_server(corefile(u, pki, mport, server_name="other.example.test",
                                    extra_to=f"127.0.0.1:{plain.port}", options="        policy sequential\n"))
        r = udp(query("www.example.test"), srv.port, timeout=8)
        assert r.rcode() == dns.rcode.NOERROR and a_of(r) == ["192.0.2.1"]  # from the plain upstream
        e = Exposition(scrape(mport))
        assert e.value("skycore_forward_responses_total", to=f"https://{u.address}") == 0
    finally:
        plain.close()


def test_health_check_brings_a_doh_upstream_back(start_server, tmp_path):
    """Down while unbound is stopped, up again once it answers: the probe
    speaks DoH too."""
    pki = make_pki(tmp_path / "pki", NAME)
    u = Unbound(tmp_path / "unbound-doh", https=(pki.server_key, pki.server_cert))
    mport = free_port()
    srv = start_server(corefile(u, pki, mport, options="        max_fails 1\n        health_check 100ms\n"))
    r = udp(query("www.example.test"), srv.port, timeout=8)
    assert r.rcode() == dns.rcode.SERVFAIL  # not started yet
    with u:
        poll(lambda: Exposition(scrape(mport)).value("skycore_forward_healthcheck_failures_total") > 0, 10,
             what="failed probes while unbound was down")
        poll(lambda: udp(query("www.example.test"), srv.port, timeout=5).rcode() == dns.rcode.NOERROR, 15,
             what="the upstream back in service")


@pytest.mark.parametrize("target", ["https://127.0.0.1:99999", "https://127.0.0.1/a b", "https://not-an-ip"])
def test_bad_https_targets_fail_validation(tmp_path, target):
    (tmp_path / "Corefile").write_text(f".:{free_port()} {{\n    forward . {target}\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1 and p.stderr.startswith("Corefile:2:"), p.stderr


def test_queries_waiting_for_a_connect_do_not_spin(start_server, tmp_path):
    """An upstream that accepts TCP and never answers the TLS handshake:
    queries that wait for the one connect in progress sleep until it ends
    (a generous CPU bound: busy-waiting would burn the whole 2 s)."""
    import socket
    import threading
    pki = make_pki(tmp_path / "pki", NAME)
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)  # accepted by the kernel, never read
    try:
        # The start-up probe's name is answered by whoami, not the dead upstream.
        srv = start_server(f".:@PORT@ {{\n    bind 127.0.0.1\n    whoami\n}}\n"
                           f"example.test:@PORT@ {{\n    bind 127.0.0.1\n    forward . https://127.0.0.1:{hole.getsockname()[1]} {{\n"
                           f"        tls {pki.ca}\n        tls_servername {NAME}\n        max_fails 0\n    }}\n}}\n")

        def cpu():
            with open(f"/proc/{srv.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        before = cpu()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            rcodes = list(pool.map(lambda i: udp(query(f"h{i}.example.test"), srv.port, timeout=8).rcode(), range(8)))
        assert rcodes == [dns.rcode.SERVFAIL] * 8
        assert cpu() - before < 1.0
    finally:
        hole.close()
