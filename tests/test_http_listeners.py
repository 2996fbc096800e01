"""Every HTTP listener skycore opens (health, ready, metrics, the registry
API) against clients that never send, send a byte at a time, or send
nonsense: 200 idle and 20 dripping connections must not delay a probe (a
kubelet restarts a server whose liveness probe times out), a PUT without a
body must be answered at once, and malformed or unknown methods get a 4xx
with a JSON reason rather than a closed connection. The client timeout of
each probe is the kubelet's criterion, not a benchmark."""

import json
import socket
import threading

import pytest

from helpers.dnsclient import HOST
from helpers.http import http_get
from helpers.skycore import free_port, poll
from helpers.skydns import Api, svc

PROBE_TIMEOUT = 3.0  # kubelet's default is 1 s; 3 s leaves room for a loaded CI machine


@pytest.fixture
def listeners(start_server):
    ports = {k: free_port() for k in ("health", "ready", "metrics", "api")}
    srv = start_server(f"""\
skydns.local:@PORT@ {{
    bind 127.0.0.1
    health 127.0.0.1:{ports['health']}
    ready 127.0.0.1:{ports['ready']}
    prometheus 127.0.0.1:{ports['metrics']}
    skydns-registry {{
        api 127.0.0.1:{ports['api']}
    }}
}}
""")
    Api(ports["api"]).wait_ready()
    poll(lambda: _status(ports["ready"], "/ready") == 200, 5, what="ready")
    return srv, ports


def _status(port, path):
    try:
        return http_get(port, path, timeout=PROBE_TIMEOUT)[0]
    except OSError:
        return None


def raw(port, data, timeout=PROBE_TIMEOUT):
    """Sends bytes, returns everything the server sends until it closes."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out


def parse(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    return status, headers, body


class Hostiles:
    """n idle connections and m that drip one header line a second, per port."""

    def __init__(self, ports, idle=200, drip=20):
        self.socks, self.drippers = [], []
        self.stop = threading.Event()
        for port in ports:
            for _ in range(idle // len(ports)):
                self.socks.append(socket.create_connection((HOST, port)))
            for _ in range(drip // len(ports)):
                s = socket.create_connection((HOST, port))
                s.sendall(b"GET / HTTP/1.1\r\n")
                self.drippers.append(s)
        self.thread = threading.Thread(target=self._drip, daemon=True)
        self.thread.start()

    def _drip(self):
        while not self.stop.wait(1.0):
            for s in self.drippers:
                try:
                    s.sendall(b"X-Drip: 1\r\n")
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join()
        for s in self.socks + self.drippers:
            s.close()


def test_probes_answer_while_200_idle_and_20_dripping_clients_hold_connections(listeners):
    srv, ports = listeners
    h = Hostiles(list(ports.values()))
    try:
        # Ten rounds take longer than every head timeout: the drippers are
        # cut off, the idle ones evicted or timed out, and probes never wait.
        for _ in range(10):
            assert http_get(ports["health"], "/health", timeout=PROBE_TIMEOUT) == (200, "OK")
            assert http_get(ports["ready"], "/ready", timeout=PROBE_TIMEOUT) == (200, "OK")
            status, body = http_get(ports["metrics"], "/metrics", timeout=PROBE_TIMEOUT)
            assert status == 200 and "skycore_build_info" in body
            r = Api(ports["api"]).call("GET", "/skydns/services/", timeout=PROBE_TIMEOUT)
            assert r.status == 200
    finally:
        h.close()
    assert srv.running()


def test_more_connections_than_the_cap_evict_idle_ones(listeners):
    """600 silent connections to the API (the cap is 512): new clients are
    served, because the longest-idle connection makes room."""
    _, ports = listeners
    socks = [socket.create_connection((HOST, ports["api"])) for _ in range(600)]
    try:
        for i in range(5):
            r = Api(ports["api"]).put(f"u{i}", svc(host=f"10.0.0.{i + 1}"), timeout=PROBE_TIMEOUT)
            assert r.status == 201, r
        # The first idle ones were closed by the server.
        socks[0].settimeout(PROBE_TIMEOUT)
        assert socks[0].recv(1) == b""
    finally:
        for s in socks:
            s.close()


def test_a_put_without_content_length_is_answered_at_once(listeners):
    _, ports = listeners
    resp = raw(ports["api"], b"PUT /skydns/services/u1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    status, headers, body = parse(resp)
    assert status == 400 and headers["content-type"] == "application/json"
    assert "error" in json.loads(body)


@pytest.mark.parametrize("request_line,status", [
    (b"FOO /skydns/services/u1 HTTP/1.1", 405),
    (b"PUT  /skydns/services/u1 HTTP/1.1", 400),
    (b"PUT /skydns/services/u1  HTTP/1.1", 400),
    (b"PUT /skydns/services/u1 HTTP/1.1 ", 400),
    (b"GET", 400),
    (b"G\x01T /skydns/services/ HTTP/1.1", 400),
    (b"GET /skydns/services/ HTTP/2.0", 505),
], ids=["FOO", "two-spaces", "space-before-version", "trailing-space", "no-target", "control-byte", "http2"])
def test_malformed_or_unknown_methods_get_a_json_reason(listeners, request_line, status):
    _, ports = listeners
    resp = raw(ports["api"], request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
    got, headers, body = parse(resp)
    assert got == status, resp
    assert json.loads(body)["error"]
    if status == 405:
        assert headers["allow"] == "PUT, POST, PATCH, GET, DELETE"


@pytest.mark.parametrize("headers,status", [
    (b"Content-Length: 5\r\nContent-Length: 6\r\n", 400),
    (b"Content-Length: -1\r\n", 400),
    (b"Content-Length: 99999999999999999999999\r\n", 413),
    (b"Transfer-Encoding: gzip\r\n", 501),
    (b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", 400),
    (b"Bad Header: x\r\n", 400),
    (b"X: " + b"a" * 20000 + b"\r\n", 431),
], ids=["two-lengths", "negative-length", "huge-length", "gzip", "chunked-and-length", "space-in-name",
        "head-over-16KiB"])
def test_request_smuggling_shapes_are_refused(listeners, headers, status):
    _, ports = listeners
    resp = raw(ports["api"], b"PUT /skydns/services/u1 HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    got, _, body = parse(resp)
    assert got == status, resp
    assert json.loads(body)["error"]


def test_chunked_bodies_pipelining_and_expect_continue(listeners):
    _, ports = listeners
    body = json.dumps(svc()).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7))
    req1 = (b"PUT /skydns/services/c1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + chunked + b"0\r\n\r\n")
    req2 = b"GET /skydns/services/c1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    resp = raw(ports["api"], req1 + req2)
    first, _, second = resp.partition(b"HTTP/1.1 200")
    assert parse(first)[0] == 201 and b'"Host":"10.0.0.1"' in second.replace(b" ", b"")
    # curl's Expect: 100-continue gets the interim answer, then the real one.
    with socket.create_connection((HOST, ports["api"]), timeout=PROBE_TIMEOUT) as s:
        s.sendall(b"PUT /skydns/services/c2 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                  b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body))
        assert s.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        s.sendall(body)
        out = b""
        while chunk := s.recv(4096):
            out += chunk
        assert parse(out)[0] == 201
