"""The kubernetes plugin at cluster scale, through the fake API server's real
list/watch protocol: a burst of EndpointSlice changes lands exactly (new
names and PTR records in, old ones out: the snapshot is patched per Service,
so a stale piece would show here), and a relist after the API server
restarts does not hold the cluster twice (peak RSS, a generous bound).
Every wait polls."""

import dns.rcode
import dns.reversename
import pytest

from helpers.fake_kube import FakeKube
from helpers.skycore import assert_alive, poll
from test_kubernetes import ZONE, ask, corefile, rdatas
from test_kubernetes import upstream  # noqa: F401  (fixture)

NAMESPACES = 10


def populate(kube, services, per_service=3):
    for n in range(NAMESPACES):
        kube.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"ns{n}"}})
    for i in range(services):
        ns, name = f"ns{i % NAMESPACES}", f"svc{i}"
        ip = f"10.96.{i // 256}.{i % 256}"
        kube.add({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
                  "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                           "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}})
        eps = [{"addresses": [endpoint_ip(i * per_service + k)], "conditions": {"ready": True}}
               for k in range(per_service)]
        kube.add({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                  "metadata": {"name": f"{name}-abcde", "namespace": ns,
                               "labels": {"kubernetes.io/service-name": name}},
                  "endpoints": eps, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]})


def endpoint_ip(n, base=16):
    return f"172.{base + n // 65536}.{n // 256 % 256}.{n % 256}"


def dashed(ip):
    return ip.replace(".", "-")


def ptr(srv, ip):
    return ask(srv, dns.reversename.from_address(ip).to_text(), "PTR")


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


@pytest.fixture
def big_cluster(start_server, upstream):  # noqa: F811
    kubes = []

    def make(services):
        k = FakeKube(history_limit=100000).start()
        kubes.append(k)
        populate(k, services)
        srv = start_server(corefile(k.url, upstream.port, "startup_timeout 60s"))
        last = services - 1
        poll(lambda: ask(srv, f"{dashed(endpoint_ip(last * 3 + 2))}.svc{last}.ns{last % NAMESPACES}.svc.{ZONE}").rcode()
             == dns.rcode.NOERROR, 60, what="the first sync")
        return k, srv

    yield make
    for k in kubes:
        k.stop()


def test_a_burst_of_slice_changes_lands_exactly(big_cluster):
    kube, srv = big_cluster(300)
    moved = {}
    for i in range(0, 300, 2):  # every other Service: its first endpoint gets a new address
        ns, name = f"ns{i % NAMESPACES}", f"svc{i}"
        obj = kube.get("EndpointSlice", ns, f"{name}-abcde")
        new = f"100.64.{i // 256}.{i % 256}"
        moved[i] = (obj["endpoints"][0]["addresses"][0], new)
        obj["endpoints"][0]["addresses"] = [new]
        kube.update(obj)
    for i in range(1, 40, 2):  # and some Services go away
        kube.delete("Service", f"ns{i % NAMESPACES}", f"svc{i}")

    def landed():
        last = max(moved)
        return ask(srv, f"{dashed(moved[last][1])}.svc{last}.ns{last % NAMESPACES}.svc.{ZONE}").rcode() \
            == dns.rcode.NOERROR and ask(srv, f"svc39.ns9.svc.{ZONE}").rcode() == dns.rcode.NXDOMAIN
    poll(landed, 10, what="the burst to be served")
    for i, (old, new) in moved.items():
        base = f"svc{i}.ns{i % NAMESPACES}.svc.{ZONE}"
        assert rdatas(ask(srv, f"{dashed(new)}.{base}")) == [new], i
        assert ask(srv, f"{dashed(old)}.{base}").rcode() == dns.rcode.NXDOMAIN, i
        assert rdatas(ptr(srv, new)) == [f"{dashed(new)}.{base}."], i
        assert ptr(srv, old).rcode() == dns.rcode.NXDOMAIN, i
    for i in range(1, 40, 2):  # deleted: the name, its endpoints and its PTR records
        base = f"svc{i}.ns{i % NAMESPACES}.svc.{ZONE}"
        assert ask(srv, base).rcode() == dns.rcode.NXDOMAIN, i
        assert ask(srv, f"{dashed(endpoint_ip(i * 3))}.{base}").rcode() == dns.rcode.NXDOMAIN, i
        assert ptr(srv, f"10.96.0.{i}").rcode() == dns.rcode.NXDOMAIN, i
        assert ptr(srv, endpoint_ip(i * 3)).rcode() == dns.rcode.NXDOMAIN, i
    # Untouched Services are as they were, SRV included.
    for i in (41, 299):
        base = f"svc{i}.ns{i % NAMESPACES}.svc.{ZONE}"
        assert rdatas(ask(srv, base)) == [f"10.96.{i // 256}.{i % 256}"]
        assert rdatas(ask(srv, f"_http._tcp.{base}", "SRV")) == [f"0 100 80 {base}."]
        assert rdatas(ptr(srv, endpoint_ip(i * 3 + 1))) == [f"{dashed(endpoint_ip(i * 3 + 1))}.{base}."]
    assert_alive(srv)


def test_a_relist_after_an_api_server_restart_does_not_hold_the_cluster_twice(big_cluster):
    """Before the per-Service snapshot a relist parsed every object into a
    second full copy beside the first: peak RSS rose by the cluster's size."""
    kube, srv = big_cluster(6000)
    poll(lambda: kube.watchers("endpointslices") and kube.watchers("services"), 10, what="the watches")
    settled = status_kb(srv.pid, "VmRSS")
    with open(f"/proc/{srv.pid}/clear_refs", "w") as f:
        f.write("5")  # VmHWM restarts from the current RSS: the peak below is the relist's
    kube.restart(compact=True)  # the history is gone: every watch gets 410 and relists
    kube.update({**kube.get("Service", "ns1", "svc1"), "spec": {
        "type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
        "ports": [{"name": "http", "port": 81, "protocol": "TCP"}]}})
    poll(lambda: rdatas(ask(srv, f"_http._tcp.svc1.ns1.svc.{ZONE}", "SRV")) == [f"0 100 81 svc1.ns1.svc.{ZONE}."],
         30, what="the relist")
    poll(lambda: kube.watchers("endpointslices") and kube.watchers("services"), 10, what="the watches again")
    peak = status_kb(srv.pid, "VmHWM")
    # Generous: parsing pages again costs a little; a second copy of 6,000
    # Services and 18,000 endpoints costs more than half of what they hold.
    assert peak - settled < 4 * 1024, (settled, peak)
    assert rdatas(ask(srv, f"svc5999.ns9.svc.{ZONE}")) == ["10.96.23.111"]
