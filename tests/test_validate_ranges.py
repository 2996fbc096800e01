"""-validate against values that are wrong but looked right to it on bdc9ee5:
negative, overflowing or misplaced numbers, durations past what int64
nanoseconds hold (they wrapped to negative), addresses whose octets wrapped
(999.0.0.1 listened on 231.0.0.1), paths too long for the filesystem, keys
with commas, label selectors that do not parse. Each must be a FILE:LINE
error and a non-zero exit; and what -validate passes must start."""

import pytest

from helpers.skycore import run_skycore

LONG = "a" * 300
HUGE = "2562048h"  # just past Go's maximum duration

CASES = {
    # name: (Corefile body lines inside `.:1053 { ... }`, expected message start)
    "cache-negative": ("cache -1", "Corefile:3: cache: TTL: -1 is out of range"),
    "cache-two-ttls": ("cache 30 30", "Corefile:3: cache: '30' is not a zone"),
    "cache-ttl-overflow": ("cache 4294967296", "Corefile:3: cache: TTL: 4294967296 is out of range"),
    "max-concurrent-overflow": ("forward . 127.0.0.1 {\n  max_concurrent 4294967296\n }",
                                "Corefile:4: forward: max_concurrent: 4294967296 is out of range"),
    "log-format-not-last": ("log . {common} example.org", "Corefile:3: log: the format '{common}' must be the last"),
    "labels-unclosed": ("kubernetes cluster.local {\n  labels env in (prod\n }",
                        "Corefile:4: kubernetes: labels: unclosed '('"),
    "labels-bad-key": ("kubernetes cluster.local {\n  labels -env=x\n }",
                       "Corefile:4: kubernetes: labels: '-env' is not a valid label key"),
    "health-check-overflow": (f"forward . 127.0.0.1 {{\n  health_check {HUGE}\n }}",
                              f"Corefile:4: forward: health_check: '{HUGE}' is not a duration"),
    "health-check-year": ("forward . 127.0.0.1 {\n  health_check 9000h\n }",
                          "Corefile:4: forward: health_check: 9000h is out of range"),
    "expire-overflow": (f"forward . 127.0.0.1 {{\n  expire {HUGE}\n }}", "Corefile:4: forward: expire:"),
    "serve-stale-overflow": (f"cache {{\n  serve_stale {HUGE}\n }}", "Corefile:4: cache: serve_stale:"),
    "servfail-overflow": (f"cache {{\n  servfail {HUGE}\n }}", "Corefile:4: cache: servfail:"),
    "prefetch-overflow": (f"cache {{\n  prefetch 2 {HUGE}\n }}", "Corefile:4: cache: prefetch:"),
    "delay-overflow": (f"erratic {{\n  delay 2 {HUGE}\n }}", "Corefile:4: erratic: delay:"),
    "reload-overflow": (f"reload {HUGE}", "Corefile:3: reload: interval:"),
    "startup-timeout-overflow": (f"kubernetes cluster.local {{\n  startup_timeout {HUGE}\n }}",
                                 "Corefile:4: kubernetes: startup_timeout:"),
    "lameduck-overflow": (f"health 127.0.0.1:18080 {{\n  lameduck {HUGE}\n }}", "Corefile:4: health: lameduck:"),
    "prometheus-octet": ("prometheus 999.0.0.1:9153", "Corefile:3: metrics: '999.0.0.1:9153' is not HOST:PORT"),
    "health-octet": ("health 999.0.0.1:8080", "Corefile:3: health: '999.0.0.1:8080' is not HOST:PORT"),
    "registry-api-octet": ("skydns-registry {\n  api 999.0.0.1:8053\n }",
                           "Corefile:4: skydns-registry: api wants HOST:PORT"),
    "registry-long-path": (f"skydns-registry {{\n  store file {LONG}\n }}",
                           "Corefile:4: skydns-registry: store file:"),
    "forward-long-target": (f"forward . {'b' * 256}", "Corefile:3: forward: not an IP address or file:"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_wrong_values_are_file_line_errors(tmp_path, name):
    body, message = CASES[name]
    (tmp_path / "Corefile").write_text(".:1053 {\n    bind 127.0.0.1\n    " + body + "\n}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode != 0, f"accepted: {p.stdout}"
    assert p.stderr.strip().startswith(message), p.stderr
    assert "\n" not in p.stderr.strip()


@pytest.mark.parametrize("key", ["exa mple.org", ",.", "a.org,b.org"])
def test_server_keys_with_spaces_or_commas_are_refused(tmp_path, key):
    (tmp_path / "Corefile").write_text(f'"{key}":1053 {{\n    whoami\n}}\n' if " " in key
                                       else f"{key}:1053 {{\n    whoami\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode != 0 and p.stderr.startswith("Corefile:1: zone is not a valid domain name"), p.stderr


def test_the_largest_accepted_values_validate(tmp_path):
    """The boundaries themselves are fine: these must not become errors."""
    (tmp_path / "Corefile").write_text("""\
.:1053 {
    bind 127.0.0.1
    cache 2147483647 {
        success 100000000
        servfail 5m
        prefetch 10 8760h 100%
        serve_stale 8760h
    }
    forward . 127.0.0.1 {
        health_check 0
        max_concurrent 1000000
    }
    kubernetes cluster.local {
        labels app in (a, b), !legacy, tier!=db, example.com/role=dns
        startup_timeout 8760h
    }
    log . example.org {common}
}
""")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 0, p.stderr


def test_forty_thousand_zones_on_one_port_validate_and_answer(start_server, tmp_path):
    """Building a port's zone table was quadratic on bdc9ee5 (20,000 zones:
    27 s to validate, so 40,000 would take minutes); it is linear now. The
    run is bounded like every test, not timed."""
    zones = " ".join(f"z{i}.example.org" for i in range(40000))
    (tmp_path / "Corefile").write_text(f"{zones}:1053 {{\n    whoami\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path, timeout=60)
    assert p.returncode == 0, p.stderr
    from helpers.dnsclient import query, udp
    srv = start_server(f"{zones}:@PORT@ {{\n    bind 127.0.0.1\n    whoami\n}}\n")
    r = udp(query("www.z39999.example.org"), srv.port)
    assert r.rcode() == 0 and r.additional  # whoami answers in the additional section
