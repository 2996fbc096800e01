"""`metrics { names coredns }` against the coredns-mixin (povilasv/coredns-mixin
at eb356cf, the alerts and dashboard kube-prometheus-stack ships): a real
Prometheus scrapes a running skycore after real traffic, and every alert and
dashboard expression, as the mixin renders it with its default selector
job="kube-dns", must find its series with the labels it groups by. The
SERVFAIL alerts must also fire for a server that answers 20% SERVFAIL."""

import dns.rcode
import pytest

from helpers.dnsclient import query
from helpers.exchange import exchange
from helpers.prom import Exposition, scrape
from helpers.prometheus_server import PROMETHEUS, PrometheusServer
from helpers.skycore import free_port, poll
from helpers.upstream import Upstream

# The mixin's alert expressions (alerts/coredns.libsonnet, alerts/forward.libsonnet),
# rendered with the default config, each with its threshold.
ALERTS = {
    "CoreDNSLatencyHigh": ('histogram_quantile(0.99, sum(rate(coredns_dns_request_duration_seconds_bucket'
                           '{job="kube-dns"}[5m])) without (instance,pod))', "> 4"),
    "CoreDNSErrorsHigh": ('sum without (pod, instance, server, zone, view, rcode, plugin) (rate(coredns_dns_responses_total'
                          '{job="kube-dns",rcode="SERVFAIL"}[5m])) / sum without (pod, instance, server, zone, view, rcode, plugin) '
                          '(rate(coredns_dns_responses_total{job="kube-dns"}[5m]))', "> 0.03"),
    "CoreDNSForwardLatencyHigh": ('histogram_quantile(0.99, sum(rate(coredns_forward_request_duration_seconds_bucket'
                                  '{job="kube-dns"}[5m])) without (pod, instance, rcode))', "> 4"),
    "CoreDNSForwardErrorsHigh": ('sum without (pod, instance, rcode) (rate(coredns_forward_responses_total'
                                 '{job="kube-dns",rcode="SERVFAIL"}[5m])) / sum without (pod, instance, rcode) '
                                 '(rate(coredns_forward_responses_total{job="kube-dns"}[5m]))', "> 0.03"),
    "CoreDNSForwardHealthcheckFailureCount": ('sum without (pod, instance) (rate(coredns_forward_healthcheck_failures_total'
                                              '{job="kube-dns"}[5m]))', "> 0"),
    "CoreDNSForwardHealthcheckBrokenCount": ('sum without (pod, instance) (rate(coredns_forward_healthcheck_broken_total'
                                             '{job="kube-dns"}[5m]))', "> 0"),
}

# Labels each alert's series must keep (its description prints them).
ALERT_LABELS = {
    "CoreDNSLatencyHigh": {"server", "zone"},
    "CoreDNSErrorsHigh": set(),
    "CoreDNSForwardLatencyHigh": {"to"},
    "CoreDNSForwardErrorsHigh": {"to"},
    "CoreDNSForwardHealthcheckFailureCount": {"to"},
    "CoreDNSForwardHealthcheckBrokenCount": set(),
}

I = 'job="kube-dns",pod=~".*"'  # the dashboard's selector with $instance = All
# dashboards/coredns.libsonnet: (expression, labels its legend or grouping needs)
DASHBOARD = [
    (f'sum(rate(coredns_dns_responses_total{{{I}}}[5m])) by (rcode)', {"rcode"}),
    (f'sum(rate(coredns_forward_responses_total{{{I}}}[5m])) by (rcode)', {"rcode"}),
    (f'histogram_quantile(0.99, sum(rate(coredns_dns_request_duration_seconds_bucket{{{I}}}[5m])) by (server, zone, le))',
     {"server", "zone"}),
    (f'histogram_quantile(0.99, sum(rate(coredns_forward_request_duration_seconds_bucket{{{I}}}[5m])) by (to, le))', {"to"}),
    (f'sum(rate(coredns_dns_requests_total{{{I}}}[5m])) by (type)', {"type"}),
    (f'sum(rate(coredns_dns_requests_total{{{I}}}[5m])) by (zone)', {"zone"}),
    (f'sum(rate(coredns_forward_requests_total{{{I}}}[5m])) by (to)', {"to"}),
    (f'count(sum(coredns_plugin_enabled{{{I}}}) by (name))', set()),
    (f'histogram_quantile(0.99, sum(rate(coredns_dns_request_size_bytes_bucket{{{I}}}[5m])) by (server, zone, proto, le))',
     {"server", "zone", "proto"}),
    (f'histogram_quantile(0.50, sum(rate(coredns_dns_response_size_bytes_bucket{{{I}}}[5m])) by (server, zone, proto, le))',
     {"server", "zone", "proto"}),
    (f'sum(coredns_cache_hits_total{{{I}}}) / (sum(coredns_cache_misses_total{{{I}}}) + sum(coredns_cache_hits_total{{{I}}}))',
     set()),
    (f'sum(rate(coredns_cache_hits_total{{{I}}}[5m])) by (type)', {"type"}),
    (f'sum(rate(coredns_cache_misses_total{{{I}}}[5m]))', set()),
    (f'sum(coredns_cache_entries{{{I}}}) by (type)', {"type"}),
    (f'process_resident_memory_bytes{{{I}}}', set()),
    (f'rate(process_cpu_seconds_total{{{I}}}[5m])', set()),
    ('label_values_stand_in', set()),  # replaced below: the $instance variable's source
]
DASHBOARD[-1] = ('coredns_build_info{job="kube-dns"}', {"version"})

# CoreDNS 1.11+ spellings of forward's families, for dashboards made since.
PROXY = [
    ('sum(rate(coredns_proxy_request_duration_seconds_count{job="kube-dns",proxy_name="forward"}[5m])) by (to)', {"to"}),
    ('sum(coredns_proxy_healthcheck_failures_total{job="kube-dns",proxy_name="forward"}) by (to)', {"to"}),
]

COREFILE = """\
.:@PORT@ {
    bind 127.0.0.1
    prometheus 127.0.0.1:@MPORT@ {
        names coredns
    }
    cache 30
    forward . 127.0.0.1:@GOOD@
}
fail.example:@PORT@ {
    bind 127.0.0.1
    prometheus 127.0.0.1:@MPORT@ {
        names coredns
    }
    forward . 127.0.0.1:@BAD@
}
"""



@pytest.fixture
def mixin_setup(start_server, tmp_path):
    good, bad = Upstream(), Upstream()
    bad.mode = "servfail"
    mport = free_port()
    text = (COREFILE.replace("@MPORT@", str(mport)).replace("@GOOD@", str(good.port))
            .replace("@BAD@", str(bad.port)))
    srv = start_server(text)
    prom = PrometheusServer(tmp_path, mport)
    try:
        prom.start()
        yield srv, mport, prom, bad
    finally:
        prom.stop()
        good.close()
        bad.close()


def traffic(srv, tag, answered, servfails):
    """`answered` NOERROR queries (half of them cache hits) and `servfails`
    SERVFAILs from the failing upstream."""
    for i in range(answered // 2):
        for _ in range(2):
            x = exchange(query(f"n{i}-{tag}.example.net"), srv.port, "udp")
            assert x.reply.rcode() == dns.rcode.NOERROR
    for i in range(servfails):
        x = exchange(query(f"s{i}-{tag}.fail.example"), srv.port, "tcp" if i % 2 else "udp")
        assert x.reply.rcode() == dns.rcode.SERVFAIL


def test_every_mixin_expression_finds_its_series(mixin_setup):
    srv, mport, prom, bad = mixin_setup
    # A first round creates every series (a series is born at its first
    # count, and rate() sees only increases after that); the second, between
    # later scrapes, is what rates measure.
    traffic(srv, "warm-up", 8, 2)
    poll(lambda: prom.scrapes_of("coredns_dns_responses_total") >= 2, 30, interval=0.2, what="two scrapes")
    before = prom.scrapes_of("coredns_build_info")
    traffic(srv, "measured", 80, 20)
    poll(lambda: prom.scrapes_of("coredns_build_info") >= before + 2, 30, interval=0.2,
         what="two scrapes after the traffic")
    up = prom.query('up{job="kube-dns"}')
    assert up and up[0]["value"][1] == "1"

    problems = []
    for name, (expr, _) in ALERTS.items():
        result = prom.query(expr)
        if not result:
            problems.append(f"{name}: no series for {expr}")
            continue
        for r in result:
            missing = ALERT_LABELS[name] - {k for k, v in r["metric"].items() if v}
            if missing:
                problems.append(f"{name}: result without {missing}: {r['metric']}")
    for expr, labels in DASHBOARD + PROXY:
        result = prom.query(expr)
        if not result:
            problems.append(f"dashboard: no series for {expr}")
            continue
        for r in result:
            missing = labels - {k for k, v in r["metric"].items() if v}
            if missing:
                problems.append(f"dashboard: {expr}: result without {missing}: {r['metric']}")
    assert not problems, "\n".join(problems)

    # With thresholds: 20 of 100 responses were SERVFAIL, all from the one
    # upstream that sent them; nothing was slow.
    fired = {name: prom.query(f"{expr} {threshold}") for name, (expr, threshold) in ALERTS.items()}
    assert fired["CoreDNSErrorsHigh"], "SERVFAIL ratio alert does not fire"
    [fwd] = fired["CoreDNSForwardErrorsHigh"]
    assert fwd["metric"]["to"] == f"127.0.0.1:{bad.port}"
    assert not fired["CoreDNSLatencyHigh"] and not fired["CoreDNSForwardLatencyHigh"]


def test_names_coredns_renames_every_family(mixin_setup):
    srv, mport, _, _ = mixin_setup
    exchange(query("one.example.net"), srv.port, "udp")
    e = Exposition(scrape(mport))
    names = set(e.families)
    assert not [n for n in names if n.startswith("skycore_")]
    for n in ("coredns_dns_requests", "coredns_dns_responses", "coredns_dns_request_duration_seconds",
              "coredns_cache_hits", "coredns_cache_requests", "coredns_forward_requests",
              "coredns_forward_healthcheck_broken", "coredns_proxy_request_duration_seconds",
              "coredns_build_info", "coredns_plugin_enabled", "process_resident_memory_bytes"):
        assert n in names, n
    # CoreDNS's labels: cache by zones, proxy by proxy_name.
    [entries] = [s for s in e.samples if s.name == "coredns_cache_entries" and s.labels["type"] == "success"]
    assert entries.labels["zones"] == "."
    proxy = [s for s in e.samples if s.name == "coredns_proxy_request_duration_seconds_count"]
    assert proxy and all(s.labels["proxy_name"] == "forward" for s in proxy)
