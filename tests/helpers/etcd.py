"""A real etcd for the shared skydns-registry store: Debian's etcd-server,
started on two free 127.0.0.1 ports with its own data directory, stopped by
PID and restartable on the same ports and data (leases survive, as in a real
restart). `Etcd.kv_*` talk to its v3 JSON gateway directly, as another
SkyDNS 2 / CoreDNS-etcd tool would."""

import base64
import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

from helpers.process import ChildServer
from helpers.skycore import free_port, poll

ETCD = Path("/usr/bin/etcd")
HOST = "127.0.0.1"
START_TIMEOUT = 20.0


def _b64(text):
    return base64.b64encode(text.encode()).decode()


def _unb64(text):
    return base64.b64decode(text).decode()


def _prefix_end(prefix):
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class Etcd(ChildServer):
    def __init__(self, workdir):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.peer_port = free_port()
        while self.peer_port == self.port:
            self.peer_port = free_port()
        self.log_path = self.dir / "etcd.log"
        self.proc = None

    @staticmethod
    def available():
        return ETCD.exists()

    @property
    def endpoint(self):
        return f"http://{HOST}:{self.port}"

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self):
        client = f"http://{HOST}:{self.port}"
        peer = f"http://{HOST}:{self.peer_port}"
        args = [str(ETCD), "--name", "test", "--data-dir", str(self.dir / "data"),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", f"test={peer}", "--log-level", "warn"]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        poll(self._healthy, START_TIMEOUT, interval=0.05, what=f"etcd on port {self.port}")
        return self

    def _healthy(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"etcd exited with {self.proc.returncode}: {self.log()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{self.endpoint}/health", timeout=0.5) as r:
                return json.load(r).get("health") == "true"
        except (OSError, ValueError):
            return False


    # --- the v3 JSON gateway --------------------------------------------------

    def call(self, path, body):
        req = urllib.request.Request(f"{self.endpoint}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.load(r)

    def kv_put(self, key, value, lease=None):
        body = {"key": _b64(key), "value": _b64(value if isinstance(value, str) else json.dumps(value))}
        if lease:
            body["lease"] = str(lease)
        return self.call("/v3/kv/put", body)

    def kv_delete(self, key):
        return self.call("/v3/kv/deleterange", {"key": _b64(key)})

    def kv_prefix(self, prefix):
        """{key: (value text, lease id or 0)} for every key under prefix."""
        r = self.call("/v3/kv/range", {"key": _b64(prefix), "range_end": _b64(_prefix_end(prefix))})
        return {_unb64(kv["key"]): (_unb64(kv.get("value", "")), int(kv.get("lease", "0")))
                for kv in r.get("kvs", [])}

    def lease_ttl(self, lease):
        """The seconds the lease has left, -1 if etcd no longer has it."""
        r = self.call("/v3/lease/timetolive", {"ID": str(lease)})
        return int(r.get("TTL", "-1"))
