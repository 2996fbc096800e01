"""Command line, Corefile errors, start-up and shutdown of the process."""

import re
import signal
import socket

import dns.rcode
import pytest

from helpers.dnsclient import HOST, answers_udp, assert_answers, query, udp
from helpers.http import try_get
from helpers.skycore import SOURCE, free_port, poll, run_skycore
from helpers.skydns import Api

WHOAMI = """\
.:@PORT@ {
    bind 127.0.0.1
    whoami
}
"""


def write_corefile(path, text, port=None):
    if port is not None:
        text = text.replace("@PORT@", str(port))
    path.write_text(text)
    return path


def project_version():
    m = re.search(r"project\(\s*skycore\s+VERSION\s+([0-9.]+)", (SOURCE / "CMakeLists.txt").read_text())
    assert m, "no project(skycore VERSION ...) in CMakeLists.txt"
    return m.group(1)


def test_version():
    p = run_skycore(["-version"])
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == f"skycore-{project_version()}"


def plugin_cfg_order():
    names = []
    for line in (SOURCE / "plugins" / "plugin.cfg").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(line.split(":", 1)[0])
    return names


def test_plugins_lists_chain_order():
    p = run_skycore(["-plugins"])
    assert p.returncode == 0, p.stderr
    listed = re.findall(r"^\s*dns\.(\S+)\s*$", p.stdout, re.M)
    for name in ("bind", "errors", "whoami"):
        assert name in listed
    assert listed.index("errors") < listed.index("whoami")
    # Chain order is plugin.cfg's order.
    cfg = plugin_cfg_order()
    known = [n for n in listed if n in cfg]
    assert known == sorted(known, key=cfg.index)
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("args", [
    ["-bogus"],
    ["--nope=1"],
    ["-conf"],
    ["-dns.port", "0"],
    ["-dns.port", "65536"],
    ["-dns.port", "53x"],
    ["-quiet=maybe"],
    ["stray-argument"],
], ids=lambda a: " ".join(a))
def test_bad_flag_exits_2(args, tmp_path):
    p = run_skycore(args, cwd=tmp_path)
    assert p.returncode == 2
    assert "Usage of" in p.stderr
    assert p.stdout == ""


@pytest.mark.parametrize("validate", [True, False], ids=["validate", "start"])
def test_unknown_directive_names_file_and_line(tmp_path, port, validate):
    write_corefile(tmp_path / "Corefile", """\
# a comment
.:@PORT@ {
    bind 127.0.0.1

    whoami
    foo bar
}
""", port)
    p = run_skycore(["-conf", "Corefile", "-quiet"] + (["-validate"] if validate else []), cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr.strip() == "Corefile:6: unknown directive 'foo'"
    assert not answers_udp(port)


def test_error_in_imported_file_names_that_file(tmp_path, port):
    (tmp_path / "part.conf").write_text("# first line\n\nfoo\n")
    write_corefile(tmp_path / "Corefile", """\
.:@PORT@ {
    bind 127.0.0.1
    whoami
    import part.conf
}
""", port)
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1
    assert re.search(r"(^|/)part\.conf:3: unknown directive 'foo'", p.stderr, re.M), p.stderr
    assert "Corefile:" not in p.stderr


@pytest.mark.parametrize("text,message", [
    (".:@PORT@ {\n    bind 127.0.0.1\n    whoami\n", "Corefile:"),
    (".:@PORT@ {\n    bind 127.0.0.1\n    whoami extra\n}\n", "Corefile:3:"),
    (".:@PORT@ {\n    bind not-an-ip\n    whoami\n}\n", "Corefile:2:"),
    (".:@PORT@ {\n    whoami\n    whoami\n}\n", "Corefile:3:"),
    (".:@PORT@ {\n    import missing_snippet\n}\n", "Corefile:2:"),
    ("a.org:@PORT@ {\n    whoami\n}\na.org:@PORT@ {\n    whoami\n}\n", "Corefile:"),
], ids=["unclosed_brace", "whoami_arg", "bad_bind", "whoami_twice", "missing_import",
        "zone_twice"])
def test_bad_corefile_exits_1(tmp_path, port, text, message):
    write_corefile(tmp_path / "Corefile", text, port)
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1
    assert p.stderr.startswith(message), p.stderr


def test_missing_conf_file(tmp_path):
    p = run_skycore(["-conf", "nope.Corefile"], cwd=tmp_path)
    assert p.returncode == 1
    assert "nope.Corefile" in p.stderr


def test_validate_good_file(tmp_path, port):
    write_corefile(tmp_path / "Corefile", WHOAMI, port)
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "Corefile: valid"
    q = run_skycore(["-conf", "Corefile", "-validate", "-quiet"], cwd=tmp_path)
    assert q.returncode == 0, q.stderr
    assert q.stdout == ""


def hold_port(port):
    """UDP and TCP sockets on port, without SO_REUSEPORT, so nobody else binds."""
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((HOST, port))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind((HOST, port))
    t.listen()
    return u, t


def test_validate_does_not_bind(tmp_path, port):
    write_corefile(tmp_path / "Corefile", WHOAMI, port)
    u, t = hold_port(port)
    with u, t:
        p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 0, p.stderr


@pytest.mark.parametrize("held", ["udp", "tcp"])
def test_port_in_use_exits_1(tmp_path, port, held):
    write_corefile(tmp_path / "Corefile", WHOAMI, port)
    kind = socket.SOCK_DGRAM if held == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind((HOST, port))
        if held == "tcp":
            s.listen()
        p = run_skycore(["-conf", "Corefile", "-quiet"], cwd=tmp_path)
    assert p.returncode == 1
    assert f"127.0.0.1:{port}" in p.stderr
    assert "in use" in p.stderr


def test_pidfile(start_server, tmp_path):
    pidfile = tmp_path / "skycore.pid"
    srv = start_server(WHOAMI, args=["-pidfile", str(pidfile)])
    content = poll(lambda: pidfile.exists() and pidfile.read_text(), 5, what="the pid file")
    assert int(content.strip()) == srv.pid
    assert srv.stop() == 0
    assert not pidfile.exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stop_signal_exits_0(start_server, sig):
    srv = start_server(WHOAMI)
    # A connection left open must not hold up the shutdown.
    with socket.create_connection((HOST, srv.port), timeout=2):
        srv.send_signal(sig)
        assert srv.wait_exit(5) == 0
    assert srv.stderr() == ""


def test_sighup_does_not_stop_the_server(start_server):
    srv = start_server(WHOAMI)
    srv.send_signal(signal.SIGHUP)
    srv.send_signal(signal.SIGUSR1)
    for _ in range(3):
        assert_answers(srv.port)
    assert srv.running()


@pytest.mark.parametrize("ref", ["{$SKYCORE_TEST_PORT}", "{%SKYCORE_TEST_PORT%}"])
def test_env_substitution(start_server, port, ref):
    srv = start_server(f".:{ref} {{\n    bind 127.0.0.1\n    whoami\n}}\n", port=port,
                       env={"SKYCORE_TEST_PORT": str(port)})
    assert ref in srv.corefile.read_text()
    assert udp(query("env.example.org"), port).rcode() == dns.rcode.NOERROR


def test_banner_without_quiet(start_server):
    srv = start_server("example.org:@PORT@ {\n    bind 127.0.0.1\n    whoami\n}\n", quiet=False)
    srv.wait_stdout(f"example.org.:{srv.port}\n")
    srv.wait_stdout(f"skycore-{project_version()}\n")
    assert srv.stop() == 0
    assert "SIGTERM" in srv.stdout()


def test_corefile_example_runs_as_shipped(start_server):
    """Corefile.example must stay valid and answer; only its port is swapped for a free one."""
    text = (SOURCE / "Corefile.example").read_text()
    assert ":1053" in text and "bind 127.0.0.1" in text
    p = run_skycore(["-validate", "-conf", str(SOURCE / "Corefile.example")])
    assert p.returncode == 0, p.stderr
    # Fixed ports become free ones (the journal goes to the server's own directory).
    ports = {}
    for fixed in ("8053", "9153", "8080", "8181"):
        assert f"127.0.0.1:{fixed}" in text, fixed
        ports[fixed] = free_port()
        text = text.replace(f"127.0.0.1:{fixed}", f"127.0.0.1:{ports[fixed]}")
    srv = start_server(text.replace(":1053", ":@PORT@"))
    r = udp(query("whoami.example.org"), srv.port)
    assert r.rcode() == dns.rcode.NOERROR
    assert any(rr.to_text() == "127.0.0.1" for rrset in r.additional for rr in rrset)
    # The registry example from the file's comments.
    api = Api(ports["8053"])
    api.wait_ready()
    assert api.put("1001", {"Name": "db", "Version": "1.0", "Environment": "production", "Region": "east",
                            "Host": "127.0.0.2", "Port": 5432, "TTL": 60}).status == 201
    r = udp(query("db.production.skydns.local", "SRV"), srv.port)
    assert [rd.port for rrset in r.answer for rd in rrset] == [5432]
    poll(lambda: try_get(ports["8181"], "/ready") == (200, "OK"), 5, what="ready")
    assert try_get(ports["8080"], "/health") == (200, "OK")
    assert "skycore_dns_requests_total" in try_get(ports["9153"], "/metrics")[1]
