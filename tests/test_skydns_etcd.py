"""skydns-registry's etcd store against a real etcd (Debian's etcd-server,
started here on 127.0.0.1): the SkyDNS 2 / CoreDNS-etcd key layout, two
skycore servers sharing one registry, TTLs held by leases (expiry and
heartbeat renewal), records written by other tools, and etcd going away
and coming back. Every wait polls; the lease tests take the 1-3 s their
TTLs need."""

import json

import dns.rcode
import pytest

from helpers.dnsclient import query, udp
from helpers.etcd import Etcd
from helpers.health_endpoint import HealthEndpoint
from helpers.skycore import free_port, poll
from helpers.skydns import ZONE, Api, corefile, other_port, svc


KEY = "/skydns/local/skydns/production/db/1-0-2/east/10-0-0-1/u1"


@pytest.fixture(scope="module")
def etcd(tmp_path_factory):
    with Etcd(tmp_path_factory.mktemp("etcd")) as e:
        yield e


@pytest.fixture
def shared(start_server):
    """shared(etcd, prefix, n) -> n (Server, Api) pairs on one etcd prefix."""

    def make(etcd, prefix="/skydns", n=2):
        out = []
        for _ in range(n):
            api_port = free_port()
            props = f"store etcd {etcd.endpoint} prefix {prefix}"
            srv = start_server(corefile(api_port, props), port=other_port(api_port))
            api = Api(api_port)
            api.wait_ready()
            out.append((srv, api))
        return out

    return make


def ask(srv, name, rdtype="SRV"):
    return udp(query(f"{name}.{ZONE}.", rdtype), srv.port)


def targets(srv, name):
    r = ask(srv, name)
    if r.rcode() != dns.rcode.NOERROR:
        return None
    return sorted((rd.port, rd.target.to_text()) for rrset in r.answer for rd in rrset)


def answers_a(srv, name):
    r = ask(srv, name, "A")
    return sorted(rd.address for rrset in r.answer for rd in rrset)


def is_nxdomain(srv, name):
    return ask(srv, name).rcode() == dns.rcode.NXDOMAIN


def test_a_registration_is_stored_in_the_skydns2_layout_with_a_lease(etcd, shared):
    (srv, api), = shared(etcd, "/layout", 1)
    assert api.put("u1", svc(ttl=30)).status == 201
    stored = etcd.kv_prefix("/layout/")
    assert list(stored) == [KEY.replace("/skydns/", "/layout/", 1)]
    value, lease = stored[KEY.replace("/skydns/", "/layout/", 1)]
    v = json.loads(value)
    assert (v["host"], v["port"], v["priority"], v["weight"], v["ttl"]) == ("10.0.0.1", 5432, 10, 100, 30)
    assert lease != 0 and 25 <= etcd.lease_ttl(lease) <= 30
    # The API still shows the version as registered, not the key's dashed form.
    assert api.get("u1").json["Version"] == "1.0.2"
    assert targets(srv, "db.production") == [(5432, f"u1.{ZONE}.")]


def test_two_servers_share_one_registry(etcd, shared):
    (a, api_a), (b, api_b) = shared(etcd, "/share")
    assert api_a.put("u1", svc()).status == 201
    poll(lambda: targets(b, "db.production") == [(5432, f"u1.{ZONE}.")], 3, what="B sees A's registration")
    assert answers_a(b, "u1") == ["10.0.0.1"]
    assert api_b.get("u1").json["Host"] == "10.0.0.1"
    # A registration on B, a different body on A (POST replaces), a delete on B.
    assert api_b.put("u2", svc(host="10.0.0.2", region="west")).status == 201
    poll(lambda: len(targets(a, "db.production") or []) == 2, 3, what="A sees B's registration")
    assert api_a.post("u1", svc(host="10.0.0.9")).status == 200
    poll(lambda: answers_a(b, "u1") == ["10.0.0.9"], 3, what="B sees the moved registration")
    keys = set(etcd.kv_prefix("/share/"))
    assert keys == {"/share/local/skydns/production/db/1-0-2/east/10-0-0-9/u1",
                    "/share/local/skydns/production/db/1-0-2/west/10-0-0-2/u2"}  # the old key went
    assert api_b.delete("u1").status == 200
    poll(lambda: is_nxdomain(a, "u1"), 3, what="A sees B's delete")
    assert api_a.get("u1").status == 404


def test_lease_expiry_removes_the_record_from_etcd_and_every_server(etcd, shared):
    (a, api_a), (b, _) = shared(etcd, "/expiry")
    assert api_a.put("u1", svc(ttl=2)).status == 201
    poll(lambda: answers_a(b, "u1") == ["10.0.0.1"], 3, what="B sees the registration")
    poll(lambda: not etcd.kv_prefix("/expiry/"), 6, what="etcd deletes the key when its lease runs out")
    poll(lambda: is_nxdomain(b, "u1") and is_nxdomain(a, "u1"), 2, what="both servers drop it")


def test_a_heartbeat_renews_the_same_lease(etcd, shared):
    (a, api_a), (b, _) = shared(etcd, "/heartbeat")
    assert api_a.put("u1", svc(ttl=3)).status == 201
    (_, lease), = etcd.kv_prefix("/heartbeat/").values()
    poll(lambda: etcd.lease_ttl(lease) <= 1, 4, what="the lease running down")
    assert api_a.post("u1", svc(ttl=3)).status == 200
    (_, renewed), = etcd.kv_prefix("/heartbeat/").values()
    assert renewed == lease  # renewed, not replaced
    assert etcd.lease_ttl(lease) >= 2
    # The other server learnt of the renewal: its TTL counts from it again.
    poll(lambda: ask(b, "u1", "A").answer and ask(b, "u1", "A").answer[0].ttl >= 2, 2,
         what="B's TTL restarted")
    # A new TTL needs a lease of that length: PATCH swaps it and revokes the old one.
    assert api_a.patch("u1", 60).status == 200
    (_, patched), = etcd.kv_prefix("/heartbeat/").values()
    assert patched != lease and etcd.lease_ttl(patched) > 50
    assert etcd.lease_ttl(lease) == -1


def test_records_written_by_other_tools_are_served(etcd, shared):
    (a, _), = shared(etcd, "/tools", 1)
    etcd.kv_put("/tools/local/skydns/production/web/v1/west/web1-example-com/x1",
                {"host": "web1.example.com", "port": 8080, "ttl": 60})
    poll(lambda: targets(a, "web.production") == [(8080, "web1.example.com.")], 3,
         what="a record put by another tool")
    # Without a lease it never expires; with no "ttl" field it gets the static TTL.
    r = ask(a, "web.production")
    assert r.answer[0].ttl > 0
    # A value that is not JSON is skipped with a warning, not a crash.
    etcd.kv_put("/tools/local/skydns/production/web/v1/west/h/bad", "not json")
    etcd.kv_delete("/tools/local/skydns/production/web/v1/west/web1-example-com/x1")
    poll(lambda: is_nxdomain(a, "web.production"), 3, what="the other tool's delete")
    a.wait_stdout("etcd key /tools/local/skydns/production/web/v1/west/h/bad not served")


def test_servers_survive_an_etcd_restart_and_converge(tmp_path, shared):
    etcd = Etcd(tmp_path / "etcd").start()
    try:
        (a, api_a), (b, api_b) = shared(etcd)
        assert api_a.put("u1", svc(ttl=300)).status == 201
        poll(lambda: answers_a(b, "u1") == ["10.0.0.1"], 3, what="B sees u1")

        etcd.stop()
        # DNS keeps answering from what it had; writes fail with a reason.
        assert answers_a(b, "u1") == ["10.0.0.1"]
        r = api_a.put("u2", svc(host="10.0.0.2"))
        assert r.status == 503 and "etcd" in r.json["error"], r
        assert api_a.get("u2").status == 404  # nothing unacknowledged appears

        etcd.start()
        # Both re-watch: a registration on A and a delete by another tool reach B.
        poll(lambda: api_a.put("u2", svc(host="10.0.0.2")).status == 201, 10, interval=0.2,
             what="A writing again")
        etcd.kv_delete(KEY)
        poll(lambda: answers_a(b, "u2") == ["10.0.0.2"] and is_nxdomain(b, "u1"), 10,
             what="B converging after the restart")
        assert api_b.get("u1").status == 404
    finally:
        etcd.stop()


def test_etcd_down_at_start_up_is_waited_for(tmp_path, shared):
    etcd = Etcd(tmp_path / "etcd")  # ports chosen, not started
    (a, _), = shared(etcd, "/late", 1)
    assert is_nxdomain(a, "u1")
    a.wait_stdout("starting empty, retrying")
    etcd.start()
    try:
        etcd.kv_put("/late/local/skydns/production/db/1-0-2/east/10-0-0-1/u1",
                    {"host": "10.0.0.1", "port": 5432})
        poll(lambda: answers_a(a, "u1") == ["10.0.0.1"], 10, what="the registry once etcd is up")
    finally:
        etcd.stop()


# --- records other SkyDNS 2 / CoreDNS-etcd tools write --------------------------

TOOL_RECORDS = {
    "web/a": {"host": "10.1.0.1", "port": 80},
    "web/b": {"host": "10.1.0.2", "port": 80},
    "txt/t1": {"text": "hello world"},
    "mail/m1": {"host": "mx1.example.com", "priority": 5, "mail": True},
    "mail/m2": {"host": "10.5.0.1", "priority": 9, "mail": True},
    "strip/x/y": {"host": "10.2.0.1", "port": 53, "targetstrip": 1},
    "dom/a": {"host": "10.4.0.1", "group": "g1"},
    "dom/sub/b": {"host": "10.4.0.2", "group": "g1"},
    "dom/sub/c": {"host": "10.4.0.3", "group": "g2"},
    "dom/sub/d": {"host": "10.4.0.4"},
    "alias/x": {"host": "www.example.org"},
    "prio/p1": {"host": "p1.example.com", "port": 1, "priority": 10, "weight": 30},
    "prio/p2": {"host": "p2.example.com", "port": 2, "priority": 10, "weight": 10},
    "prio/p3": {"host": "p3.example.com", "port": 3, "priority": 20},
}


@pytest.fixture
def tool_records(etcd, shared):
    (srv, _), = shared(etcd, "/coredns", 1)
    for path, value in TOOL_RECORDS.items():
        etcd.kv_put(f"/coredns/local/skydns/{path}", value)
    poll(lambda: answers_a(srv, "d.sub.dom") == ["10.4.0.4"], 3, what="the records being loaded")
    yield srv
    for path in TOOL_RECORDS:
        etcd.kv_delete(f"/coredns/local/skydns/{path}")


def records(srv, name, rdtype, section="answer"):
    r = ask(srv, name, rdtype)
    assert r.rcode() == dns.rcode.NOERROR, dns.rcode.to_text(r.rcode())
    return sorted(rd.to_text() for rrset in getattr(r, section) for rd in rrset)


def test_tool_records_a_and_wildcards(tool_records):
    assert answers_a(tool_records, "web") == ["10.1.0.1", "10.1.0.2"]
    assert answers_a(tool_records, "a.web") == ["10.1.0.1"]
    assert answers_a(tool_records, "*.web") == ["10.1.0.1", "10.1.0.2"]
    assert answers_a(tool_records, "any.web") == ["10.1.0.1", "10.1.0.2"]
    assert is_nxdomain(tool_records, "c.web")


def test_tool_records_srv_targets_weights_and_additional(tool_records):
    assert records(tool_records, "web", "SRV") == [f"10 50 80 a.web.{ZONE}.", f"10 50 80 b.web.{ZONE}."]
    assert records(tool_records, "web", "SRV", "additional") == ["10.1.0.1", "10.1.0.2"]
    # CoreDNS's weights: each weight's share of its priority's sum, scaled to 100.
    assert records(tool_records, "prio", "SRV") == ["10 25 2 p2.example.com.", "10 75 1 p1.example.com.",
                                                    "20 100 3 p3.example.com."]
    # targetstrip drops the target's leftmost labels.
    assert records(tool_records, "y.x.strip", "SRV") == [f"10 100 53 x.strip.{ZONE}."]


def test_tool_records_txt_mx_and_cname(tool_records):
    assert records(tool_records, "t1.txt", "TXT") == ['"hello world"']
    assert records(tool_records, "mail", "MX") == [f"5 mx1.example.com.", f"9 m2.mail.{ZONE}."]
    assert records(tool_records, "mail", "MX", "additional") == ["10.5.0.1"]
    assert records(tool_records, "x.alias", "A") == ["www.example.org."]  # the CNAME
    # A name that exists but has no data of the type: NODATA with the SOA.
    r = ask(tool_records, "t1.txt", "A")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer and r.authority


def test_tool_records_groups(tool_records):
    # dom/a (the shortest key) is in g1: g1 and ungrouped records only.
    assert answers_a(tool_records, "dom") == ["10.4.0.1", "10.4.0.2", "10.4.0.4"]
    # Below it, b (g1) and c (g2) disagree on the deciding level: no grouping.
    assert answers_a(tool_records, "sub.dom") == ["10.4.0.2", "10.4.0.3", "10.4.0.4"]


def test_tool_records_follow_etcd(etcd, tool_records):
    etcd.kv_put("/coredns/local/skydns/web/a", {"host": "10.1.0.9", "port": 80})
    poll(lambda: answers_a(tool_records, "a.web") == ["10.1.0.9"], 3, what="the changed record")
    etcd.kv_delete("/coredns/local/skydns/web/a")
    poll(lambda: is_nxdomain(tool_records, "a.web"), 3, what="the deleted record")
    assert answers_a(tool_records, "web") == ["10.1.0.2"]


def test_records_already_in_etcd_at_start_up_are_served(etcd, shared):
    """Data that exists before skycore starts: on bdc9ee5 the first record
    written by another tool crashed the server while the initial list was
    applied, before it served anything."""
    etcd.kv_put("/before/local/skydns/production/legacy/x1", {"host": "10.1.2.3", "port": 8080})
    etcd.kv_put("/before/local/skydns/production/legacy/x2", {"host": "10.1.2.4", "port": 8080})
    etcd.kv_put("/before/local/skydns/production/db/1-0-2/east/10-0-0-1/u1",
                {"host": "10.0.0.1", "port": 5432, "ttl": 300})
    try:
        (srv, api), = shared(etcd, "/before", 1)
        assert answers_a(srv, "legacy.production") == ["10.1.2.3", "10.1.2.4"]
        assert records(srv, "x1.legacy.production", "SRV") == [f"10 100 8080 x1.legacy.production.{ZONE}."]
        assert answers_a(srv, "u1") == ["10.0.0.1"]
        assert srv.running()
    finally:
        for k in ("legacy/x1", "legacy/x2", "db/1-0-2/east/10-0-0-1/u1"):
            etcd.kv_delete(f"/before/local/skydns/production/{k}")


# --- health checks shared through etcd -----------------------------------------


def health_reports(etcd, uuid):
    """{server id: status} of the reports under /skydns-health for uuid."""
    out = {}
    for key, (value, lease) in etcd.kv_prefix(f"/skydns-health/local/skydns/{uuid}/").items():
        assert lease, key  # every report is held by its server's lease
        out[key.rsplit("/", 1)[1]] = json.loads(value)["status"]
    return out


def test_two_servers_agree_on_health_and_share_their_reports(etcd, shared):
    (a, api_a), (b, api_b) = shared(etcd, prefix="/skydns")
    check = HealthEndpoint()
    try:
        body = svc(name="hc", host="10.20.0.1", ttl=60,
                   Checks=[{"HTTP": check.url, "Interval": "1s", "Timeout": "500ms"}])
        assert api_a.put("h1", body).status == 201
        # Unchecked, so always passing: with it, a critical h1 leaves the answers.
        assert api_a.put("h2", svc(name="hc", host="10.20.0.2", ttl=60)).status == 201
        for api in (api_a, api_b):
            poll(lambda: api.get("h1").json.get("Health") == "passing", 10, what="both servers to see it passing")
        for srv in (a, b):
            poll(lambda: answers_a(srv, "hc.production") == ["10.20.0.1", "10.20.0.2"], 5, what="both answered")
        poll(lambda: list(health_reports(etcd, "h1").values()) == ["passing", "passing"], 5,
             what="a report from each server")
        check.status = 503
        for srv in (a, b):
            poll(lambda: answers_a(srv, "hc.production") == ["10.20.0.2"] and
                 api_a.get("h1").json["Health"] == "critical" == api_b.get("h1").json["Health"], 10,
                 what="both to agree on critical")
        assert api_a.delete("h1").status == 200
        poll(lambda: health_reports(etcd, "h1") == {}, 5, what="the reports to go with the service")
    finally:
        check.close()


def test_a_server_that_cannot_reach_an_instance_does_not_fight_one_that_can(etcd, shared):
    """Two real servers here reach the same 127.0.0.1 endpoints, so the other
    server's view is written as one would: a report under its own id and lease."""
    ((a, api),) = shared(etcd, prefix="/skydns", n=1)
    down = HealthEndpoint()
    down.status = 503  # what this server sees
    try:
        body = svc(name="fight", host="10.21.0.1", ttl=60,
                   Checks=[{"HTTP": down.url, "Interval": "1s", "Timeout": "500ms"}])
        assert api.put("f1", body).status == 201
        assert api.put("f2", svc(name="fight", host="10.21.0.2", ttl=60)).status == 201
        poll(lambda: "critical" in health_reports(etcd, "f1").values(), 10, what="this server's critical report")
        assert answers_a(a, "fight.production") == ["10.21.0.2"]
        mine = next(iter(health_reports(etcd, "f1").values()))
        fingerprint = json.loads(next(iter(etcd.kv_prefix("/skydns-health/local/skydns/f1/").values()))[0])["checks"]
        lease = int(etcd.call("/v3/lease/grant", {"TTL": 30})["ID"])
        etcd.kv_put("/skydns-health/local/skydns/f1/other-server", {"status": "passing", "checks": fingerprint}, lease)
        # The best fresh report wins: back in the answer, though this server still fails it.
        poll(lambda: answers_a(a, "fight.production") == ["10.21.0.1", "10.21.0.2"], 5, what="f1 back through the peer")
        assert api.get("f1").json["Health"] == "passing" and mine == "critical"
        # A report for other checks does not count.
        etcd.kv_put("/skydns-health/local/skydns/f1/other-server", {"status": "passing", "checks": "0"}, lease)
        poll(lambda: answers_a(a, "fight.production") == ["10.21.0.2"], 5, what="a stale report ignored")
        etcd.kv_put("/skydns-health/local/skydns/f1/other-server", {"status": "passing", "checks": fingerprint}, lease)
        poll(lambda: api.get("f1").json["Health"] == "passing", 5, what="the peer's report again")
        # The peer goes (its lease ends): its view goes with it.
        etcd.call("/v3/lease/revoke", {"ID": str(lease)})
        poll(lambda: answers_a(a, "fight.production") == ["10.21.0.2"], 5, what="f1 out once the peer is gone")
    finally:
        down.close()
