"""skydns-registry's health checks against real HTTP and TCP endpoints on
127.0.0.1: an instance whose check fails leaves the A and SRV answers, one
that warns (429) keeps a tenth of the SRV weight, one that recovers comes
back; slow, closed and non-HTTP endpoints are critical; when every instance
is critical all are answered. Status shows in GET and in metrics. Named
ports (`_http._tcp.<name>`) and tags (`<tag>.tag.<name>`) asked with
dnspython."""

import socket
import threading
import time

import pytest

from helpers.dnsclient import query, udp
from helpers.health_endpoint import HealthEndpoint
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, poll
from helpers.skydns import ZONE, Api, corefile, other_port, svc


class Listener:
    """A TCP socket that accepts and then writes `greeting` (or nothing)."""

    def __init__(self, greeting=b""):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        self.conns = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.handle(c)

    def handle(self, c):
        self.conns.append(c)
        if self.greeting:
            try:
                c.sendall(self.greeting)
            except OSError:
                pass

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture
def endpoints():
    made = []

    def make(kind="http", **kw):
        e = HealthEndpoint() if kind == "http" else Listener(**kw)
        made.append(e)
        return e

    yield make
    for e in made:
        e.close()


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    return port


def start(start_server, props="store memory"):
    api_port = free_port()
    metrics_port = other_port(api_port)
    cf = corefile(api_port, props).replace("    skydns-registry", f"    prometheus 127.0.0.1:{metrics_port}\n    skydns-registry", 1)
    srv = start_server(cf, port=other_port(api_port, metrics_port))
    Api(api_port).wait_ready()
    return srv, Api(api_port), metrics_port


def addresses(port, name, rdtype="A"):
    r = udp(query(f"{name}.{ZONE}.", rdtype), port)
    return sorted(rr.address for rrset in r.answer for rr in rrset)


def srv_records(port, name):
    r = udp(query(f"{name}.{ZONE}.", "SRV"), port)
    return sorted((rr.priority, rr.weight, rr.port, rr.target.to_text()) for rrset in r.answer for rr in rrset)


def http_check(url, interval="1s", timeout="500ms"):
    return {"HTTP": url, "Interval": interval, "Timeout": timeout}


def tcp_check(port, interval="1s", timeout="500ms"):
    return {"TCP": f"127.0.0.1:{port}", "Interval": interval, "Timeout": timeout}


def health_of(api, uuid):
    return api.get(uuid).json.get("Health")


def test_failing_warning_and_recovering_http_checks(start_server, endpoints):
    srv, api, _ = start(start_server)
    a, b = endpoints(), endpoints()
    assert api.put("a", svc(name="web", host="10.7.0.1", Checks=[http_check(a.url)])).status == 201
    assert api.put("b", svc(name="web", host="10.7.0.2", Checks=[http_check(b.url)])).status == 201
    assert api.put("c", svc(name="web", host="10.7.0.3")).status == 201  # no checks: always passing
    poll(lambda: health_of(api, "a") == "passing" and health_of(api, "b") == "passing", 5, what="checks to pass")
    assert addresses(srv.port, "web.production") == ["10.7.0.1", "10.7.0.2", "10.7.0.3"]
    assert api.get("c").json.get("Health") is None  # nothing checked, nothing claimed

    b.status = 503  # b fails: out of A and SRV
    poll(lambda: addresses(srv.port, "web.production") == ["10.7.0.1", "10.7.0.3"], 5, what="b to leave the answer")
    assert health_of(api, "b") == "critical"
    assert [t for *_, t in srv_records(srv.port, "web.production")] == [f"a.{ZONE}.", f"c.{ZONE}."]

    b.status = 429  # warning: back, with a tenth of the weight (the units: 100, 10, 100)
    poll(lambda: health_of(api, "b") == "warning", 5, what="b to warn")
    assert srv_records(srv.port, "web.production") == [
        (10, 10, 5432, f"b.{ZONE}."), (10, 100, 5432, f"a.{ZONE}."), (10, 100, 5432, f"c.{ZONE}.")]

    b.status = 200  # recovered: equal again
    poll(lambda: health_of(api, "b") == "passing", 5, what="b to recover")
    assert [w for _, w, _, _ in srv_records(srv.port, "web.production")] == [33, 33, 33]
    assert a.hits >= 3 and b.hits >= 3  # each check kept running on its interval


def critical_runs(metrics_port):
    e = Exposition(scrape(metrics_port))
    return sum(s.value for s in e.select("skycore_skydns_health_checks_total") if s.labels["result"] == "critical")


def test_slow_closed_and_non_http_endpoints_are_critical(start_server, endpoints):
    srv, api, metrics_port = start(start_server)
    slow = endpoints()
    slow.delay = 3.0  # far past the 300 ms timeout
    listening = endpoints("tcp")
    ssh = endpoints("tcp", greeting=b"SSH-2.0-OpenSSH_9.2\r\n")
    bodies = {
        "slow": svc(name="mix", host="10.8.0.1", Checks=[http_check(slow.url, timeout="300ms")]),
        "tcp-open": svc(name="mix", host="10.8.0.2", Checks=[tcp_check(listening.port)]),
        "tcp-closed": svc(name="mix", host="10.8.0.3", Checks=[tcp_check(closed_port())]),
        "not-http": svc(name="mix", host="10.8.0.4",
                        Checks=[http_check(f"http://127.0.0.1:{ssh.port}/", timeout="300ms")]),
        # The worst of two checks decides.
        "half": svc(name="mix", host="10.8.0.5", Checks=[tcp_check(listening.port), tcp_check(closed_port())]),
    }
    for uuid, body in bodies.items():
        assert api.put(uuid, body).status == 201, uuid
    poll(lambda: health_of(api, "tcp-open") == "passing", 5, what="the TCP check to pass")
    # The others stay critical: new checks start critical, so wait until the
    # failing ones (slow, closed, not HTTP, half's closed) have run: the
    # slow and the non-HTTP one twice each, and 8 failures counted in all.
    poll(lambda: slow.hits >= 2 and len(ssh.conns) >= 2 and critical_runs(metrics_port) >= 8, 6,
         what="the failing checks to run")
    for uuid in ("slow", "tcp-closed", "not-http", "half"):
        assert health_of(api, uuid) == "critical", uuid
    assert addresses(srv.port, "mix.production") == ["10.8.0.2"]
    # A slow endpoint holds none of the DNS path up meanwhile.
    t0 = time.monotonic()
    for _ in range(20):
        assert addresses(srv.port, "mix.production") == ["10.8.0.2"]
    assert time.monotonic() - t0 < 2.0

    # When the one healthy instance goes, the name answers with all of them
    # rather than nothing (see docs/skydns.md).
    listening.close()
    poll(lambda: health_of(api, "tcp-open") == "critical", 5, what="the closed listener to fail")
    assert addresses(srv.port, "mix.production") == [f"10.8.0.{i}" for i in range(1, 6)]
    assert len(srv_records(srv.port, "mix.production")) == 5


def test_changed_checks_start_over_and_removed_ones_stop(start_server, endpoints):
    srv, api, _ = start(start_server)
    good = endpoints()
    assert api.put("x", svc(name="chg", host="10.6.0.1", Checks=[http_check(good.url)])).status == 201
    poll(lambda: health_of(api, "x") == "passing", 5, what="x to pass")
    # The same body again is a refresh: the status stays.
    assert api.put("x", svc(name="chg", host="10.6.0.1", Checks=[http_check(good.url)])).status == 200
    assert health_of(api, "x") == "passing"
    # POST with other checks replaces them: critical until the new one ran.
    r = api.post("x", svc(name="chg", host="10.6.0.1", Checks=[tcp_check(closed_port())]))
    assert r.status in (200, 201), r
    assert health_of(api, "x") == "critical"
    # Without checks it is passing at once, and the old endpoint is left alone.
    assert api.post("x", svc(name="chg", host="10.6.0.1")).status in (200, 201)
    assert addresses(srv.port, "chg.production") == ["10.6.0.1"]
    hits = good.hits
    time.sleep(2.5)  # two intervals: the removed check must not run again (nothing to poll for an absence)
    assert good.hits == hits


def test_bad_checks_are_refused_with_a_reason(start_server):
    _, api, _ = start(start_server)
    for checks, words in [
        ([{"HTTP": "https://127.0.0.1:1/"}], "https"),
        ([{"TCP": "db.example.com:5432"}], "IP address"),
        ([{"TCP": "127.0.0.1:1", "Interval": "10ms"}], "Interval"),
        ("nope", "Checks must be an array"),
        ([{"TCP": "127.0.0.1:1"}] * 9, "at most 8"),
    ]:
        r = api.put("bad", svc(Checks=checks))
        assert r.status == 400 and words in r.json["error"], (checks, r)
    assert api.get("bad").status == 404


def test_metrics_count_instances_by_status_and_checks_by_result(start_server, endpoints):
    _, api, metrics_port = start(start_server)
    ok, bad = endpoints(), endpoints()
    bad.status = 500
    assert api.put("m1", svc(name="met", host="10.5.0.1", Checks=[http_check(ok.url)])).status == 201
    assert api.put("m2", svc(name="met", host="10.5.0.2", Checks=[http_check(bad.url)])).status == 201
    assert api.put("m3", svc(name="met", host="10.5.0.3")).status == 201  # unchecked: not counted

    def by_status():
        e = Exposition(scrape(metrics_port))
        return {s.labels["status"]: s.value for s in e.select("skycore_skydns_instances_by_health")}

    def results():
        e = Exposition(scrape(metrics_port))
        assert e.family("skycore_skydns_health_checks_total").type == "counter"
        return {s.labels["result"]: s.value for s in e.select("skycore_skydns_health_checks_total")}

    poll(lambda: by_status() == {"passing": 1.0, "warning": 0.0, "critical": 1.0}, 5, what="instances by status")
    # m2 was critical from the start; its check's result is counted once it ran.
    poll(lambda: bad.hits >= 1 and results()["critical"] >= 1, 5, what="a critical result counted")
    r = results()
    assert r["passing"] >= 1 and r["warning"] == 0


def test_named_ports_and_tags_over_dns(start_server):
    srv, api, _ = start(start_server)
    assert api.put("w1", svc(name="shop", region="east", host="10.4.0.1", Port=8080,
                             Ports={"http": 8080, "grpc": 9090}, Tags=["primary", "v2"])).status == 201
    assert api.put("w2", svc(name="shop", region="west", host="10.4.0.2", Port=8081,
                             Ports={"grpc": 9091}, Tags=["v2"])).status == 201
    assert api.put("w3", svc(name="shop", region="east", host="10.4.0.3", Port=8082)).status == 201
    # The single Port stays what plain SRV answers.
    assert [p for _, _, p, _ in srv_records(srv.port, "shop.production")] == [8080, 8081, 8082]
    assert srv_records(srv.port, "_grpc._tcp.shop.production") == [
        (10, 50, 9090, f"w1.{ZONE}."), (10, 50, 9091, f"w2.{ZONE}.")]
    assert srv_records(srv.port, "_http._tcp.shop.production") == [(10, 100, 8080, f"w1.{ZONE}.")]
    # Region priority as today, under the prefix.
    assert srv_records(srv.port, "_grpc._tcp.east.1-0-2.shop.production") == [
        (10, 100, 9090, f"w1.{ZONE}."), (20, 100, 9091, f"w2.{ZONE}.")]
    r = udp(query(f"_ftp._tcp.shop.production.{ZONE}.", "SRV"), srv.port)
    assert r.rcode() == 3  # NXDOMAIN: nobody has that port
    assert addresses(srv.port, "primary.tag.shop.production") == ["10.4.0.1"]
    assert addresses(srv.port, "v2.tag.shop.production") == ["10.4.0.1", "10.4.0.2"]
    assert addresses(srv.port, "v2.tag.*.production") == ["10.4.0.1", "10.4.0.2"]
    assert [t for *_, t in srv_records(srv.port, "_grpc._tcp.primary.tag.shop.production")] == [f"w1.{ZONE}."]
    # GET shows them as given (names and tags lowercased).
    got = api.get("w1").json
    assert got["Ports"] == {"grpc": 9090, "http": 8080} and got["Tags"] == ["primary", "v2"]


def test_details_survive_a_restart_of_the_file_store(start_server, tmp_path, endpoints):
    ok = endpoints()
    journal = tmp_path / "registry.journal"
    props = f"store file {journal}"
    srv, api, _ = start(start_server, props)
    assert api.put("d1", svc(name="dur", host="10.3.0.1", Ports={"http": 80}, Tags=["blue"],
                             Checks=[http_check(ok.url)])).status == 201
    poll(lambda: health_of(api, "d1") == "passing", 5, what="d1 to pass")
    srv.stop()
    srv.start()
    Api(api.port).wait_ready()
    got = api.get("d1").json
    assert got["Ports"] == {"http": 80} and got["Tags"] == ["blue"] and len(got["Checks"]) == 1
    # Health is not journaled: checked again after the restart, and passing again.
    poll(lambda: health_of(api, "d1") == "passing", 5, what="d1 to pass after the restart")
    assert addresses(srv.port, "blue.tag.dur.production") == ["10.3.0.1"]


def test_status_changes_reach_callbacks(start_server, endpoints):
    _, api, _ = start(start_server)
    check, receiver = endpoints(), endpoints()
    assert api.put("cb", svc(name="cbk", host="10.2.0.1", Checks=[http_check(check.url)])).status == 201
    poll(lambda: health_of(api, "cb") == "passing", 5, what="cb to pass")
    r = api.call("PUT", "/skydns/callbacks/cb", {"Reply": "127.0.0.1", "Port": receiver.port})
    assert r.status == 201, r
    check.status = 503
    poll(lambda: [b["Health"] for _, _, b in receiver.calls] == ["critical"], 5, what="a critical callback")
    check.status = 200
    poll(lambda: [b["Health"] for _, _, b in receiver.calls] == ["critical", "passing"], 5, what="a passing callback")
    assert all(m == "PUT" and p == "/skydns/callbacks/cb" for m, p, _ in receiver.calls)
    # The callback stays registered for the removal, which SkyDNS 1 sends as DELETE.
    assert api.delete("cb").status == 200
    poll(lambda: receiver.calls[-1][0] == "DELETE", 5, what="the removal callback")


def test_callbacks_for_one_uuid_arrive_in_order(start_server, endpoints):
    # The receiver holds the first callback (critical) for 2 s; meanwhile
    # the instance recovers and is removed. Sent side by side, the passing
    # PUT and the DELETE would land before the critical one, leaving the
    # receiver with a service "critical" after its removal.
    _, api, _ = start(start_server)
    check, receiver = endpoints(), endpoints()
    receiver.hold_first = 2.0
    assert api.put("ord", svc(name="ord", host="10.2.0.2", Checks=[http_check(check.url)])).status == 201
    poll(lambda: health_of(api, "ord") == "passing", 5, what="ord to pass")
    assert api.call("PUT", "/skydns/callbacks/ord", {"Reply": "127.0.0.1", "Port": receiver.port}).status == 201
    check.status = 503
    poll(lambda: health_of(api, "ord") == "critical", 5, what="ord to fail")
    check.status = 200
    poll(lambda: health_of(api, "ord") == "passing", 5, what="ord to recover")
    assert api.delete("ord").status == 200
    poll(lambda: any(m == "DELETE" for m, _, _ in receiver.calls) and
         any(m == "PUT" for m, _, _ in receiver.calls), 10, what="the held callback and the removal")
    methods = [m for m, _, _ in receiver.calls]
    assert methods[-1] == "DELETE" and methods.count("DELETE") == 1, receiver.calls
    puts = [b["Health"] for m, _, b in receiver.calls if m == "PUT"]
    assert puts[0] == "critical" and puts in (["critical"], ["critical", "passing"]), receiver.calls


class EndWatcher(Listener):
    """A Listener that reads each connection to its end, noting how the
    checker ended it: "reset" or "close"."""

    def __init__(self):
        self.ends = []
        super().__init__()

    def handle(self, c):
        c.settimeout(5)
        try:
            while c.recv(4096):
                pass
            self.ends.append("close")
        except ConnectionResetError:
            self.ends.append("reset")
        except OSError:
            self.ends.append("timeout")
        c.close()


def time_wait_to(port):
    """Sockets in TIME_WAIT (state 06) whose remote end is 127.0.0.1:port."""
    remote = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as f:
        return sum(1 for line in f.readlines()[1:] if line.split()[2] == remote and line.split()[3] == "06")


def test_checks_end_their_connections_with_a_reset(start_server):
    # An orderly close would leave the registry's end in TIME_WAIT for a
    # minute per check, each holding a local port (docs/benchmarks.md).
    srv, api, _ = start(start_server)
    watcher = EndWatcher()
    waiting_before = time_wait_to(watcher.port)  # another test's, to a port once numbered the same
    try:
        assert api.put("rst", svc(name="rst", host="10.9.0.1", Checks=[tcp_check(watcher.port)])).status == 201
        poll(lambda: len(watcher.ends) >= 3, 8, what="three TCP checks to end")
        assert health_of(api, "rst") == "passing"
        assert set(watcher.ends) == {"reset"}, watcher.ends
        assert time_wait_to(watcher.port) <= waiting_before
    finally:
        watcher.close()
