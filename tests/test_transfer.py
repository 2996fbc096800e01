"""transfer against the real binary: AXFR of the kubernetes zone and of a
k8s_external zone, read by kdig and by dnspython's zone transfer client
(which checks the SOA framing), several messages for a large zone, IXFR up
to date and out of date, and the refusals (UDP, a client not listed)."""

import subprocess
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest

from helpers.dnsclient import query, tcp, udp
from helpers.fake_kube import FakeKube
from helpers.skycore import Server, poll

FIXTURE = Path(__file__).parent / "fixtures" / "kube" / "cluster.json"
MANY = 300  # Services with a named port: about 900 records, two messages or more


def service(name, ip, ingress=None):
    svc = {"kind": "Service", "apiVersion": "v1",
           "metadata": {"name": name, "namespace": "bulk", "uid": f"uid-{name}"},
           "spec": {"type": "LoadBalancer" if ingress else "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                    "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}
    if ingress:
        svc["status"] = {"loadBalancer": {"ingress": [{"ip": ingress}]}}
    return svc


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    with FakeKube() as kube:
        kube.load_fixture(FIXTURE)
        kube.add({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "bulk"}})
        for i in range(MANY):
            kube.add(service(f"s{i}", f"10.97.{i // 256}.{i % 256}"))
        kube.add(service("lb", "10.97.99.1", "192.0.2.77"))
        s = Server(tmp_path_factory.mktemp("transfer"), f""".:@PORT@ {{
    bind 127.0.0.1
    kubernetes cluster.local {{
        endpoint {kube.url}
    }}
    k8s_external example.org
    transfer cluster.local example.org {{
        to 127.0.0.1
    }}
}}
""")
        try:
            s.start()
            poll(lambda: udp(query(f"s{MANY - 1}.bulk.svc.cluster.local.", "A"), s.port).answer, 10,
                 what="the first sync")
            yield s
        finally:
            s.stop()


def axfr(srv, zone, source="127.0.0.1"):
    return list(dns.query.xfr("127.0.0.1", zone, port=srv.port, source=source, lifetime=10, relativize=False))


def test_axfr_of_the_cluster_zone(srv):
    messages = axfr(srv, "cluster.local.")
    assert len(messages) >= 2  # more than 500 records
    zone = dns.zone.from_xfr(iter(messages), relativize=False)  # checks SOA first and last
    a = zone.find_rdataset("svc1.testns.svc.cluster.local.", "A")
    assert [r.to_text() for r in a] == ["10.96.0.100"]
    assert zone.find_rdataset(f"s{MANY - 1}.bulk.svc.cluster.local.", "A")
    srv_set = zone.find_rdataset("_http._tcp.s7.bulk.svc.cluster.local.", "SRV")
    assert [r.to_text() for r in srv_set] == ["0 100 80 s7.bulk.svc.cluster.local."]
    assert zone.find_rdataset("cluster.local.", "NS")
    assert zone.find_rdataset("ext1.testns.svc.cluster.local.", "CNAME")


def test_kdig_reads_the_transfer(srv):
    p = subprocess.run(["kdig", "@127.0.0.1", "-p", str(srv.port), "AXFR", "example.org."],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode == 0, p.stderr
    lines = [l.split() for l in p.stdout.splitlines() if l and not l.startswith(";")]
    assert lines[0][3] == "SOA" and lines[-1][3] == "SOA"
    assert ["lb.bulk.example.org.", "5", "IN", "A", "192.0.2.77"] in lines


def test_ixfr_up_to_date_gets_the_soa_alone_and_out_of_date_gets_the_zone(srv):
    soa = tcp(query("cluster.local.", "SOA"), srv.port).answer[0][0]

    def ixfr(serial):
        q = dns.message.make_query("cluster.local.", dns.rdatatype.IXFR)
        old = soa.replace(serial=serial)
        q.authority.append(dns.rrset.from_rdata("cluster.local.", 5, old))
        return tcp(q, srv.port, timeout=5)

    current = ixfr(soa.serial)
    assert [rr.rdtype for rrset in current.answer for rr in rrset] == [dns.rdatatype.SOA]
    full = ixfr((soa.serial - 1) % 2**32)
    assert sum(len(rrset) for rrset in full.answer) > 1  # the whole zone (its first message)


def test_refusals(srv):
    assert udp(query("cluster.local.", "AXFR"), srv.port).rcode() == dns.rcode.REFUSED
    r = tcp(query("cluster.local.", "AXFR"), srv.port, source="127.0.0.2")
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
    # Other questions go on to the plugins as ever.
    assert tcp(query("svc.cluster.local.", "A"), srv.port).rcode() == dns.rcode.NOERROR


def test_setup_errors(tmp_path):
    from helpers.skycore import BIN
    for body, message in (("transfer {\n    }", "transfer: 'to' is required"),
                          ("transfer {\n        to nowhere\n    }", "transfer: must specify an IP address: `nowhere'")):
        conf = tmp_path / "Corefile"
        conf.write_text(f". {{\n    {body}\n}}\n")
        p = subprocess.run([str(BIN), "-validate", "-conf", str(conf)], capture_output=True, text=True, timeout=10)
        assert p.returncode != 0 and message in p.stderr, p.stderr
