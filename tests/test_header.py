"""header against the real binary: response flags as the Corefile says, for
answers built here and answers from an upstream; a query rule changes what
the upstream is asked (RD), not what the client sees echoed."""

import subprocess

import dns.flags

from helpers.dnsclient import query, udp
from helpers.upstream import Upstream


def test_response_and_query_rules(start_server):
    with Upstream() as up:
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    header {{
        response set ra aa
        response clear rd
    }}
    forward . {up.address}
}}
example.org:@PORT@ {{
    bind 127.0.0.1
    header {{
        query clear rd
    }}
    forward . {up.address}
}}
""")
        r = udp(query("host.example.", "A"), srv.port)  # dnspython sets RD
        assert r.flags & dns.flags.RA and r.flags & dns.flags.AA
        assert not r.flags & dns.flags.RD
        assert [rr.to_text() for rrset in r.answer for rr in rrset] == ["192.0.2.1"]

        up.reset()
        r = udp(query("www.example.org.", "A"), srv.port)
        assert [rr.to_text() for rrset in r.answer for rr in rrset] == ["192.0.2.1"]
        [(_, asked)] = up.seen_messages()
        assert not asked.flags & dns.flags.RD  # the upstream was asked without recursion

        kdig = subprocess.run(["kdig", "@127.0.0.1", "-p", str(srv.port), "host.example", "A"],
                              capture_output=True, text=True, timeout=10)
        assert ";; Flags: qr aa ra;" in kdig.stdout, kdig.stdout + kdig.stderr


def test_a_bad_rule_is_a_start_up_error(tmp_path):
    from helpers.skycore import BIN
    conf = tmp_path / "Corefile"
    conf.write_text(". {\n    header {\n        query set ad\n    }\n}\n")
    p = subprocess.run([str(BIN), "-validate", "-conf", str(conf)], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert f"{conf}:3: header: unknown flag 'ad': want aa, ra or rd" in p.stderr
