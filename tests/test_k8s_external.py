"""k8s_external against the real binary: the fake API server (real list and
watch) with LoadBalancer Services added to the usual fixture, an independent
dnspython upstream for a load balancer's host name. Addresses, SRV, the apex
SOA/NS and its name server, headless endpoints, negative answers, watch
updates, and that the block needs kubernetes."""

import subprocess
from pathlib import Path

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from helpers.dnsclient import query, udp
from helpers.fake_kube import FakeKube
from helpers.skycore import BIN, Server, poll
from helpers.upstream import Upstream

FIXTURE = Path(__file__).parent / "fixtures" / "kube" / "cluster.json"


def lb_service(name, cluster_ip, ingress, external_ips=None, ports=(("http", 80, "TCP"),)):
    return {"kind": "Service", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": "testns", "uid": f"uid-{name}"},
            "spec": {"type": "LoadBalancer", "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
                     "externalIPs": external_ips or [],
                     "ports": [{"name": n, "port": p, "protocol": proto} for n, p, proto in ports]},
            "status": {"loadBalancer": {"ingress": ingress}}}


def texts(r, rdtype, section="answer"):
    t = dns.rdatatype.from_text(rdtype)
    return sorted(rd.to_text() for rrset in getattr(r, section) if rrset.rdtype == t for rd in rrset)


@pytest.fixture(scope="module")
def upstream():
    with Upstream() as u:
        yield u


@pytest.fixture(scope="module")
def kube():
    with FakeKube() as k:
        k.load_fixture(FIXTURE)
        k.add(lb_service("lb1", "10.96.0.200", [{"ip": "192.0.2.10"}], ["198.51.100.5"],
                         ports=(("http", 80, "TCP"), ("dns", 53, "UDP"))))
        k.add(lb_service("lbname", "10.96.0.201", [{"hostname": "lb.cloud.example"}]))
        yield k


def start(tmp, kube, upstream, options):
    body = "".join(f"        {o}\n" for o in options)
    srv = Server(tmp, f""".:@PORT@ {{
    bind 127.0.0.1
    kubernetes cluster.local {{
        endpoint {kube.url}
    }}
    k8s_external example.org {{
{body}    }}
    forward . {upstream.address}
}}
""")
    srv.start()
    poll(lambda: udp(query("lb1.testns.example.org.", "A"), srv.port).rcode() == dns.rcode.NOERROR, 5,
         what="the first sync")
    return srv


@pytest.fixture(scope="module")
def srv(kube, upstream, tmp_path_factory):
    s = start(tmp_path_factory.mktemp("k8s-external"), kube, upstream, ["headless", "ttl 10"])
    yield s
    s.stop()


def ask(srv, name, rdtype="A"):
    return udp(query(name, rdtype), srv.port)


def test_external_and_load_balancer_addresses(srv):
    r = ask(srv, "lb1.testns.example.org.")
    assert texts(r, "A") == ["192.0.2.10", "198.51.100.5"]
    assert r.flags & dns.flags.AA and r.answer[0].ttl == 10


def test_srv_per_named_port_with_the_addresses_beside(srv):
    r = ask(srv, "_http._tcp.lb1.testns.example.org.", "SRV")
    assert texts(r, "SRV") == ["0 100 80 lb1.testns.example.org."]
    assert texts(r, "A", "additional") == ["192.0.2.10", "198.51.100.5"]
    assert texts(ask(srv, "lb1.testns.example.org.", "SRV"), "SRV") == [
        "0 50 53 lb1.testns.example.org.", "0 50 80 lb1.testns.example.org."]
    assert ask(srv, "_http._udp.lb1.testns.example.org.", "SRV").rcode() == dns.rcode.NXDOMAIN


def test_a_load_balancer_known_by_name_is_a_cname_followed_upstream(srv):
    r = ask(srv, "lbname.testns.example.org.")
    assert texts(r, "CNAME") == ["lb.cloud.example."]
    assert texts(r, "A") == ["192.0.2.1"]


def test_apex_soa_ns_and_the_name_server(srv):
    soa = ask(srv, "example.org.", "SOA")
    [rd] = [rd for rrset in soa.answer for rd in rrset]
    assert (str(rd.mname), str(rd.rname), rd.refresh, rd.retry, rd.expire, rd.minimum) == \
        ("ns1.dns.example.org.", "hostmaster.dns.example.org.", 7200, 1800, 86400, 10)
    ns = ask(srv, "example.org.", "NS")
    assert texts(ns, "NS") == ["ns1.dns.example.org."]
    assert texts(ns, "A", "additional") == ["127.0.0.1"]
    assert texts(ask(srv, "ns1.dns.example.org."), "A") == ["127.0.0.1"]


def test_negative_answers(srv):
    r = ask(srv, "svc1.testns.example.org.")  # ClusterIP only: nothing outside
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert [str(rd.mname) for rrset in r.authority for rd in rrset] == ["ns1.dns.example.org."]
    assert ask(srv, "testns.example.org.").rcode() == dns.rcode.NOERROR  # a namespace: NODATA
    assert ask(srv, "lb1.nowhere.example.org.").rcode() == dns.rcode.NXDOMAIN
    # As CoreDNS, a label in front of a Service with outside addresses is ignored.
    assert texts(ask(srv, "x.lb1.testns.example.org."), "A") == texts(ask(srv, "lb1.testns.example.org."), "A")
    assert ask(srv, "a.b.lb1.testns.example.org.").rcode() == dns.rcode.NXDOMAIN
    r = ask(srv, "lb1.testns.example.org.", "TXT")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer


def test_headless_endpoints(srv):
    inside = ask(srv, "hdls1.testns.svc.cluster.local.")
    outside = ask(srv, "hdls1.testns.example.org.")
    assert texts(outside, "A") == texts(inside, "A") and texts(outside, "A")
    targets = texts(ask(srv, "_http._tcp.hdls1.testns.svc.cluster.local.", "SRV"), "SRV")
    ext = texts(ask(srv, "_http._tcp.hdls1.testns.example.org.", "SRV"), "SRV")
    assert ext == sorted(t.replace(".svc.cluster.local.", ".example.org.") for t in targets)
    endpoint = ext[0].split()[-1]
    assert texts(ask(srv, endpoint), "A")


def test_without_headless_a_headless_service_is_not_served(tmp_path, kube, upstream):
    s = start(tmp_path, kube, upstream, [])
    try:
        assert ask(s, "hdls1.testns.example.org.").rcode() == dns.rcode.NXDOMAIN
        assert ask(s, "lb1.testns.example.org.").answer[0].ttl == 5  # the default TTL
    finally:
        s.stop()


def test_watch_updates_follow(srv, kube):
    svc = kube.get("Service", "testns", "lb1")
    svc["status"]["loadBalancer"]["ingress"] = [{"ip": "192.0.2.99"}]
    kube.update(svc)
    poll(lambda: texts(ask(srv, "lb1.testns.example.org."), "A") == ["192.0.2.99", "198.51.100.5"], 5,
         what="the new ingress address")


def test_k8s_external_needs_kubernetes_in_its_block(tmp_path):
    conf = tmp_path / "Corefile"
    conf.write_text(". {\n    k8s_external example.org\n    forward . 127.0.0.1\n}\n")
    p = subprocess.run([str(BIN), "-validate", "-conf", str(conf)], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert f"{conf}:2: k8s_external needs the kubernetes plugin in the same server block" in p.stderr
    conf.write_text(". {\n    kubernetes cluster.local\n    k8s_external example.org {\n        apex a.b\n    }\n}\n")
    p = subprocess.run([str(BIN), "-validate", "-conf", str(conf)], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0 and "k8s_external: apex 'a.b': want a single label" in p.stderr
