"""acl against the real binary: rules by source address (127.0.0.1 and
127.0.0.2 as two clients) and query type, block / filter / drop / allow as
CoreDNS's acl answers them, Extended DNS Errors for EDNS clients, the
metrics, and a bad rule refused with file:line by -validate."""

import socket

import dns.edns
import dns.message
import dns.rcode

from helpers.dnsclient import query, udp
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, run_skycore

WHOAMI = "whoami.example.org."


def corefile(mport):
    return f"""example.org:@PORT@ {{
    bind 127.0.0.1
    prometheus 127.0.0.1:{mport}
    acl {{
        allow net 127.0.0.1
        block net 127.0.0.2/32
        filter type AAAA
        drop type TXT
    }}
    whoami
}}
"""


def ede_codes(r):
    return [o.code for o in r.options if o.otype == dns.edns.EDE]


def test_block_filter_drop_and_allow(start_server):
    mport = free_port()
    srv = start_server(corefile(mport).replace("allow net 127.0.0.1\n", "allow net 127.0.0.1 type A\n"))
    # allowed: whoami answers
    r = udp(query(WHOAMI), srv.port)
    assert r.rcode() == dns.rcode.NOERROR and r.additional
    # blocked by source: REFUSED, EDE 15 (Blocked) for an EDNS client
    r = udp(query(WHOAMI, use_edns=0), srv.port, source="127.0.0.2")
    assert r.rcode() == dns.rcode.REFUSED and ede_codes(r) == [dns.edns.EDECode.BLOCKED]
    r = udp(query(WHOAMI), srv.port, source="127.0.0.2")  # no EDNS: no OPT
    assert r.rcode() == dns.rcode.REFUSED and r.edns < 0
    # filtered by type: NOERROR, nothing in it, EDE 17 (Filtered)
    r = udp(query(WHOAMI, "AAAA", use_edns=0), srv.port)
    assert r.rcode() == dns.rcode.NOERROR and not r.answer and not r.additional
    assert ede_codes(r) == [dns.edns.EDECode.FILTERED]
    # dropped: no reply to TXT; the A asked after it on the same socket is
    # the first reply to arrive
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(3)
        txt, a = query(WHOAMI, "TXT"), query(WHOAMI)
        a.id = (txt.id + 1) % 65536
        s.sendto(txt.to_wire(), ("127.0.0.1", srv.port))
        s.sendto(a.to_wire(), ("127.0.0.1", srv.port))
        assert dns.message.from_wire(s.recv(4096)).id == a.id
    e = Exposition(scrape(mport))
    labels = dict(server=f"dns://127.0.0.1:{srv.port}", zone="example.org.", view="")
    assert e.value("skycore_acl_blocked_requests_total", **labels) == 2
    assert e.value("skycore_acl_filtered_requests_total", **labels) == 1
    assert e.value("skycore_acl_dropped_requests_total", **labels) == 1
    assert e.value("skycore_acl_allowed_requests_total", server=labels["server"], view="") == 2


def test_names_outside_the_zones_are_not_checked(start_server):
    mport = free_port()
    srv = start_server(corefile(mport).replace("example.org:@PORT@", ".:@PORT@")
                       .replace("    acl {", "    acl example.org {"))
    r = udp(query("whoami.example.net."), srv.port, source="127.0.0.2")
    assert r.rcode() == dns.rcode.NOERROR  # whoami; the acl is for example.org only
    r = udp(query(WHOAMI), srv.port, source="127.0.0.2")
    assert r.rcode() == dns.rcode.REFUSED


def test_a_bad_rule_is_refused_with_file_and_line(tmp_path):
    conf = tmp_path / "Corefile"
    conf.write_text(".:1053 {\n    acl {\n        block net 10.0.0.0/40\n    }\n}\n")
    p = run_skycore(["-conf", str(conf), "-validate"], cwd=tmp_path)
    assert p.returncode != 0
    assert f"{conf}:3: acl: not a network: '10.0.0.0/40'" in p.stderr, p.stderr
