"""any, minimal and local against the real binary, with dnspython and kdig
and a dnspython upstream that fills every section."""

import subprocess

import dns.message
import dns.rcode
import dns.rdatatype

from helpers.dnsclient import a_addresses, udp
from helpers.upstream import Upstream


def test_any_local_and_minimal(start_server):
    with Upstream() as up:
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    any
    local
    minimal
    template IN A tmpl.test {{
        answer "{{{{ .Name }}}} 60 IN A 192.0.2.7"
        authority "tmpl.test. 60 IN NS ns.tmpl.test."
        additional "ns.tmpl.test. 60 IN A 192.0.2.8"
    }}
    forward . {up.address}
}}
""")
        r = udp(dns.message.make_query("example.org.", "ANY"), srv.port)
        assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.HINFO]
        assert r.answer[0][0].cpu == b"ANY obsoleted" and r.answer[0].ttl == 8482

        up.reset()
        assert a_addresses(udp(dns.message.make_query("localhost.", "A"), srv.port)) == ["127.0.0.1"]
        assert a_addresses(udp(dns.message.make_query("web.localhost.", "A"), srv.port)) == ["127.0.0.1"]
        r = udp(dns.message.make_query("9.0.0.127.in-addr.arpa.", "PTR"), srv.port)
        assert r.rcode() == dns.rcode.NXDOMAIN and r.authority[0].rdtype == dns.rdatatype.SOA
        kdig = subprocess.run(["kdig", "@127.0.0.1", "-p", str(srv.port), "-x", "127.0.0.1", "+short"],
                              capture_output=True, text=True, timeout=10)
        assert kdig.stdout.strip() == "localhost.", kdig.stdout + kdig.stderr
        assert up.queries() == 0  # none of them left the server

        # NXDOMAIN from upstream keeps its SOA under minimal.
        r = udp(dns.message.make_query("nxname.example.", "A", use_edns=0), srv.port)
        assert r.rcode() == dns.rcode.NXDOMAIN and r.authority
        # A positive answer loses its authority and additional records (the
        # template writes both), and keeps its OPT.
        r = udp(dns.message.make_query("a.tmpl.test.", "A", use_edns=0), srv.port)
        assert a_addresses(r) == ["192.0.2.7"] and r.authority == [] and r.additional == []
        assert r.edns == 0
