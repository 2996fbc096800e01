"""Client side of the tests: dnspython queries and raw UDP/TCP exchanges, all
with timeouts, all to 127.0.0.1."""

import socket
import struct

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

HOST = "127.0.0.1"


def query(name, rdtype="A", **kw):
    return dns.message.make_query(name, rdtype, **kw)


def udp(q, port, timeout=2.0, **kw):
    return dns.query.udp(q, HOST, port=port, timeout=timeout, **kw)


def tcp(q, port, timeout=2.0, **kw):
    return dns.query.tcp(q, HOST, port=port, timeout=timeout, **kw)


def answers_udp(port, name="ready.probe.", timeout=0.2):
    """True if something answers a DNS query on port (any rcode counts). A
    reply to another question is some other process on the port (a test's
    spoofing upstream that took it first): not an answer, so a server that
    failed to bind is reported by its exit, not by a confusing BadResponse."""
    try:
        udp(query(name), port, timeout=timeout)
        return True
    except (dns.exception.Timeout, dns.query.BadResponse, OSError):
        return False


def udp_socket(timeout=2.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, 0))
    s.settimeout(timeout)
    return s


def tcp_connect(port, timeout=2.0):
    s = socket.create_connection((HOST, port), timeout=timeout)
    s.settimeout(timeout)
    return s


def frame(wire):
    """RFC 1035 4.2.2: two-octet length prefix."""
    return struct.pack("!H", len(wire)) + wire


def recv_exact(sock, n):
    """Reads n bytes; returns fewer only if the peer closed the connection."""
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def recv_frame(sock):
    """One length-prefixed message, or None if the peer closed first."""
    head = recv_exact(sock, 2)
    if len(head) < 2:
        return None
    (n,) = struct.unpack("!H", head)
    body = recv_exact(sock, n)
    if len(body) < n:
        return None
    return body


def assert_answers(port):
    """A normal query gets NOERROR over UDP and over TCP."""
    for send in (udp, tcp):
        r = send(query("alive.example.org"), port)
        assert r.rcode() == dns.rcode.NOERROR, f"{send.__name__}: {dns.rcode.to_text(r.rcode())}"


def additional(msg, rdtype):
    """The additional-section RRsets of one type."""
    return [rrset for rrset in msg.additional if rrset.rdtype == rdtype]


def a_addresses(msg):
    """The A addresses of the answer section, in order."""
    return [rd.address for rrset in msg.answer if rrset.rdtype == dns.rdatatype.A for rd in rrset]
