"""The kubernetes plugin against what outsiders send it: names far deeper
than any cluster name, an API server that answers nonsense or nothing, and
what CoreDNS does that clients rely on (SERVFAIL while unsynced, an address
for the apex NS target). The fake API server speaks the real list/watch
protocol; every wait polls."""

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

    def make(props="", fixture=True, wait=True, **kw):
        k = FakeKube(**kw).start()
        kubes.append(k)
        if fixture:
            k.load_fixture(FIXTURE)
        srv = start_server(corefile(k.url, upstream.port, props))
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
