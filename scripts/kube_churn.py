#!/usr/bin/python3
"""scripts/bench's kubernetes-churn driver: the fake API server
(tests/helpers/fake_kube.py) with a fixture, changing EndpointSlices at a
steady rate on request and timing when each change becomes visible in DNS.

It prints the fake's URL, then reads one command on stdin:
    churn RATE SECONDS DNS_PORT
and replaces, RATE times a second for SECONDS, the first endpoint of one
Service's slice (Services in turn) with a fresh address. Every 5th change is
probed: its new endpoint name (<a-b-c-d>.<svc>.<ns>.svc.cluster.local A) is
asked of 127.0.0.1:DNS_PORT every 2 ms until it answers NOERROR; the delay
from the fake's commit (the watch event is sent from then on) is one sample.
It prints one JSON line: changes made, the rate kept, visibility p50/p99/max
in ms, samples, and samples never seen within 5 s."""
import json
import os
import select
import socket
import struct
import sys
import threading
import time

# Loaded by path: tests/helpers on sys.path would hide the standard library's
# http package behind the tests' helpers/http.py.
import importlib.util  # noqa: E402
import http.server  # noqa: E402,F401 (the standard one, before anything can shadow it)
_spec = importlib.util.spec_from_file_location(
    "fake_kube", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "helpers", "fake_kube.py"))
_fake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fake)
FakeKube = _fake.FakeKube


def query(qid, name):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00\x00\x01\x00\x01"


class Prober(threading.Thread):
    """Asks pending names every 2 ms; records when each first answers NOERROR."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.pending, self.delays, self.unseen = port, {}, [], 0
        self.lock, self.stop = threading.Lock(), False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.2", 0))  # a second client address
        self.sock.setblocking(False)
        self.next_id = 1

    def add(self, name, t0):
        with self.lock:
            qid = self.next_id
            self.next_id = self.next_id % 65535 + 1
            self.pending[qid] = (name, t0)

    def run(self):
        while not self.stop or self.pending:
            now = time.monotonic()
            with self.lock:
                items = list(self.pending.items())
            for qid, (name, t0) in items:
                if now - t0 > 5:
                    with self.lock:
                        self.pending.pop(qid, None)
                    self.unseen += 1
                    continue
                self.sock.sendto(query(qid, name), ("127.0.0.1", self.port))
            end = time.monotonic() + 0.002
            while True:
                left = end - time.monotonic()
                if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                    break
                try:
                    data = self.sock.recv(4096)
                except BlockingIOError:
                    break
                qid, flags = struct.unpack(">HH", data[:4])
                if flags & 0x000F == 0 and struct.unpack(">H", data[6:8])[0] > 0:  # NOERROR with an answer
                    with self.lock:
                        got = self.pending.pop(qid, None)
                    if got:
                        self.delays.append(time.monotonic() - got[1])


def churn(kube, rate, seconds, port, services, namespaces):
    prober = Prober(port)
    prober.start()
    n, start = 0, time.monotonic()
    while True:
        now = time.monotonic()
        if now - start >= seconds:
            break
        due = int((now - start) * rate)
        while n < due:
            i = n % services
            ns, name = f"ns{i % namespaces}", f"svc{i}"
            obj = kube.get("EndpointSlice", ns, f"{name}-abcde")
            # A fresh address from 100.64.0.0/10, one per change.
            ip = f"100.{64 + (n >> 16) % 64}.{(n >> 8) & 255}.{n & 255}"
            obj["endpoints"][0]["addresses"] = [ip]
            kube.update(obj)
            t0 = time.monotonic()
            if n % 5 == 0:
                prober.add(f"{ip.replace('.', '-')}.{name}.{ns}.svc.cluster.local", t0)
            n += 1
        time.sleep(0.001)
    elapsed = time.monotonic() - start
    prober.stop = True
    prober.join(10)
    d = sorted(prober.delays)

    def pct(p):
        return round(d[min(len(d) - 1, int(round(p / 100 * (len(d) - 1))))] * 1000, 1) if d else None
    return {"changes": n, "rate": round(n / elapsed, 1), "samples": len(d), "unseen": prober.unseen,
            "p50_ms": pct(50), "p99_ms": pct(99), "max_ms": round(d[-1] * 1000, 1) if d else None}


def main():
    fixture, services, namespaces = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    kube = FakeKube(port=0, history_limit=100000)
    kube.load_fixture(fixture)
    kube.start()
    print(kube.url, flush=True)
    try:
        line = sys.stdin.readline().split()
        if line and line[0] == "churn":
            print(json.dumps(churn(kube, float(line[1]), float(line[2]), int(line[3]), services, namespaces)),
                  flush=True)
            sys.stdin.readline()  # stay up until told (skycore's watch would fail over otherwise)
    finally:
        kube.stop()


if __name__ == "__main__":
    main()
