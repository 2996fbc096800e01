"""The log plugin: one line per query on stdout, in CoreDNS's format. Each
query is sent from a socket of the test's own, so the line's remote port, id
and sizes are compared with what really went over the wire. Lines reach
stdout through a writer thread, so tests poll stdout; to show that a line
is absent, the server is stopped first (stopping drains the buffer)."""

import re
import signal

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import pytest

from helpers.dnsclient import query
from helpers.exchange import exchange
from helpers.skycore import free_port, poll, run_skycore
from helpers.upstream import Upstream

# [INFO] {remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}"
#        {rcode} {>rflags} {rsize} {duration}
COMMON = re.compile(
    r'^\[INFO\] (?P<remote>127\.0\.0\.1):(?P<port>\d+) - (?P<id>\d+) '
    r'"(?P<type>[A-Z0-9]+) (?P<cls>[A-Z0-9]+) (?P<name>\S+) (?P<proto>udp|tcp) (?P<size>\d+) '
    r'(?P<do>true|false) (?P<bufsize>\d+)" '
    r'(?P<rcode>[A-Z]+) (?P<rflags>-|(?:qr|aa|tc|rd|ra|z|ad|cd)(?:,(?:qr|aa|tc|rd|ra|z|ad|cd))*) '
    r'(?P<rsize>\d+) (?P<duration>(?:0|[1-9]\d*)(?:\.\d*[1-9])?)s(?P<rest>.*)$')

FLAG_ORDER = ["qr", "aa", "tc", "rd", "ra", "z", "ad", "cd"]


@pytest.fixture
def upstream():
    up = Upstream()
    yield up
    up.close()


PROBE = "ready.probe."  # the name helpers.skycore's start-up probe asks for


def lines(srv):
    """stdout's lines, without those for the start-up probe."""
    return [line for line in srv.stdout().splitlines() if line and f" {PROBE} " not in line]


def wait_line(srv, needle, timeout=5.0):
    """The one stdout line containing needle (polled)."""
    def found():
        hits = [line for line in lines(srv) if needle in line]
        return hits or None

    hits = poll(found, timeout, what=f"a log line with {needle!r}; stdout: {srv.stdout()[-500:]!r}")
    assert len(hits) == 1, hits
    return hits[0]


def line_for(srv, x):
    """The line logged for Exchange x, found by its source port and id."""
    return wait_line(srv, f"127.0.0.1:{x.sport} - {x.query.id} ")


def stopped_lines(srv):
    """Stops the server (SIGTERM drains the log buffer) and returns every line."""
    assert srv.stop(signal.SIGTERM) == 0, srv.stderr()
    return lines(srv)


def flags_text(wire):
    bits = int.from_bytes(wire[2:4], "big")
    masks = {"qr": 0x8000, "aa": 0x0400, "tc": 0x0200, "rd": 0x0100, "ra": 0x0080, "z": 0x0040,
             "ad": 0x0020, "cd": 0x0010}
    names = [n for n in FLAG_ORDER if bits & masks[n]]
    return ",".join(names) or "-"


def check_common(line, x, rcode, rsize=True):
    m = COMMON.match(line)
    assert m, f"not the common format: {line!r}"
    q = x.query
    assert int(m["port"]) == x.sport
    assert int(m["id"]) == q.id
    assert m["type"] == dns.rdatatype.to_text(q.question[0].rdtype)
    assert m["cls"] == "IN"
    assert m["name"] == q.question[0].name.to_text()
    assert m["proto"] == x.proto
    assert int(m["size"]) == len(x.qwire)
    assert m["do"] == ("true" if q.ednsflags & dns.flags.DO else "false")
    # What the client can take, as CoreDNS's state.Size(): 65535 over TCP.
    assert int(m["bufsize"]) == (65535 if x.proto == "tcp" else q.payload if q.edns >= 0 else 512)
    assert m["rcode"] == rcode == dns.rcode.to_text(x.reply.rcode())
    assert m["rflags"] == flags_text(x.rwire)
    if rsize:
        assert int(m["rsize"]) == len(x.rwire)
    assert float(m["duration"]) < 2.0
    return m


WHOAMI_LOG = """\
.:@PORT@ {{
    bind 127.0.0.1
    {log}
    whoami
}}
"""


def whoami_log(start_server, log="log"):
    return start_server(WHOAMI_LOG.format(log=log))


# 1. The default (common) format


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_common_format_without_edns(start_server, proto):
    srv = whoami_log(start_server)
    x = exchange(query("Common.Example.org", "A"), srv.port, proto)
    m = check_common(line_for(srv, x), x, "NOERROR")
    assert m["bufsize"] == ("65535" if proto == "tcp" else "512") and m["do"] == "false"
    assert m["rflags"] == "qr,aa,rd"
    assert m["name"] == "Common.Example.org."
    assert m["rest"] == ""


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_common_format_with_edns_and_do(start_server, proto):
    srv = whoami_log(start_server)
    q = query("edns.example.org", "AAAA", use_edns=0, payload=1232, want_dnssec=True)
    q.flags &= ~dns.flags.RD
    q.flags |= dns.flags.CD
    x = exchange(q, srv.port, proto)
    # rsize: see test_rsize_counts_the_opt_record_the_core_adds
    m = check_common(line_for(srv, x), x, "NOERROR", rsize=False)
    assert (m["do"], m["bufsize"], m["type"]) == ("true", "65535" if proto == "tcp" else "1232", "AAAA")
    assert m["rflags"] == "qr,aa,cd"


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_rsize_counts_the_opt_record_the_core_adds(start_server, proto):
    srv = whoami_log(start_server)
    x = exchange(query("opt.example.org", use_edns=0, payload=1232), srv.port, proto)
    m = check_common(line_for(srv, x), x, "NOERROR", rsize=False)
    assert int(m["rsize"]) == len(x.rwire)


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_common_format_for_forwarded_edns_answer(start_server, upstream, proto):
    """A forwarded answer carries the upstream's own OPT: rsize is exact."""
    srv = start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    log
    forward . {upstream.address}
}}
""")
    x = exchange(query("www.example.net", use_edns=0, payload=1400), srv.port, proto)
    assert x.reply.answer
    m = check_common(line_for(srv, x), x, "NOERROR")
    assert (m["do"], m["bufsize"], m["rflags"]) == ("false", "65535" if proto == "tcp" else "1400", "qr,rd,ra")


def test_common_format_for_core_servfail(start_server):
    """Nobody answers in this block: the core's SERVFAIL is what gets logged,
    with the size of the reply the client really got."""
    srv = start_server("""\
.:@PORT@ {
    bind 127.0.0.1
    log
}
""")
    for proto, q in (("udp", query("nobody.example", "TXT")),
                     ("tcp", query("nobody.example", "MX", use_edns=0, payload=4000))):
        x = exchange(q, srv.port, proto)
        m = check_common(line_for(srv, x), x, "SERVFAIL")
        assert m["rflags"] == "qr,rd"


def test_combined_format_adds_opcode(start_server):
    srv = whoami_log(start_server, "log . {combined}")
    x = exchange(query("combined.example.org"), srv.port, "udp")
    m = check_common(line_for(srv, x), x, "NOERROR")
    assert m["rest"] == ' "0"'


def test_custom_format(start_server):
    srv = whoami_log(start_server,
                     'log . "T={type} N={name} P={proto} R={remote} L={local} C={rcode} I={>id} '
                     'F={>rflags} Z={rsize} U={unknown}"')
    x = exchange(query("custom.example.org", "TXT"), srv.port, "tcp")
    line = wait_line(srv, f"I={x.query.id} ")
    assert line == (f"[INFO] T=TXT N=custom.example.org. P=tcp R=127.0.0.1 L=127.0.0.1 C=NOERROR "
                    f"I={x.query.id} F={flags_text(x.rwire)} Z={len(x.rwire)} U={{unknown}}")


def test_common_placeholder_in_a_custom_format(start_server):
    srv = whoami_log(start_server, 'log . "before {common} after"')
    x = exchange(query("wrapped.example.org"), srv.port, "udp")
    line = line_for(srv, x)
    assert line.startswith("[INFO] before 127.0.0.1:")
    m = check_common("[INFO] " + line[len("[INFO] before "):], x, "NOERROR")
    assert m["rest"] == " after"


# 2. Response classes


def forward_log(start_server, upstream, classes):
    return start_server(f"""\
.:@PORT@ {{
    bind 127.0.0.1
    log {{
        class {classes}
    }}
    forward . {upstream.address}
}}
""")


def test_class_denial(start_server, upstream):
    srv = forward_log(start_server, upstream, "denial")
    nx = exchange(query("nxdomain.example.net"), srv.port)
    nodata = exchange(query("www.example.net", "AAAA"), srv.port, "tcp")
    ok = exchange(query("www.example.net", "A"), srv.port)
    assert [x.reply.rcode() for x in (nx, nodata, ok)] == [dns.rcode.NXDOMAIN, dns.rcode.NOERROR,
                                                          dns.rcode.NOERROR]
    assert ok.reply.answer and not nodata.reply.answer
    check_common(line_for(srv, nx), nx, "NXDOMAIN")
    check_common(line_for(srv, nodata), nodata, "NOERROR")
    all_lines = stopped_lines(srv)
    assert not [line for line in all_lines if f" - {ok.query.id} " in line], all_lines
    assert len(all_lines) == 2, all_lines


def test_class_success(start_server, upstream):
    srv = forward_log(start_server, upstream, "success")
    ok = exchange(query("www.example.net", "A"), srv.port)
    nx = exchange(query("nxdomain.example.net"), srv.port)
    check_common(line_for(srv, ok), ok, "NOERROR")
    all_lines = stopped_lines(srv)
    assert not [line for line in all_lines if f" - {nx.query.id} " in line], all_lines


def test_class_error(start_server, upstream):
    srv = forward_log(start_server, upstream, "error")
    ok = exchange(query("www.example.net", "A"), srv.port)
    nx = exchange(query("nxdomain.example.net"), srv.port)
    upstream.mode = "servfail"
    sf = exchange(query("broken.example.net"), srv.port, "tcp")
    assert sf.reply.rcode() == dns.rcode.SERVFAIL
    check_common(line_for(srv, sf), sf, "SERVFAIL")
    all_lines = stopped_lines(srv)
    for x in (ok, nx):
        assert not [line for line in all_lines if f" - {x.query.id} " in line], all_lines


def test_several_classes_in_one_rule(start_server, upstream):
    srv = forward_log(start_server, upstream, "denial error")
    ok = exchange(query("www.example.net", "A"), srv.port)
    nx = exchange(query("nxdomain.example.net"), srv.port)
    upstream.mode = "servfail"
    sf = exchange(query("broken.example.net"), srv.port)
    line_for(srv, nx)
    line_for(srv, sf)
    all_lines = stopped_lines(srv)
    assert not [line for line in all_lines if f" - {ok.query.id} " in line], all_lines


# 3. Which names, which rule


def test_names_scope_the_lines(start_server):
    srv = whoami_log(start_server, "log example.org")
    inside = [exchange(query(n), srv.port) for n in ("a.example.org", "example.org", "B.EXAMPLE.ORG")]
    outside = [exchange(query(n), srv.port) for n in ("a.example.net", "notexample.org", "org")]
    for x in inside:
        check_common(line_for(srv, x), x, "NOERROR")
    all_lines = stopped_lines(srv)
    assert len(all_lines) == 3, all_lines
    for x in outside:
        assert not [line for line in all_lines if f" - {x.query.id} " in line], all_lines


def test_first_matching_rule_decides(start_server):
    srv = start_server("""\
.:@PORT@ {
    bind 127.0.0.1
    log example.org "ORG {name} {>id}" {
        class error
    }
    log example.com "COM {name} {>id}"
    log . "ROOT {name} {>id}"
    whoami
}
""")
    org = exchange(query("x.example.org"), srv.port)  # NOERROR: the ORG rule decides, drops it
    com = exchange(query("x.example.com"), srv.port)
    net = exchange(query("x.example.net"), srv.port)
    assert wait_line(srv, f" {com.query.id}") == f"[INFO] COM x.example.com. {com.query.id}"
    assert wait_line(srv, f" {net.query.id}") == f"[INFO] ROOT x.example.net. {net.query.id}"
    all_lines = stopped_lines(srv)
    assert len(all_lines) == 2, all_lines
    assert not [line for line in all_lines if str(org.query.id) in line], all_lines


def test_log_in_one_block_only(start_server):
    srv = start_server("""\
example.org:@PORT@ {
    bind 127.0.0.1
    log
    whoami
}
example.net:@PORT@ {
    bind 127.0.0.1
    whoami
}
""")
    logged = exchange(query("a.example.org"), srv.port)
    silent = exchange(query("a.example.net"), srv.port)
    line_for(srv, logged)
    all_lines = stopped_lines(srv)
    assert len(all_lines) == 1, all_lines
    assert f" - {silent.query.id} " not in all_lines[0]


def test_no_log_plugin_no_lines(start_server):
    srv = start_server("""\
.:@PORT@ {
    bind 127.0.0.1
    whoami
}
""")
    for proto in ("udp", "tcp"):
        assert exchange(query("quiet.example.org"), srv.port, proto).reply.rcode() == dns.rcode.NOERROR
    assert stopped_lines(srv) == []


def test_many_lines_all_arrive(start_server):
    srv = whoami_log(start_server)
    xs = [exchange(query(f"n{i}.example.org"), srv.port, "udp" if i % 2 else "tcp")
          for i in range(40)]
    all_lines = stopped_lines(srv)
    assert len(all_lines) == 40, all_lines[:5]
    for x in xs:
        hits = [line for line in all_lines if f"127.0.0.1:{x.sport} - {x.query.id} " in line]
        assert len(hits) == 1
        check_common(hits[0], x, "NOERROR")


# 4. JSON: `log . {json}`, and -log-format=json for every line of the process


def json_lines(srv):
    import json
    return [json.loads(line) for line in srv.stdout().splitlines() if line]


def test_json_format_has_the_common_fields(start_server):
    srv = whoami_log(start_server, "log . {json}")
    x = exchange(query("json.example.org", "AAAA", use_edns=0, payload=1232, want_dnssec=True), srv.port, "tcp")
    import json
    line = wait_line(srv, f'"port":{x.sport},"id":{x.query.id},')
    obj = json.loads(line)
    assert obj == {
        "level": "info", "plugin": "log", "remote": "127.0.0.1", "port": x.sport, "id": x.query.id,
        "type": "AAAA", "class": "IN", "name": "json.example.org.", "proto": "tcp", "size": len(x.qwire),
        "do": True, "bufsize": 65535, "rcode": "NOERROR", "rflags": obj["rflags"], "rsize": len(x.rwire),
        "duration": obj["duration"], "local": "127.0.0.1", "opcode": 0}
    assert obj["rflags"].split(",")[0] == "qr" and 0 < obj["duration"] < 5


def test_log_format_json_makes_every_line_json(start_server):
    srv = start_server(WHOAMI_LOG.format(log="log"), args=["-log-format=json"], quiet=False)
    odd = dns.name.Name([b'a"b\\c', b"x\x01", b"example", b"org", b""])
    x = exchange(dns.message.make_query(odd, "A"), srv.port, "udp")
    poll(lambda: any(o.get("id") == x.query.id for o in json_lines(srv)), 5, what="the query's line")
    srv.send_signal(signal.SIGUSR1)  # a reload: process messages and the banner again
    poll(lambda: any(o.get("msg") == "Reloading complete" for o in json_lines(srv)), 10, what="the reload's line")
    assert srv.stop() == 0
    objs = json_lines(srv)  # every line parses, or this raises
    [q] = [o for o in objs if o.get("id") == x.query.id]
    assert dns.name.from_text(q["name"]) == odd  # the presentation form, intact through JSON
    assert q["plugin"] == "log" and q["rcode"] == "NOERROR"
    banners = [o for o in objs if o.get("msg") == "serving"]
    assert len(banners) == 2 and banners[0]["zones"] == [f".:{srv.port}"]
    assert banners[0]["version"].startswith("skycore-")
    assert any(o == {"level": "info", "msg": "SIGTERM received, shutting down"} for o in objs)


def test_log_format_json_start_up_error_is_json(tmp_path):
    import json
    (tmp_path / "Corefile").write_text(".:53 {\n    whoami\n    nonsense\n}\n")
    p = run_skycore(["-conf", "Corefile", "-log-format", "json"], cwd=tmp_path)
    assert p.returncode == 1
    obj = json.loads(p.stderr)
    assert obj["level"] == "fatal" and obj["msg"].startswith("Corefile:3:"), obj
    bad = run_skycore(["-log-format", "xml", "-version"])
    assert bad.returncode == 2 and "-log-format" in bad.stderr


# 5. Configuration errors


@pytest.mark.parametrize("body,line", [
    ("log {\n        class nonsense\n    }", 4),
    ("log {\n        class\n    }", 4),
    ("log {\n        colour red\n    }", 4),
    ("log exa..mple.org", 3),
    ('log . "{json} {remote}"', 3),
])
def test_bad_config_fails_validation(tmp_path, body, line):
    (tmp_path / "Corefile").write_text(f".:{free_port()} {{\n    bind 127.0.0.1\n    {body}\n    whoami\n}}\n")
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stderr.startswith(f"Corefile:{line}:"), p.stderr
