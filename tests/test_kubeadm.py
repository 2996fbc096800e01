"""The Corefile every kubeadm cluster ships, unchanged but for what a test
must change (the DNS port and a bind to 127.0.0.1, the kubernetes API
endpoint, the health/ready/prometheus addresses, and a resolv.conf naming the
test's upstream), answering kubernetes, forward and PTR queries; and the
plugins it brings beside kubernetes: loop (a forwarding loop stops the server
at start-up) and loadbalance (address order shuffled)."""

from pathlib import Path

import dns.rcode
import dns.rdatatype
import pytest

from helpers.dnsclient import query, tcp, udp
from helpers.fake_kube import FakeKube
from helpers.http import try_get
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, poll
from helpers.skydns import Api, svc
from helpers.upstream import Upstream

FIXTURE = Path(__file__).parent / "fixtures" / "kube" / "cluster.json"

KUBEADM = """\
.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""


def kubeadm_for_test(kube_url, resolv, health, ready, metrics):
    text = KUBEADM
    for old, new in ((".:53 {", ".:@PORT@ {\n    bind 127.0.0.1"),
                     ("    health {", f"    health 127.0.0.1:{health} {{"),
                     ("    ready\n", f"    ready 127.0.0.1:{ready}\n"),
                     ("       pods insecure", f"       endpoint {kube_url}\n       pods insecure"),
                     ("prometheus :9153", f"prometheus 127.0.0.1:{metrics}"),
                     ("/etc/resolv.conf", str(resolv))):
        assert old in text
        text = text.replace(old, new, 1)
    return text


@pytest.fixture
def kubeadm(start_server, tmp_path):
    with FakeKube() as kube, Upstream() as up:
        kube.load_fixture(FIXTURE)
        resolv = tmp_path / "resolv.conf"
        resolv.write_text(f"nameserver 127.0.0.1:{up.port}\nsearch example.test\noptions ndots:5\n")
        ports = free_port(), free_port(), free_port()
        srv = start_server(kubeadm_for_test(kube.url, resolv, *ports))
        yield srv, up, ports


@pytest.mark.parametrize("via", [udp, tcp], ids=["udp", "tcp"])
def test_the_kubeadm_corefile_answers(kubeadm, via):
    srv, up, (health, ready, metrics) = kubeadm
    poll(lambda: try_get(ready, "/ready") == (200, "OK"), 10, what="ready (kubernetes synced)")
    assert try_get(health, "/health") == (200, "OK")
    # kubernetes
    r = via(query("svc1.testns.svc.cluster.local.", "A"), srv.port)
    assert [rd.address for rd in r.answer[0]] == ["10.96.0.100"] and r.answer[0].ttl == 30
    # PTR for a Service address, from kubernetes
    r = via(query("100.0.96.10.in-addr.arpa.", "PTR"), srv.port)
    assert [rd.target.to_text() for rd in r.answer[0]] == ["svc1.testns.svc.cluster.local."]
    # PTR for an address kubernetes does not know: fallthrough to forward
    seen = up.queries()
    r = via(query("7.7.7.7.in-addr.arpa.", "PTR"), srv.port)
    assert r.rcode() == dns.rcode.NOERROR and up.queries() > seen
    # Everything else: forward (through resolv.conf's nameserver), then cache.
    r = via(query("www.example.com.", "A"), srv.port)
    assert [rd.address for rd in r.answer[0]] == ["192.0.2.1"]
    seen = up.queries()
    r = via(query("www.example.com.", "A"), srv.port)
    assert [rd.address for rd in r.answer[0]] == ["192.0.2.1"] and up.queries() == seen  # a cache hit
    # ExternalName: the CNAME, then its target through forward.
    r = via(query("ext1.testns.svc.cluster.local.", "A"), srv.port)
    assert [rs.rdtype for rs in r.answer] == [dns.rdatatype.CNAME, dns.rdatatype.A]
    # loop sent its probe (HINFO for a random name) through forward, and it did not come back.
    assert any(m.question[0].rdtype == dns.rdatatype.HINFO for _, m in up.seen_messages())
    assert srv.running()
    e = Exposition(scrape(metrics))
    assert e.value("skycore_dns_requests_total") > 0


def test_a_forwarding_loop_stops_the_server(start_server):
    srv = start_server(".:@PORT@ {\n    bind 127.0.0.1\n    loop\n    forward . 127.0.0.1:@PORT@\n}\n", wait=False)
    assert srv.wait_exit(15) == 1
    out = srv.stdout()
    assert "[FATAL] plugin/loop: Loop (127.0.0.1:" in out, out
    assert f"-> 127.0.0.1:{srv.port}) detected for zone \".\", see https://coredns.io/plugins/loop#troubleshooting" in out
    assert 'Query: "HINFO ' in out


def registry_with(start_server, extra):
    api_port = free_port()
    srv = start_server(f"skydns.local:@PORT@ {{\n    bind 127.0.0.1\n{extra}    skydns-registry {{\n"
                       f"        api 127.0.0.1:{api_port}\n        store memory\n    }}\n}}\n")
    api = Api(api_port)
    api.wait_ready()
    for i in range(1, 7):
        assert api.put(f"u{i}", svc(host=f"10.0.0.{i}")).status == 201
    return srv


def orders(srv, n=40):
    out = set()
    for _ in range(n):
        r = udp(query("db.production.skydns.local.", "A"), srv.port)
        addrs = tuple(rd.address for rs in r.answer for rd in rs)
        assert sorted(addrs) == [f"10.0.0.{i}" for i in range(1, 7)]
        out.add(addrs)
    return out


def test_loadbalance_shuffles_address_order(start_server):
    assert len(orders(registry_with(start_server, "    loadbalance\n"))) > 5
    assert len(orders(registry_with(start_server, "    loadbalance round_robin\n"))) > 5
    assert len(orders(registry_with(start_server, ""))) == 1  # without it the order is fixed


def test_loadbalance_policy_errors(tmp_path):
    from helpers.skycore import run_skycore
    (tmp_path / "Corefile").write_text(".:1053 {\n    loadbalance weighted /nonexistent/weights\n}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr.strip() == "Corefile:2: loadbalance: cannot read weights file '/nonexistent/weights'"
    (tmp_path / "Corefile").write_text(".:1053 {\n    loadbalance fastest\n}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr.strip() == ("Corefile:2: loadbalance: unknown policy 'fastest' "
                                "(want round_robin or weighted WEIGHTFILE)")
