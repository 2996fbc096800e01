"""The cache against CoreDNS's own cache test table, where it differed on
bdc9ee5: a broken answer (a CNAME that dangles, with no SOA) was cached for
its whole TTL; a client that set neither AD nor DO got AD=1 from a hit; hits
did not carry AA (some stub resolvers drop non-authoritative replies)."""

import dns.flags
import dns.message
import dns.rdatatype
import pytest

from helpers.dnsclient import udp
from helpers.upstream import Upstream


def asked(upstream, name):
    return sum(1 for _, m in upstream.seen_messages() if m.question[0].name.to_text() == name)


@pytest.fixture
def upstream():
    u = Upstream()
    yield u
    u.close()


def cached_server(start_server, upstream):
    return start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    cache 300
    forward . 127.0.0.1:{upstream.port}
}}
""")


def test_a_dangling_cname_without_soa_is_not_cached(start_server, upstream):
    upstream.mode = "dangling_cname"
    srv = cached_server(start_server, upstream)
    for _ in range(3):
        r = udp(dns.message.make_query("broken.example.net.", "A"), srv.port)
        assert [rrset.rdtype for rrset in r.answer] == [dns.rdatatype.CNAME]
    assert asked(upstream, "broken.example.net.") == 3  # asked every time, never answered from the cache


def test_cache_hits_clear_ad_for_clients_that_did_not_ask_and_set_aa(start_server, upstream):
    upstream.extra_flags = dns.flags.AD
    srv = cached_server(start_server, upstream)
    udp(dns.message.make_query("ad.example.net.", "A"), srv.port)  # fills the cache
    plain = udp(dns.message.make_query("ad.example.net.", "A"), srv.port)
    assert asked(upstream, "ad.example.net.") == 1
    assert not plain.flags & dns.flags.AD, "AD from a cache hit for a client that set neither AD nor DO"
    assert plain.flags & dns.flags.AA
    with_do = udp(dns.message.make_query("ad.example.net.", "A", want_dnssec=True), srv.port)
    with_ad = dns.message.make_query("ad.example.net.", "A")
    with_ad.flags |= dns.flags.AD
    assert udp(with_ad, srv.port).flags & dns.flags.AD
    assert asked(upstream, "ad.example.net.") <= 2 and with_do.rcode() == 0  # DO is its own cache entry
