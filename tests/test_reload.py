"""Reloading the Corefile without a restart: SIGUSR1 and the reload plugin's
periodic check, a broken edit rejected while the old configuration serves,
no query lost under load (dnsperf) across several reloads, the metrics,
health and ready listeners and the skydns-registry API and journal kept
across reloads."""

import re
import signal
import subprocess
import threading

import dns.rcode
import pytest

from helpers.dnsclient import query, tcp, udp
from helpers.http import try_get
from helpers.prom import Exposition, scrape
from helpers.skycore import free_port, poll
from helpers.skydns import Api, svc
from helpers.upstream import Upstream


def block(zone, body="whoami", port="@PORT@"):
    lines = "".join(f"    {line}\n" for line in body.splitlines())
    return f"{zone}:{port} {{\n    bind 127.0.0.1\n{lines}}}\n"


def rcode(srv, name, rdtype="A", via=udp):
    return via(query(name, rdtype), srv.port).rcode()


def edit(srv, text):
    srv.corefile.write_text(text.replace("@PORT@", str(srv.port)))


def reload_and_wait(srv, nth):
    """SIGUSR1, then wait for the nth 'Reloading complete' in stdout."""
    srv.send_signal(signal.SIGUSR1)
    poll(lambda: srv.stdout().count("Reloading complete") >= nth, 15, what=f"reload #{nth}")


def test_sigusr1_adds_a_zone_and_keeps_serving_the_old_ones(start_server):
    srv = start_server(block("a.test"), quiet=False)
    assert rcode(srv, "x.a.test.") == dns.rcode.NOERROR
    assert rcode(srv, "x.b.test.") == dns.rcode.REFUSED
    edit(srv, block("a.test") + block("b.test"))
    reload_and_wait(srv, 1)
    assert rcode(srv, "x.b.test.") == dns.rcode.NOERROR
    assert rcode(srv, "x.b.test.", via=tcp) == dns.rcode.NOERROR
    assert rcode(srv, "x.a.test.") == dns.rcode.NOERROR
    # The banner again, with the new zones, as CoreDNS prints it.
    assert srv.stdout().count("b.test.:") == 1
    # Removing a zone takes effect too.
    edit(srv, block("b.test"))
    reload_and_wait(srv, 2)
    assert rcode(srv, "x.a.test.") == dns.rcode.REFUSED


def test_a_broken_edit_is_rejected_and_the_old_config_serves(start_server):
    mport = free_port()
    srv = start_server(block("a.test", f"whoami\nprometheus 127.0.0.1:{mport}"))
    edit(srv, block("a.test", f"whoami\nprometheus 127.0.0.1:{mport}\nbogus") + block("b.test"))
    srv.send_signal(signal.SIGUSR1)
    srv.wait_stdout("[ERROR] Restart failed: ")
    line = [l for l in srv.stdout().splitlines() if "Restart failed" in l][0]
    assert re.search(r"Corefile:5: unknown directive 'bogus'$", line), line
    assert rcode(srv, "x.a.test.") == dns.rcode.NOERROR
    assert rcode(srv, "x.b.test.") == dns.rcode.REFUSED
    e = Exposition(scrape(mport))
    assert e.value("skycore_reload_failed_total") == 1
    # A setup error (not just syntax) is rejected the same way, and the
    # port of a listener that cannot be bound too.
    edit(srv, block("a.test", f"whoami\nprometheus 127.0.0.1:{mport}\nforward ."))
    srv.send_signal(signal.SIGUSR1)
    poll(lambda: Exposition(scrape(mport)).value("skycore_reload_failed_total") == 2, 5, what="second failure")
    assert rcode(srv, "x.a.test.") == dns.rcode.NOERROR
    assert srv.running()


def test_the_reload_plugin_notices_an_edit(start_server):
    srv = start_server(block("a.test", "whoami\nreload 2s 1s"))
    edit(srv, block("a.test", "whoami\nreload 2s 1s") + block("b.test"))
    poll(lambda: rcode(srv, "x.b.test.") == dns.rcode.NOERROR, 8, interval=0.1, what="the periodic reload")
    srv.wait_stdout("Reloading complete")
    # An edit that changes nothing the parser sees (a comment) does not reload.
    text = srv.corefile.read_text()
    srv.corefile.write_text(text + "# just a comment\n")
    reloads = srv.stdout().count("Reloading complete")
    edit(srv, block("a.test", "whoami\nreload 2s 1s") + block("b.test") + block("c.test") + "# just a comment\n")
    poll(lambda: rcode(srv, "x.c.test.") == dns.rcode.NOERROR, 8, interval=0.1, what="the next reload")
    # The new configuration answers before the old one has drained, and
    # "Reloading complete" is logged only after that drain: wait for it.
    poll(lambda: srv.stdout().count("Reloading complete") > reloads, 5, what="the log line of the next reload")
    assert srv.stdout().count("Reloading complete") == reloads + 1


def test_no_query_is_lost_under_load_across_reloads(start_server, tmp_path):
    """dnsperf keeps 4 clients busy (bounded) while the Corefile changes
    three times: zones added, an option changed, a plugin added."""
    with Upstream() as up:
        fwd = f"forward . 127.0.0.1:{up.port}"
        srv = start_server(block("example.org", fwd) + block("a.test"))
        qfile = tmp_path / "queries.txt"
        qfile.write_text("".join(f"q{i}.example.org A\nx{i}.a.test A\n" for i in range(200)))
        out = tmp_path / "dnsperf.out"
        with open(out, "w") as f:
            perf = subprocess.Popen(["dnsperf", "-s", "127.0.0.1", "-p", str(srv.port), "-d", str(qfile),
                                     "-l", "6", "-c", "4", "-Q", "1000", "-t", "3"],
                                    stdout=f, stderr=subprocess.STDOUT)
        try:
            poll(lambda: up.queries() > 50, 5, what="load reaching the upstream")
            edit(srv, block("example.org", fwd) + block("a.test") + block("b.test"))
            reload_and_wait(srv, 1)
            edit(srv, block("example.org", fwd + " {\n    max_concurrent 5000\n}") + block("a.test") + block("b.test"))
            reload_and_wait(srv, 2)
            edit(srv, block("example.org", fwd + "\ncache 30") + block("a.test") + block("b.test"))
            reload_and_wait(srv, 3)
            assert rcode(srv, "x.b.test.") == dns.rcode.NOERROR
        finally:
            perf.wait(30)
        text = out.read_text()
        sent = int(re.search(r"Queries sent:\s+(\d+)", text).group(1))
        lost = int(re.search(r"Queries lost:\s+(\d+)", text).group(1))
        assert sent > 3000, text
        assert lost == 0, text
        assert "SERVFAIL" not in text and "REFUSED" not in text, text


def test_metrics_health_and_ready_keep_answering_through_a_reload(start_server):
    mport, hport, rport = free_port(), free_port(), free_port()
    body = f"whoami\nprometheus 127.0.0.1:{mport}\nhealth 127.0.0.1:{hport}\nready 127.0.0.1:{rport}"
    srv = start_server(block("a.test", body))
    poll(lambda: try_get(rport, "/ready") == (200, "OK"), 5, what="ready")
    failures = []
    stop = threading.Event()

    def probe():
        while not stop.is_set():
            for port, path in ((mport, "/metrics"), (hport, "/health"), (rport, "/ready")):
                r = try_get(port, path, timeout=2)
                if r is None or r[0] != 200:
                    failures.append((path, r))

    t = threading.Thread(target=probe)
    t.start()
    try:
        for n in range(1, 4):
            edit(srv, block("a.test", body) + "".join(block(f"z{i}.test") for i in range(n)))
            reload_and_wait(srv, n)
    finally:
        stop.set()
        t.join(10)
    assert failures == []
    # The metrics now describe the new configuration.
    e = Exposition(scrape(mport))
    # Only the active configuration reports: after three reloads the series
    # is 1, not the sum of four generations.
    whoami = [s.value for s in e.select("skycore_plugin_enabled", zone="a.test.") if s.labels["name"] == "whoami"]
    assert whoami == [1]


def test_the_registry_keeps_its_services_and_api_across_reloads(start_server):
    api_port = free_port()
    reg = f"skydns-registry {{\n    api 127.0.0.1:{api_port}\n}}"
    srv = start_server(block("skydns.local", reg))
    api = Api(api_port)
    api.wait_ready()
    assert api.put("u1", svc()).status == 201
    edit(srv, block("skydns.local", reg) + block("a.test"))
    reload_and_wait(srv, 1)
    assert udp(query("u1.skydns.local.", "A"), srv.port).answer[0][0].address == "10.0.0.1"
    assert api.get("u1").status == 200  # the same API, the same registry
    assert api.put("u2", svc(host="10.0.0.2")).status == 201
    assert udp(query("u2.skydns.local.", "A"), srv.port).answer[0][0].address == "10.0.0.2"
    # Changing the store would need a second journal: refused while running;
    # so is moving the API to another port with the same journal.
    edit(srv, block("skydns.local", reg.replace("}", "    store memory\n}")))
    srv.send_signal(signal.SIGUSR1)
    srv.wait_stdout("changing those needs a restart")
    edit(srv, block("skydns.local", reg.replace(str(api_port), str(free_port()))))
    srv.send_signal(signal.SIGUSR1)
    srv.wait_stdout("is used by the API on 127.0.0.1:")
    assert api.get("u2").status == 200
    # And a restart still finds everything acknowledged (the journal was never reopened twice).
    assert srv.stop() == 0
    edit(srv, block("skydns.local", reg))
    srv.start()
    api.wait_ready()
    assert api.get("u1").status == 200 and api.get("u2").status == 200


def test_a_reload_moves_and_closes_endpoints_it_no_longer_names(start_server):
    mport, rport, rport2 = free_port(), free_port(), free_port()
    srv = start_server(block("a.test", f"whoami\nprometheus 127.0.0.1:{mport}\nready 127.0.0.1:{rport}"))
    poll(lambda: try_get(rport, "/ready") == (200, "OK"), 5, what="ready")
    edit(srv, block("a.test", f"whoami\nready 127.0.0.1:{rport2}"))
    reload_and_wait(srv, 1)
    assert try_get(rport2, "/ready") == (200, "OK")
    poll(lambda: try_get(rport, "/ready") is None and try_get(mport, "/metrics") is None, 5,
         what="the old ready and metrics endpoints to close")


def test_query_logging_goes_on_after_reloads(start_server):
    srv = start_server(block("a.test", "whoami\nlog"))
    udp(query("before.a.test.", "A"), srv.port)
    srv.wait_stdout("before.a.test.")
    for n in (1, 2):
        edit(srv, block("a.test", "whoami\nlog") + block(f"z{n}.test"))
        reload_and_wait(srv, n)
        udp(query(f"after{n}.a.test.", "A"), srv.port)
        srv.wait_stdout(f"after{n}.a.test.")


def test_counters_keep_counting_across_reloads(start_server):
    """As CoreDNS's: a reload does not reset what was counted. A zone the
    new configuration drops keeps its series; gauges describe the new one."""
    mport = free_port()
    body = f"whoami\nprometheus 127.0.0.1:{mport}\ncache 30"
    srv = start_server(block("a.test", body) + block("gone.test", f"whoami\nprometheus 127.0.0.1:{mport}"))

    def requests(e, zone):
        return sum(s.value for s in e.select("skycore_dns_requests_total", zone=zone))

    for i in range(5):
        assert rcode(srv, f"q{i}.a.test") == dns.rcode.NOERROR
        assert rcode(srv, f"q{i}.a.test", via=tcp) == dns.rcode.NOERROR
    assert rcode(srv, "x.gone.test") == dns.rcode.NOERROR
    before = Exposition(scrape(mport))
    assert requests(before, "a.test.") >= 10
    hits_before = sum(s.value for s in before.select("skycore_cache_hits_total"))
    misses_before = sum(s.value for s in before.select("skycore_cache_misses_total"))
    duration_before = sum(s.value for s in before.select("skycore_dns_request_duration_seconds_count"))

    edit(srv, block("a.test", body) + block("new.test"))
    reload_and_wait(srv, 1)
    after = Exposition(scrape(mport))
    assert requests(after, "a.test.") == requests(before, "a.test.")
    assert requests(after, "gone.test.") == requests(before, "gone.test.") == 1
    assert sum(s.value for s in after.select("skycore_cache_misses_total")) == misses_before
    assert sum(s.value for s in after.select("skycore_cache_hits_total")) == hits_before
    assert sum(s.value for s in after.select("skycore_dns_request_duration_seconds_count")) == duration_before
    # Gauges are the new configuration's: its cache starts empty, gone.test is not enabled.
    assert sum(s.value for s in after.select("skycore_cache_entries")) == 0
    assert not [s for s in after.select("skycore_plugin_enabled") if s.labels["zone"] == "gone.test."]

    for i in range(3):
        assert rcode(srv, f"q{i}.a.test") == dns.rcode.NOERROR
    later = Exposition(scrape(mport))
    assert requests(later, "a.test.") == requests(before, "a.test.") + 3
    assert sum(s.value for s in later.select("skycore_cache_misses_total")) == misses_before + 3
