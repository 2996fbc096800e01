"""forward against an upstream that is gone (a closed port, which refuses at
once): health checks with an interval of 0 (off, as in CoreDNS) or a tiny
one must never make the prober spin. The bound is on the CPU the server
process uses while idle, read from /proc: a spinning prober burns ~1 s per
second, a healthy server almost nothing."""

import os
import socket
import time

import dns.exception
import pytest

from helpers.dnsclient import HOST, query, udp
from helpers.skycore import assert_alive, free_port

CLK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK  # utime + stime


def closed_port():
    """A UDP port with nothing on it: queries get ICMP port unreachable."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("health", ["health_check 0", "health_check 1ms", "health_check 8760h"])
def test_a_dead_upstream_never_makes_the_prober_spin(start_server, health):
    dead = closed_port()
    srv = start_server(f""".:@PORT@ {{
    bind 127.0.0.1
    forward dead.test 127.0.0.1:{dead} {{
        max_fails 1
        {health}
    }}
    whoami
}}
""")
    for _ in range(5):  # failures that mark the upstream down (unless checks are off)
        try:
            udp(query("x.dead.test."), srv.port, timeout=2.5)
        except dns.exception.Timeout:
            pass
    before = cpu_seconds(srv.pid)
    # The bound is over an idle window: there is no condition to poll for.
    time.sleep(2.0)
    used = cpu_seconds(srv.pid) - before
    assert used < 0.5, f"{used:.2f} s of CPU in 2 s idle: the prober spins"
    assert_alive(srv)
