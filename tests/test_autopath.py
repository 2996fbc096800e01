"""autopath against the real binary: kubernetes (the fake API server, real
list/watch) supplies each pod's search list from the address it asks from,
an independent dnspython upstream answers names outside the cluster.
Clients on 127.0.0.1 and 127.0.0.2 stand for pods in two namespaces; a
dnspython stub resolver with ndots:5 and a pod's search list shows what a
real client sees and how many queries reach the server."""

import dns.flags
import dns.rcode
import dns.resolver
import pytest

from helpers.dnsclient import query, udp
from helpers.fake_kube import FakeKube
from helpers.prom import Exposition, scrape
from helpers.skycore import Server, free_port, poll
from helpers.upstream import Upstream
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "kube" / "cluster.json"
ZONE = "cluster.local"


def pod(ns, name, ip, host_network=False):
    return {"kind": "Pod", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}"},
            "spec": {"hostNetwork": host_network, "containers": [{"name": "c", "image": "busybox"}]},
            "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]}}


def ask(srv, name, source="127.0.0.1", rdtype="A"):
    return udp(query(name, rdtype), srv.port, source=source)


def answer_text(r):
    return sorted(f"{rrset.name} {dns.rdatatype.to_text(rrset.rdtype)} {rd}" for rrset in r.answer for rd in rrset)


@pytest.fixture(scope="module")
def upstream():
    with Upstream() as u:
        yield u


@pytest.fixture(scope="module")
def kube():
    with FakeKube() as k:
        k.load_fixture(FIXTURE)
        k.add(pod("testns", "client-a", "127.0.0.1"))
        k.add(pod("other", "client-b", "127.0.0.2"))
        yield k


@pytest.fixture(scope="module")
def srv(kube, upstream, tmp_path_factory):
    metrics = free_port()
    s = Server(tmp_path_factory.mktemp("autopath"), f""".:@PORT@ {{
    bind 127.0.0.1
    kubernetes {ZONE} in-addr.arpa ip6.arpa {{
        endpoint {kube.url}
        fallthrough in-addr.arpa ip6.arpa
    }}
    autopath @kubernetes
    prometheus 127.0.0.1:{metrics}
    forward . 127.0.0.1:{upstream.port}
}}
""")
    s.metrics_port = metrics
    try:
        s.start()
        poll(lambda: ask(s, f"example.com.testns.svc.{ZONE}.").answer, 5, what="the first sync with pods")
        yield s
    finally:
        s.stop()


def test_an_external_name_is_completed_in_one_query(srv, upstream):
    upstream.reset()
    r = ask(srv, "Example.com.testns.svc.cluster.local.")
    assert r.rcode() == dns.rcode.NOERROR
    assert str(r.question[0].name) == "Example.com.testns.svc.cluster.local."
    assert answer_text(r) == ["Example.com. A 192.0.2.1",
                              "Example.com.testns.svc.cluster.local. CNAME Example.com."]
    assert [str(q.question[0].name).lower() for _, q in upstream.seen_messages()] == ["example.com."]


def test_a_service_of_another_namespace_is_found_on_the_way(srv):
    # A testns pod asking for "svc1.testns" (fewer than 5 dots: search list first).
    r = ask(srv, "svc1.testns.testns.svc.cluster.local.")
    assert r.rcode() == dns.rcode.NOERROR
    cname = [rr for rr in r.answer if rr.rdtype == dns.rdatatype.CNAME]
    assert len(cname) == 1 and str(cname[0][0].target) == "svc1.testns.svc.cluster.local."
    assert any(rr.rdtype == dns.rdatatype.A and str(rr.name) == "svc1.testns.svc.cluster.local." for rr in r.answer)


def test_each_pod_gets_its_own_namespace(srv):
    # The testns name is not the first search domain of a pod in "other".
    r = ask(srv, "example.com.testns.svc.cluster.local.", source="127.0.0.2")
    assert r.rcode() == dns.rcode.NXDOMAIN and not r.answer
    r = ask(srv, "example.com.other.svc.cluster.local.", source="127.0.0.2")
    assert answer_text(r) == ["example.com. A 192.0.2.1", "example.com.other.svc.cluster.local. CNAME example.com."]


def test_a_client_that_is_no_pod_gets_plain_answers(srv):
    r = ask(srv, "example.com.testns.svc.cluster.local.", source="127.0.0.3")
    assert r.rcode() == dns.rcode.NXDOMAIN


def test_when_every_name_fails_the_reply_is_to_the_question_asked(srv, upstream):
    upstream.reset()
    r = ask(srv, "nxnowhere.testns.svc.cluster.local.")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert str(r.question[0].name) == "nxnowhere.testns.svc.cluster.local."
    assert not r.answer
    assert any(rr.rdtype == dns.rdatatype.SOA for rr in r.authority)
    # The bare name was tried upstream on the client's behalf.
    assert "nxnowhere." in [str(q.question[0].name) for _, q in upstream.seen_messages()]


def test_pods_that_come_and_go_are_followed(srv, kube):
    kube.add(pod("late", "client-c", "127.0.0.4"))
    poll(lambda: ask(srv, "example.com.late.svc.cluster.local.", source="127.0.0.4").answer, 5,
         what="the new pod's namespace")
    kube.delete("Pod", "late", "client-c")
    poll(lambda: ask(srv, "example.com.late.svc.cluster.local.", source="127.0.0.4").rcode() == dns.rcode.NXDOMAIN,
         5, what="the deleted pod to lose autopath")
    # A host-network pod carries its node's address: no namespace from it.
    kube.add(pod("kube-system", "proxy", "127.0.0.5", host_network=True))
    kube.add(pod("late", "marker", "127.0.0.6"))  # seen after the proxy: the proxy was taken in too
    poll(lambda: ask(srv, "example.com.late.svc.cluster.local.", source="127.0.0.6").answer, 5, what="the marker pod")
    assert ask(srv, "example.com.kube-system.svc.cluster.local.", source="127.0.0.5").rcode() == dns.rcode.NXDOMAIN


def requests_total(srv):
    return Exposition(scrape(srv.metrics_port)).value("skycore_dns_requests_total")


def test_a_stub_resolver_sends_one_query_instead_of_four(srv):
    """The point of autopath: a pod resolving an external name through its
    ndots:5 search list (as the kubelet writes resolv.conf) asks once."""
    def resolver(source_ns):
        r = dns.resolver.Resolver(configure=False)
        r.nameservers = ["127.0.0.1"]
        r.nameserver_ports = {"127.0.0.1": srv.port}
        r.search = [dns.name.from_text(d) for d in (f"{source_ns}.svc.cluster.local", "svc.cluster.local",
                                                    "cluster.local")]
        r.ndots = 5
        r.use_search_by_default = True
        r.lifetime = 3
        return r

    def lookups(source):
        res = resolver("testns")
        before = requests_total(srv)
        for _ in range(10):
            a = res.resolve("example.com", "A", source=source, search=True)
            assert [rd.to_text() for rd in a] == ["192.0.2.1"]
        return requests_total(srv) - before

    assert lookups("127.0.0.1") == 10   # autopath: one query per lookup
    assert lookups("127.0.0.3") == 40   # no pod at this address: the client walks its list

    expo = Exposition(scrape(srv.metrics_port))
    assert expo.value("skycore_autopath_success_total", server=f"dns://127.0.0.1:{srv.port}") >= 10


def test_validate_accepts_autopath_forms(tmp_path):
    from helpers.skycore import BIN
    import subprocess
    rc = tmp_path / "resolv.conf"
    rc.write_text("search a.example b.example\n")
    good = tmp_path / "Corefile"
    good.write_text(f". {{\n    autopath {rc}\n    forward . 127.0.0.1\n}}\n")
    assert subprocess.run([str(BIN), "-validate", "-conf", str(good)], capture_output=True, timeout=10).returncode == 0
    bad = tmp_path / "Bad"
    bad.write_text(". {\n    autopath @etcd\n}\n")
    p = subprocess.run([str(BIN), "-validate", "-conf", str(bad)], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0 and f"{bad}:2: autopath: etcd plugin has no autopath func" in p.stderr
