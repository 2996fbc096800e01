"""chaos answers CH TXT questions about the server, as OpenShift's Corefile
uses it (`hostname.bind:5353 { chaos }`), checked with dnspython and kdig."""

import socket
import subprocess

import dns.message
import dns.rdataclass
import dns.rdatatype

from helpers.dnsclient import udp


def ch_txt(name):
    return dns.message.make_query(name, dns.rdatatype.TXT, dns.rdataclass.CH)


def texts(r):
    return [b"".join(rd.strings).decode() for rrset in r.answer for rd in rrset]


def test_chaos_answers_version_authors_and_hostname(start_server):
    srv = start_server("""\
hostname.bind:@PORT@ {
    bind 127.0.0.1
    chaos
}
version.bind:@PORT@ {
    bind 127.0.0.1
    chaos v9.9 alice bob
}
authors.bind:@PORT@ {
    bind 127.0.0.1
    chaos v9.9 alice bob
}
""")
    r = udp(ch_txt("hostname.bind."), srv.port)
    assert texts(r) == [socket.gethostname()]
    assert r.answer[0].rdclass == dns.rdataclass.CH
    assert texts(udp(ch_txt("version.bind."), srv.port)) == ["v9.9"]
    assert texts(udp(ch_txt("authors.bind."), srv.port)) == ["alice", "bob"]
    # An IN question for the same name is not chaos's: nothing else answers it.
    r = udp(dns.message.make_query("version.bind.", "TXT"), srv.port)
    assert r.answer == []
    kdig = subprocess.run(["kdig", "@127.0.0.1", "-p", str(srv.port), "CH", "TXT", "version.bind", "+short"],
                          capture_output=True, text=True, timeout=10)
    assert kdig.stdout.strip() == '"v9.9"', kdig.stdout + kdig.stderr


def test_chaos_default_version_is_skycores(start_server):
    srv = start_server("version.bind:@PORT@ {\n    bind 127.0.0.1\n    chaos\n}\n")
    [version] = texts(udp(ch_txt("version.bind."), srv.port))
    assert version.startswith("skycore-"), version
