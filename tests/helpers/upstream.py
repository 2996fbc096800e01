"""An independent upstream DNS server for tests, written with dnspython.

Runs UDP and TCP on 127.0.0.1 in background threads. Its behaviour can be
switched while it runs:
  mode = "answer"    A 192.0.2.1 (TTL 300) for A queries, NXDOMAIN for names starting "nx",
                     NODATA for other types; negative answers carry an SOA
  mode = "silent"    receives and never replies
  mode = "servfail"  SERVFAIL for everything
  mode = "nxdomain"  NXDOMAIN (with an SOA) for everything
  mode = "truncate"  over UDP: an empty answer with TC; over TCP: the full answer
  mode = "spoof"     first a reply with a wrong ID and one with a wrong question, then the real one
  mode = "lowercase" answers as "answer", with the question's name lowercased in the reply
                     (what a forger who does not know the query's letter case would send)
It counts queries per transport and keeps the last ones it saw.
`hold` (a threading.Event, or None) holds replies back while it is clear:
a test sees a query arrive (queries(), seen_messages()), knows it has not
been answered yet, and releases the reply with hold.set(). While a reply is
held the transport's serving thread waits (other UDP queries queue up).
"""

import socket
import struct
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

HOST = "127.0.0.1"


class Upstream:
    def __init__(self, port=0, answer_ip="192.0.2.1", ttl=300, soa_ttl=60, soa_minimum=30,
                 negative_soa=True):
        self.mode = "answer"
        self.answer_ip = answer_ip
        self.ttl = ttl
        # Negative answers (NXDOMAIN for nx* names, NODATA for non-A types)
        # carry an SOA in the authority section, as RFC 2308 wants, unless
        # negative_soa is False.
        self.soa_ttl = soa_ttl
        self.soa_minimum = soa_minimum
        self.negative_soa = negative_soa
        self.delay = 0.0  # seconds to wait before answering (answer mode)
        self.extra_flags = 0  # ORed into every reply's flags (AD, ...)
        self.hold = None  # a threading.Event: while clear, replies wait (see the module doc)
        self.udp_queries = 0
        self.tcp_queries = 0
        self.seen = []  # (transport, dns.message.Message)
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self.udp, self.tcp = self._bind_pair(port)
        self.port = self.udp.getsockname()[1]
        self.tcp.listen(64)
        self.udp.settimeout(0.1)
        self.tcp.settimeout(0.1)
        self.threads = [threading.Thread(target=self._serve_udp, daemon=True),
                        threading.Thread(target=self._serve_tcp, daemon=True)]
        for t in self.threads:
            t.start()

    @staticmethod
    def _bind_pair(port):
        """UDP and TCP on one port. With port 0 the kernel picks the UDP port,
        and that number may be taken for TCP (tests run in parallel): retry."""
        for _ in range(50):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((HOST, port))
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((HOST, udp.getsockname()[1]))
                return udp, tcp
            except OSError:
                udp.close()
                tcp.close()
                if port:
                    raise
        raise RuntimeError("no port free for both UDP and TCP")

    @property
    def address(self):
        return f"{HOST}:{self.port}"

    def close(self):
        self._stop.set()
        for t in self.threads:
            t.join(2)
        self.udp.close()
        self.tcp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def reset(self):
        """Forgets the queries seen so far (counts and messages)."""
        with self.lock:
            self.udp_queries = 0
            self.tcp_queries = 0
            self.seen = []

    def seen_messages(self):
        """A snapshot of (transport, message) pairs, oldest first."""
        with self.lock:
            return list(self.seen)

    def queries(self):
        with self.lock:
            return self.udp_queries + self.tcp_queries

    def _record(self, transport, q):
        with self.lock:
            if transport == "udp":
                self.udp_queries += 1
            else:
                self.tcp_queries += 1
            self.seen.append((transport, q))
            del self.seen[:-50]

    def _held(self):
        """Waits while self.hold is a clear Event; True if the upstream was
        closed meanwhile (then nothing is sent)."""
        hold = self.hold
        while hold is not None and not hold.wait(0.05):
            if self._stop.is_set():
                return True
        return False

    def answer(self, q, transport):
        """The replies to send for query q (a list of wire messages, maybe empty)."""
        mode = self.mode
        if mode == "silent" or self._held():
            return []
        r = dns.message.make_response(q)
        r.flags |= dns.flags.RA | self.extra_flags
        if mode == "dangling_cname":  # a CNAME to a name with no records, and no SOA
            r.answer.append(dns.rrset.from_text(q.question[0].name, self.ttl, "IN", "CNAME", "nowhere.example."))
            return [r.to_wire()]
        if mode == "servfail":
            r.set_rcode(dns.rcode.SERVFAIL)
            return [r.to_wire()]
        if mode == "truncate" and transport == "udp":
            r.flags |= dns.flags.TC
            return [r.to_wire()]
        qname = q.question[0].name
        qtype = q.question[0].rdtype
        if qtype == dns.rdatatype.A and not qname.to_text().startswith("nx") and mode != "nxdomain":
            ips = self.answer_ip if isinstance(self.answer_ip, (list, tuple)) else [self.answer_ip]
            r.answer.append(dns.rrset.from_text(qname, self.ttl, "IN", "A", *ips))
        elif qname.to_text().startswith("nx") or mode == "nxdomain":
            r.set_rcode(dns.rcode.NXDOMAIN)
        if not r.answer and self.negative_soa:
            zone = qname.parent() if len(qname) > 2 else qname
            mname = dns.name.from_text("ns", zone)
            rname = dns.name.from_text("hostmaster", zone)
            r.authority.append(dns.rrset.from_text(
                zone, self.soa_ttl, "IN", "SOA",
                f"{mname} {rname} 1 3600 600 86400 {self.soa_minimum}"))
        if self.delay:
            time.sleep(self.delay)
        wire = r.to_wire()
        if mode == "lowercase":
            b, i = bytearray(wire), 12
            while b[i]:
                n = b[i]
                b[i + 1:i + 1 + n] = bytes(b[i + 1:i + 1 + n]).lower()
                i += n + 1
            return [bytes(b)]
        if mode == "spoof":
            bad_id = bytearray(wire)
            struct.pack_into("!H", bad_id, 0, (q.id + 1) & 0xFFFF)
            other = dns.message.make_response(dns.message.make_query("evil.example.", "A", id=q.id))
            other.answer.append(dns.rrset.from_text("evil.example.", 300, "IN", "A", "6.6.6.6"))
            return [bytes(bad_id), other.to_wire(), wire]
        return [wire]

    def _serve_udp(self):
        while not self._stop.is_set():
            try:
                data, peer = self.udp.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                q = dns.message.from_wire(data)
            except Exception:
                continue
            self._record("udp", q)
            for reply in self.answer(q, "udp"):
                self.udp.sendto(reply, peer)

    def _serve_tcp(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve_conn, args=(conn,), daemon=True).start()

    def _serve_conn(self, conn):
        conn.settimeout(0.5)
        with conn:
            while not self._stop.is_set():
                try:
                    head = self._read(conn, 2)
                    if head is None:
                        return
                    data = self._read(conn, struct.unpack("!H", head)[0])
                    if data is None:
                        return
                except socket.timeout:
                    continue
                except OSError:
                    return
                try:
                    q = dns.message.from_wire(data)
                except Exception:
                    return
                self._record("tcp", q)
                try:
                    for reply in self.answer(q, "tcp"):
                        conn.sendall(struct.pack("!H", len(reply)) + reply)
                except OSError:  # the client hung up (e.g. on a spoofed reply)
                    return

    def _read(self, conn, n):
        buf = b""
        while len(buf) < n:
            try:
                chunk = conn.recv(n - len(buf))
            except socket.timeout:
                if self._stop.is_set():
                    return None
                if not buf:
                    raise
                continue
            if not chunk:
                return None
            buf += chunk
        return buf
