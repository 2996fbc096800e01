"""cancel against the real binary: a query whose upstreams do not answer
ends at the cancel deadline, before forward would try its next upstream
(2 s per try), and gets SERVFAIL; without cancel the second upstream is
asked. Assertions are on which upstream saw the query, not on times.
(The probe. block answers the harness's readiness query, which the silent
upstreams would not.)"""

import dns.rcode

from helpers.dnsclient import query, udp
from helpers.skycore import poll
from helpers.upstream import Upstream


def corefile(a, b, cancel):
    return f"""\
.:@PORT@ {{
    bind 127.0.0.1
{cancel}    forward . {a.address} {b.address} {{
        policy sequential
    }}
}}
probe.:@PORT@ {{
    bind 127.0.0.1
    whoami
}}
"""


def test_cancel_ends_the_wait_before_the_next_upstream(start_server):
    with Upstream() as a, Upstream() as b:
        a.mode = b.mode = "silent"
        srv = start_server(corefile(a, b, "    cancel 300ms\n"))
        r = udp(query("slow.example.", "A"), srv.port, timeout=1.9)  # under forward's 2 s per try
        assert r.rcode() == dns.rcode.SERVFAIL
        assert a.queries() == 1 and b.queries() == 0


def test_without_cancel_forward_goes_on_to_the_next_upstream(start_server):
    with Upstream() as a, Upstream() as b:
        a.mode = b.mode = "silent"
        srv = start_server(corefile(a, b, ""))
        try:
            udp(query("slow.example.", "A"), srv.port, timeout=1.0)
        except Exception:
            pass  # the client gives up first; the server carries on
        poll(lambda: b.queries() == 1, 5, what="the second upstream to be asked")
        assert a.queries() == 1
