"""The metrics plugin: the Prometheus exposition on an explicit 127.0.0.1
address, read with the independent prometheus_client parser and checked
with promtool. Counters are compared as deltas between two scrapes, so the
start-up probe never counts; wire sizes come from the raw bytes exchanged."""

import re
import socket

import dns.edns
import dns.rcode
import pytest

from helpers.dnsclient import HOST, query
from helpers.exchange import exchange
from helpers.prom import PROMTOOL, Exposition, is_inf, promtool_check, scrape
from helpers.skycore import SOURCE, Server, free_port, run_skycore
from helpers.upstream import Upstream

DURATION_BOUNDS = [0.00025 * 2 ** i for i in range(16)]
SIZE_BOUNDS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16000, 32000, 48000, 64000]


@pytest.fixture
def upstream():
    up = Upstream()
    yield up
    up.close()


def server_label(port):
    return f"dns://127.0.0.1:{port}"


def start(start_server, blocks, **kw):
    """Starts blocks (with @PORT@ and @MPORT@) and returns (server, metrics port)."""
    mport = free_port()
    srv = start_server(blocks.replace("@MPORT@", str(mport)), **kw)
    return srv, mport


def expo(mport):
    return Exposition(scrape(mport))


def project_version():
    text = (SOURCE / "CMakeLists.txt").read_text()
    m = re.search(r"project\(\s*skycore\s+VERSION\s+([0-9][0-9.]*)", text)
    assert m, "no project(skycore VERSION ...) in CMakeLists.txt"
    return m.group(1)


WHOAMI_BLOCK = """\
example.org:@PORT@ {
    bind 127.0.0.1
    metrics 127.0.0.1:@MPORT@
    whoami
}
"""


@pytest.fixture(scope="module")
def whoami_metrics(tmp_path_factory):
    """One example.org whoami server with metrics for the tests that only
    compare deltas (stopping a metrics endpoint takes the exposer ~2 s)."""
    mport = free_port()
    srv = Server(tmp_path_factory.mktemp("whoami-metrics"), WHOAMI_BLOCK.replace("@MPORT@", str(mport)))
    try:
        srv.start()
        yield srv, mport
    finally:
        srv.stop()


# 1. The exposition as a whole


@pytest.fixture(scope="module")
def module_upstream():
    up = Upstream()
    yield up
    up.close()


FWD_BLOCKS = """\
.:@PORT@ {{
    bind 127.0.0.1
    metrics 127.0.0.1:@MPORT@
    cache
    forward . {upstream}
}}
example.org:@PORT@ {{
    bind 127.0.0.1
    prometheus 127.0.0.1:@MPORT@
    whoami
}}
"""


@pytest.fixture(scope="module")
def fwd_metrics(tmp_path_factory, module_upstream):
    """A root block with cache and forward to the module's upstream, and an
    example.org whoami block enabling the endpoint under its alias; each
    test asks for names of its own. Yields (server, metrics port, upstream)."""
    mport = free_port()
    text = FWD_BLOCKS.format(upstream=module_upstream.address).replace("@MPORT@", str(mport))
    srv = Server(tmp_path_factory.mktemp("fwd-metrics"), text)
    try:
        srv.start()
        yield srv, mport, module_upstream
    finally:
        srv.stop()


@pytest.mark.skipif(PROMTOOL is None, reason="promtool (Debian package prometheus) not installed")
def test_exposition_parses_and_passes_promtool(fwd_metrics):
    srv, mport, _ = fwd_metrics
    for proto in ("udp", "tcp"):
        exchange(query(f"promtool-{proto}.example.net"), srv.port, proto)
        exchange(query(f"nx-promtool-{proto}.example.net"), srv.port, proto)
        exchange(query(f"promtool-{proto}.example.org", "AAAA"), srv.port, proto)
    text = scrape(mport)
    e = Exposition(text)
    kinds = {name: f.type for name, f in e.families.items() if name.startswith("skycore_")}
    expected = {
        "skycore_build_info": "gauge",
        "skycore_plugin_enabled": "gauge",
        "skycore_dns_requests": "counter",
        "skycore_dns_responses": "counter",
        "skycore_dns_request_duration_seconds": "histogram",
        "skycore_dns_request_size_bytes": "histogram",
        "skycore_dns_response_size_bytes": "histogram",
        "skycore_cache_entries": "gauge",
        "skycore_cache_hits": "counter",
        "skycore_cache_misses": "counter",
        "skycore_cache_requests": "counter",
        "skycore_cache_evictions": "counter",
        "skycore_cache_prefetch": "counter",
        "skycore_cache_served_stale": "counter",
        "skycore_forward_requests": "counter",
        "skycore_forward_responses": "counter",
        "skycore_forward_request_duration_seconds": "histogram",
        "skycore_forward_healthcheck_failures": "counter",
        "skycore_forward_spoofed_responses": "counter",
        "skycore_forward_max_concurrent_rejects": "counter",
        "skycore_forward_healthcheck_broken": "counter",
        "skycore_forward_coalesced": "counter",
        "skycore_forward_upstream_busy": "counter",
        "skycore_reload_failed": "counter",
        "skycore_reload_version_info": "gauge",
    }
    assert kinds == expected
    # Families merged across blocks: each name has one HELP and one TYPE line,
    # and no series (name + labels) appears twice.
    for name in ("skycore_dns_requests_total", "skycore_dns_request_duration_seconds",
                 "skycore_plugin_enabled", "skycore_build_info"):
        assert len(re.findall(rf"^# TYPE {name} ", text, re.M)) == 1, name
        assert len(re.findall(rf"^# HELP {name} ", text, re.M)) == 1, name
    series = [(s.name, tuple(sorted(s.labels.items()))) for s in e.samples]
    assert len(series) == len(set(series))
    p = promtool_check(text)
    assert p.returncode == 0, f"promtool check metrics: rc={p.returncode}\n{p.stdout}{p.stderr}"
    q = promtool_check(text, only_prefix="skycore_")
    assert q.returncode == 0, f"promtool (skycore_* only): rc={q.returncode}\n{q.stdout}{q.stderr}"


def test_process_families_describe_this_process(whoami_metrics):
    """process_* as Prometheus' client libraries export them (dashboards chart
    memory and CPU from these), read from /proc for the server's own PID."""
    import os
    import time
    srv, mport = whoami_metrics

    def cpu_seconds():
        with open(f"/proc/{srv.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    cpu_before = cpu_seconds()
    e = expo(mport)
    cpu_after = cpu_seconds()
    [rss] = e.select("process_resident_memory_bytes")
    with open(f"/proc/{srv.pid}/status") as f:
        vmrss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmRSS:"))
    assert 0.5 * vmrss < rss.value < 2 * vmrss
    [cpu] = e.select("process_cpu_seconds_total")
    assert cpu_before <= cpu.value <= cpu_after
    [start] = e.select("process_start_time_seconds")
    assert time.time() - 3600 < start.value <= time.time() + 1
    [fds] = e.select("process_open_fds")
    # The scrape's own connection was open while it was counted.
    assert fds.value in (len(os.listdir(f"/proc/{srv.pid}/fd")), len(os.listdir(f"/proc/{srv.pid}/fd")) + 1)
    [maxfds] = e.select("process_max_fds")
    assert maxfds.value >= fds.value


def test_build_info(whoami_metrics):
    srv, mport = whoami_metrics
    e = expo(mport)
    [s] = e.select("skycore_build_info")
    assert s.value == 1
    assert set(s.labels) == {"version", "revision"}
    assert s.labels["version"] == project_version()
    v = run_skycore(["-version"])
    assert v.returncode == 0, v.stderr
    assert v.stdout.splitlines()[0] == f"skycore-{project_version()}"
    assert s.labels["revision"] and v.stdout.splitlines()[1].rsplit(",", 1)[1].strip() == \
        s.labels["revision"]


# 2. DNS counters move by exactly what was sent


def test_request_and_response_counters_count_exactly(whoami_metrics):
    srv, mport = whoami_metrics
    srv_l, zone = server_label(srv.port), "example.org."
    before = expo(mport)
    sent = [exchange(query(f"u{i}.example.org", "A"), srv.port, "udp") for i in range(5)]
    sent += [exchange(query(f"t{i}.example.org", "AAAA"), srv.port, "tcp") for i in range(3)]
    for x in sent:
        assert x.reply.rcode() == dns.rcode.NOERROR
    after = expo(mport)

    def delta(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    base = dict(server=srv_l, zone=zone, family="1")
    assert delta("skycore_dns_requests_total", proto="udp", type="A", **base) == 5
    assert delta("skycore_dns_requests_total", proto="tcp", type="AAAA", **base) == 3
    assert delta("skycore_dns_requests_total", proto="udp", type="AAAA", **base) == 0
    assert delta("skycore_dns_requests_total", proto="tcp", type="A", **base) == 0
    assert delta("skycore_dns_requests_total") == 8
    assert delta("skycore_dns_responses_total", server=srv_l, zone=zone, rcode="NOERROR",
                 plugin="whoami") == 8
    assert delta("skycore_dns_responses_total") == 8
    assert delta("skycore_dns_request_duration_seconds_count", server=srv_l, zone=zone) == 8
    assert delta("skycore_dns_request_duration_seconds_sum", server=srv_l, zone=zone) > 0
    # Sizes: exactly the wire lengths exchanged, per transport.
    for proto, xs in (("udp", sent[:5]), ("tcp", sent[5:])):
        lab = dict(server=srv_l, zone=zone, proto=proto)
        assert delta("skycore_dns_request_size_bytes_count", **lab) == len(xs)
        assert delta("skycore_dns_request_size_bytes_sum", **lab) == sum(len(x.qwire) for x in xs)
        assert delta("skycore_dns_response_size_bytes_count", **lab) == len(xs)
        assert delta("skycore_dns_response_size_bytes_sum", **lab) == sum(len(x.rwire) for x in xs)


def test_response_size_counts_the_opt_record(whoami_metrics):
    srv, mport = whoami_metrics
    lab = dict(server=server_label(srv.port), zone="example.org.", proto="udp")
    before = expo(mport)
    x = exchange(query("opt.example.org", use_edns=0, payload=1232), srv.port, "udp")
    after = expo(mport)
    assert after.value("skycore_dns_request_size_bytes_sum", **lab) - \
        before.value("skycore_dns_request_size_bytes_sum", **lab) == len(x.qwire)
    assert after.value("skycore_dns_response_size_bytes_sum", **lab) - \
        before.value("skycore_dns_response_size_bytes_sum", **lab) == len(x.rwire)


@pytest.mark.parametrize("rdtype,label", [("MX", "MX"), ("TXT", "TXT"), ("SRV", "SRV"),
                                          ("NAPTR", "other"), ("CAA", "other")])
def test_type_label(whoami_metrics, rdtype, label):
    srv, mport = whoami_metrics
    before = expo(mport)
    exchange(query("t.example.org", rdtype), srv.port, "udp")
    after = expo(mport)
    lab = dict(server=server_label(srv.port), zone="example.org.", proto="udp", family="1",
               type=label)
    assert after.value("skycore_dns_requests_total", **lab) - \
        before.value("skycore_dns_requests_total", **lab) == 1
    assert after.value("skycore_dns_requests_total") - before.value("skycore_dns_requests_total") == 1


def test_rcode_and_plugin_labels(start_server, upstream):
    upstream.mode = "servfail"
    srv, mport = start(start_server, f"""\
empty.test:@PORT@ {{
    bind 127.0.0.1
    metrics 127.0.0.1:@MPORT@
}}
fwd.test:@PORT@ {{
    bind 127.0.0.1
    metrics 127.0.0.1:@MPORT@
    forward . {upstream.address}
}}
erratic.test:@PORT@ {{
    bind 127.0.0.1
    metrics 127.0.0.1:@MPORT@
    erratic
}}
""")
    s = server_label(srv.port)
    before = expo(mport)
    for name, want in (("a.empty.test", dns.rcode.SERVFAIL), ("b.empty.test", dns.rcode.SERVFAIL),
                       ("a.fwd.test", dns.rcode.SERVFAIL), ("a.erratic.test", dns.rcode.NOERROR),
                       ("elsewhere.example", dns.rcode.REFUSED)):
        r = exchange(query(name), srv.port).reply
        assert r.rcode() == want, f"{name}: {dns.rcode.to_text(r.rcode())}"
    after = expo(mport)

    def delta(**labels):
        return after.value("skycore_dns_responses_total", **labels) - \
            before.value("skycore_dns_responses_total", **labels)

    assert delta(server=s, zone="empty.test.", rcode="SERVFAIL", plugin="") == 2
    assert delta(server=s, zone="fwd.test.", rcode="SERVFAIL", plugin="forward") == 1
    assert delta(server=s, zone="erratic.test.", rcode="NOERROR", plugin="erratic") == 1
    # REFUSED (no block for the name) never passes through a metrics plugin.
    assert delta(rcode="REFUSED") == 0
    assert delta() == 4
    assert after.value("skycore_dns_requests_total") - before.value("skycore_dns_requests_total") == 4
    assert after.value("skycore_forward_responses_total", to=upstream.address, rcode="SERVFAIL") == \
        upstream.queries() >= 1


def test_only_queries_through_its_own_block_count(start_server):
    srv, mport = start(start_server, """\
example.org:@PORT@ {
    bind 127.0.0.1
    metrics 127.0.0.1:@MPORT@
    whoami
}
example.net:@PORT@ {
    bind 127.0.0.1
    whoami
}
""")
    before = expo(mport)
    for _ in range(3):
        assert exchange(query("x.example.net"), srv.port).reply.rcode() == dns.rcode.NOERROR
    assert exchange(query("x.example.org"), srv.port).reply.rcode() == dns.rcode.NOERROR
    after = expo(mport)
    assert after.value("skycore_dns_requests_total") - before.value("skycore_dns_requests_total") == 1
    assert after.value("skycore_dns_requests_total", zone="example.net.") == 0
    assert after.value("skycore_dns_requests_total", zone="example.org.") - \
        before.value("skycore_dns_requests_total", zone="example.org.") == 1


# 3. Histograms


def check_histogram(e, name, bounds, **labels):
    b = e.buckets(name, **labels)
    assert [x for x, _ in b[:-1]] == pytest.approx(bounds, rel=1e-9, abs=0)
    assert is_inf(b[-1][0])
    counts = [c for _, c in b]
    assert counts == sorted(counts), f"{name}{labels}: not cumulative: {counts}"
    assert counts[-1] == e.one(name + "_count", **labels)
    assert e.one(name + "_sum", **labels) > 0
    return counts


def non_cumulative(buckets):
    counts = [c for _, c in buckets]
    return [c - (counts[i - 1] if i else 0) for i, c in enumerate(counts)]


def size_slot(n):
    """Index of the bucket a size of n bytes falls in (le is inclusive)."""
    return next((i for i, bound in enumerate(SIZE_BOUNDS) if n <= bound), len(SIZE_BOUNDS))


def test_histogram_shapes(fwd_metrics):
    srv, mport, up = fwd_metrics
    lab = dict(server=server_label(srv.port), zone=".")
    before = expo(mport)
    sent = [exchange(query(f"hist{i}.example.net"), srv.port, proto)
            for i in range(4) for proto in ("udp", "tcp")]
    big = query("big-histogram.example.net")
    big.use_edns(0, payload=4096, options=[dns.edns.GenericOption(65001, b"x" * 300)])
    sent.append(exchange(big, srv.port, "udp"))
    assert 300 < len(sent[-1].qwire) <= 400
    e = expo(mport)
    counts = check_histogram(e, "skycore_dns_request_duration_seconds", DURATION_BOUNDS, **lab)
    assert counts[-1] - before.one("skycore_dns_request_duration_seconds_count", **lab) == len(sent)
    for proto in ("udp", "tcp"):
        mine = [x for x in sent if x.proto == proto]
        for fam, attr in (("skycore_dns_request_size_bytes", "qwire"),
                          ("skycore_dns_response_size_bytes", "rwire")):
            check_histogram(e, fam, SIZE_BOUNDS, proto=proto, **lab)
            # Exactly our queries moved the buckets their sizes fall in.
            got = [a - b for a, b in zip(non_cumulative(e.buckets(fam, proto=proto, **lab)),
                                         non_cumulative(before.buckets(fam, proto=proto, **lab)))]
            want = [0] * (len(SIZE_BOUNDS) + 1)
            for x in mine:
                want[size_slot(len(getattr(x, attr)))] += 1
            assert got == want, f"{fam}{{proto={proto}}}"
            assert e.one(fam + "_sum", proto=proto, **lab) - \
                before.one(fam + "_sum", proto=proto, **lab) == sum(len(getattr(x, attr)) for x in mine)
    fwd = check_histogram(e, "skycore_forward_request_duration_seconds", DURATION_BOUNDS,
                          to=up.address)
    assert fwd[-1] == up.queries()


# 4. One endpoint, several blocks


def test_two_blocks_share_one_endpoint(start_server):
    port2 = free_port()
    srv, mport = start(start_server, f"""\
example.org:@PORT@ {{
    bind 127.0.0.1
    metrics 127.0.0.1:@MPORT@
    whoami
}}
example.net:{port2} {{
    bind 127.0.0.1
    prometheus 127.0.0.1:@MPORT@
    whoami
}}
""")
    assert exchange(query("a.example.org"), srv.port, "udp").reply.rcode() == dns.rcode.NOERROR
    assert exchange(query("a.example.net"), port2, "tcp").reply.rcode() == dns.rcode.NOERROR
    e = expo(mport)
    assert e.one("skycore_dns_requests_total", server=server_label(srv.port), zone="example.org.",
                 proto="udp", type="A") >= 1
    assert e.one("skycore_dns_requests_total", server=server_label(port2), zone="example.net.",
                 proto="tcp", type="A") == 1
    zones = {s.labels["zone"] for s in e.select("skycore_plugin_enabled")}
    assert zones == {"example.org.", "example.net."}
    assert srv.running()


# 5. plugin_enabled


def test_plugin_enabled_lists_the_blocks_directives(fwd_metrics):
    srv, mport, _ = fwd_metrics
    e = expo(mport)
    got = {}
    for s in e.select("skycore_plugin_enabled"):
        assert s.value == 1
        assert s.labels["server"] == server_label(srv.port)
        got.setdefault(s.labels["zone"], set()).add(s.labels["name"])
    assert got == {".": {"bind", "metrics", "cache", "forward"},
                   "example.org.": {"bind", "prometheus", "whoami"}}
    assert len(e.select("skycore_plugin_enabled")) == 7


# 6. cache and forward families


def test_cache_and_forward_families_move(fwd_metrics):
    srv, mport, upstream = fwd_metrics
    s = server_label(srv.port)
    before = expo(mport)
    ups_before = upstream.queries()
    r1 = exchange(query("cached.example.net"), srv.port).reply
    r2 = exchange(query("cached.example.net"), srv.port).reply
    n1 = exchange(query("nx-cached.example.net"), srv.port).reply
    n2 = exchange(query("nx-cached.example.net"), srv.port, "tcp").reply
    assert [r.rcode() for r in (r1, r2, n1, n2)] == [dns.rcode.NOERROR] * 2 + [dns.rcode.NXDOMAIN] * 2
    assert upstream.queries() - ups_before == 2  # the repeats were cache hits
    after = expo(mport)

    def delta(name, **labels):
        return after.value(name, **labels) - before.value(name, **labels)

    assert delta("skycore_cache_hits_total", server=s, type="success") == 1
    assert delta("skycore_cache_hits_total", server=s, type="denial") == 1
    assert delta("skycore_cache_misses_total", server=s) == 2
    assert delta("skycore_cache_entries", server=s, type="success") == 1
    assert delta("skycore_cache_entries", server=s, type="denial") == 1
    to = upstream.address
    assert after.one("skycore_forward_requests_total", to=to) == upstream.queries()
    assert delta("skycore_forward_requests_total", to=to) == 2
    assert delta("skycore_forward_responses_total", to=to, rcode="NOERROR") == 1
    assert delta("skycore_forward_responses_total", to=to, rcode="NXDOMAIN") == 1
    assert after.one("skycore_forward_healthcheck_failures_total", to=to) == 0
    assert after.one("skycore_forward_spoofed_responses_total", to=to) == 0
    assert after.one("skycore_forward_max_concurrent_rejects_total") == 0
    # responses by the answering plugin: cache for hits, forward for misses.
    assert delta("skycore_dns_responses_total", rcode="NOERROR", plugin="forward") == 1
    assert delta("skycore_dns_responses_total", rcode="NXDOMAIN", plugin="forward") == 1
    assert delta("skycore_dns_responses_total", plugin="cache") == 2


def test_forward_requests_per_upstream(start_server):
    ups = [Upstream(), Upstream()]
    try:
        srv, mport = start(start_server, f"""\
a.test:@PORT@ {{
    bind 127.0.0.1
    metrics 127.0.0.1:@MPORT@
    forward . {ups[0].address}
}}
b.test:@PORT@ {{
    bind 127.0.0.1
    metrics 127.0.0.1:@MPORT@
    forward . {ups[1].address}
}}
""")
        for i in range(3):
            exchange(query(f"x{i}.a.test"), srv.port)
        exchange(query("y.b.test"), srv.port, "tcp")
        e = expo(mport)
        assert [ups[0].queries(), ups[1].queries()] == [3, 1]
        for u in ups:
            assert e.one("skycore_forward_requests_total", to=u.address) == u.queries()
            assert e.one("skycore_forward_responses_total", to=u.address, rcode="NOERROR") == u.queries()
    finally:
        for u in ups:
            u.close()


# 7. Configuration errors


@pytest.mark.parametrize("arg", ["nonsense", "127.0.0.1:0", "127.0.0.1:99999", "127.0.0.1:http"])
def test_invalid_address_fails_validation(tmp_path, arg):
    (tmp_path / "Corefile").write_text(f"""\
.:{free_port()} {{
    bind 127.0.0.1
    metrics {arg}
    whoami
}}
""")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stderr.startswith("Corefile:3:"), p.stderr
    assert arg in p.stderr


def test_metrics_twice_in_one_block_is_an_error(tmp_path):
    (tmp_path / "Corefile").write_text(f"""\
.:{free_port()} {{
    bind 127.0.0.1
    metrics 127.0.0.1:{free_port()}
    whoami
    metrics 127.0.0.1:{free_port()}
}}
""")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stderr.startswith("Corefile:5:"), p.stderr


def test_metrics_port_taken_exits_1(start_server):
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with taken:
        taken.bind((HOST, 0))
        taken.listen(1)
        mport = taken.getsockname()[1]
        srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    metrics 127.0.0.1:{mport}
    whoami
}}
""", wait=False)
        rc = srv.wait_exit(10)
    assert rc == 1, srv.stderr()
    assert f"127.0.0.1:{mport}" in srv.stderr(), srv.stderr()


@pytest.mark.parametrize("blocks,line", [
    ("metrics 127.0.0.1:{m} {{\n        names prometheus\n    }}", 4),
    ("metrics 127.0.0.1:{m} {{\n        colour red\n    }}", 4),
    ("metrics 127.0.0.1:{m} {{\n        names\n    }}", 4),
])
def test_bad_metrics_options_fail_validation(tmp_path, blocks, line):
    (tmp_path / "Corefile").write_text(
        f".:{free_port()} {{\n    bind 127.0.0.1\n    {blocks.format(m=free_port())}\n    whoami\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stderr.startswith(f"Corefile:{line}:"), p.stderr


def test_one_address_has_one_naming(tmp_path):
    m = free_port()
    (tmp_path / "Corefile").write_text(
        f"a.test:{free_port()} {{\n    metrics 127.0.0.1:{m} {{\n        names coredns\n    }}\n    whoami\n}}\n"
        f"b.test:{free_port()} {{\n    metrics 127.0.0.1:{m}\n    whoami\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stderr.startswith("Corefile:8:") and "Corefile:2" in p.stderr, p.stderr
