"""errors logs each failure as CoreDNS does, and `consolidate DURATION
REGEXP [LEVEL]` folds the ones that match into one line per period (the
kubespray Corefile with all its options uses it)."""

import re

import dns.message
import dns.rcode

from helpers.dnsclient import udp
from helpers.skycore import poll

SUMMARY = re.compile(r"^\[WARNING\] plugin/errors: (\d+) errors like 'no next plugin found\$' occurred in last 1s$", re.M)


def test_matching_errors_are_consolidated_others_logged_one_by_one(start_server):
    srv = start_server("""\
example.org:@PORT@ {
    bind 127.0.0.1
    errors {
        consolidate 1s "no next plugin found$" warning
    }
}
example.net:@PORT@ {
    bind 127.0.0.1
    errors {
        consolidate 1s "^never matches"
    }
}
""")
    for i in range(3):
        r = udp(dns.message.make_query(f"q{i}.example.org.", "A"), srv.port)
        assert r.rcode() == dns.rcode.SERVFAIL
    r = udp(dns.message.make_query("other.example.net.", "A"), srv.port)
    assert r.rcode() == dns.rcode.SERVFAIL
    # Three folded into the summaries (a period may end between two queries).
    poll(lambda: sum(int(n) for n in SUMMARY.findall(srv.stdout())) == 3, 10, what="the summary lines")
    out = srv.stdout()
    assert "example.org. A: no next plugin found" not in out, out
    # The other block's pattern does not match: its error is logged at once, whole.
    assert "[ERROR] plugin/errors: 2 other.example.net. A: no next plugin found" in out, out
