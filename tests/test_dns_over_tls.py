"""tls:// server blocks (DNS over TLS, RFC 7858) with CoreDNS's `tls CERT KEY
[CA] { client_auth ... }`: kdig +tls and Python's ssl module as clients,
certificates from a throw-away CA; pipelining, client certificates, the
handshake bounded by the read timeout, metrics labels, Corefile errors."""

import socket
import ssl
import struct
import subprocess
import time

import dns.message
import dns.rcode
import pytest

from helpers.certs import make_pki
from helpers.dnsclient import HOST, query
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, poll, run_skycore

NAME = "dns.example.test"


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path / "pki", NAME)


def start_dot(start_server, pki, tls_line=None, extra=""):
    """A dns:// block on @PORT@ (for the start-up probe) and a tls:// block
    answering whoami on its own port; returns (server, DoT port)."""
    dport = free_port()
    tls_line = tls_line or f"tls {pki.server_cert} {pki.server_key}"
    srv = start_server(f".:@PORT@ {{\n    bind 127.0.0.1\n    whoami\n}}\n"
                       f"tls://.:{dport} {{\n    bind 127.0.0.1\n    {tls_line}\n    whoami\n{extra}}}\n")
    return srv, dport


def kdig(port, name, *opts):
    p = subprocess.run(["kdig", "@127.0.0.1", "-p", str(port), "+tls", *opts, "+time=3", "+retry=0", name, "A"],
                       capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL)
    return p


def tls_socket(port, pki, cert=None):
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    if cert:
        ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    raw = socket.create_connection((HOST, port), timeout=5)
    return ctx.wrap_socket(raw, server_hostname=NAME)


def read_message(s):
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf
    (n,) = struct.unpack("!H", exactly(2))
    return dns.message.from_wire(exactly(n))


def test_kdig_over_tls_gets_the_answer(start_server, pki):
    srv, dport = start_dot(start_server, pki)
    p = kdig(dport, "example.org", f"+tls-ca={pki.ca}", f"+tls-hostname={NAME}")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "status: NOERROR" in p.stdout and "TLS session (TLS1.3)" in p.stdout, p.stdout
    assert "127.0.0.1" in p.stdout  # whoami's A: the client's address
    # A verifying client with the wrong name fails the handshake.
    bad = kdig(dport, "example.org", f"+tls-ca={pki.ca}", "+tls-hostname=other.example.test")
    assert bad.returncode != 0 and "status: NOERROR" not in bad.stdout


def test_pipelined_queries_on_one_tls_connection(start_server, pki):
    srv, dport = start_dot(start_server, pki)
    with tls_socket(dport, pki) as s:
        queries = [query(f"q{i}.example.org", "A") for i in range(10)]
        s.sendall(b"".join(struct.pack("!H", len(w)) + w for w in (q.to_wire() for q in queries)))
        replies = [read_message(s) for _ in queries]
    assert sorted(r.id for r in replies) == sorted(q.id for q in queries)
    assert all(r.rcode() == dns.rcode.NOERROR for r in replies)
    assert srv.running()


def test_client_auth_require_and_verify(start_server, pki):
    line = (f"tls {pki.server_cert} {pki.server_key} {pki.ca} {{\n"
            f"        client_auth require_and_verify\n    }}")
    srv, dport = start_dot(start_server, pki, line)
    with tls_socket(dport, pki, cert=(pki.client_cert, pki.client_key)) as s:
        q = query("with-cert.example.org")
        w = q.to_wire()
        s.sendall(struct.pack("!H", len(w)) + w)
        assert read_message(s).id == q.id
    # No client certificate: the server ends the handshake (TLS 1.3 reports
    # it on the first read).
    with pytest.raises((ssl.SSLError, EOFError, ConnectionResetError)):
        with tls_socket(dport, pki) as s:
            w = query("no-cert.example.org").to_wire()
            s.sendall(struct.pack("!H", len(w)) + w)
            read_message(s)


def test_a_client_that_never_handshakes_is_closed(start_server, pki):
    srv, dport = start_dot(start_server, pki, extra="    timeouts {\n        read 1s\n        idle 1s\n    }\n")
    with socket.create_connection((HOST, dport), timeout=10) as raw:
        start = time.monotonic()
        assert raw.recv(1) == b""  # closed by the server, no handshake ever sent
        assert time.monotonic() - start < 8
    # Others are still served.
    p = kdig(dport, "example.org", f"+tls-ca={pki.ca}", f"+tls-hostname={NAME}")
    assert p.returncode == 0, p.stdout


def test_metrics_label_the_server_tls(start_server, pki):
    mport = free_port()
    srv, dport = start_dot(start_server, pki, extra=f"    prometheus 127.0.0.1:{mport}\n")
    p = kdig(dport, "example.org", f"+tls-ca={pki.ca}", f"+tls-hostname={NAME}")
    assert p.returncode == 0
    e = Exposition(scrape(mport))
    s = e.select("skycore_dns_requests_total", server=f"tls://127.0.0.1:{dport}")
    assert sum(x.value for x in s) == 1 and s[0].labels["proto"] == "tcp"


@pytest.mark.parametrize("block,line,message", [
    ("tls://.:{p} {{\n    whoami\n}}\n", 1, "needs the `tls CERT KEY` directive"),
    ("tls://.:{p} {{\n    tls /nonexistent/cert.pem /nonexistent/key.pem\n    whoami\n}}\n", 2,
     "cannot use certificate '/nonexistent/cert.pem'"),
    ("tls://.:{p} {{\n    tls {cert} {key} {{\n        client_auth sometimes\n    }}\n    whoami\n}}\n", 3,
     "client_auth 'sometimes'"),
    ("tls://.:{p} {{\n    tls {cert} {key} {{\n        client_auth require_and_verify\n    }}\n    whoami\n}}\n", 2,
     "needs a CA"),
    ("tls://.:{p} {{\n    tls {cert}\n    whoami\n}}\n", 2, "wrong argument count"),
    (".:{p} {{\n    whoami\n}}\ntls://example.org:{p} {{\n    tls {cert} {key}\n    whoami\n}}\n", 4,
     "already served as dns://"),
])
def test_bad_tls_configuration_fails_validation(tmp_path, pki, block, line, message):
    text = block.format(p=free_port(), cert=pki.server_cert, key=pki.server_key)
    (tmp_path / "Corefile").write_text(text)
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stderr.startswith(f"Corefile:{line}:") and message in p.stderr, p.stderr


def test_a_mismatched_key_is_refused(tmp_path, pki):
    other = make_pki(tmp_path / "other", NAME)
    (tmp_path / "Corefile").write_text(f"tls://.:{free_port()} {{\n    tls {pki.server_cert} {other.server_key}\n    whoami\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1 and p.stderr.startswith("Corefile:2:") and "mismatch" in p.stderr, p.stderr


def test_tls_in_a_dns_block_changes_nothing(start_server, pki):
    """As in CoreDNS, `tls` in a dns:// block is accepted and unused: TCP
    there stays plain DNS."""
    srv = start_server(f".:@PORT@ {{\n    bind 127.0.0.1\n    tls {pki.server_cert} {pki.server_key}\n    whoami\n}}\n")
    import dns.query
    r = dns.query.tcp(query("plain.example.org"), HOST, port=srv.port, timeout=5)
    assert r.rcode() == dns.rcode.NOERROR
