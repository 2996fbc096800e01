"""nsid against the real binary: kdig +nsid and dnspython see the server's
identifier, a client that does not ask sees none."""

import subprocess

import dns.edns
import dns.message

from helpers.dnsclient import udp
from helpers.upstream import Upstream


def test_nsid_for_local_and_forwarded_answers(start_server):
    with Upstream() as up:
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    nsid Use The Force
    forward . {up.address}
}}
""")
        asks = dns.message.make_query("host.example.", "A", use_edns=0, options=[dns.edns.GenericOption(dns.edns.NSID, b"")])
        r = udp(asks, srv.port)
        [nsid] = [o for o in r.options if o.otype == dns.edns.NSID]
        assert nsid.to_wire() == b"Use The Force"
        plain = udp(dns.message.make_query("host.example.", "A", use_edns=0), srv.port)
        assert [o for o in plain.options if o.otype == dns.edns.NSID] == []
        kdig = subprocess.run(["kdig", "@127.0.0.1", "-p", str(srv.port), "+nsid", "host.example", "A"],
                              capture_output=True, text=True, timeout=10)
        assert "Use The Force" in kdig.stdout, kdig.stdout + kdig.stderr
