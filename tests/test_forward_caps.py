"""forward's use_caps_for_id (0x20, as Unbound's use-caps-for-id): the
question goes upstream with its letters in random case, the client still
gets its own spelling back, and a reply whose question is not in exactly the
case sent is not taken (a forger would have to guess it)."""

import dns.rcode

from helpers.dnsclient import a_addresses, query, udp
from helpers.upstream import Upstream

NAMES = [f"capsname{i}.example.org." for i in range(20)]


def corefile(up, caps=True):
    opts = "        use_caps_for_id\n" if caps else ""
    return f""".:@PORT@ {{
    bind 127.0.0.1
    forward example.org {up.address} {{
{opts}        expire 10s
    }}
    whoami
}}
"""


def sent_names(up):
    return [q.question[0].name.to_text() for _, q in up.seen_messages() if q.question]


def test_the_question_goes_up_in_random_case_and_comes_back_in_the_clients(start_server):
    with Upstream() as up:
        srv = start_server(corefile(up))
        for name in NAMES:
            r = udp(query(name), srv.port)
            assert r.rcode() == dns.rcode.NOERROR and a_addresses(r) == ["192.0.2.1"]
            assert r.question[0].name.to_text() == name  # the client's spelling, all lowercase
        sent = [n for n in sent_names(up) if n.lower() in NAMES]
        assert len(sent) == len(NAMES)
        assert all(n.lower() in NAMES for n in sent)
        # 20 names of 19 letters: all lowercase by chance is 2^-380.
        assert sum(n != n.lower() for n in sent) >= 18
        assert len(set(sent)) == len(NAMES)


def test_a_reply_in_another_case_is_not_taken(start_server):
    with Upstream() as up:
        up.mode = "lowercase"
        srv = start_server(corefile(up))
        r = udp(query(NAMES[0]), srv.port, timeout=8)
        assert r.rcode() == dns.rcode.SERVFAIL  # every reply was the forger's: the query timed out
        # Without the option, the same upstream's reply is taken (matching ignores case).
    with Upstream() as up:
        up.mode = "lowercase"
        srv = start_server(corefile(up, caps=False))
        r = udp(query(NAMES[0].upper()), srv.port)
        assert r.rcode() == dns.rcode.NOERROR and a_addresses(r) == ["192.0.2.1"]
