"""The same zone and port in several server blocks, told apart by `bind`
(AKS LocalDNS and NodeLocal DNSCache serve `.:53` twice): each address gets
its own block's answers; overlapping binds are refused as in CoreDNS."""

import dns.message
import dns.query

from helpers.dnsclient import a_addresses, udp
from helpers.skycore import run_skycore


def write_corefile(path, text, port):
    path.write_text(text.replace("@PORT@", str(port)))


def test_two_root_blocks_on_one_port_answer_by_local_address(start_server):
    srv = start_server("""\
.:@PORT@ {
    bind 127.0.0.1
    hosts {
        192.0.2.1 which.test
    }
}
.:@PORT@ {
    bind 127.0.0.2
    hosts {
        192.0.2.2 which.test
    }
}
""")
    q = dns.message.make_query("which.test.", "A")
    assert a_addresses(udp(q, srv.port)) == ["192.0.2.1"]
    assert a_addresses(dns.query.udp(q, "127.0.0.2", port=srv.port, timeout=2)) == ["192.0.2.2"]
    assert a_addresses(dns.query.tcp(q, "127.0.0.2", port=srv.port, timeout=2)) == ["192.0.2.2"]


def test_overlapping_binds_are_an_error(tmp_path, port):
    for second_bind in ("    bind 127.0.0.1\n", ""):
        text = (".:@PORT@ {\n    bind 127.0.0.1\n    whoami\n}\n"
                ".:@PORT@ {\n" + second_bind + "    whoami\n}\n")
        write_corefile(tmp_path / "Corefile", text, port)
        p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
        assert p.returncode == 1, p.stdout
        assert p.stderr.startswith("Corefile:5: zone '.:"), p.stderr
        assert "served twice" in p.stderr and "Corefile:1" in p.stderr, p.stderr


def test_same_zone_twice_in_one_block_is_still_an_error(tmp_path, port):
    write_corefile(tmp_path / "Corefile", "a.org:@PORT@ a.org:@PORT@ {\n    whoami\n}\n", port)
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1
    assert "duplicate zone" in p.stderr, p.stderr
