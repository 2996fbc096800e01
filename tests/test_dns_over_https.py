"""https:// server blocks (DNS over HTTPS, RFC 8484): kdig +https (HTTP/2,
POST and GET), curl over HTTP/2 and HTTP/1.1, Python's http.client for
HTTP/1.1 keep-alive and the error statuses; a body too long, a client that
never finishes its request; metrics labels."""

import base64
import http.client
import socket
import ssl
import subprocess
import time

import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from helpers.certs import make_pki
from helpers.dnsclient import HOST, query
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, run_skycore

NAME = "dns.example.test"


@pytest.fixture
def pki(tmp_path):
    return make_pki(tmp_path / "pki", NAME)


def start_doh(start_server, pki, extra=""):
    hport = free_port()
    srv = start_server(f".:@PORT@ {{\n    bind 127.0.0.1\n    whoami\n}}\n"
                       f"https://.:{hport} {{\n    bind 127.0.0.1\n    tls {pki.server_cert} {pki.server_key}\n"
                       f"    template IN A example.org {{\n        answer \"{{{{ .Name }}}} 42 IN A 192.0.2.7\"\n    }}\n"
                       f"    whoami\n{extra}}}\n")
    return srv, hport


def kdig(port, pki, *opts):
    return subprocess.run(["kdig", "@127.0.0.1", "-p", str(port), f"+https=/dns-query", f"+tls-ca={pki.ca}",
                           f"+tls-hostname={NAME}", "+time=3", "+retry=0", *opts],
                          capture_output=True, text=True, timeout=15, stdin=subprocess.DEVNULL)


def https(port, pki):
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    ctx.check_hostname = False  # connected by address; the chain is still verified
    ctx.set_alpn_protocols(["http/1.1"])
    return http.client.HTTPSConnection(HOST, port, context=ctx, timeout=5)


def test_kdig_over_https_post_and_get(start_server, pki):
    srv, hport = start_doh(start_server, pki)
    for method, seen in (([], "HTTP/2-POST"), (["+https-get"], "HTTP/2-GET")):
        p = kdig(hport, pki, *method, "www.example.org", "A")
        assert p.returncode == 0, p.stdout + p.stderr
        assert "status: NOERROR" in p.stdout and "192.0.2.7" in p.stdout, p.stdout
        assert f"HTTP session ({seen})" in p.stdout and "(status: 200)" in p.stdout, p.stdout


def test_curl_http2_and_http1(start_server, pki):
    srv, hport = start_doh(start_server, pki)
    q = query("curl.example.org", "A")
    for flag in ("--http2", "--http1.1"):
        p = subprocess.run(["curl", "-sS", flag, "--cacert", str(pki.ca), "--resolve", f"{NAME}:{hport}:127.0.0.1",
                            "-H", "content-type: application/dns-message", "--data-binary", "@-",
                            "-D", "-", "-o", "-", f"https://{NAME}:{hport}/dns-query"],
                           input=q.to_wire(), capture_output=True, timeout=15)
        assert p.returncode == 0, p.stderr
        head, _, body = p.stdout.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/2 200" if flag == "--http2" else b"HTTP/1.1 200"), head
        assert b"content-type: application/dns-message" in head.lower()
        assert b"cache-control: max-age=42" in head.lower()
        r = dns.message.from_wire(body)
        assert r.id == q.id and r.answer[0][0].address == "192.0.2.7"


def test_http1_keep_alive_and_error_statuses(start_server, pki):
    srv, hport = start_doh(start_server, pki)
    c = https(hport, pki)
    # Three queries on one connection: POST, GET, POST.
    for i, method in enumerate(["POST", "GET", "POST"]):
        q = query(f"k{i}.example.org", "A")
        if method == "GET":
            enc = base64.urlsafe_b64encode(q.to_wire()).rstrip(b"=").decode()
            c.request("GET", f"/dns-query?dns={enc}")
        else:
            c.request("POST", "/dns-query", body=q.to_wire(), headers={"content-type": "application/dns-message"})
        r = c.getresponse()
        body = r.read()
        assert r.status == 200 and r.getheader("content-type") == "application/dns-message"
        assert dns.message.from_wire(body).id == q.id
    sock_before = c.sock
    cases = [
        ("GET", "/other", None, 404),
        ("GET", "/dns-query", None, 400),              # no dns parameter
        ("GET", "/dns-query?dns=!!!", None, 400),      # not base64url
        ("GET", "/dns-query?dns=AAAA&dns=AAAA", None, 400),
        ("POST", "/dns-query", b"abc", 400),           # shorter than a DNS header
        ("PUT", "/dns-query", b"x" * 20, 405),
    ]
    for method, path, body, status in cases:
        c.request(method, path, body=body)
        r = c.getresponse()
        r.read()
        assert r.status == status, (method, path, r.status)
    assert c.sock is sock_before  # errors kept the connection
    # A body no DNS message can have: refused from its Content-Length, before it is sent.
    c.putrequest("POST", "/dns-query")
    c.putheader("Content-Length", "70000")
    c.endheaders()
    r = c.getresponse()
    assert r.status == 413
    c.close()
    # A malformed DNS message gets the chain's FORMERR, inside a 200.
    c = https(hport, pki)
    c.request("POST", "/dns-query", body=b"\x12\x34" + b"\x01\x00" + b"\x00\x05" + b"\x00" * 6)
    r = c.getresponse()
    body = r.read()
    assert r.status == 200 and body[3] & 0x0F == dns.rcode.FORMERR
    c.close()
    assert srv.running()


def test_a_client_that_never_finishes_its_request_is_closed(start_server, pki):
    srv, hport = start_doh(start_server, pki, extra="    timeouts {\n        read 1s\n        idle 1s\n    }\n")
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    ctx.set_alpn_protocols(["http/1.1"])
    with ctx.wrap_socket(socket.create_connection((HOST, hport), timeout=10), server_hostname=NAME) as s:
        s.sendall(b"POST /dns-query HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        start = time.monotonic()
        assert s.recv(1) == b""
        assert time.monotonic() - start < 8
    p = kdig(hport, pki, "after.example.org", "A")
    assert p.returncode == 0 and "192.0.2.7" in p.stdout


def test_metrics_label_the_server_https(start_server, pki):
    mport = free_port()
    srv, hport = start_doh(start_server, pki, extra=f"    prometheus 127.0.0.1:{mport}\n")
    assert kdig(hport, pki, "m.example.org", "A").returncode == 0
    e = Exposition(scrape(mport))
    s = e.select("skycore_dns_requests_total", server=f"https://127.0.0.1:{hport}")
    assert sum(x.value for x in s) == 1 and s[0].labels["proto"] == "tcp"


def test_https_needs_tls(tmp_path):
    (tmp_path / "Corefile").write_text(f"https://.:{free_port()} {{\n    whoami\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1 and p.stderr.startswith("Corefile:1:") and "needs the `tls" in p.stderr, p.stderr


def test_http2_body_longer_than_a_dns_message_resets_the_stream(start_server, pki):
    srv, hport = start_doh(start_server, pki)
    p = subprocess.run(["curl", "-sS", "--http2", "--cacert", str(pki.ca), "--resolve", f"{NAME}:{hport}:127.0.0.1",
                        "--data-binary", "@-", "-o", "/dev/null", "-w", "%{http_code}",
                        f"https://{NAME}:{hport}/dns-query"],
                       input=b"\0" * 70000, capture_output=True, timeout=15)
    # Reset (CANCEL, not REFUSED_STREAM: retrying would not help), no status.
    assert p.returncode != 0 and p.stdout in (b"000", b""), (p.returncode, p.stdout, p.stderr)
    assert b"tried 5 times" not in p.stderr, p.stderr
    # The connection's other streams and the server are fine.
    assert kdig(hport, pki, "after.example.org", "A").returncode == 0


def test_many_posts_on_one_http2_connection(start_server, pki, tmp_path):
    """10,000 POSTs over one connection (dnsperf -m doh -c 1): each stream's
    bytes leave the connection's budget when it closes, so the budget never
    fills up and refuses later queries."""
    srv, hport = start_doh(start_server, pki)
    qfile = tmp_path / "queries.txt"
    qfile.write_text("".join(f"n{i}.example.org A\n" for i in range(500)))
    p = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(hport), "-m", "doh", "-O", "doh-method=POST", "-c", "1", "-q", "20",
                        "-n", "20", "-d", str(qfile)], capture_output=True, text=True, timeout=120)
    assert "Queries completed:    10000" in p.stdout.replace("\t", " ") or " 10000 (100.00%)" in p.stdout, p.stdout
    assert "Queries lost:         0" in p.stdout or " 0 (0.00%)" in p.stdout.split("Queries lost:")[1].splitlines()[0], p.stdout
    assert "NOERROR 10000" in p.stdout, p.stdout


def test_a_slow_answer_over_http1_is_waited_for(start_server, pki):
    """The read timeout bounds the request, not the answer: a 1.5 s upstream
    behind a 1 s read timeout (idle 10 s) still gets its reply on the connection."""
    from helpers.upstream import Upstream
    up = Upstream()
    up.delay = 1.5
    try:
        hport = free_port()
        srv = start_server(f".:@PORT@ {{\n    bind 127.0.0.1\n    whoami\n}}\n"
                           f"https://.:{hport} {{\n    bind 127.0.0.1\n    tls {pki.server_cert} {pki.server_key}\n"
                           f"    timeouts {{\n        read 1s\n    }}\n    forward . 127.0.0.1:{up.port} {{\n"
                           f"        expire 30s\n    }}\n}}\n")
        c = https(hport, pki)
        q = query("slow.example.net", "A")
        c.request("POST", "/dns-query", body=q.to_wire())
        r = c.getresponse()
        reply = dns.message.from_wire(r.read())
        assert r.status == 200 and reply.id == q.id and reply.rcode() == dns.rcode.NOERROR
        c.close()
    finally:
        up.close()


def test_the_read_timeout_closes_a_half_sent_request_before_the_idle_timeout(start_server, pki):
    srv, hport = start_doh(start_server, pki, extra="    timeouts {\n        read 1s\n        idle 30s\n    }\n")
    ctx = ssl.create_default_context(cafile=str(pki.ca))
    ctx.set_alpn_protocols(["http/1.1"])
    with ctx.wrap_socket(socket.create_connection((HOST, hport), timeout=15), server_hostname=NAME) as s:
        s.sendall(b"POST /dns-query HTTP/1.1\r\nHost: x\r\n")  # and never the rest
        start = time.monotonic()
        assert s.recv(1) == b""
        assert time.monotonic() - start < 10  # the read timeout, not the 30 s idle one
