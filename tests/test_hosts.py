"""The hosts plugin against dnspython over UDP and TCP: a hosts file and
inline entries, PTR, NODATA, CoreDNS's SERVFAIL for unknown names, fallthrough
to whoami and to forward, the ttl, reloads of an edited, deleted and
restored file, and Corefile errors with their line numbers."""

import os
import signal

import dns.flags
import dns.rcode
import dns.rdatatype
import dns.reversename
import pytest

from helpers.dnsclient import HOST, additional, query, tcp, udp
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, poll, run_skycore
from helpers.upstream import Upstream

SEND = pytest.mark.parametrize("send", [udp, tcp], ids=["udp", "tcp"])

HOSTS = """\
# a comment line
10.0.0.1     www.example.org  WWW2.Example.org   # two names, one address
2001:db8::1  www.example.org
2001:db8::2  v6only.example.org
10.0.0.3.4   broken.example.org
10.0.0.99    outside.example.net
"""


def main_corefile(hosts_path, options=""):
    """A root block: hosts serves example.org, whoami answers what it passes on."""
    return f""".:@PORT@ {{
    bind 127.0.0.1
    hosts {hosts_path} example.org {{
        10.0.0.2 inline.example.org
        ttl 123
{options}    }}
    whoami
}}
"""


@pytest.fixture
def hosts_file(tmp_path):
    path = tmp_path / "hosts"
    path.write_text(HOSTS)
    return path


@pytest.fixture
def server(start_server, hosts_file):
    return start_server(main_corefile(hosts_file))


def records(r, rdtype):
    """The answer's rdata of one type, as text."""
    return [rd.to_text() for rrset in r.answer if rrset.rdtype == rdtype for rd in rrset]


def is_whoami(r):
    return (r.rcode() == dns.rcode.NOERROR and r.answer == []
            and [rd.address for rrset in additional(r, dns.rdatatype.A) for rd in rrset] == [HOST])


def ask(port, name, rdtype="A", send=udp):
    return send(query(name, rdtype), port)


def ptr(address):
    return dns.reversename.from_address(address).to_text()


@SEND
def test_a_and_aaaa_from_the_file_with_ttl_and_aa(server, send):
    q = query("WwW.Example.ORG", "A")
    r = send(q, server.port)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert r.question[0].name.to_text() == "WwW.Example.ORG."
    assert r.answer[0].name.to_text() == "WwW.Example.ORG."
    assert records(r, dns.rdatatype.A) == ["10.0.0.1"]
    assert r.answer[0].ttl == 123
    assert r.authority == []
    r = ask(server.port, "www.example.org", "AAAA", send)
    assert records(r, dns.rdatatype.AAAA) == ["2001:db8::1"]
    assert r.answer[0].ttl == 123
    assert records(ask(server.port, "www2.example.org", "A", send), dns.rdatatype.A) == ["10.0.0.1"]


@SEND
def test_inline_entries_are_served(server, send):
    r = ask(server.port, "inline.example.org", "A", send)
    assert r.rcode() == dns.rcode.NOERROR
    assert records(r, dns.rdatatype.A) == ["10.0.0.2"]


@SEND
@pytest.mark.parametrize("name,rdtype", [("v6only.example.org", "A"), ("inline.example.org", "AAAA"),
                                         ("www.example.org", "MX")])
def test_known_name_without_that_type_is_nodata_without_soa(server, send, name, rdtype):
    r = ask(server.port, name, rdtype, send)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert r.answer == []
    assert r.authority == []  # CoreDNS's hosts has no SOA to send
    assert r.additional == []  # and did not pass the query on to whoami


@SEND
@pytest.mark.parametrize("name", ["nope.example.org", "broken.example.org", "example.org"])
def test_unknown_name_in_the_zone_is_servfail_as_coredns(server, send, name):
    # CoreDNS's hosts answers SERVFAIL, not NXDOMAIN: it has no SOA to put in one.
    r = ask(server.port, name, "A", send)
    assert r.rcode() == dns.rcode.SERVFAIL
    assert r.answer == []


@SEND
def test_names_outside_the_zones_go_to_the_next_plugin(server, send):
    assert is_whoami(ask(server.port, "outside.example.net", "A", send))
    assert is_whoami(ask(server.port, "anything.example.com", "AAAA", send))


@SEND
def test_ptr_for_file_and_inline_addresses(server, send):
    r = ask(server.port, ptr("10.0.0.1"), "PTR", send)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert sorted(records(r, dns.rdatatype.PTR)) == ["www.example.org.", "www2.example.org."]
    assert r.answer[0].ttl == 123
    r = ask(server.port, ptr("2001:db8::2"), "PTR", send)
    assert records(r, dns.rdatatype.PTR) == ["v6only.example.org."]
    r = ask(server.port, ptr("10.0.0.2"), "PTR", send)
    assert records(r, dns.rdatatype.PTR) == ["inline.example.org."]


def test_ptr_for_unknown_addresses_goes_on(server):
    # 10.0.0.99's name is outside the zones, so it was never loaded.
    assert is_whoami(ask(server.port, ptr("10.0.0.99"), "PTR"))
    assert is_whoami(ask(server.port, ptr("192.0.2.200"), "PTR"))


@SEND
def test_no_reverse_means_no_ptr(start_server, hosts_file, send):
    srv = start_server(main_corefile(hosts_file, "        no_reverse\n"))
    assert records(ask(srv.port, "www.example.org", "A", send), dns.rdatatype.A) == ["10.0.0.1"]
    r = ask(srv.port, ptr("10.0.0.1"), "PTR", send)
    assert records(r, dns.rdatatype.PTR) == []
    assert is_whoami(r)


@SEND
def test_fallthrough_passes_unknown_names_on_and_keeps_known_ones(start_server, hosts_file, send):
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    hosts {hosts_file} example.org {{
        fallthrough
    }}
    whoami
}}
""")
    assert is_whoami(ask(srv.port, "nope.example.org", "A", send))
    r = ask(srv.port, "www.example.org", "A", send)
    assert records(r, dns.rdatatype.A) == ["10.0.0.1"]
    assert r.answer[0].ttl == 3600  # the default ttl
    r = ask(srv.port, "v6only.example.org", "A", send)  # NODATA does not fall through
    assert r.rcode() == dns.rcode.NOERROR and r.answer == [] and r.additional == []


def test_fallthrough_zones_limit_it(start_server, hosts_file):
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    hosts {hosts_file} example.org example.net {{
        fallthrough example.net
    }}
    whoami
}}
""")
    assert is_whoami(ask(srv.port, "nope.example.net", "A"))
    assert ask(srv.port, "nope.example.org", "A").rcode() == dns.rcode.SERVFAIL
    assert records(ask(srv.port, "outside.example.net", "A"), dns.rdatatype.A) == ["10.0.0.99"]


def test_fallthrough_to_forward(start_server):
    up = Upstream()
    try:
        srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    hosts /nonexistent/skycore-hosts {{
        10.9.9.9 local.example.org
        fallthrough
    }}
    forward . {up.address}
}}
""")
        up.reset()
        assert records(ask(srv.port, "local.example.org", "A"), dns.rdatatype.A) == ["10.9.9.9"]
        assert up.queries() == 0
        r = ask(srv.port, "elsewhere.example.org", "A", tcp)
        assert records(r, dns.rdatatype.A) == ["192.0.2.1"]
        assert up.queries() == 1
    finally:
        up.close()


def a_of(port, name):
    r = ask(port, name, "A")
    return records(r, dns.rdatatype.A) if r.rcode() == dns.rcode.NOERROR else dns.rcode.to_text(r.rcode())


def test_reload_picks_up_edits_and_keeps_entries_when_the_file_is_unreadable(start_server, tmp_path):
    path = tmp_path / "hosts"
    path.write_text("10.1.0.1 live.example.org\n")
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    hosts {path} example.org {{
        reload 1s
    }}
}}
""")
    assert a_of(srv.port, "live.example.org") == ["10.1.0.1"]

    # An edit with a line that does not parse: that line is skipped, the rest is served.
    path.write_text("not-an-address new.example.org\n10.1.0.22 live.example.org\n")
    poll(lambda: a_of(srv.port, "live.example.org") == ["10.1.0.22"], 5, 0.05, what="the edited address")
    assert a_of(srv.port, "new.example.org") == "SERVFAIL"

    # Deleted: the previous entries stay, and the failure is logged.
    path.unlink()
    srv.wait_stdout("[ERROR] plugin/hosts: cannot read", timeout=5)
    assert a_of(srv.port, "live.example.org") == ["10.1.0.22"]

    # Restored: read again.
    path.write_text("10.1.0.33 live.example.org\n10.1.0.4 back.example.org\n")
    poll(lambda: a_of(srv.port, "back.example.org") == ["10.1.0.4"], 5, 0.05, what="the restored file")
    assert a_of(srv.port, "live.example.org") == ["10.1.0.33"]
    assert srv.stdout().count("[ERROR] plugin/hosts") == 1  # once per failure, not per check
    assert srv.running()


def test_missing_file_warns_serves_inline_and_is_read_once_it_appears(start_server, tmp_path):
    path = tmp_path / "later.hosts"
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    hosts {path} {{
        10.2.0.1 inline.example.org
        reload 300ms
    }}
}}
""")
    srv.wait_stdout(f"[WARNING] plugin/hosts: File does not exist: {path}")
    assert a_of(srv.port, "inline.example.org") == ["10.2.0.1"]
    assert a_of(srv.port, "file.example.org") == "SERVFAIL"
    path.write_text("10.2.0.2 file.example.org\n")
    poll(lambda: a_of(srv.port, "file.example.org") == ["10.2.0.2"], 5, 0.05, what="the new file")
    assert a_of(srv.port, "inline.example.org") == ["10.2.0.1"]
    assert "[ERROR]" not in srv.stdout()


def test_corefile_reload_swaps_the_entries_and_metrics_count_them(start_server, tmp_path):
    path = tmp_path / "hosts"
    path.write_text("10.4.0.1 file.example.org\n")
    mport = free_port()

    def corefile(inline):
        return f""".:@PORT@ {{
    bind 127.0.0.1
    prometheus 127.0.0.1:{mport}
    hosts {path} example.org {{
        {inline}
    }}
}}
"""

    srv = start_server(corefile("10.4.0.2 old.example.org"))
    assert a_of(srv.port, "old.example.org") == ["10.4.0.2"]
    e = Exposition(scrape(mport))
    # An address and a PTR name each for the file's line and the inline one.
    assert e.value("skycore_hosts_entries", hostsfile=str(path)) == 4
    assert e.value("skycore_hosts_reload_timestamp_seconds", hostsfile=str(path)) == \
        pytest.approx(os.stat(path).st_mtime, abs=1e-3)

    srv.corefile.write_text(corefile("10.4.0.3 new.example.org new2.example.org").replace(
        "@PORT@", str(srv.port)))
    srv.send_signal(signal.SIGUSR1)
    poll(lambda: a_of(srv.port, "new.example.org") == ["10.4.0.3"], 10, 0.05, what="the reloaded Corefile")
    assert a_of(srv.port, "old.example.org") == "SERVFAIL"
    assert a_of(srv.port, "file.example.org") == ["10.4.0.1"]
    poll(lambda: Exposition(scrape(mport)).value("skycore_hosts_entries", hostsfile=str(path)) == 6, 5,
         what="the new configuration's metrics")


@pytest.mark.parametrize("body,message", [
    ("    hosts {\n        ttl 0\n    }", "Corefile:4: hosts: ttl '0' is invalid"),
    ("    hosts {\n        ttl x\n    }", "Corefile:4: hosts: ttl 'x' is not a number of seconds"),
    ("    hosts {\n\n        reload 5y\n    }", "Corefile:5: hosts: reload: '5y' is not a duration"),
    ("    hosts {\n        10.0.0.1\n    }", "Corefile:4: hosts: '10.0.0.1' needs one or more names"),
    ("    hosts {\n        tll 30\n    }", "Corefile:4: hosts: 'tll' is neither a property nor an IP address"),
    ("    hosts {\n        fallthrough\n        10.0.0.1 a.example.org\n    }",
     "Corefile:5: unknown property '10.0.0.1'"),
    ("    hosts {\n        fallthrough_unsupported\n    }",
     "Corefile:4: hosts: fallthrough_unsupported requires fallthrough"),
    ("    hosts\n    hosts", "Corefile:4: plugin 'hosts' can only be used once per server block"),
    ("    hosts /etc/hosts 10.0.0.0/40", "Corefile:3: hosts: '10.0.0.0/40' is not a CIDR"),
], ids=["ttl0", "ttl_nan", "reload", "no_names", "typo", "after_fallthrough", "unsupported", "twice",
        "cidr"])
def test_bad_hosts_block_is_rejected_with_its_line(tmp_path, body, message):
    (tmp_path / "Corefile").write_text(f".:1053 {{\n    bind 127.0.0.1\n{body}\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr.strip().startswith(message), p.stderr


def test_good_hosts_block_validates(tmp_path):
    (tmp_path / "Corefile").write_text(""".:1053 {
    bind 127.0.0.1
    hosts /nonexistent/hosts example.org 10.0.0.0/8 {
        10.0.0.1 a.example.org
        fe80::1%lo0 b.example.org
        ttl 60
        no_reverse
        reload 1m30s
        fallthrough example.org
        fallthrough_unsupported
    }
    whoami
}
""")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Corefile: valid" in p.stdout
