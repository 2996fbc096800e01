"""Starting and stopping the real skycore binary.

SKYCORE_BIN names the binary (default: build/skycore in the source tree);
SKYCORE_SOURCE the source tree (default: the parent of tests/).
"""

import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

from helpers.dnsclient import HOST, answers_udp, assert_answers

SOURCE = Path(os.environ.get("SKYCORE_SOURCE") or Path(__file__).resolve().parents[2])
BIN = Path(os.environ.get("SKYCORE_BIN") or SOURCE / "build" / "skycore")

START_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0


def _ephemeral_low():
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_EPHEMERAL_LOW = _ephemeral_low()
_given = set()


def free_port():
    """A port that is free for both UDP and TCP on 127.0.0.1 right now.

    Chosen below the kernel's ephemeral range: a port the kernel handed out
    (bind to 0) and we closed is the kind it hands out next as the source
    port of some other test's connection, which then takes it before the
    server binds it (seen in CI: "Address already in use")."""
    low, high = 10000, _EPHEMERAL_LOW - 1
    for _ in range(200):
        if high - low > 1000:
            port = random.randint(low, high)
            if port in _given:
                continue
        else:  # an unusual range: let the kernel choose
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind((HOST, 0))
                port = u.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                u.bind((HOST, port))
                t.bind((HOST, port))
        except OSError:
            continue
        _given.add(port)
        return port
    raise RuntimeError("no port free for both UDP and TCP")


def poll(cond, timeout, interval=0.02, what="condition"):
    """Calls cond() until it returns something truthy; fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def rss_mb(pid):
    """A process's resident memory, MB (/proc/PID/status)."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def run_skycore(args, cwd=None, env=None, timeout=10):
    """Runs the binary to completion (-version, -validate, bad files, ...)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run([str(BIN), *args], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


class Server:
    """One skycore process: its Corefile in its own directory, stdout and
    stderr captured to files there, stopped by PID.

    '@PORT@' in the Corefile text becomes the server's port."""

    def __init__(self, workdir, corefile=None, port=None, args=(), env=None, quiet=True):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.args = list(args)
        self.env = dict(os.environ)
        if env:
            self.env.update(env)
        self.quiet = quiet
        self.proc = None
        self.corefile = None
        if corefile is not None:
            self.corefile = self.dir / "Corefile"
            self.corefile.write_text(corefile.replace("@PORT@", str(self.port)))
        self.stdout_path = self.dir / "stdout.txt"
        self.stderr_path = self.dir / "stderr.txt"

    @property
    def pid(self):
        return self.proc.pid

    def start(self, wait=True):
        cmd = [str(BIN)]
        if self.corefile is not None:
            cmd += ["-conf", str(self.corefile)]
        if self.quiet:
            cmd.append("-quiet")
        cmd += self.args
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, cwd=self.dir, env=self.env, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self):
        """Polls until the server answers a UDP query (any rcode counts)."""

        def up():
            if self.proc.poll() is not None:
                raise AssertionError(f"skycore exited with {self.proc.returncode}: {self.stderr()}")
            return answers_udp(self.port)

        poll(up, START_TIMEOUT, what=f"skycore to answer on port {self.port}")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stdout(self):
        return self.stdout_path.read_text(errors="replace")

    def stderr(self):
        return self.stderr_path.read_text(errors="replace")

    def wait_stdout(self, text, timeout=5.0):
        return poll(lambda: text in self.stdout(), timeout, what=f"{text!r} in stdout")

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Waits for the process to end by itself; returns the exit code."""
        return self.proc.wait(timeout)

    def stop(self, sig=signal.SIGTERM):
        """Sends sig, then SIGKILL after a bounded wait; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT)
        return self.proc.returncode


def assert_alive(srv):
    """The server still runs and answers a normal query over UDP and TCP."""
    assert srv.running(), f"skycore died (exit {srv.proc.returncode}): {srv.stderr()}"
    assert_answers(srv.port)
