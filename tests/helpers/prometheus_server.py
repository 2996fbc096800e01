"""A real Prometheus server (Debian's prometheus package) that scrapes one
target every second under a job name, and answers PromQL over its HTTP API:
the engine dashboards and alerts run on, not a re-implementation of it."""

import json
import shutil
import subprocess
import urllib.parse
import urllib.request

from helpers.process import ChildServer
from helpers.skycore import free_port, poll

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


class PrometheusServer(ChildServer):
    def __init__(self, directory, target_port, job="kube-dns"):
        self.dir = directory
        self.port = free_port()
        self.config = directory / "prometheus.yml"
        self.config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"scrape_configs:\n  - job_name: {job}\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{target_port}']\n")
        self.log = directory / "prometheus.log"

    def start(self):
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={self.config}", f"--storage.tsdb.path={self.dir / 'tsdb'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        poll(self._ready, 30, interval=0.1, what="prometheus to be ready")
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited: {self.log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def query(self, expr):
        """The instant vector (a list of {"metric": labels, "value": [t, v]})."""
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=5) as r:
            body = json.load(r)
        assert body["status"] == "success", body
        return body["data"]["result"]

    def scrapes_of(self, metric):
        """How many samples of `metric` the last 5 minutes hold (scrapes that saw it)."""
        result = self.query(f"count_over_time({metric}[5m])")
        return int(float(result[0]["value"][1])) if result else 0
