"""forward's newer CoreDNS options against the real binary and independent
dnspython upstreams: failover RCODE..., next_on_nodata,
failfast_all_unhealthy_upstreams, max_connect_attempts,
max_concurrent_per_upstream. Each is checked
against the same setup without the option, by which upstream saw the query."""

import select
import socket

import dns.message
import dns.rcode
import pytest

from helpers.dnsclient import a_addresses, query, udp
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, poll
from helpers.upstream import Upstream

PROBE = """probe.:@PORT@ {
    bind 127.0.0.1
    whoami
}
"""


@pytest.fixture
def ups():
    made = [Upstream() for _ in range(2)]
    yield made
    for u in made:
        u.close()


def seen(up, name):
    return sum(1 for _, m in up.seen_messages() if str(m.question[0].name) == name)


@pytest.mark.parametrize("failover", [True, False])
def test_failover_tries_the_next_upstream_on_the_listed_rcodes(start_server, ups, failover):
    a, b = ups
    a.mode = "servfail"
    opt = "        failover SERVFAIL REFUSED\n" if failover else ""
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    forward . {a.address} {b.address} {{
        policy sequential
{opt}    }}
}}
""")
    r = udp(query("host.example.", "A"), srv.port)
    if failover:
        assert r.rcode() == dns.rcode.NOERROR and a_addresses(r) == ["192.0.2.1"]
        assert seen(a, "host.example.") == 1 and seen(b, "host.example.") == 1
    else:
        assert r.rcode() == dns.rcode.SERVFAIL  # the upstream's own answer
        assert seen(b, "host.example.") == 0
    # The last upstream's answer stands, failover rcode or not.
    b.mode = "servfail"
    assert udp(query("other.example.", "A"), srv.port).rcode() == dns.rcode.SERVFAIL


@pytest.mark.parametrize("on", [True, False])
def test_next_on_nodata_hands_an_empty_answer_to_the_next_forward(start_server, ups, on):
    a, b = ups
    opt = "        next_on_nodata\n" if on else ""
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    forward . {a.address} {{
{opt}    }}
    forward . {b.address}
}}
""")
    r = udp(query("host.example.", "TXT"), srv.port)  # both upstreams: NODATA for TXT
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    assert seen(a, "host.example.") == 1
    assert seen(b, "host.example.") == (1 if on else 0)
    # An answer with records stays with the first forward.
    assert a_addresses(udp(query("real.example.", "A"), srv.port)) == ["192.0.2.1"]
    assert seen(b, "real.example.") == 0


@pytest.mark.parametrize("failfast", [True, False])
def test_failfast_when_every_upstream_is_down(start_server, ups, failfast):
    a, _ = ups
    a.mode = "silent"
    metrics = free_port()
    opt = "        failfast_all_unhealthy_upstreams\n" if failfast else ""
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    prometheus 127.0.0.1:{metrics}
    forward . {a.address} {{
        max_fails 1
        health_check 5s
{opt}    }}
}}
""" + PROBE)
    # One timed-out query marks the only upstream down (max_fails 1) before
    # its SERVFAIL goes out; the 5 s health check keeps it down meanwhile.
    r = udp(query("first.example.", "A"), srv.port, timeout=3)
    assert r.rcode() == dns.rcode.SERVFAIL and seen(a, "first.example.") == 1
    if failfast:
        r = udp(query("second.example.", "A"), srv.port, timeout=1.5)  # answered at once
        assert r.rcode() == dns.rcode.SERVFAIL
        assert seen(a, "second.example.") == 0
    else:
        try:
            udp(query("second.example.", "A"), srv.port, timeout=0.5)
        except Exception:
            pass
        poll(lambda: seen(a, "second.example.") == 1, 5, what="the query sent to the down upstream anyway")
    assert Exposition(scrape(metrics)).value("skycore_forward_healthcheck_broken_total") >= 1


def test_max_connect_attempts_caps_the_tries(start_server, ups):
    a, b = ups
    a.mode = b.mode = "silent"
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    forward . {a.address} {b.address} {{
        policy sequential
        max_connect_attempts 1
    }}
}}
""" + PROBE)
    r = udp(query("slow.example.", "A"), srv.port, timeout=4)  # one 2 s try, then SERVFAIL
    assert r.rcode() == dns.rcode.SERVFAIL
    assert seen(a, "slow.example.") == 1 and seen(b, "slow.example.") == 0


def test_option_errors(tmp_path):
    import subprocess
    from helpers.skycore import BIN
    for body, message in (("failover NOERROR", "forward: failover: NOERROR cannot be used"),
                          ("failover NOPE", "forward: failover: unknown rcode 'NOPE'"),
                          ("max_connect_attempts -1", "forward: max_connect_attempts: '-1' is not a number from 0 to 1000"),
                          ("max_concurrent_per_upstream x", "forward: max_concurrent_per_upstream: 'x' is not a number"),
                          ("use_caps_for_id yes", "wrong argument count")):
        conf = tmp_path / "Corefile"
        conf.write_text(f". {{\n    forward . 127.0.0.1 {{\n        {body}\n    }}\n}}\n")
        p = subprocess.run([str(BIN), "-validate", "-conf", str(conf)], capture_output=True, text=True, timeout=10)
        assert p.returncode != 0 and f"{conf}:3: {message}" in p.stderr, p.stderr


def test_a_host_name_target_resolved_through_resolver(start_server, tmp_path):
    with Upstream(answer_ip="127.0.0.1") as resolver, Upstream(answer_ip="192.0.2.55") as target:
        srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    forward . dns.upstream.test:{target.port} {{
        resolver {resolver.address}
    }}
}}
""")
        assert seen(resolver, "dns.upstream.test.") >= 1  # asked once, at setup
        r = udp(query("host.example.", "A"), srv.port)
        assert a_addresses(r) == ["192.0.2.55"]
        assert seen(target, "host.example.") == 1

        import subprocess
        from helpers.skycore import BIN
        conf = tmp_path / "Bad"
        conf.write_text(f". {{\n    forward . nxhost.upstream.test {{\n        resolver {resolver.address}\n    }}\n}}\n")
        p = subprocess.run([str(BIN), "-validate", "-conf", str(conf)], capture_output=True, text=True, timeout=20)
        assert p.returncode != 0 and f"{conf}:2: forward: cannot resolve 'nxhost.upstream.test'" in p.stderr, p.stderr


@pytest.mark.parametrize("capped", [True, False])
def test_max_concurrent_per_upstream_passes_a_dead_one_over(start_server, ups, capped):
    """A dead upstream first in line (sequential, never marked down) holds
    at most 5 queries with the cap; the others go straight to the live one.
    Without it, every query waits on the dead one first."""
    a, b = ups
    a.mode = "silent"
    metrics = free_port()
    opt = "        max_concurrent_per_upstream 5\n" if capped else ""
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    prometheus 127.0.0.1:{metrics}
    forward . {a.address} {b.address} {{
        policy sequential
        max_fails 0
{opt}    }}
}}
""" + PROBE)
    names = [f"q{i}.example." for i in range(30)]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        for i, name in enumerate(names):
            q = query(name, "A")
            q.id = i
            s.sendto(q.to_wire(), ("127.0.0.1", srv.port))
        got = []
        while len(got) < len(names) and select.select([s], [], [], 5)[0]:
            got.append(dns.message.from_wire(s.recv(4096)))
    assert len(got) == len(names)
    assert [r.rcode() for r in got] == [dns.rcode.NOERROR] * len(names), [(r.id, r.rcode()) for r in got]
    assert all(a_addresses(r) == ["192.0.2.1"] for r in got)
    to_dead = sum(seen(a, n) for n in names)
    busy = Exposition(scrape(metrics)).value("skycore_forward_upstream_busy_total", to=a.address)
    if capped:
        assert to_dead == 5 and busy == 25
    else:
        assert to_dead == 30 and busy == 0
