"""The health and ready probe endpoints (on explicit 127.0.0.1 ports), the
health plugin's lameduck drain on SIGTERM, and the erratic plugin, whose
readiness (ready only while it has seen 3 or 4 queries) makes /ready flip."""

import signal
import socket
import time

import dns.flags
import dns.message
import dns.rcode
import pytest

from helpers.dnsclient import HOST, query, udp_socket
from helpers.exchange import exchange
from helpers.http import http_get, try_get
from helpers.skycore import free_port, poll, run_skycore


def wait_http(port, path, want, timeout=5.0):
    """Polls GET path until it answers (status, body) == want."""
    seen = []

    def check():
        got = try_get(port, path)
        seen[:] = [got]
        return got == want

    try:
        poll(check, timeout, what=f"GET {path} on {port} == {want}")
    except AssertionError as e:
        raise AssertionError(f"{e}; last answer: {seen}") from None


# 1. health


def health_server(start_server, body="", hport=None):
    hport = hport or free_port()
    srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    health 127.0.0.1:{hport}{(" {" + body + "}") if body else ""}
    whoami
}}
""")
    wait_http(hport, "/health", (200, "OK"))
    return srv, hport


def test_health_ok_and_unknown_paths(start_server):
    srv, hport = health_server(start_server)
    assert http_get(hport, "/health") == (200, "OK")
    assert http_get(hport, "/health?verbose=1") == (200, "OK")
    for path in ("/", "/healthz", "/health/x", "/ready", "/metrics"):
        status, _ = http_get(hport, path)
        assert status == 404, path
    assert http_get(hport, "/health", method="POST")[0] == 405
    assert http_get(hport, "/health", method="HEAD")[0] == 200


def test_lameduck_drains_then_exits_0(start_server):
    srv, hport = health_server(start_server, "\n        lameduck 1s\n    ")
    srv.send_signal(signal.SIGTERM)
    # The lameduck starts (logged as CoreDNS logs it); /health still answers
    # 200 OK, as in CoreDNS, while the process lives on.
    srv.wait_stdout("[INFO] plugin/health: Going into lameduck mode for 1s", timeout=2.0)
    # DNS still answers during the lameduck, over both transports.
    for proto in ("udp", "tcp"):
        r = exchange(query(f"lameduck-{proto}.example.org"), srv.port, proto, timeout=0.5).reply
        assert r.rcode() == dns.rcode.NOERROR
        assert http_get(hport, "/health", timeout=0.5) == (200, "OK")
    # It drained: still running and serving after the SIGTERM, then it exits by itself.
    assert srv.running()
    assert srv.wait_exit(10) == 0, srv.stderr()
    assert try_get(hport, "/health") is None


def test_sigterm_without_lameduck_exits_0(start_server):
    srv, hport = health_server(start_server)
    srv.send_signal(signal.SIGTERM)
    assert srv.wait_exit(5) == 0, srv.stderr()
    assert "lameduck" not in srv.stdout()  # no drain without one configured
    assert try_get(hport, "/health") is None


def test_same_health_address_in_two_blocks_is_one_endpoint(start_server):
    hport = free_port()
    srv = start_server(f"""\
example.org:@PORT@ {{
    bind 127.0.0.1
    health 127.0.0.1:{hport}
    whoami
}}
example.net:@PORT@ {{
    bind 127.0.0.1
    health 127.0.0.1:{hport}
    whoami
}}
""")
    wait_http(hport, "/health", (200, "OK"))
    assert srv.running()


# 2. ready and erratic


def test_ready_without_readiness_plugins_is_ok(start_server):
    rport = free_port()
    srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    ready 127.0.0.1:{rport}
    whoami
}}
""")
    wait_http(rport, "/ready", (200, "OK"))
    assert http_get(rport, "/health")[0] == 404
    assert http_get(rport, "/ready", method="POST")[0] == 405
    assert srv.running()


def test_ready_flips_with_erratic(start_server):
    """erratic reports ready while it has seen 3 or 4 queries. It sits in a
    zone of its own, so the start-up probe (ready.probe.) never reaches it."""
    rport = free_port()
    srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    ready 127.0.0.1:{rport}
    whoami
}}
erratic.test:@PORT@ {{
    bind 127.0.0.1
    erratic
}}
""")
    wait_http(rport, "/ready", (503, "erratic"))
    # The flag is set before the reply is sent: no polling needed after each.
    expected = [(503, "erratic"), (503, "erratic"), (200, "OK"), (200, "OK"),
                (503, "erratic"), (503, "erratic")]
    for n, want in enumerate(expected, 1):
        x = exchange(query(f"q{n}.erratic.test"), srv.port, "udp" if n % 2 else "tcp")
        r = x.reply
        assert r.rcode() == dns.rcode.NOERROR
        assert [rd.address for rrset in r.answer for rd in rrset] == ["192.0.2.53"]
        assert http_get(rport, "/ready") == want, f"after query {n}"


def test_ready_and_health_on_separate_ports(start_server):
    rport, hport = free_port(), free_port()
    srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    ready 127.0.0.1:{rport}
    health 127.0.0.1:{hport}
    whoami
}}
""")
    wait_http(hport, "/health", (200, "OK"))
    wait_http(rport, "/ready", (200, "OK"))
    assert http_get(hport, "/ready")[0] == 404
    assert http_get(rport, "/health")[0] == 404
    assert srv.running()


@pytest.fixture
def erratic(start_server):
    """start(config) -> port of a server whose erratic.test block runs
    `erratic { config }` (the start-up probe goes to whoami)."""
    def start(config):
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    whoami
}}
erratic.test:@PORT@ {{
    bind 127.0.0.1
    erratic {{
        {config}
    }}
}}
""")
        return srv.port
    return start


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_erratic_records(erratic, proto):
    port = erratic("")
    a = exchange(query("a.erratic.test", "A"), port, proto).reply
    aaaa = exchange(query("b.erratic.test", "AAAA"), port, proto).reply
    txt = exchange(query("c.erratic.test", "TXT"), port, proto).reply
    assert [(rrset.name.to_text(), rrset.ttl, [rd.address for rd in rrset]) for rrset in a.answer] == \
        [("a.erratic.test.", 0, ["192.0.2.53"])]
    assert [(rrset.ttl, [rd.address for rd in rrset]) for rrset in aaaa.answer] == \
        [(0, ["2001:db8::53"])]
    assert txt.rcode() == dns.rcode.NOERROR and txt.answer == []
    for r in (a, aaaa, txt):
        assert r.flags & dns.flags.AA


def test_erratic_drop(erratic):
    port = erratic("drop 2")
    got = []
    for n in range(1, 5):
        try:
            exchange(query(f"d{n}.erratic.test"), port, "udp", timeout=0.5)
            got.append(True)
        except socket.timeout:
            got.append(False)
    assert got == [True, False, True, False]


def test_erratic_truncate(erratic):
    port = erratic("truncate 3")
    replies = [exchange(query(f"t{n}.erratic.test"), port, "udp").reply for n in range(1, 7)]
    assert [bool(r.flags & dns.flags.TC) for r in replies] == [False, False, True] * 2
    assert [len(r.answer) for r in replies] == [1, 1, 0] * 2


def test_erratic_delay(erratic):
    """Every 2nd query is held back: sent just before the 3rd, its reply
    comes after the 3rd's. One client socket, so they reach erratic in order."""
    port = erratic("delay 2 1s")
    r = exchange(query("s1.erratic.test"), port, "udp", timeout=5).reply
    assert [rd.address for rrset in r.answer for rd in rrset] == ["192.0.2.53"]
    with udp_socket(timeout=5) as s:
        sent = [query(f"s{n}.erratic.test") for n in (2, 3)]
        for q in sent:
            s.sendto(q.to_wire(), (HOST, port))
        replies = [dns.message.from_wire(s.recv(65535)) for _ in sent]
    assert [r.id for r in replies] == [sent[1].id, sent[0].id]  # the 3rd answered first
    for r in replies:
        assert [rd.address for rrset in r.answer for rd in rrset] == ["192.0.2.53"]


# 3. Configuration errors


@pytest.mark.parametrize("directive,line", [
    ("health nonsense", 3),
    ("health 127.0.0.1:0", 3),
    ("health 127.0.0.1:65536", 3),
    ("health 127.0.0.1:http", 3),
    ("health 127.0.0.1:8080 extra", 3),
    ("health {\n        lameduck\n    }", 4),
    ("health {\n        lameduck soon\n    }", 4),
    ("health {\n        lameduck 5parsecs\n    }", 4),
    ("health {\n        drain 1s\n    }", 4),
    ("ready nonsense", 3),
    ("ready 127.0.0.1:0", 3),
    ("ready 127.0.0.1:99999", 3),
    ("ready 127.0.0.1:8181 extra", 3),
    ("ready {\n        foo\n    }", 4),
    ("erratic {\n        drop 0\n    }", 4),
    ("erratic {\n        delay 2 soon\n    }", 4),
    ("erratic {\n        flip\n    }", 4),
])
def test_bad_config_fails_validation(tmp_path, directive, line):
    (tmp_path / "Corefile").write_text(
        f".:{free_port()} {{\n    bind 127.0.0.1\n    {directive}\n    whoami\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stderr.startswith(f"Corefile:{line}:"), p.stderr


@pytest.mark.parametrize("plugin,path", [("health", "/health"), ("ready", "/ready")])
def test_probe_port_taken_exits_1(start_server, plugin, path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((HOST, 0))
        taken.listen(1)
        hport = taken.getsockname()[1]
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    {plugin} 127.0.0.1:{hport}
    whoami
}}
""", wait=False)
        rc = srv.wait_exit(10)
    assert rc == 1, srv.stderr()
    assert f"127.0.0.1:{hport}" in srv.stderr(), srv.stderr()


def test_sigterm_while_a_query_is_still_being_answered_exits(start_server):
    """A query that finishes after the listeners closed (erratic's delay
    outlives them) must not leave its worker waiting forever."""
    # Every 2nd query is delayed: the readiness probe (1st) is answered at once.
    srv = start_server(".:@PORT@ {\n    bind 127.0.0.1\n    erratic {\n        delay 2 700ms\n    }\n}\n")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as c:
        c.sendto(query("slow.example.org").to_wire(), (HOST, srv.port))
        # Nothing outside shows that the query reached erratic; 0.1 s is far
        # more than a loopback hop and far less than its 0.7 s delay.
        time.sleep(0.1)
    srv.send_signal(signal.SIGTERM)
    assert srv.wait_exit(timeout=5) == 0


def test_ready_turns_503_during_the_lameduck(start_server):
    hport, rport = free_port(), free_port()
    srv = start_server(f".:@PORT@ {{\n    bind 127.0.0.1\n    health 127.0.0.1:{hport} {{\n        lameduck 1s\n    }}\n"
                       f"    ready 127.0.0.1:{rport}\n    whoami\n}}\n")
    wait_http(rport, "/ready", (200, "OK"))
    srv.send_signal(signal.SIGTERM)
    srv.wait_stdout("Going into lameduck mode for 1s", timeout=2.0)
    assert http_get(rport, "/ready", timeout=0.5)[0] == 503
    assert http_get(hport, "/health", timeout=0.5) == (200, "OK")
    assert srv.wait_exit(5) == 0


def test_sigusr2_is_ignored_and_sigquit_skips_the_lameduck(start_server):
    srv, hport = health_server(start_server, "\n        lameduck 5s\n    ")
    srv.send_signal(signal.SIGUSR2)  # CoreDNS's binary upgrade: not done here, and not fatal
    srv.wait_stdout("[INFO] SIGUSR2 received and ignored")
    assert srv.running() and http_get(hport, "/health") == (200, "OK")
    srv.send_signal(signal.SIGQUIT)
    assert srv.wait_exit(10) == 0
    assert "lameduck" not in srv.stdout()  # a lameduck would have been logged as it began
