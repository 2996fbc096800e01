"""The cache plugin in front of forward, against the independent dnspython
Upstream (tests/helpers/upstream.py). Whether a query reached the upstream is
read from the upstream's own log of questions, so health probes and the
readiness probe never count.

TTLs age in whole seconds, so the few tests about TTLs let 1-2 s pass, with
upstream TTLs and cache lifetimes kept as short as the behaviour allows."""

import socket
import threading
import time

import dns.flags
import dns.message
import dns.rdataclass
import dns.rcode
import dns.rdatatype
import pytest

from helpers.dnsclient import HOST, a_addresses, query, tcp, udp
from helpers.skycore import poll, run_skycore
from helpers.upstream import Upstream


@pytest.fixture
def upstreams():
    """Factory: upstreams(**kw) -> a running dnspython upstream, closed at the end."""
    made = []

    def make(**kw):
        up = Upstream(**kw)
        made.append(up)
        return up

    yield make
    for u in made:
        u.close()


@pytest.fixture
def upstream(upstreams):
    return upstreams()


def corefile(up, cache="cache"):
    """A root block on @PORT@: `cache` (a directive line, maybe with a block)
    in front of `forward . up`."""
    return f""".:@PORT@ {{
    bind 127.0.0.1
    {cache}
    forward . {up.address}
}}
"""


def asked(up, name, rdtype=dns.rdatatype.A):
    """How many times the upstream was asked this question (case-insensitive)."""
    want = name.lower().rstrip(".") + "."
    return sum(1 for _, q in up.seen_messages()
               if q.question and q.question[0].rdtype == rdtype
               and q.question[0].name.to_text().lower() == want)



def ttls(r):
    return [rrset.ttl for section in (r.answer, r.authority) for rrset in section]


def wait_until(t, what="time to pass"):
    """TTLs count whole seconds: the only waits here are for time itself."""
    poll(lambda: time.monotonic() >= t, timeout=max(0.0, t - time.monotonic()) + 1.0,
         interval=0.05, what=what)


def raw_udp(wire, port, timeout=2.0):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(wire, (HOST, port))
        return s.recv(65535)


# 1. Hits


def test_repeat_is_answered_from_cache(start_server, upstream):
    srv = start_server(corefile(upstream))
    q = query("www.example.org", use_edns=False)
    first = raw_udp(q.to_wire(), srv.port)
    assert a_addresses(dns.message.from_wire(first)) == ["192.0.2.1"]
    assert asked(upstream, "www.example.org") == 1
    # The same bytes again: the same bytes back (but for AA, which hits carry
    # as in CoreDNS), and the upstream is not asked.
    again = raw_udp(q.to_wire(), srv.port)
    assert again[2] & 0x04 and not first[2] & 0x04
    assert again[:2] + bytes([again[2] & ~0x04 & 0xFF]) + again[3:] == first
    assert asked(upstream, "www.example.org") == 1
    # Over TCP too.
    r = tcp(query("www.example.org", use_edns=False), srv.port)
    assert a_addresses(r) == ["192.0.2.1"]
    assert asked(upstream, "www.example.org") == 1


def test_hit_gets_the_clients_id_and_question_case(start_server, upstream):
    srv = start_server(corefile(upstream))
    r1 = udp(query("www.example.org", id=1111), srv.port)
    assert r1.id == 1111
    q = query("WwW.ExAmPlE.oRg", id=4242)
    r2 = udp(q, srv.port)
    assert asked(upstream, "www.example.org") == 1
    assert r2.id == 4242
    assert r2.question[0].name.to_text() == "WwW.ExAmPlE.oRg."
    assert r2.rcode() == dns.rcode.NOERROR
    assert a_addresses(r2) == ["192.0.2.1"]
    assert r2.answer[0].ttl in (299, 300)
    assert r2.flags == r1.flags | dns.flags.AA  # hits carry AA, as in CoreDNS


def test_qtype_do_and_cd_are_separate_entries(start_server, upstream):
    srv = start_server(corefile(upstream))
    name = "k.example.org"
    udp(query(name), srv.port)
    assert asked(upstream, name) == 1

    r = udp(query(name, "AAAA"), srv.port)  # another qtype: NODATA from upstream
    assert r.rcode() == dns.rcode.NOERROR and r.answer == []
    assert asked(upstream, name, dns.rdatatype.AAAA) == 1

    r = udp(query(name, want_dnssec=True), srv.port)  # DO set: another entry
    assert a_addresses(r) == ["192.0.2.1"]
    assert asked(upstream, name) == 2

    cd = query(name)
    cd.flags |= dns.flags.CD
    udp(cd, srv.port)  # CD set: another entry
    assert asked(upstream, name) == 3

    # Each of them is now cached on its own.
    udp(query(name, "AAAA"), srv.port)
    udp(query(name, want_dnssec=True), srv.port)
    cd = query(name)
    cd.flags |= dns.flags.CD
    udp(cd, srv.port)
    udp(query(name), srv.port)
    assert asked(upstream, name) == 3
    assert asked(upstream, name, dns.rdatatype.AAAA) == 1


def test_a_cd_answer_is_not_given_to_a_cd0_client_nor_one_class_to_another(start_server, upstream):
    """The other order of the test above: an answer cached for a CD=1 query
    (which skips DNSSEC validation upstream) must not answer a CD=0 client,
    and an answer for class CH must not answer IN (CoreDNS compared
    neither)."""
    srv = start_server(corefile(upstream))
    name = "cdfirst.example.org"
    cd = query(name)
    cd.flags |= dns.flags.CD
    udp(cd, srv.port)
    assert asked(upstream, name) == 1
    udp(query(name), srv.port)  # CD=0: its own entry, asked upstream
    assert asked(upstream, name) == 2
    udp(query(name), srv.port)
    assert asked(upstream, name) == 2  # and now cached

    ch = dns.message.make_query(name, "A", "CH")
    udp(ch, srv.port)
    assert asked(upstream, name) == 3
    r = udp(query(name), srv.port)
    assert r.question[0].rdclass == dns.rdataclass.IN and a_addresses(r) == ["192.0.2.1"]
    udp(dns.message.make_query(name, "A", "CH"), srv.port)
    assert asked(upstream, name) == 3  # CH cached on its own
    assert [q.question[0].rdclass for _, q in upstream.seen_messages()
            if q.question and q.question[0].name.to_text().lower() == name + "."].count(dns.rdataclass.CH) == 1


# 2. TTLs


def test_ttl_counts_down(start_server, upstream):
    srv = start_server(corefile(upstream))
    t0 = time.monotonic()
    r = udp(query("ttl.example.org"), srv.port)
    assert r.answer[0].ttl == 300
    wait_until(t0 + 2.1)
    r = udp(query("ttl.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"]
    assert 296 <= r.answer[0].ttl <= 298
    assert asked(upstream, "ttl.example.org") == 1


def test_cache_ttl_caps_hits(start_server, upstream):
    srv = start_server(corefile(upstream, "cache 10"))
    udp(query("cap.example.org"), srv.port)
    r = udp(query("cap.example.org"), srv.port)
    assert asked(upstream, "cap.example.org") == 1
    assert r.answer[0].ttl == 10
    udp(query("nx.example.org"), srv.port)
    r = udp(query("nx.example.org"), srv.port)
    assert asked(upstream, "nx.example.org") == 1
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert ttls(r) == [10]  # SOA: min(60, 30) capped at 10


def test_miss_reply_ttl_is_capped_like_coredns(start_server, upstream):
    """The reply to a miss is capped like later hits (CoreDNS does the same)."""
    srv = start_server(corefile(upstream, "cache 10"))
    r = udp(query("capmiss.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"]
    assert r.answer[0].ttl <= 10
    r = udp(query("nx-capmiss.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert ttls(r) == [10]


def test_min_ttl_keeps_short_answers(start_server, upstreams):
    """Upstream TTL 1: kept for the default 5 s minimum, or 1 s with MINTTL 1."""
    up = upstreams(ttl=1)
    default = start_server(corefile(up))
    short = start_server(corefile(up, "cache {\n        success 100 3600 1\n    }"))
    t0 = time.monotonic()
    for srv, name in ((default, "min.example.org"), (short, "min1.example.org")):
        r = udp(query(name), srv.port)
        assert r.answer[0].ttl == 1
    wait_until(t0 + 2.1)
    r = udp(query("min.example.org"), default.port)
    assert a_addresses(r) == ["192.0.2.1"]
    assert r.answer[0].ttl == 0  # aged, but never below zero
    assert asked(up, "min.example.org") == 1
    r = udp(query("min1.example.org"), short.port)
    assert a_addresses(r) == ["192.0.2.1"]
    assert asked(up, "min1.example.org") == 2  # its 1 s were over


def test_keepttl_serves_the_stored_ttl(start_server, upstream):
    srv = start_server(corefile(upstream, "cache {\n        keepttl\n    }"))
    t0 = time.monotonic()
    udp(query("keep.example.org"), srv.port)
    wait_until(t0 + 1.1)
    r = udp(query("keep.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"]
    assert r.answer[0].ttl == 300
    assert asked(upstream, "keep.example.org") == 1


# 3. Negative answers


def test_nxdomain_is_cached_for_the_soa_minimum(start_server, upstream):
    srv = start_server(corefile(upstream))  # soa_ttl 60, soa_minimum 30
    t0 = time.monotonic()
    r = udp(query("nx1.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NXDOMAIN
    r = udp(query("nx1.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.answer == []
    assert [rrset.rdtype for rrset in r.authority] == [dns.rdatatype.SOA]
    assert ttls(r) == [30]  # min(SOA TTL 60, MINIMUM 30)
    wait_until(t0 + 2.1)
    r = udp(query("nx1.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert 27 <= ttls(r)[0] <= 28
    assert asked(upstream, "nx1.example.org") == 1


def test_nodata_is_cached(start_server, upstream):
    srv = start_server(corefile(upstream))
    for _ in range(2):
        r = udp(query("nodata.example.org", "TXT"), srv.port)
        assert r.rcode() == dns.rcode.NOERROR and r.answer == []
    assert ttls(r) == [30]
    assert asked(upstream, "nodata.example.org", dns.rdatatype.TXT) == 1


def test_nxdomain_without_soa_is_not_cached(start_server, upstreams):
    up = upstreams(negative_soa=False)
    srv = start_server(corefile(up))
    for _ in range(2):
        r = udp(query("nx2.example.org"), srv.port)
        assert r.rcode() == dns.rcode.NXDOMAIN
    assert asked(up, "nx2.example.org") == 2


# 4. SERVFAIL and truncation


def test_servfail_is_cached_by_default(start_server, upstream):
    upstream.mode = "servfail"
    srv = start_server(corefile(upstream))
    for _ in range(2):
        r = udp(query("sf.example.org"), srv.port)
        assert r.rcode() == dns.rcode.SERVFAIL
    assert asked(upstream, "sf.example.org") == 1
    upstream.mode = "answer"  # still the cached SERVFAIL
    assert udp(query("sf.example.org"), srv.port).rcode() == dns.rcode.SERVFAIL
    assert asked(upstream, "sf.example.org") == 1


def test_servfail_duration(start_server, upstream):
    upstream.mode = "servfail"
    srv = start_server(corefile(upstream, "cache {\n        servfail 1s\n    }"))
    t0 = time.monotonic()
    assert udp(query("sf1.example.org"), srv.port).rcode() == dns.rcode.SERVFAIL
    upstream.mode = "answer"
    assert udp(query("sf1.example.org"), srv.port).rcode() == dns.rcode.SERVFAIL
    wait_until(t0 + 1.1)
    r = udp(query("sf1.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"]
    assert asked(upstream, "sf1.example.org") == 2


def test_servfail_0_is_not_cached(start_server, upstream):
    upstream.mode = "servfail"
    srv = start_server(corefile(upstream, "cache {\n        servfail 0s\n    }"))
    for _ in range(2):
        assert udp(query("sf0.example.org"), srv.port).rcode() == dns.rcode.SERVFAIL
    assert asked(upstream, "sf0.example.org") == 2


def test_full_answer_after_tcp_retry_is_cached(start_server, upstream):
    """The upstream truncates over UDP; forward retries over TCP and the cache
    keeps that full answer, never the truncated one."""
    upstream.mode = "truncate"
    srv = start_server(corefile(upstream))
    upstream.reset()
    for _ in range(2):
        r = udp(query("big.example.org"), srv.port)
        assert not r.flags & dns.flags.TC
        assert a_addresses(r) == ["192.0.2.1"]
    assert (upstream.udp_queries, upstream.tcp_queries) == (1, 1)


# 5. Prefetch


def test_prefetch_refreshes_a_popular_entry_in_the_background(start_server, upstreams):
    up = upstreams(ttl=5)
    srv = start_server(corefile(up, "cache {\n        prefetch 1 1m 60%\n    }"))
    # The same popularity rule with 3 hits needed: one hit is not enough.
    cold = start_server(corefile(up, "cache {\n        prefetch 3 1m 60%\n    }"))
    t0 = time.monotonic()
    assert udp(query("pf.example.org"), srv.port).answer[0].ttl == 5
    assert udp(query("cold.example.org"), cold.port).answer[0].ttl == 5
    wait_until(t0 + 2.1)  # 3 s of 5 left: within 60%
    assert udp(query("cold.example.org"), cold.port).answer[0].ttl == 3

    # The upstream holds its answer to the refresh until released: a hit
    # answered meanwhile cannot have waited for the refresh.
    up.hold = threading.Event()
    try:
        r = udp(query("pf.example.org"), srv.port)
        assert a_addresses(r) == ["192.0.2.1"]
        assert r.answer[0].ttl == 3  # the cached entry
        poll(lambda: asked(up, "pf.example.org") == 2, 2.0, what="the prefetch to reach the upstream")
        # While the refresh is out, hits still come from the cache and start no other refresh.
        r = udp(query("pf.example.org"), srv.port)
        assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl in (2, 3)
        assert asked(up, "pf.example.org") == 2
    finally:
        up.hold.set()

    def fresh():
        r = udp(query("pf.example.org"), srv.port)
        assert a_addresses(r) == ["192.0.2.1"]
        return r.answer[0].ttl >= 4

    poll(fresh, 3.0, interval=0.1, what="the prefetched answer to replace the old one")
    # The held refresh is what replaced the entry: the upstream was not asked again.
    assert asked(up, "pf.example.org") == 2
    assert asked(up, "cold.example.org") == 1


# 6. Serve stale (the entries live 1 s: upstream TTL 1, MINTTL 1)


STALE = "cache {{\n        success 100 3600 1\n        serve_stale {}\n    }}"


def test_serve_stale_immediate(start_server, upstreams):
    up = upstreams(ttl=1)
    srv = start_server(corefile(up, STALE.format("1h")))
    t0 = time.monotonic()
    for name in ("st1.example.org", "st2.example.org"):
        assert a_addresses(udp(query(name), srv.port)) == ["192.0.2.1"]
    wait_until(t0 + 1.1)

    # Upstream up: the stale answer at once, then the refreshed one. The
    # upstream holds its answer until released, so the stale answer cannot
    # have waited for the refresh.
    up.hold = threading.Event()
    try:
        r = udp(query("st1.example.org"), srv.port)
        assert r.rcode() == dns.rcode.NOERROR
        assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 30
        poll(lambda: asked(up, "st1.example.org") == 2, 2.0, what="the background refresh")
    finally:
        up.hold.set()
    poll(lambda: udp(query("st1.example.org"), srv.port).answer[0].ttl <= 1, 2.0, interval=0.05,
         what="the background refresh to replace the stale answer")
    assert asked(up, "st1.example.org") == 2

    # Upstream silent: still the stale answer.
    up.mode = "silent"
    r = udp(query("st2.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NOERROR
    assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 30
    poll(lambda: asked(up, "st2.example.org") == 2, 2.0, what="the background refresh")
    r = udp(query("st2.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 30
    assert asked(up, "st2.example.org") == 2  # one refresh at a time, not one per query


def test_serve_stale_immediate_survives_a_servfail_refresh(start_server, upstreams):
    """A failed background refresh keeps the stale answer (RFC 8767), as verify mode does."""
    up = upstreams(ttl=1)
    srv = start_server(corefile(up, STALE.format("1h")))
    t0 = time.monotonic()
    udp(query("stsf.example.org"), srv.port)
    wait_until(t0 + 1.1)
    up.mode = "servfail"
    r = udp(query("stsf.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 30
    poll(lambda: asked(up, "stsf.example.org") == 2, 2.0, what="the background refresh")
    # The refresh failed; for a while (bounded: 1 s) every client still gets stale data.
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        r = udp(query("stsf.example.org"), srv.port)
        assert dns.rcode.to_text(r.rcode()) == "NOERROR"
        assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 30
        time.sleep(0.05)


def test_serve_stale_verify(start_server, upstreams):
    up = upstreams(ttl=1)
    srv = start_server(corefile(up, STALE.format("1h verify")))
    t0 = time.monotonic()
    for name in ("sv1.example.org", "sv2.example.org", "sv3.example.org"):
        assert a_addresses(udp(query(name), srv.port)) == ["192.0.2.1"]
    wait_until(t0 + 1.1)

    # Upstream up: verify asks it first and serves its fresh answer.
    r = udp(query("sv1.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 1
    assert asked(up, "sv1.example.org") == 2

    # Upstream SERVFAIL: stale instead, and the SERVFAIL is not kept.
    up.mode = "servfail"
    for _ in range(2):
        r = udp(query("sv3.example.org"), srv.port)
        assert r.rcode() == dns.rcode.NOERROR
        assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 30
    assert asked(up, "sv3.example.org") == 3

    # Upstream silent: stale, but only once forward has given up. The
    # upstream was asked before the answer was sent (read at once, no poll):
    # verify asks first, it does not refresh in the background.
    up.mode = "silent"
    r = udp(query("sv2.example.org"), srv.port, timeout=8.0)
    assert r.rcode() == dns.rcode.NOERROR
    assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 30
    assert asked(up, "sv2.example.org") == 2
    # The upstream back: the next query asks it again and gets its fresh answer.
    up.mode = "answer"
    r = udp(query("sv2.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 1
    assert asked(up, "sv2.example.org") == 3


def test_without_serve_stale_an_expired_entry_is_asked_again(start_server, upstreams):
    up = upstreams(ttl=1)
    srv = start_server(corefile(up, "cache {\n        success 100 3600 1\n    }"))
    t0 = time.monotonic()
    udp(query("exp.example.org"), srv.port)
    wait_until(t0 + 1.1)
    r = udp(query("exp.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 1
    assert asked(up, "exp.example.org") == 2


# 7. Zones and disable


def test_only_names_in_the_cache_zones_are_cached(start_server, upstream):
    srv = start_server(corefile(upstream, "cache example.org"))
    for _ in range(2):
        assert a_addresses(udp(query("z.example.org"), srv.port)) == ["192.0.2.1"]
        assert a_addresses(udp(query("z.example.net"), srv.port)) == ["192.0.2.1"]
    assert asked(upstream, "z.example.org") == 1
    assert asked(upstream, "z.example.net") == 2


def test_disable_denial(start_server, upstream):
    srv = start_server(corefile(upstream, "cache {\n        disable denial\n    }"))
    for _ in range(2):
        assert udp(query("nx3.example.org"), srv.port).rcode() == dns.rcode.NXDOMAIN
        assert a_addresses(udp(query("d.example.org"), srv.port)) == ["192.0.2.1"]
    assert asked(upstream, "nx3.example.org") == 2
    assert asked(upstream, "d.example.org") == 1


def test_disable_success_in_a_zone(start_server, upstream):
    srv = start_server(corefile(upstream, "cache {\n        disable success example.org\n    }"))
    for _ in range(2):
        assert a_addresses(udp(query("d.example.org"), srv.port)) == ["192.0.2.1"]
        assert a_addresses(udp(query("d.example.net"), srv.port)) == ["192.0.2.1"]
        assert udp(query("nx4.example.org"), srv.port).rcode() == dns.rcode.NXDOMAIN
    assert asked(upstream, "d.example.org") == 2
    assert asked(upstream, "d.example.net") == 1
    assert asked(upstream, "nx4.example.org") == 1


# 8. EDNS on hits


def test_hit_adds_opt_only_for_edns_clients(start_server, upstream):
    srv = start_server(corefile(upstream))
    # Stored from a client without EDNS, served to one with EDNS (same key: DO=0).
    r = udp(query("e1.example.org", use_edns=False), srv.port)
    assert r.opt is None
    r = udp(query("e1.example.org", use_edns=0, payload=4096), srv.port)
    assert r.edns == 0 and r.payload == 1232
    assert not r.ednsflags & dns.flags.DO
    r = udp(query("e1.example.org", use_edns=False), srv.port)
    assert r.edns == -1 and r.opt is None
    assert asked(upstream, "e1.example.org") == 1

    # Stored from an EDNS client (the upstream's OPT says 8192), served without OPT.
    r = udp(query("e2.example.org", use_edns=0), srv.port)
    assert r.edns == 0
    r = udp(query("e2.example.org", use_edns=False), srv.port)
    assert r.edns == -1 and r.opt is None
    assert a_addresses(r) == ["192.0.2.1"]
    assert asked(upstream, "e2.example.org") == 1

    # DO is echoed on a hit of the DO entry.
    udp(query("e1.example.org", want_dnssec=True), srv.port)
    r = udp(query("e1.example.org", want_dnssec=True), srv.port)
    assert r.edns == 0 and r.payload == 1232
    assert r.ednsflags & dns.flags.DO
    assert a_addresses(r) == ["192.0.2.1"]
    assert asked(upstream, "e1.example.org") == 2


# 9. Corefile errors


def write(tmp_path, body):
    (tmp_path / "Corefile").write_text(
        ".:1053 {\n    bind 127.0.0.1\n    cache {\n" + body + "\n    }\n    forward . 127.0.0.1:53\n}\n")


@pytest.mark.parametrize("body,message", [
    ("        bogus", "Corefile:4: unknown property 'bogus'"),
    ("        success -1", "Corefile:4: cache: capacity: -1 is out of range (0 to 100000000)"),
    ("        denial 10 5 10", "Corefile:4: cache: MINTTL is larger than TTL"),
    ("        prefetch 1 1m 200%", "Corefile:4: cache: prefetch percentage: 200 is out of range (0 to 100)"),
    ("        prefetch 0", "Corefile:4: cache: prefetch amount: 0 is out of range"),
    ("        serve_stale 1h later", "Corefile:4: cache: serve_stale: unknown mode 'later'"),
    ("        servfail 10m", "Corefile:4: cache: servfail: 10m is out of range (0s to 5m0s)"),
    ("        disable everything", "Corefile:4: cache: disable: unknown type 'everything'"),
    ("        keepttl always", "Corefile:4:"),
    ("        success 10 1x", "Corefile:4: cache: TTL: '1x' is not a number"),
], ids=["unknown", "capacity0", "minttl", "percentage", "prefetch0", "stale_mode", "servfail",
        "disable", "keepttl_arg", "bad_number"])
def test_bad_cache_block_is_rejected(tmp_path, body, message):
    write(tmp_path, body)
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr.strip().startswith(message), p.stderr


def test_good_cache_block_validates(tmp_path):
    write(tmp_path, "        success 100 60 1\n        denial 100 30\n        prefetch 2 30s 20%\n"
          "        serve_stale 1h30m verify\n        servfail 2s\n"
          "        disable success example.org example.net\n        keepttl")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "Corefile: valid"


def test_serve_stale_verify_timeout_then_the_late_refresh(start_server, upstreams):
    """verify VERIFY_TIMEOUT: an upstream that holds its answer costs the
    client the timeout, not the upstream's time; the late answer still
    refreshes the entry for the next client. RESPONSE_TTL sets the stale TTL."""
    up = upstreams(ttl=1)
    srv = start_server(corefile(up, STALE.format("1h verify 300ms 7s")))
    t0 = time.monotonic()
    assert a_addresses(udp(query("svt.example.org"), srv.port)) == ["192.0.2.1"]
    wait_until(t0 + 1.1)
    up.hold = threading.Event()
    try:
        r = udp(query("svt.example.org"), srv.port, timeout=1.5)  # the held refresh never answers in time
        assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 7
        assert asked(up, "svt.example.org") == 2
    finally:
        up.hold.set()
    poll(lambda: udp(query("svt.example.org"), srv.port).answer[0].ttl <= 1, 2.0, interval=0.05,
         what="the late refresh to replace the stale answer")


def test_serve_stale_policy_prefer_positive(start_server, upstreams):
    up = upstreams(ttl=1)
    srv = start_server(corefile(up, "cache {\n        success 100 3600 1\n        denial 100 3600 1\n"
                                    "        serve_stale 1h verify\n        serve_stale_policy prefer_positive\n    }"))
    t0 = time.monotonic()
    assert a_addresses(udp(query("gone.example.org"), srv.port)) == ["192.0.2.1"]
    wait_until(t0 + 1.1)
    up.mode = "nxdomain"  # from now the name is gone upstream
    r = udp(query("gone.example.org"), srv.port)
    assert a_addresses(r) == ["192.0.2.1"] and r.answer[0].ttl == 30  # the last good answer
    assert asked(up, "gone.example.org") == 2


def test_without_prefer_positive_verify_gives_the_nxdomain(start_server, upstreams):
    up = upstreams(ttl=1)
    srv = start_server(corefile(up, STALE.format("1h verify")))
    t0 = time.monotonic()
    assert a_addresses(udp(query("gone2.example.org"), srv.port)) == ["192.0.2.1"]
    wait_until(t0 + 1.1)
    up.mode = "nxdomain"
    assert udp(query("gone2.example.org"), srv.port).rcode() == dns.rcode.NXDOMAIN


def test_denial_capacity_zero_caches_no_negative_answers(start_server, upstreams):
    """kubespray's `denial 0`: NXDOMAIN goes upstream every time, answers stay cached."""
    up = upstreams()
    srv = start_server(corefile(up, "cache {\n        denial 0\n    }"))
    for _ in range(2):
        assert udp(query("nxgone.example.org"), srv.port).rcode() == dns.rcode.NXDOMAIN
        assert a_addresses(udp(query("kept.example.org"), srv.port)) == ["192.0.2.1"]
    assert asked(up, "nxgone.example.org") == 2
    assert asked(up, "kept.example.org") == 1
