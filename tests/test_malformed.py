"""The malformed-query table (core/wire/tests/malformed_queries.txt), sent
raw over UDP and TCP. After every row the server must still answer."""

import socket
import struct

import dns.message
import dns.opcode
import dns.rcode
import pytest

from helpers.dnsclient import HOST, frame, recv_frame, tcp, tcp_connect, udp, udp_socket
from helpers.dnsclient import answers_udp
from helpers.skycore import SOURCE, assert_alive, poll

TABLE = SOURCE / "core" / "wire" / "tests" / "malformed_queries.txt"
DROP_WAIT = 0.3  # a dropped query gets no reply within this
EXPECTED_RCODE = {
    "ok": dns.rcode.NOERROR,
    "formerr": dns.rcode.FORMERR,
    "notimp": dns.rcode.NOTIMP,
    "badvers": dns.rcode.BADVERS,
}


def load_rows():
    rows = []
    for line in TABLE.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        expected, desc, hexdata = (f.strip() for f in line.split("|", 2))
        assert expected in ("drop", *EXPECTED_RCODE), f"unknown outcome in {TABLE}: {line}"
        rows.append(pytest.param(expected, bytes.fromhex(hexdata), id=desc.replace(" ", "_")))
    assert len(rows) > 10, f"{TABLE} looks empty"
    return rows


ROWS = load_rows()


def check_reply(expected, packet, reply):
    assert reply is not None, "no reply"
    assert len(reply) >= 12
    (rid,) = struct.unpack("!H", reply[:2])
    assert rid == struct.unpack("!H", packet[:2])[0], "reply ID differs from the query's"
    assert reply[2] & 0x80, "QR not set"
    assert (reply[2] >> 3) & 0xF == (packet[2] >> 3) & 0xF, "opcode not echoed"
    want = EXPECTED_RCODE[expected]
    assert reply[3] & 0xF == want & 0xF, f"header rcode {reply[3] & 0xF}"
    if (reply[2] >> 3) & 0xF not in (dns.opcode.QUERY, dns.opcode.IQUERY, dns.opcode.STATUS, dns.opcode.NOTIFY):
        return  # UPDATE's question is a zone section to dnspython; opcode 15 it cannot parse
    # The full rcode (BADVERS needs the OPT record's extended bits).
    msg = dns.message.from_wire(reply)
    assert msg.rcode() == want, dns.rcode.to_text(msg.rcode())


@pytest.mark.parametrize("expected,packet", ROWS)
def test_udp(whoami_server, expected, packet):
    with udp_socket() as s:
        s.sendto(packet, (HOST, whoami_server.port))
        if expected == "drop":
            s.settimeout(DROP_WAIT)
            with pytest.raises(socket.timeout):
                s.recvfrom(65535)
        else:
            reply, _ = s.recvfrom(65535)
            check_reply(expected, packet, reply)
    assert_alive(whoami_server)


@pytest.mark.parametrize("expected,packet", ROWS)
def test_tcp(whoami_server, expected, packet):
    with tcp_connect(whoami_server.port) as s:
        s.sendall(frame(packet))
        if expected == "drop":
            s.settimeout(DROP_WAIT)
            try:
                data = s.recv(65535)
            except socket.timeout:
                data = b""
            assert data == b"", "a dropped query got a reply"
        else:
            check_reply(expected, packet, recv_frame(s))
    assert_alive(whoami_server)


@pytest.mark.parametrize("send", [udp, tcp], ids=["udp", "tcp"])
def test_badvers_reply_has_opt_version_0(whoami_server, send):
    q = dns.message.make_query("v1.example.org", "A", use_edns=1, want_dnssec=True)
    r = send(q, whoami_server.port)
    assert r.id == q.id
    assert r.rcode() == dns.rcode.BADVERS
    assert r.edns == 0
    assert r.additional == []


def test_tcp_length_prefix_then_close(whoami_server):
    # The client promises 100 octets, sends 5 and goes away.
    with tcp_connect(whoami_server.port) as s:
        s.sendall(struct.pack("!H", 100) + b"\x12\x34\x01\x00\x00")
    with tcp_connect(whoami_server.port) as s:
        s.sendall(b"\x00")  # half a length prefix
    assert_alive(whoami_server)


def test_tcp_reset_with_query_in_flight(whoami_server):
    q = dns.message.make_query("rst.example.org", "A").to_wire()
    for _ in range(20):
        s = tcp_connect(whoami_server.port)
        s.sendall(frame(q) * 5)
        # SO_LINGER 0: close() sends RST, so the server's write may fail.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    assert_alive(whoami_server)


def test_udp_random_garbage(whoami_server):
    import random

    rnd = random.Random(1234)
    with udp_socket() as s:
        for _ in range(300):
            s.sendto(bytes(rnd.getrandbits(8) for _ in range(rnd.randrange(0, 80))),
                     (HOST, whoami_server.port))
    # A burst this size can overflow the socket's receive buffer, and the
    # kernel then drops datagrams (the next query too, now and then): wait
    # until it is drained before asking whether the server still answers.
    poll(lambda: answers_udp(whoami_server.port, "alive.example.org."), 5, what="an answer after the burst")
    assert_alive(whoami_server)


@pytest.mark.parametrize("send", ["udp", "tcp"])
def test_unknown_opcode_without_question_is_notimp_with_rd_clear(whoami_server, send):
    """RFC 8906 3.1.4: NOTIMP, not FORMERR, even with QDCOUNT 0; RD and CD
    are echoed only for QUERY."""
    packet = bytes.fromhex("abcd" "7910" "0000" "0000" "0000" "0000")  # opcode 15, RD, CD
    if send == "udp":
        with udp_socket() as s:
            s.sendto(packet, (HOST, whoami_server.port))
            reply, _ = s.recvfrom(65535)
    else:
        with tcp_connect(whoami_server.port) as s:
            s.sendall(frame(packet))
            reply = recv_frame(s)
    assert reply[3] & 0xF == dns.rcode.NOTIMP
    assert (reply[2] >> 3) & 0xF == 15
    assert reply[2] & 0x01 == 0, "RD copied for a non-QUERY opcode"
    assert reply[3] & 0x10 == 0, "CD copied for a non-QUERY opcode"
    # A QUERY still gets RD back.
    r = udp(dns.message.make_query("rd.example.org", "A"), whoami_server.port)
    assert r.flags & 0x0100
