"""Zone dispatch: server block keys, most specific zone, REFUSED, snippets."""

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from helpers.dnsclient import additional, query, tcp, udp


def rcode(port, name, send=udp):
    return send(query(name), port).rcode()


def test_refused_outside_the_zone(start_server):
    srv = start_server("""\
example.org:@PORT@ {
    bind 127.0.0.1
    whoami
}
""")
    for send in (udp, tcp):
        assert rcode(srv.port, "example.org", send) == dns.rcode.NOERROR
        assert rcode(srv.port, "deep.sub.EXAMPLE.ORG", send) == dns.rcode.NOERROR
        for outside in ("example.com", "org", ".", "notexample.org", "example.org.evil.com"):
            r = send(query(outside), srv.port)
            assert r.rcode() == dns.rcode.REFUSED, outside
            assert not r.flags & dns.flags.AA
            assert r.additional == []


@pytest.mark.parametrize("root_first", [False, True], ids=["specific_first", "root_first"])
def test_most_specific_zone_wins(start_server, root_first):
    specific = """\
example.org:@PORT@ {
    bind 127.0.0.1
    whoami
}
"""
    root = """\
.:@PORT@ {
    bind 127.0.0.1
    errors
}
"""
    srv = start_server(root + specific if root_first else specific + root)
    for name in ("example.org", "www.example.org", "A.B.Example.Org"):
        r = udp(query(name), srv.port)
        assert r.rcode() == dns.rcode.NOERROR, name
        assert len(additional(r, dns.rdatatype.SRV)) == 1

    # The `.` block has no answering plugin: SERVFAIL, and errors logs it.
    for send, name in ((udp, "example.net"), (tcp, "tcp.example.com")):
        r = send(query(name, "MX"), srv.port)
        assert r.rcode() == dns.rcode.SERVFAIL
        assert r.additional == []
        srv.wait_stdout(f"[ERROR] plugin/errors: 2 {name}. MX: no next plugin found")
    assert "example.org" not in srv.stdout()


def test_block_without_errors_logs_nothing(start_server):
    srv = start_server("""\
example.org:@PORT@ {
    bind 127.0.0.1
    whoami
}
.:@PORT@ {
    bind 127.0.0.1
}
""")
    assert rcode(srv.port, "example.net") == dns.rcode.SERVFAIL
    assert rcode(srv.port, "x.example.org") == dns.rcode.NOERROR
    assert srv.stdout() == ""


def test_several_zones_in_one_block(start_server):
    srv = start_server("""\
example.org:@PORT@ example.net:@PORT@ {
    bind 127.0.0.1
    whoami
}
""")
    for name in ("example.org", "a.example.net"):
        assert rcode(srv.port, name) == dns.rcode.NOERROR
    assert rcode(srv.port, "example.com") == dns.rcode.REFUSED


def test_keys_without_port_use_dns_port_flag(start_server, port):
    srv = start_server("""\
example.org example.net {
    bind 127.0.0.1
    whoami
}
""", port=port, args=["-dns.port", str(port)])
    assert rcode(srv.port, "x.example.net") == dns.rcode.NOERROR
    assert rcode(srv.port, "x.example.com") == dns.rcode.REFUSED


def test_dns_scheme_key(start_server):
    srv = start_server("""\
dns://example.org:@PORT@ {
    bind 127.0.0.1
    whoami
}
""")
    assert rcode(srv.port, "www.example.org") == dns.rcode.NOERROR
    assert rcode(srv.port, "www.example.com") == dns.rcode.REFUSED


def test_reverse_zone_from_cidr_key(start_server):
    srv = start_server("""\
10.0.0.0/8:@PORT@ {
    bind 127.0.0.1
    whoami
}
""")
    assert rcode(srv.port, "4.3.2.10.in-addr.arpa") == dns.rcode.NOERROR
    assert rcode(srv.port, "4.3.2.11.in-addr.arpa") == dns.rcode.REFUSED


def test_blocks_on_different_ports(start_server, port):
    srv = start_server(f"""\
example.org:@PORT@ {{
    bind 127.0.0.1
    whoami
}}
example.org:{port} {{
    bind 127.0.0.1
}}
""")
    assert rcode(srv.port, "example.org") == dns.rcode.NOERROR
    assert rcode(port, "example.org") == dns.rcode.SERVFAIL


def test_snippet_import(start_server):
    srv = start_server("""\
(common) {
    bind 127.0.0.1
    whoami
}
example.org:@PORT@ {
    import common
}
""")
    r = udp(query("snip.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NOERROR
    assert len(additional(r, dns.rdatatype.A)) == 1


def test_file_import(start_server, tmp_path):
    part = tmp_path / "part.conf"
    part.write_text("whoami\n")
    srv = start_server(f"""\
example.org:@PORT@ {{
    bind 127.0.0.1
    import {part}
}}
""")
    r = udp(query("file.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NOERROR
    assert len(additional(r, dns.rdatatype.SRV)) == 1
