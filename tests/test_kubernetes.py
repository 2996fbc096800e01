"""The kubernetes plugin against the fake API server (tests/helpers/fake_kube.py,
the real list/watch protocol) loaded with tests/fixtures/kube/cluster.json:
every record form of the Kubernetes DNS spec 1.1.0 over UDP and TCP, what
CoreDNS adds (endpoint names, pods, fallthrough), watch updates, the API
server going away and coming back, and SERVFAIL before the first sync.
Upstream lookups (ExternalName targets, fallthrough) go to a dnspython
upstream. Every wait polls."""

import json
from pathlib import Path

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from helpers.dnsclient import query, tcp, udp
from helpers.fake_kube import FakeKube
from helpers.http import try_get
from helpers.skycore import Server, free_port, poll
from helpers.upstream import Upstream

FIXTURE = Path(__file__).parent / "fixtures" / "kube" / "cluster.json"
ZONE = "cluster.local"
NS = "testns.svc.cluster.local"


def corefile(kube_url, upstream_port, props="", zones=f"{ZONE} in-addr.arpa ip6.arpa", extra=""):
    lines = "".join(f"        {p}\n" for p in props.splitlines() if p.strip())
    return f""".:@PORT@ {{
    bind 127.0.0.1
{extra}    kubernetes {zones} {{
        endpoint {kube_url}
{lines}    }}
    forward . 127.0.0.1:{upstream_port}
}}
"""


def ask(srv, name, rdtype="A", via=udp):
    return via(query(name if name.endswith(".") else name + ".", rdtype), srv.port)


def rdatas(r, rdtype=None, section="answer"):
    t = dns.rdatatype.from_text(rdtype) if rdtype else None
    return sorted(rd.to_text() for rrset in getattr(r, section) if t is None or rrset.rdtype == t
                  for rd in rrset)


def synced(srv):
    return ask(srv, f"svc1.{NS}").rcode() == dns.rcode.NOERROR


@pytest.fixture(scope="module")
def upstream():
    with Upstream() as u:
        yield u


@pytest.fixture(scope="module")
def kube():
    with FakeKube() as k:
        k.load_fixture(FIXTURE)
        yield k


@pytest.fixture(scope="module")
def cluster_dns(kube, upstream, tmp_path_factory):
    """skycore with the kubeadm-style kubernetes block, answering from the fixture."""
    srv = Server(tmp_path_factory.mktemp("k8s"), corefile(
        kube.url, upstream.port, "pods insecure\nfallthrough in-addr.arpa ip6.arpa\nttl 30"))
    try:
        srv.start()
        poll(lambda: synced(srv), 5, what="the first sync")
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def own_cluster(start_server, upstream):
    """own_cluster(props) -> (FakeKube, Server) that a test may change freely."""
    kubes = []

    def make(props="", fixture=True, **kw):
        k = FakeKube(**kw).start()
        kubes.append(k)
        if fixture:
            k.load_fixture(FIXTURE)
        srv = start_server(corefile(k.url, upstream.port, props))
        if fixture:
            poll(lambda: synced(srv), 5, what="the first sync")
        return k, srv

    yield make
    for k in kubes:
        k.stop()


VIAS = [pytest.param(udp, id="udp"), pytest.param(tcp, id="tcp")]


# --- records (spec 1.1.0) ---------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_schema_version_and_apex(cluster_dns, via):
    r = ask(cluster_dns, f"dns-version.{ZONE}", "TXT", via)
    assert rdatas(r) == ['"1.1.0"'] and r.flags & dns.flags.AA
    assert rdatas(ask(cluster_dns, ZONE, "NS", via)) == [f"ns.dns.{ZONE}."]
    soa = ask(cluster_dns, ZONE, "SOA", via).answer[0][0]
    assert (soa.mname.to_text(), soa.rname.to_text(), soa.minimum) == (f"ns.dns.{ZONE}.", f"hostmaster.{ZONE}.", 30)


@pytest.mark.parametrize("via", VIAS)
def test_cluster_ip_service(cluster_dns, via):
    r = ask(cluster_dns, f"svc1.{NS}", "A", via)
    assert rdatas(r) == ["10.96.0.100"]
    assert r.flags & dns.flags.AA and r.answer[0].ttl == 30
    nodata = ask(cluster_dns, f"svc1.{NS}", "AAAA", via)
    assert nodata.rcode() == dns.rcode.NOERROR and not nodata.answer
    assert nodata.authority[0].rdtype == dns.rdatatype.SOA
    assert rdatas(ask(cluster_dns, f"kubernetes.default.svc.{ZONE}", "A", via)) == ["10.96.0.1"]


@pytest.mark.parametrize("via", VIAS)
def test_srv_for_named_ports_only(cluster_dns, via):
    r = ask(cluster_dns, f"_http._tcp.svc1.{NS}", "SRV", via)
    assert rdatas(r) == [f"0 100 80 svc1.{NS}."]  # the Service port, not the target port
    assert rdatas(r, "A", "additional") == ["10.96.0.100"]
    assert rdatas(ask(cluster_dns, f"_dns._udp.svc1.{NS}", "SRV", via)) == [f"0 100 53 svc1.{NS}."]
    # On the service name itself: every named port (as CoreDNS).
    assert rdatas(ask(cluster_dns, f"svc1.{NS}", "SRV", via)) == [f"0 50 53 svc1.{NS}.", f"0 50 80 svc1.{NS}."]
    # No SRV for an unnamed port; a wrong protocol is no name at all.
    unnamed = ask(cluster_dns, f"svc-unnamed.{NS}", "SRV", via)
    assert unnamed.rcode() == dns.rcode.NOERROR and not unnamed.answer
    assert ask(cluster_dns, f"_http._udp.svc1.{NS}", "SRV", via).rcode() == dns.rcode.NXDOMAIN


@pytest.mark.parametrize("via", VIAS)
def test_dual_stack_and_ipv6_only_services(cluster_dns, via):
    assert rdatas(ask(cluster_dns, f"svc-dual.{NS}", "A", via)) == ["10.96.0.102"]
    assert rdatas(ask(cluster_dns, f"svc-dual.{NS}", "AAAA", via)) == ["fd00:10:96::102"]
    assert not ask(cluster_dns, f"svc-v6.{NS}", "A", via).answer
    assert rdatas(ask(cluster_dns, f"svc-v6.{NS}", "AAAA", via)) == ["fd00:10:96::103"]


@pytest.mark.parametrize("via", VIAS)
def test_ptr_for_service_addresses(cluster_dns, via):
    assert rdatas(ask(cluster_dns, "100.0.96.10.in-addr.arpa", "PTR", via)) == [f"svc1.{NS}."]
    v6 = "2.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa"
    assert rdatas(ask(cluster_dns, v6, "PTR", via)) == [f"svc-dual.{NS}."]


@pytest.mark.parametrize("via", VIAS)
def test_headless_service(cluster_dns, via):
    # Ready endpoints only: not .12 (not ready) nor .13 (terminating).
    assert rdatas(ask(cluster_dns, f"hdls1.{NS}", "A", via)) == ["172.17.0.10", "172.17.0.11"]
    assert rdatas(ask(cluster_dns, f"hdls1.{NS}", "AAAA", via)) == ["fd00:10:244::10", "fd00:10:244::11"]
    assert rdatas(ask(cluster_dns, f"web-0.hdls1.{NS}", "A", via)) == ["172.17.0.10"]
    assert rdatas(ask(cluster_dns, f"web-0.hdls1.{NS}", "AAAA", via)) == ["fd00:10:244::10"]
    # Without a hostname the endpoint is named by its dashed address.
    assert rdatas(ask(cluster_dns, f"172-17-0-11.hdls1.{NS}", "A", via)) == ["172.17.0.11"]
    assert ask(cluster_dns, f"172-17-0-12.hdls1.{NS}", "A", via).rcode() == dns.rcode.NXDOMAIN
    r = ask(cluster_dns, f"_http._tcp.hdls1.{NS}", "SRV", via)
    assert rdatas(r) == [f"0 33 8080 172-17-0-11.hdls1.{NS}.", f"0 33 8080 fd00-10-244--11.hdls1.{NS}.",
                         f"0 33 8080 web-0.hdls1.{NS}."]  # the endpoint port
    assert rdatas(r, "A", "additional") == ["172.17.0.10", "172.17.0.11"]
    assert rdatas(r, "AAAA", "additional") == ["fd00:10:244::10", "fd00:10:244::11"]
    assert rdatas(ask(cluster_dns, "10.0.17.172.in-addr.arpa", "PTR", via)) == [f"web-0.hdls1.{NS}."]


@pytest.mark.parametrize("via", VIAS)
def test_headless_edge_cases(cluster_dns, via):
    # publishNotReadyAddresses: the controller marks the endpoint ready.
    assert rdatas(ask(cluster_dns, f"hdls-notready.{NS}", "A", via)) == ["172.17.0.20"]
    assert rdatas(ask(cluster_dns, f"slow-0.hdls-notready.{NS}", "A", via)) == ["172.17.0.20"]
    # No ready endpoint, or a placeholder slice with null lists: NXDOMAIN.
    for name in ("hdls-down", "hdls-empty"):
        r = ask(cluster_dns, f"{name}.{NS}", "A", via)
        assert r.rcode() == dns.rcode.NXDOMAIN and r.authority[0].rdtype == dns.rdatatype.SOA
    # Addresses without ports: A, no SRV.
    assert rdatas(ask(cluster_dns, f"hdls-noports.{NS}", "A", via)) == ["172.17.0.50"]
    assert not ask(cluster_dns, f"hdls-noports.{NS}", "SRV", via).answer


@pytest.mark.parametrize("via", VIAS)
def test_external_name_follows_through_the_chain(cluster_dns, upstream, via):
    r = ask(cluster_dns, f"ext1.{NS}", "A", via)
    assert rdatas(r, "CNAME") == ["example.net."]
    assert rdatas(r, "A") == ["192.0.2.1"]  # from the upstream, via forward
    assert r.answer[0].name.to_text() == f"ext1.{NS}."
    assert any(m.question[0].name.to_text() == "example.net." for _, m in upstream.seen_messages())
    assert rdatas(ask(cluster_dns, f"ext1.{NS}", "CNAME", via)) == ["example.net."]


@pytest.mark.parametrize("via", VIAS)
def test_pods_insecure(cluster_dns, via):
    assert rdatas(ask(cluster_dns, f"172-17-0-40.testns.pod.{ZONE}", "A", via)) == ["172.17.0.40"]
    assert rdatas(ask(cluster_dns, f"fd00-10-244--40.testns.pod.{ZONE}", "AAAA", via)) == ["fd00:10:244::40"]
    # insecure: any address the name carries (as CoreDNS).
    assert rdatas(ask(cluster_dns, f"10-9-9-9.testns.pod.{ZONE}", "A", via)) == ["10.9.9.9"]
    assert ask(cluster_dns, f"not-an-ip.testns.pod.{ZONE}", "A", via).rcode() == dns.rcode.NXDOMAIN


def test_negative_answers_and_names_that_exist(cluster_dns):
    for name in (f"nosuch.{NS}", f"svc1.nosuchns.svc.{ZONE}", f"nosuch.{ZONE}", f"a.b.svc1.{NS}"):
        r = ask(cluster_dns, name)
        assert r.rcode() == dns.rcode.NXDOMAIN, name
        assert r.flags & dns.flags.AA and r.authority[0].rdtype == dns.rdatatype.SOA
    # Names with names below them answer NODATA.
    for name in (NS, f"svc.{ZONE}", f"pod.{ZONE}", f"_tcp.svc1.{NS}", f"testns.pod.{ZONE}"):
        r = ask(cluster_dns, name)
        assert r.rcode() == dns.rcode.NOERROR and not r.answer and r.authority, name


def test_names_are_case_insensitive(cluster_dns):
    r = ask(cluster_dns, "SVC1.TestNS.Svc.Cluster.LOCAL")
    assert rdatas(r) == ["10.96.0.100"]
    assert r.question[0].name.to_text() == "SVC1.TestNS.Svc.Cluster.LOCAL."


def test_fallthrough_sends_unknown_reverse_names_on(cluster_dns, upstream):
    before = upstream.queries()
    r = ask(cluster_dns, "9.9.9.10.in-addr.arpa", "PTR")
    assert r.rcode() == dns.rcode.NOERROR  # the upstream's NODATA, not our NXDOMAIN
    assert upstream.queries() == before + 1
    # A cluster name that does not exist is not passed on (not a fallthrough zone).
    assert ask(cluster_dns, f"nosuch.{NS}").rcode() == dns.rcode.NXDOMAIN
    assert upstream.queries() == before + 1


def test_names_outside_the_zones_are_forwarded(cluster_dns):
    assert rdatas(ask(cluster_dns, "www.example.org")) == ["192.0.2.1"]


def test_legacy_service_names(start_server, kube, upstream):
    srv = start_server(corefile(kube.url, upstream.port, "legacy_service_names", zones="kubernetes.local"))
    poll(lambda: ask(srv, "svc1.testns.kubernetes.local").rcode() == dns.rcode.NOERROR, 5,
         what="the first sync")
    # kube2sky + SkyDNS's names: <svc>.<ns>.<zone>, as their svc twins.
    assert rdatas(ask(srv, "svc1.testns.kubernetes.local")) == ["10.96.0.100"]
    assert rdatas(ask(srv, "kubernetes.default.kubernetes.local")) == ["10.96.0.1"]
    assert rdatas(ask(srv, "_http._tcp.svc1.testns.kubernetes.local", "SRV")) == [
        "0 100 80 svc1.testns.svc.kubernetes.local."]
    assert rdatas(ask(srv, "hdls1.testns.kubernetes.local")) == ["172.17.0.10", "172.17.0.11"]
    assert rdatas(ask(srv, "svc1.testns.svc.kubernetes.local")) == ["10.96.0.100"]
    assert ask(srv, "svc1.nosuchns.kubernetes.local").rcode() == dns.rcode.NXDOMAIN


def test_without_legacy_service_names_the_old_form_does_not_answer(cluster_dns):
    assert ask(cluster_dns, f"svc1.testns.{ZONE}").rcode() == dns.rcode.NXDOMAIN


def test_endpoint_pod_names_and_pods_verified(own_cluster):
    kube, srv = own_cluster("endpoint_pod_names\npods verified")
    r = ask(srv, f"_http._tcp.hdls1.{NS}", "SRV")
    assert f"0 50 8080 hdls1-6d9f7c8b5-x2k4p.hdls1.{NS}." in rdatas(r)
    assert rdatas(ask(srv, f"hdls1-6d9f7c8b5-x2k4p.hdls1.{NS}")) == ["172.17.0.11"]
    # verified: only addresses of pods that exist in that namespace.
    assert rdatas(ask(srv, f"172-17-0-40.testns.pod.{ZONE}")) == ["172.17.0.40"]
    assert ask(srv, f"10-9-9-9.testns.pod.{ZONE}").rcode() == dns.rcode.NXDOMAIN
    assert ask(srv, f"172-17-0-40.default.pod.{ZONE}").rcode() == dns.rcode.NXDOMAIN


def test_namespaces_and_ignore_empty_service(own_cluster):
    kube, srv = own_cluster("namespaces testns\nignore empty_service")
    assert ask(srv, f"kubernetes.default.svc.{ZONE}").rcode() == dns.rcode.NXDOMAIN
    # svc-unnamed has no selector, so no endpoints: ignored.
    assert ask(srv, f"svc-unnamed.{NS}").rcode() == dns.rcode.NXDOMAIN
    assert rdatas(ask(srv, f"svc1.{NS}")) == ["10.96.0.100"]


# --- watching -----------------------------------------------------------------------


def service(name, ip, ns="testns", ports=(("http", 80),)):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                     "ports": [{"name": n, "port": p, "protocol": "TCP"} for n, p in ports]}}


def test_watch_updates_are_served_from_the_open_watches(own_cluster):
    """Changes reach the plugin over the watch streams it already has open:
    no list and no new watch is asked for while they are applied."""
    kube, srv = own_cluster()
    poll(lambda: kube.watchers() >= 3, 3, what="the plugin watching")
    watching = kube.watchers()
    kube.clear_requests()
    kube.add(service("new1", "10.96.5.1"))
    poll(lambda: rdatas(ask(srv, f"new1.{NS}")) == ["10.96.5.1"], 10, what="the new service")

    kube.delete("Service", "testns", "svc1")
    poll(lambda: ask(srv, f"svc1.{NS}").rcode() == dns.rcode.NXDOMAIN, 10, what="the deleted service gone")

    ext = kube.get("Service", "testns", "ext1")
    ext["spec"]["externalName"] = "example.com"
    kube.update(ext)
    poll(lambda: rdatas(ask(srv, f"ext1.{NS}", "CNAME")) == ["example.com."], 10, what="the new ExternalName")

    # An endpoint becoming ready joins the headless answer.
    slices = [s for s in json.loads(FIXTURE.read_text())["items"]
              if s["kind"] == "EndpointSlice" and s["metadata"]["name"] == "hdls1-8kq2v"]
    slice_ = kube.get("EndpointSlice", "testns", slices[0]["metadata"]["name"])
    for ep in slice_["endpoints"]:
        if ep["addresses"] == ["172.17.0.12"]:
            ep["conditions"]["ready"] = True
    kube.update(slice_)
    poll(lambda: rdatas(ask(srv, f"hdls1.{NS}")) == ["172.17.0.10", "172.17.0.11", "172.17.0.12"], 10,
         what="the endpoint that became ready")
    assert [(r.path, r.query) for r in kube.requests] == []
    assert kube.watchers() == watching


def test_api_server_going_away_and_coming_back(own_cluster):
    kube, srv = own_cluster()
    poll(lambda: kube.watchers() >= 3, 3, what="the plugin watching")
    kube.stop()
    # Records stay served while the API server is away.
    assert rdatas(ask(srv, f"svc1.{NS}")) == ["10.96.0.100"]
    srv.wait_stdout("retrying")
    kube.add(service("while-away", "10.96.6.1"))
    kube.delete("Service", "testns", "svc1")
    kube.restart()
    # The watch resumes from its resourceVersion and converges.
    poll(lambda: rdatas(ask(srv, f"while-away.{NS}")) == ["10.96.6.1"]
         and ask(srv, f"svc1.{NS}").rcode() == dns.rcode.NXDOMAIN, 15, what="the changes made while away")
    srv.wait_stdout("reachable again")


def test_a_compacted_history_forces_a_relist(own_cluster):
    kube, srv = own_cluster()
    poll(lambda: kube.watchers() >= 3, 3, what="the plugin watching")
    kube.stop()
    kube.add(service("after-compaction", "10.96.7.1"))
    kube.clear_requests()
    kube.restart(compact=True)  # the old resourceVersion now gets 410 Gone
    poll(lambda: rdatas(ask(srv, f"after-compaction.{NS}")) == ["10.96.7.1"], 15, what="the re-listed service")
    lists = [r for r in kube.requests if not r.watch and r.path == "/api/v1/services"]
    assert lists, "no re-list after 410 Gone"


def test_servfail_and_not_ready_until_the_first_sync(start_server, upstream):
    kube = FakeKube(port=free_port())  # its port is known; it is not started yet
    ready_port = free_port()
    srv = start_server(corefile(kube.url, upstream.port, "startup_timeout 60s",
                                extra=f"    ready 127.0.0.1:{ready_port}\n"))
    try:
        r = ask(srv, f"svc1.{NS}")
        assert r.rcode() == dns.rcode.SERVFAIL
        assert rdatas(ask(srv, "www.example.org")) == ["192.0.2.1"]  # other names are served
        status, body = poll(lambda: try_get(ready_port, "/ready"), 5, what="the ready endpoint")
        assert status == 503 and "kubernetes" in body
        kube.start()
        kube.load_fixture(FIXTURE)
        poll(lambda: synced(srv), 10, what="answers after the first sync")
        poll(lambda: try_get(ready_port, "/ready") == (200, "OK"), 5, what="ready after the first sync")
    finally:
        kube.stop()


def test_startup_timeout_serves_what_there_is(start_server, upstream):
    kube = FakeKube(port=free_port())  # never started
    srv = start_server(corefile(kube.url, upstream.port, "startup_timeout 1s"))
    poll(lambda: ask(srv, f"dns-version.{ZONE}", "TXT").rcode() == dns.rcode.NOERROR, 5,
         what="serving after startup_timeout")
    srv.wait_stdout("starting to serve before the first sync")
    # What it cannot find may exist: SERVFAIL, not an NXDOMAIN pods would cache.
    assert ask(srv, f"svc1.{NS}").rcode() == dns.rcode.SERVFAIL


def test_a_reload_keeps_answering_until_the_new_configuration_has_synced(own_cluster):
    """The new configuration's informers list the cluster again; while they
    do (here slowed down by failing lists), the old one keeps answering."""
    import signal
    import time
    kube, srv = own_cluster("ttl 30")
    text = srv.corefile.read_text()
    # The new informer's first lists fail (two: their back-off, 0.8 s then 1.6 s,
    # stays well inside the 10 s a reload waits for readiness on a loaded machine).
    kube.fail_next(2, 500, match="/api/v1/services")
    srv.corefile.write_text(text.replace("ttl 30", "ttl 10"))
    srv.send_signal(signal.SIGUSR1)
    answers = []
    deadline = time.monotonic() + 20
    while "Reloading complete" not in srv.stdout():
        r = ask(srv, f"svc1.{NS}")
        answers.append((r.rcode(), r.answer[0].ttl if r.answer else None))
        assert time.monotonic() < deadline, "the reload never completed"
    assert all(rc == dns.rcode.NOERROR for rc, _ in answers), answers[-5:]
    assert {ttl for _, ttl in answers} <= {30, 10}
    poll(lambda: ask(srv, f"svc1.{NS}").answer[0].ttl == 10, 2, what="the new ttl")
