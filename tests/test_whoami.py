"""whoami over UDP and TCP, checked with dnspython and with kdig."""

import json
import subprocess

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import pytest

from helpers.dnsclient import HOST, additional, query, tcp, tcp_connect, udp, udp_socket


def check_whoami(r, qname, proto, client_port):
    """CoreDNS's whoami shape: AA, nothing in answer, A and SRV in additional."""
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.QR
    assert r.flags & dns.flags.AA
    assert r.answer == []
    assert r.authority == []
    owner = dns.name.from_text(qname)
    (a,) = additional(r, dns.rdatatype.A)
    assert a.name == owner
    assert a.ttl == 0
    assert [rd.address for rd in a] == [HOST]
    (srv,) = additional(r, dns.rdatatype.SRV)
    assert srv.name == dns.name.Name((f"_{proto}".encode(),) + owner.labels)
    assert srv.ttl == 0
    (rd,) = list(srv)
    assert (rd.priority, rd.weight, rd.port) == (0, 0, client_port)
    assert rd.target == dns.name.root
    assert not additional(r, dns.rdatatype.AAAA)


def test_udp_reports_address_and_source_port(whoami_server):
    with udp_socket() as s:
        r = udp(query("a.example.org"), whoami_server.port, sock=s)
        check_whoami(r, "a.example.org.", "udp", s.getsockname()[1])


def test_tcp_reports_address_and_source_port(whoami_server):
    with tcp_connect(whoami_server.port) as s:
        r = tcp(query("a.example.org"), whoami_server.port, sock=s)
        check_whoami(r, "a.example.org.", "tcp", s.getsockname()[1])


@pytest.mark.parametrize("send", [udp, tcp], ids=["udp", "tcp"])
def test_qname_case_is_preserved(whoami_server, send):
    q = query("WwW.ExAmple.org")
    r = send(q, whoami_server.port)
    # dnspython compares names case-insensitively; compare the text instead.
    assert r.question[0].name.to_text() == "WwW.ExAmple.org."
    assert r.id == q.id
    (a,) = additional(r, dns.rdatatype.A)
    assert a.name.to_text().lower() == "www.example.org."


@pytest.mark.parametrize("rdtype", ["AAAA", "TXT", "MX", "SRV", "ANY"])
def test_any_qtype_gets_whoami(whoami_server, rdtype):
    with udp_socket() as s:
        r = udp(query("t.example.net", rdtype), whoami_server.port, sock=s)
        assert r.question[0].rdtype == dns.rdatatype.from_text(rdtype)
        check_whoami(r, "t.example.net.", "udp", s.getsockname()[1])


def test_root_name(whoami_server):
    with udp_socket() as s:
        r = udp(query("."), whoami_server.port, sock=s)
        check_whoami(r, ".", "udp", s.getsockname()[1])


def test_no_edns_no_opt(whoami_server):
    r = udp(query("plain.example.org", use_edns=False), whoami_server.port)
    assert r.edns == -1
    assert r.opt is None


@pytest.mark.parametrize("send", [udp, tcp], ids=["udp", "tcp"])
@pytest.mark.parametrize("do", [True, False], ids=["do", "nodo"])
def test_edns_opt_payload_and_do(whoami_server, send, do):
    q = query("edns.example.org", use_edns=0, payload=4096, want_dnssec=do)
    r = send(q, whoami_server.port)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.edns == 0
    assert r.payload == 1232
    assert bool(r.ednsflags & dns.flags.DO) == do
    assert len(additional(r, dns.rdatatype.SRV)) == 1


def test_long_name_fits_in_512_without_tc(whoami_server):
    # About the largest whoami answer there is; it must come back whole.
    labels = ["x" * 63] * 3 + ["y" * 56]
    name = ".".join(labels) + "."
    assert len(dns.name.from_text(name).to_wire()) == 250  # _udp.<name> is 255
    q = query(name, use_edns=0, payload=512)
    with udp_socket() as s:
        wire = q.to_wire()
        s.sendto(wire, (HOST, whoami_server.port))
        data, _ = s.recvfrom(65535)
        assert len(data) <= 512
        r = dns.message.from_wire(data)
        assert not r.flags & dns.flags.TC
        check_whoami(r, name, "udp", s.getsockname()[1])


def test_255_octet_name_gets_a_but_no_srv(whoami_server):
    # _udp.<name> would exceed 255 octets, so only the A record can be sent.
    name = ".".join(["x" * 63] * 3 + ["y" * 61]) + "."
    assert len(dns.name.from_text(name).to_wire()) == 255
    r = udp(query(name), whoami_server.port)
    assert r.rcode() == dns.rcode.NOERROR
    (a,) = additional(r, dns.rdatatype.A)
    assert [rd.address for rd in a] == [HOST]
    assert not additional(r, dns.rdatatype.SRV)


def kdig(port, *args):
    out = subprocess.run(["kdig", f"@{HOST}", "-p", str(port), "+json", "+retry=0", "+timeout=2", *args],
                         capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_kdig(whoami_server, proto):
    msg = kdig(whoami_server.port, "k.example.org", "A", "+tcp" if proto == "tcp" else "+notcp")
    assert msg["RCODE"] == 0
    assert msg["AA"] == 1 and msg["QR"] == 1
    assert msg["ANCOUNT"] == 0 and msg["ARCOUNT"] == 2
    assert msg["QNAME"] == "k.example.org."
    rrs = {rr["TYPEname"]: rr for rr in msg["additionalRRs"]}
    assert rrs["A"]["NAME"] == "k.example.org."
    assert rrs["A"]["rdataA"] == HOST
    assert rrs["A"]["TTL"] == 0
    assert rrs["SRV"]["NAME"] == f"_{proto}.k.example.org."
    prio, weight, srv_port, target = rrs["SRV"]["rdataSRV"].split()
    assert (prio, weight, target) == ("0", "0", ".")
    assert 0 < int(srv_port) < 65536


def test_kdig_edns_do(whoami_server):
    msg = kdig(whoami_server.port, "k.example.org", "+dnssec", "+bufsize=4000")
    assert msg["RCODE"] == 0
    # kdig's JSON carries the OPT record among the additional RRs.
    opt = [rr for rr in msg["additionalRRs"] if rr["TYPE"] == 41]
    assert len(opt) == 1
    assert opt[0]["CLASS"] == 1232
