"""One query, raw bytes both ways, with the client's own socket, so a test
knows the exact wire lengths and the source port the server saw."""

from dataclasses import dataclass

import dns.message

from helpers.dnsclient import HOST, frame, recv_frame, tcp_connect, udp_socket


@dataclass
class Exchange:
    query: dns.message.Message
    qwire: bytes
    rwire: bytes
    sport: int  # the client's source port
    proto: str

    @property
    def reply(self):
        return dns.message.from_wire(self.rwire)


def exchange(q, port, proto="udp", timeout=2.0):
    """Sends q (a dns.message.Message) over proto; returns the Exchange."""
    wire = q.to_wire()
    if proto == "udp":
        with udp_socket(timeout) as s:
            s.sendto(wire, (HOST, port))
            while True:
                data, peer = s.recvfrom(65535)
                if peer == (HOST, port) and data[:2] == wire[:2]:
                    return Exchange(q, wire, data, s.getsockname()[1], proto)
    with tcp_connect(port, timeout) as s:
        s.sendall(frame(wire))
        data = recv_frame(s)
        assert data is not None, "the server closed the TCP connection without a reply"
        return Exchange(q, wire, data, s.getsockname()[1], proto)
