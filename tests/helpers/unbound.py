"""A real recursive server as an upstream: Debian's unbound, started on a free
port with a tiny local zone, optionally serving DNS over TLS, stopped by PID.

Only local data is served (`local-zone: "example.test." static`), so nothing
ever leaves 127.0.0.1."""

import ssl
import subprocess
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode

from helpers.process import ChildServer
from helpers.skycore import free_port, poll

UNBOUND = Path("/usr/sbin/unbound")
HOST = "127.0.0.1"
START_TIMEOUT = 10.0

CONFIG = """\
server:
    interface: {host}@{port}
    port: {port}
    do-daemonize: no
    use-syslog: no
    logfile: ""
    verbosity: 1
    username: ""
    chroot: ""
    directory: "{dir}"
    pidfile: ""
    num-threads: 1
    access-control: 127.0.0.0/8 allow
    do-ip6: no
    module-config: "iterator"
    local-zone: "example.test." static
    local-data: "www.example.test. 60 IN A 192.0.2.55"
{tls}
remote-control:
    control-enable: no
"""

TLS = """\
    tls-port: {port}
    tls-service-key: "{key}"
    tls-service-pem: "{pem}"
"""


HTTPS = """\
    https-port: {port}
    tls-service-key: "{key}"
    tls-service-pem: "{pem}"
    http-endpoint: "/dns-query"
    http-notls-downstream: no
"""


class Unbound(ChildServer):
    """unbound on 127.0.0.1:port. With tls=(key, pem) that port speaks DoT only;
    with https=(key, pem), DNS over HTTPS (HTTP/2 only, unbound's) at /dns-query."""

    def __init__(self, workdir, tls=None, https=None):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.tls = tls
        self.https = https
        tls_text = TLS.format(port=self.port, key=tls[0], pem=tls[1]) if tls else ""
        if https:
            tls_text = HTTPS.format(port=self.port, key=https[0], pem=https[1])
        self.conf = self.dir / "unbound.conf"
        self.conf.write_text(CONFIG.format(host=HOST, port=self.port, dir=self.dir, tls=tls_text))
        self.log_path = self.dir / "unbound.log"
        self.proc = None

    @property
    def address(self):
        return f"{HOST}:{self.port}"

    def log(self):
        return self.log_path.read_text(errors="replace")

    def start(self):
        check = subprocess.run([str(UNBOUND) + "-checkconf", str(self.conf)], capture_output=True,
                               text=True, timeout=10, stdin=subprocess.DEVNULL)
        if check.returncode != 0:
            raise AssertionError(f"unbound-checkconf: {check.stdout}{check.stderr}")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen([str(UNBOUND), "-d", "-c", str(self.conf)], cwd=self.dir,
                                         stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        poll(self._ready, START_TIMEOUT, interval=0.05, what=f"unbound on port {self.port}")
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"unbound exited with {self.proc.returncode}: {self.log()}")
        q = dns.message.make_query("www.example.test.", "A")
        try:
            if self.https:
                # Readiness only: the TLS handshake completes and h2 is agreed.
                import socket
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                ctx.set_alpn_protocols(["h2"])
                with ctx.wrap_socket(socket.create_connection((HOST, self.port), timeout=0.5)) as s:
                    return s.selected_alpn_protocol() == "h2"
            if self.tls:
                # Readiness only: the certificate is checked by skycore in the tests.
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                r = dns.query.tls(q, HOST, port=self.port, timeout=0.5, ssl_context=ctx)
            else:
                r = dns.query.udp(q, HOST, port=self.port, timeout=0.2)
        except (dns.exception.Timeout, OSError):
            return False
        return r.rcode() == dns.rcode.NOERROR

