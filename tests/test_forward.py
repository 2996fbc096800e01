"""The forward plugin against independent upstreams: the dnspython Upstream
(tests/helpers/upstream.py) whose behaviour can be switched while it runs,
and Debian's unbound, plain and over TLS."""

import select
import signal
import socket
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import pytest

from helpers.certs import make_pki
from helpers.dnsclient import HOST, a_addresses, additional, query, tcp, udp
from helpers.skycore import poll, run_skycore
from helpers.unbound import Unbound
from helpers.upstream import Upstream

SEND = pytest.mark.parametrize("send", [udp, tcp], ids=["udp", "tcp"])


@pytest.fixture
def upstreams():
    """Factory: upstreams(n) -> n running dnspython upstreams, closed at the end."""
    made = []

    def make(n=1, **kw):
        ups = [Upstream(**kw) for _ in range(n)]
        made.extend(ups)
        return ups

    yield make
    for u in made:
        u.close()


@pytest.fixture
def upstream(upstreams):
    return upstreams(1)[0]


def corefile(fwd, extra=""):
    """A root server block on @PORT@ with a forward directive; whoami answers
    whatever forward passes on (and the readiness probe, outside example.org)."""
    return f""".:@PORT@ {{
    bind 127.0.0.1
{extra}    forward {fwd}
    whoami
}}
"""



def is_whoami(r):
    """whoami's shape: NOERROR, no answer, A 127.0.0.1 in the additional section."""
    return (r.rcode() == dns.rcode.NOERROR and r.answer == []
            and [rd.address for rrset in additional(r, dns.rdatatype.A) for rd in rrset] == [HOST])


def upstream_questions(up, rdtype=dns.rdatatype.A):
    return [q.question[0].name.to_text().lower() for _, q in up.seen_messages()
            if q.question and q.question[0].rdtype == rdtype]


# 1. Pass-through


@SEND
def test_answer_passes_through_with_client_id_and_case(start_server, upstream, send):
    srv = start_server(corefile(f"example.org {upstream.address}"))
    upstream.reset()
    q = query("WwW.ExAmple.org", want_dnssec=True)
    r = send(q, srv.port)
    assert r.id == q.id
    assert r.question[0].name.to_text() == "WwW.ExAmple.org."
    assert r.rcode() == dns.rcode.NOERROR
    assert a_addresses(r) == ["192.0.2.1"]
    assert r.answer[0].ttl == 300
    assert r.flags & dns.flags.RA
    (transport, seen), = upstream.seen_messages()
    assert transport == send.__name__  # a TCP client is forwarded over TCP
    assert seen.edns == 0
    assert seen.payload == 1232
    assert seen.ednsflags & dns.flags.DO
    assert seen.question[0].name.to_text().lower() == "www.example.org."


@SEND
def test_nxdomain_passes_through_and_client_without_edns_gets_no_opt(start_server, upstream, send):
    srv = start_server(corefile(f"example.org {upstream.address}"))
    upstream.reset()
    q = query("nx.example.org", use_edns=False)
    r = send(q, srv.port)
    assert r.id == q.id
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.answer == []
    assert r.edns == -1 and r.opt is None
    (_, seen), = upstream.seen_messages()
    # Upstream still gets EDNS, but no DO bit because the client did not set it.
    assert seen.payload == 1232
    assert not seen.ednsflags & dns.flags.DO


def test_upstream_ids_are_random_not_the_clients(start_server, upstream):
    srv = start_server(corefile(f"example.org {upstream.address}"))
    upstream.reset()
    for i in range(8):
        q = query(f"id{i}.example.org", id=4242)
        r = udp(q, srv.port)
        assert r.id == 4242 and a_addresses(r) == ["192.0.2.1"]
    ids = [m.id for _, m in upstream.seen_messages()]
    assert len(ids) == 8
    assert len(set(ids)) > 1  # the same client ID 8 times became different upstream IDs


# 2. Spoofed replies


def test_spoofed_replies_are_ignored(start_server, upstream):
    upstream.mode = "spoof"
    srv = start_server(corefile(f"example.org {upstream.address}"))
    upstream.reset()
    for i in range(5):
        q = query(f"s{i}.example.org")
        r = udp(q, srv.port)
        assert r.id == q.id
        assert r.rcode() == dns.rcode.NOERROR
        assert a_addresses(r) == ["192.0.2.1"]
        assert r.question[0].name.to_text() == f"s{i}.example.org."
    assert upstream.udp_queries == 5  # the real reply was waited for, not re-asked


def test_spoofed_replies_over_tcp_are_skipped(start_server, upstream):
    """Over TCP a stray reply (wrong ID or question) is skipped and the real
    answer that follows on the same stream is used, as CoreDNS does."""
    upstream.mode = "spoof"
    srv = start_server(corefile(f"example.org {upstream.address}", extra="    errors\n"))
    upstream.reset()
    q = query("s.example.org")
    r = tcp(q, srv.port, timeout=7)
    assert "6.6.6.6" not in a_addresses(r)
    assert a_addresses(r) == ["192.0.2.1"]
    assert upstream.tcp_queries <= 3


# 3. TC -> TCP


def test_truncated_udp_reply_is_retried_over_tcp(start_server, upstream):
    upstream.mode = "truncate"
    srv = start_server(corefile(f"example.org {upstream.address}"))
    upstream.reset()
    r = udp(query("big.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NOERROR
    assert not r.flags & dns.flags.TC
    assert a_addresses(r) == ["192.0.2.1"]
    assert upstream.udp_queries == 1
    assert upstream.tcp_queries == 1


# 4. Transport choice


@SEND
def test_force_tcp_sends_only_tcp(start_server, upstream, send):
    srv = start_server(corefile(f"example.org {upstream.address} {{\n        force_tcp\n    }}"))
    upstream.reset()
    for i in range(3):
        r = send(query(f"t{i}.example.org"), srv.port)
        assert a_addresses(r) == ["192.0.2.1"]
    assert upstream.tcp_queries == 3
    assert upstream.udp_queries == 0


def test_prefer_udp_with_tcp_client_uses_udp(start_server, upstream):
    srv = start_server(corefile(f"example.org {upstream.address} {{\n        prefer_udp\n    }}"))
    upstream.reset()
    r = tcp(query("p.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"]
    assert upstream.udp_queries == 1
    assert upstream.tcp_queries == 0


# 5. SERVFAIL and `next`


@SEND
def test_upstream_servfail_passes_through(start_server, upstream, send):
    upstream.mode = "servfail"
    srv = start_server(corefile(f"example.org {upstream.address}"))
    upstream.reset()
    r = send(query("sf.example.org"), srv.port)
    assert r.rcode() == dns.rcode.SERVFAIL
    assert r.answer == []
    assert not is_whoami(r)
    assert upstream.queries() == 1


@SEND
def test_next_only_hands_on_to_another_forward(start_server, upstream, send):
    """As CoreDNS: `next` is ignored when the plugin after forward is not a
    forward (here whoami): the upstream's SERVFAIL is the answer."""
    upstream.mode = "servfail"
    srv = start_server(corefile(f"example.org {upstream.address} {{\n        next SERVFAIL\n    }}"))
    upstream.reset()
    q = query("sf.example.org")
    r = send(q, srv.port)
    assert r.id == q.id
    assert r.rcode() == dns.rcode.SERVFAIL
    assert not is_whoami(r), r.to_text()
    assert upstream_questions(upstream) == ["sf.example.org."]


def test_next_with_no_plugin_after_keeps_the_upstream_answer(start_server, upstream):
    """CoreDNS only hands on to another forward; with nothing after, the
    upstream's NXDOMAIN is the answer (not a SERVFAIL for "no next plugin")."""
    srv = start_server(f"example.org:@PORT@ {{\n    bind 127.0.0.1\n    forward . {upstream.address} {{\n"
                       "        next NXDOMAIN\n    }\n}\n")
    r = udp(query("nx-nothing-after.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NXDOMAIN


def test_several_forwards_in_one_block_split_by_domain(start_server, upstream):
    """CoreDNS's split DNS: forward lines are tried in order; a name outside
    one's FROM goes to the next; `next NXDOMAIN` hands on to the next forward."""
    with Upstream(answer_ip="192.0.2.2") as other:
        srv = start_server(f".:@PORT@ {{\n    bind 127.0.0.1\n"
                           f"    forward lab.example.local {upstream.address} {{\n        next NXDOMAIN\n    }}\n"
                           f"    forward . {other.address}\n}}\n")
        assert a_addresses(udp(query("db.lab.example.local"), srv.port)) == ["192.0.2.1"]
        assert a_addresses(udp(query("www.example.org"), srv.port)) == ["192.0.2.2"]
        before = other.queries()
        r = udp(query("nx-host.lab.example.local"), srv.port)
        assert r.rcode() == dns.rcode.NXDOMAIN
        assert other.queries() == before + 1  # the first forward's NXDOMAIN went on to the second


# 6. except and FROM


@SEND
def test_except_and_names_outside_from_go_to_next_plugin(start_server, upstream, send):
    srv = start_server(corefile(
        f"example.org {upstream.address} {{\n        except skip.example.org\n    }}"))
    upstream.reset()
    for name in ("skip.example.org", "a.b.skip.example.org", "example.com", "notexample.org"):
        r = send(query(name), srv.port)
        assert is_whoami(r), f"{name}: {r.to_text()}"
    assert upstream.queries() == 0
    r = send(query("kept.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"]
    assert upstream_questions(upstream) == ["kept.example.org."]


# 7. A silent upstream is marked down, avoided, probed and brought back


def test_silent_upstream_is_avoided_then_brought_back(start_server, upstreams):
    silent, good = upstreams(2)
    silent.mode = "silent"
    srv = start_server(corefile(
        f"example.org {silent.address} {good.address} {{\n"
        "        policy sequential\n        max_fails 1\n        health_check 0.2s\n    }"))

    # One try on the silent upstream (first, sequential), which fails; then the good one answers.
    r = udp(query("first.example.org"), srv.port, timeout=10)
    assert a_addresses(r) == ["192.0.2.1"]
    assert upstream_questions(silent) == ["first.example.org."]
    assert upstream_questions(good) == ["first.example.org."]

    # max_fails 1: it is down now, and healthy upstreams come first.
    for i in range(5):
        name = f"fast{i}.example.org."
        r = udp(query(name), srv.port, timeout=10)
        assert a_addresses(r) == ["192.0.2.1"]
        assert name not in upstream_questions(silent), f"query {i}: the down upstream was tried"
        assert upstream_questions(good).count(name) == 1, f"query {i}: not answered by the good upstream"
    assert upstream_questions(silent) == ["first.example.org."]

    def probes():
        return [m for _, m in silent.seen_messages()
                if m.question and m.question[0].name == dns.name.root
                and m.question[0].rdtype == dns.rdatatype.NS]
    probe = poll(probes, 3, what="health probes `. NS` at the silent upstream")[0]
    assert probe.flags & dns.flags.RD

    silent.reset()
    silent.mode = "answer"

    def back():
        r = udp(query("back.example.org"), srv.port)
        assert a_addresses(r) == ["192.0.2.1"]
        return "back.example.org." in upstream_questions(silent)
    poll(back, 5, interval=0.1, what="the recovered upstream to get queries again")
    good.reset()
    for i in range(3):  # sequential: the recovered upstream is first again
        assert a_addresses(udp(query(f"again{i}.example.org"), srv.port)) == ["192.0.2.1"]
    assert good.queries() == 0


# 8. Every upstream silent


def test_all_silent_servfail_in_time_then_recovery(start_server, upstream):
    upstream.mode = "silent"
    srv = start_server(corefile(f"example.org {upstream.address}", extra="    errors\n"))
    r = udp(query("www.example.org"), srv.port, timeout=10)
    assert r.rcode() == dns.rcode.SERVFAIL
    # One try (one upstream, one try each), given up on as a timeout.
    assert upstream_questions(upstream) == ["www.example.org."]
    srv.wait_stdout("[ERROR] plugin/errors: 2 www.example.org. A: forward: i/o timeout")

    upstream.mode = "answer"

    def answers():
        r = udp(query("www.example.org"), srv.port, timeout=3)
        return r.rcode() == dns.rcode.NOERROR and a_addresses(r) == ["192.0.2.1"]
    poll(answers, 8, interval=0.1, what="forward to answer after the upstream recovered")


# 9. max_concurrent


def test_max_concurrent_refuses_excess_at_once(start_server, upstream):
    upstream.mode = "silent"
    srv = start_server(corefile(f"example.org {upstream.address} {{\n        max_concurrent 2\n    }}"))
    socks = []
    try:
        sent = {}
        for i in range(6):  # one socket each, so they are spread over the workers
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(s)
            s.bind((HOST, 0))
            s.setblocking(False)
            q = query(f"c{i}.example.org", id=1000 + i)
            sent[s] = q
        for s, q in sent.items():
            s.sendto(q.to_wire(), (HOST, srv.port))
        got = {}  # name -> rcode
        pending = list(socks)
        deadline = time.monotonic() + 15  # a bound: the replies come after one 2 s try at most
        while pending and time.monotonic() < deadline:
            ready, _, _ = select.select(pending, [], [], max(0.0, deadline - time.monotonic()))
            for s in ready:
                r = dns.message.from_wire(s.recv(65535))
                assert r.id == sent[s].id
                got[sent[s].question[0].name.to_text().lower()] = r.rcode()
                pending.remove(s)
    finally:
        for s in socks:
            s.close()
    refused = {n for n, rc in got.items() if rc == dns.rcode.REFUSED}
    others = {n: rc for n, rc in got.items() if rc != dns.rcode.REFUSED}
    asked = upstream_questions(upstream)
    assert len(got) == 6, got
    assert refused, got
    # Refused at once: a refused query was never sent upstream.
    assert not refused & set(asked), (got, asked)
    # The admitted ones went upstream, once each, and waited for the silent upstream.
    assert 1 <= len(others) <= 2, got  # never more than max_concurrent in flight
    assert all(rc == dns.rcode.SERVFAIL for rc in others.values()), got
    assert sorted(asked) == sorted(others), (got, asked)


# 10 and 11. unbound as the upstream


@pytest.fixture
def unbound(tmp_path):
    with Unbound(tmp_path / "unbound") as u:
        yield u


@SEND
def test_unbound_as_upstream(start_server, unbound, send):
    srv = start_server(corefile(f"example.test {unbound.address}"))
    q = query("Www.Example.Test")
    r = send(q, srv.port)
    assert r.id == q.id
    assert r.question[0].name.to_text() == "Www.Example.Test."
    assert r.rcode() == dns.rcode.NOERROR
    assert a_addresses(r) == ["192.0.2.55"]
    assert r.answer[0].ttl == 60
    r = send(query("nope.example.test"), srv.port)
    assert r.rcode() == dns.rcode.NXDOMAIN  # unbound's static local zone


@pytest.fixture
def dot_unbound(tmp_path):
    pki = make_pki(tmp_path / "pki", "dns.example.test")
    with Unbound(tmp_path / "unbound-dot", tls=(pki.server_key, pki.server_cert)) as u:
        yield u, pki


def dot_corefile(u, pki, server_name):
    return corefile(f"example.test tls://{u.address} {{\n"
                    f"        tls {pki.client_cert} {pki.client_key} {pki.ca}\n"
                    f"        tls_servername {server_name}\n    }}", extra="    errors\n")


@SEND
def test_dns_over_tls_to_unbound(start_server, dot_unbound, send):
    u, pki = dot_unbound
    srv = start_server(dot_corefile(u, pki, "dns.example.test"))
    q = query("www.example.test")
    r = send(q, srv.port, timeout=5)
    assert r.id == q.id
    assert r.rcode() == dns.rcode.NOERROR
    assert a_addresses(r) == ["192.0.2.55"]


def test_dns_over_tls_with_only_a_ca(start_server, dot_unbound):
    """`tls CA`: one argument is the CA file (as in CoreDNS), no client certificate."""
    u, pki = dot_unbound
    srv = start_server(corefile(f"example.test tls://{u.address} {{\n"
                                f"        tls {pki.ca}\n        tls_servername dns.example.test\n    }}"))
    r = udp(query("www.example.test"), srv.port, timeout=5)
    assert a_addresses(r) == ["192.0.2.55"]


def test_dns_over_tls_wrong_servername_fails(start_server, dot_unbound):
    u, pki = dot_unbound
    srv = start_server(dot_corefile(u, pki, "wrong.example.test"))
    r = udp(query("www.example.test"), srv.port, timeout=10)
    assert r.rcode() == dns.rcode.SERVFAIL
    assert a_addresses(r) == []
    # The handshake failed (a network error); it was not waited out to the timeout.
    srv.wait_stdout("[ERROR] plugin/errors: 2 www.example.test. A: forward: network error")
    assert "i/o timeout" not in srv.stdout()


# 12. Corefile errors


@pytest.mark.parametrize("block,line,message", [
    ("    forward . not-an-ip\n", 3, "not an IP address or file: 'not-an-ip'"),
    ("    forward . 127.0.0.1 {\n        policy foo\n    }\n", 4, "unknown policy 'foo'"),
    ("    forward . 127.0.0.1 {\n        max_fails 1\n        bogus_option 1\n    }\n", 5, "bogus_option"),
    ("    forward . 127.0.0.1 {\n        tls\n    }\n", None, "tls://"),
    ("    forward . 127.0.0.1 {\n        force_tcp\n        prefer_udp\n    }\n", None, "exclusive"),
], ids=["bad-upstream", "bad-policy", "unknown-property", "tls-without-tls-upstream",
        "force_tcp-and-prefer_udp"])
def test_corefile_errors(tmp_path, port, block, line, message):
    (tmp_path / "Corefile").write_text(f".:{port} {{\n    bind 127.0.0.1\n{block}}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    prefix = f"Corefile:{line}:" if line else "Corefile:"
    assert p.stderr.startswith(prefix), p.stderr
    assert message in p.stderr, p.stderr


def test_sigterm_with_queries_waiting_on_a_silent_upstream_exits_promptly(start_server, upstream):
    """Queries still waiting on an upstream when SIGTERM arrives must not keep
    the workers alive: they fail, their slots end, the process exits 0."""
    upstream.mode = "silent"
    srv = start_server(corefile(f"example.org {upstream.address}"))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
        for i in range(8):
            c.sendto(query(f"wait{i}.example.org").to_wire(), ("127.0.0.1", srv.port))
        poll(lambda: len(upstream_questions(upstream)) >= 8, 3, what="queries to reach the upstream")
    srv.send_signal(signal.SIGTERM)
    assert srv.wait_exit(timeout=4) == 0


def test_dns_over_tls_with_a_ca_file_not_there_yet_fails_closed(start_server, dot_unbound, tmp_path):
    """OpenShift's Corefile names a CA bundle mounted into its pod: where it
    is missing, skycore starts (a warning, as -validate says) and its tls://
    upstreams fail verification, never trusting the system store instead."""
    u, pki = dot_unbound
    missing = tmp_path / "not-yet" / "ca-bundle.crt"
    srv = start_server(corefile(f"example.test tls://{u.address} {{\n"
                                f"        tls {missing}\n        tls_servername dns.example.test\n    }}",
                                extra="    errors\n"), quiet=False)
    assert f"CA file '{missing}' does not exist" in srv.stdout() + srv.stderr()
    r = udp(query("www.example.test"), srv.port, timeout=10)
    assert r.rcode() == dns.rcode.SERVFAIL and a_addresses(r) == []
