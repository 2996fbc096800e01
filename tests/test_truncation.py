"""A 512-byte client (musl's stub resolver: no EDNS, never retries over
TCP) asking for a name with 60 addresses gets the same reply whichever
plugin built it: the records that fit, with TC. On bdc9ee5 an answer from
forward or from the cache kept only the header and question, so Alpine pods
got nothing or 28 addresses depending on the cache's state."""

import dns.flags
import dns.message
import dns.rdatatype
import pytest

from helpers.dnsclient import a_addresses, tcp, udp
from helpers.upstream import Upstream

ADDRS = [f"10.1.{i // 200}.{i % 200 + 1}" for i in range(60)]


def musl_query(name):
    return dns.message.make_query(name, "A", use_edns=False)



@pytest.fixture
def upstream():
    u = Upstream(answer_ip=ADDRS)
    yield u
    u.close()


def test_forwarded_cached_and_built_answers_truncate_alike(start_server, upstream, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("".join(f"{ip} built.example.org\n" for ip in ADDRS))
    srv = start_server(f"""\
example.net:@PORT@ {{
    bind 127.0.0.1
    cache 60
    forward . 127.0.0.1:{upstream.port}
}}
example.org:@PORT@ {{
    bind 127.0.0.1
    hosts {hosts}
}}
""")
    seen = {}
    for label, name in (("forwarded", "big.example.net."), ("cached", "big.example.net."),
                        ("built", "built.example.org.")):
        r = udp(musl_query(name), srv.port)
        assert r.flags & dns.flags.TC, label
        assert len(r.to_wire()) <= 512, label
        seen[label] = a_addresses(r)
        assert len(seen[label]) >= 25, f"{label}: {len(seen[label])} addresses"
        assert set(seen[label]) <= set(ADDRS)
        # Over TCP the whole answer comes back.
        assert sorted(a_addresses(tcp(musl_query(name), srv.port))) == sorted(ADDRS), label
    assert len(seen["forwarded"]) == len(seen["cached"]) == len(seen["built"])
    assert upstream.udp_queries + upstream.tcp_queries <= 3  # the second UDP ask was a cache hit


def test_an_edns_client_gets_its_size_and_an_opt(start_server, upstream):
    srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    cache 60
    forward . 127.0.0.1:{upstream.port}
}}
""")
    for _ in range(2):  # forwarded, then from the cache
        q = dns.message.make_query("big.example.net.", "A", use_edns=0, payload=700)
        r = udp(q, srv.port)
        assert r.edns == 0, "the OPT record was lost in truncation"
        assert len(r.to_wire()) <= 700 and r.flags & dns.flags.TC
        assert len(a_addresses(r)) >= 35
