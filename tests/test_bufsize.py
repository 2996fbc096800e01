"""bufsize caps an EDNS client's buffer: a client advertising 1232 bytes
behind `bufsize 600` gets at most 600 over UDP (the records that fit, TC
and the OPT), whether hosts built the answer or forward and the cache
passed it on; over TCP it gets everything. Without bufsize the same client
gets the whole 60-address answer over UDP."""

import dns.flags
import dns.message
import dns.rdatatype
import pytest

from helpers.dnsclient import a_addresses, tcp, udp
from helpers.skycore import run_skycore
from helpers.upstream import Upstream

ADDRS = [f"10.2.{i // 200}.{i % 200 + 1}" for i in range(60)]  # about 1.0 KB of answers



def edns_query(name, payload=1232):
    return dns.message.make_query(name, "A", use_edns=0, payload=payload)


@pytest.fixture
def upstream():
    u = Upstream(answer_ip=ADDRS)
    yield u
    u.close()


def corefile(hosts, upstream_port, bufsize_line):
    return f"""\
example.net:@PORT@ {{
    bind 127.0.0.1
    {bufsize_line}
    cache 60
    forward . 127.0.0.1:{upstream_port}
}}
example.org:@PORT@ {{
    bind 127.0.0.1
    {bufsize_line}
    hosts {hosts}
}}
"""


def test_bufsize_caps_udp_answers_whoever_built_them(start_server, upstream, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("".join(f"{ip} built.example.org\n" for ip in ADDRS))
    srv = start_server(corefile(hosts, upstream.port, "bufsize 600"))
    for label, name in (("forwarded", "big.example.net."), ("cached", "big.example.net."),
                        ("built", "built.example.org.")):
        r = udp(edns_query(name), srv.port)
        assert len(r.to_wire()) <= 600, label
        assert r.flags & dns.flags.TC, label
        assert r.edns == 0, f"{label}: the OPT record was lost"
        got = a_addresses(r)
        assert 25 <= len(got) < len(ADDRS), f"{label}: {len(got)} addresses"
        assert sorted(a_addresses(tcp(edns_query(name), srv.port))) == sorted(ADDRS), label
    # A client that asks for less than the cap keeps its own size.
    r = udp(edns_query("built.example.org.", payload=512), srv.port)
    assert len(r.to_wire()) <= 512 and r.flags & dns.flags.TC


def test_without_bufsize_the_same_client_gets_the_whole_answer(start_server, upstream, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("".join(f"{ip} built.example.org\n" for ip in ADDRS))
    srv = start_server(corefile(hosts, upstream.port, ""))
    for name in ("big.example.net.", "built.example.org."):
        r = udp(edns_query(name), srv.port)
        assert not r.flags & dns.flags.TC, name
        assert sorted(a_addresses(r)) == sorted(ADDRS), name


def test_bufsize_bad_size_is_a_corefile_error(tmp_path):
    (tmp_path / "Corefile").write_text(".:1053 {\n    whoami\n    bufsize 100\n}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode != 0
    assert p.stderr.startswith("Corefile:3: bufsize: SIZE"), p.stderr
