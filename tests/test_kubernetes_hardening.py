"""The kubernetes plugin against what outsiders send it: names far deeper
than any cluster name, an API server that answers nonsense or nothing, and
what CoreDNS does that clients rely on (SERVFAIL while unsynced, an address
for the apex NS target). The fake API server speaks the real list/watch
protocol; every wait polls."""

import threading

import dns.rcode
import pytest

from helpers.dnsclient import query, tcp, udp
from helpers.fake_kube import FakeKube
from helpers.skycore import assert_alive, poll
from test_kubernetes import FIXTURE, NS, ZONE, ask, corefile, rdatas, synced  # noqa: F401
from test_kubernetes import upstream  # noqa: F401  (fixture)


@pytest.fixture
def cluster(start_server, upstream):  # noqa: F811
    kubes = []

    def make(props="", fixture=True, wait=True, extra="", **kw):
        k = FakeKube(**kw).start()
        kubes.append(k)
        if fixture:
            k.load_fixture(FIXTURE)
        srv = start_server(corefile(k.url, upstream.port, props, extra=extra))
        if wait:
            poll(lambda: synced(srv), 5, what="the first sync")
        return k, srv

    yield make
    for k in kubes:
        k.stop()


@pytest.mark.parametrize("labels", [3, 40, 42, 60, 120])
def test_deep_names_answer_nxdomain_and_never_crash(cluster, labels):
    """A query of death on bdc9ee5: 42 labels under the zone with
    legacy_service_names killed the process with one packet."""
    _, srv = cluster("legacy_service_names")
    name = "c." * labels + ZONE + "."
    if len(name) > 253:
        name = "c." * ((253 - len(ZONE) - 1) // 2) + ZONE + "."
    for via in (udp, tcp):
        for rdtype in ("A", "SRV", "PTR"):
            assert ask(srv, name, rdtype, via).rcode() == dns.rcode.NXDOMAIN
    # A deep name whose top labels are a real namespace takes the legacy path too.
    deep_ns = "c." * 50 + f"svc1.testns.{ZONE}."
    assert ask(srv, deep_ns).rcode() == dns.rcode.NXDOMAIN
    assert_alive(srv)
    assert rdatas(ask(srv, f"svc1.testns.{ZONE}")) == ["10.96.0.100"]


# --- an API server that hammers back: every retry path backs off ------------------

import json  # noqa: E402
import time  # noqa: E402

from helpers.hostile_kube import HostileKube, list_body, namespace, service  # noqa: E402

WINDOW = 4.0  # seconds a misbehaving API server is watched for
# client-go's backoff (0.8 s doubling) allows ~4 retries in 4 s; bdc9ee5 made thousands.
MAX_RETRIES = 15


def hostile_server(start_server, kube):
    return start_server(corefile(kube.url, 9, "noendpoints\nstartup_timeout 0s"))


def _healthy(resource, watch, query, extra_services=()):
    if watch:
        return 200, []  # overridden by the tests that need watches
    if resource == "namespaces":
        return 200, list_body("Namespace", [namespace("testns")])
    return 200, list_body("Service", [service("svc1", "testns", "10.96.0.100"), *extra_services])


def _watch_forever(stop):
    """A watch stream that stays open (until the test ends) with no events."""
    def lines():
        while not stop.is_set():
            stop.wait(0.2)
            yield ""
    return lines()


def _count_over_window(kube, resource, watch):
    before = kube.count(resource, watch)
    time.sleep(WINDOW)  # the bound is over a time window: nothing to poll for
    return kube.count(resource, watch) - before


def test_every_list_answering_410_is_retried_with_backoff(start_server):
    def script(resource, watch, query):
        if resource == "services" and not watch:
            return 410, json.dumps({"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}).encode()
        return _healthy(resource, watch, query)
    with HostileKube(script) as kube:
        srv = hostile_server(start_server, kube)
        poll(lambda: kube.count("services", False) >= 2, 5, what="two lists")
        n = _count_over_window(kube, "services", False)
        assert n <= MAX_RETRIES, f"{n} lists in {WINDOW} s"
        assert srv.running()


def test_a_watch_that_ends_at_once_is_retried_with_backoff(start_server):
    with HostileKube(_healthy) as kube:  # every watch: 200 with an empty body
        srv = hostile_server(start_server, kube)
        poll(lambda: kube.count("services", True) >= 2, 5, what="two watches")
        n = _count_over_window(kube, "services", True)
        assert n <= MAX_RETRIES, f"{n} watches in {WINDOW} s"
        # Meanwhile the listed names are served.
        assert rdatas(ask(srv, f"svc1.testns.svc.{ZONE}")) == ["10.96.0.100"]


def test_a_continue_token_that_repeats_is_bounded(start_server):
    def script(resource, watch, query):
        if resource == "services" and not watch:
            return 200, list_body("Service", [], cont="again")  # the same token forever
        return _healthy(resource, watch, query)
    with HostileKube(script) as kube:
        srv = hostile_server(start_server, kube)
        poll(lambda: kube.count("services", False) >= 2, 5, what="two pages")
        n = _count_over_window(kube, "services", False)
        assert n <= 2 * MAX_RETRIES, f"{n} list pages in {WINDOW} s"
        srv.wait_stdout("continue token repeats")


def test_objects_that_cannot_be_parsed_are_skipped_not_fatal(start_server):
    """One bad object failed the whole list on bdc9ee5: the plugin never synced."""
    stop = threading.Event()
    bad = [
        {"kind": "Service", "metadata": {"name": "nullip", "namespace": "testns"},
         "spec": {"clusterIP": "10.96.0.7", "clusterIPs": [None], "ports": [{"port": "eighty"}]}},
        {"kind": "Service", "metadata": {"name": ["not", "a", "string"], "namespace": "testns"}},
        {"kind": "Service", "metadata": {"name": "wrongspec", "namespace": "testns"}, "spec": "nonsense"},
        {"kind": "Service", "metadata": {"name": "ports", "namespace": "testns"},
         "spec": {"clusterIP": "10.96.0.8", "ports": {"port": 80}}},
        42,
        "a string",
    ]

    def script(resource, watch, query):
        if watch:
            return 200, _watch_forever(stop)
        if resource == "services":
            return 200, list_body("Service", [*bad, service("good", "testns", "10.96.0.9")])
        return _healthy(resource, watch, query)
    with HostileKube(script) as kube:
        try:
            srv = hostile_server(start_server, kube)
            poll(lambda: rdatas(ask(srv, f"good.testns.svc.{ZONE}")) == ["10.96.0.9"], 5, what="the good service")
            srv.wait_stdout("not served")
            assert_alive_k8s(srv)
        finally:
            stop.set()


def test_a_corrupt_watch_stream_relists_and_later_changes_appear(start_server):
    stop = threading.Event()
    state = {"watches": 0}

    def script(resource, watch, query):
        if resource == "services" and watch:
            state["watches"] += 1
            if state["watches"] == 1:
                return 200, ["{not json", json.dumps({"type": "ADDED", "object": service("never", "testns", "10.0.0.1")})]
            return 200, _watch_forever(stop)
        if resource == "services":
            extra = [service("later", "testns", "10.96.0.50")] if state["watches"] >= 1 else []
            return 200, list_body("Service", [service("svc1", "testns", "10.96.0.100"), *extra])
        if watch:
            return 200, _watch_forever(stop)
        return _healthy(resource, watch, query)
    with HostileKube(script) as kube:
        try:
            srv = hostile_server(start_server, kube)
            poll(lambda: rdatas(ask(srv, f"later.testns.svc.{ZONE}")) == ["10.96.0.50"], 8,
                 what="the service listed after the corrupt stream")
            assert kube.count("services", False) >= 2  # it relisted
        finally:
            stop.set()


def assert_alive_k8s(srv):
    assert srv.running()
    assert rdatas(ask(srv, f"good.testns.svc.{ZONE}", via=tcp)) == ["10.96.0.9"]


# --- CoreDNS parity: unsynced SERVFAIL, the apex NS target's address ---------------


def test_serving_unsynced_after_startup_timeout_gives_servfail_not_nxdomain(start_server):
    def script(resource, watch, query):
        return 500, json.dumps({"kind": "Status", "code": 500, "message": "etcd is down"}).encode()
    with HostileKube(script) as kube:
        srv = hostile_server(start_server, kube)
        poll(lambda: kube.count("services", False) >= 1, 5, what="a list attempt")
        for name in (f"svc1.testns.svc.{ZONE}", f"nothing.testns.svc.{ZONE}"):
            r = ask(srv, name)
            assert r.rcode() == dns.rcode.SERVFAIL, dns.rcode.to_text(r.rcode())


@pytest.mark.parametrize("via", [udp, tcp], ids=["udp", "tcp"])
def test_the_apex_ns_target_has_an_address(cluster, via):
    _, srv = cluster()
    r = ask(srv, ZONE, "NS", via)
    assert rdatas(r) == [f"ns.dns.{ZONE}."]
    assert rdatas(r, "A", "additional") == ["127.0.0.1"]  # the server's own (it listens there)
    a = ask(srv, f"ns.dns.{ZONE}", "A", via)
    assert a.rcode() == dns.rcode.NOERROR and rdatas(a) == ["127.0.0.1"]
    aaaa = ask(srv, f"ns.dns.{ZONE}", "AAAA", via)
    assert aaaa.rcode() == dns.rcode.NOERROR and not aaaa.answer and aaaa.authority


def test_internal_lookups_for_externalname_targets_are_not_logged(cluster):
    """Only the client's query is logged; on bdc9ee5 the ExternalName
    target's lookup was logged too, as if a client had asked over TCP with
    bufsize 65535."""
    _, srv = cluster(extra="    log\n")
    r = ask(srv, f"ext1.{NS}", "A")
    assert rdatas(r, "CNAME") == ["example.net."]
    poll(lambda: f'"A IN ext1.{NS}. udp' in srv.stdout(), 3, what="the client's log line")
    lines = [l for l in srv.stdout().splitlines() if " IN " in l and "ready.probe" not in l
             and "svc1.testns" not in l]  # the start-up and sync probes
    assert len(lines) == 1, lines
    assert "example.net" not in lines[0] and "65535" not in lines[0]
