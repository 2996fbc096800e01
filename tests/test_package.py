"""The Debian package scripts/package builds from the binary under test:
lintian, the systemd unit, the control fields, the generated man page, and
install / remove / purge with dpkg --root in a throw-away directory (never the
real system: the maintainer scripts run chrootless and honour $DPKG_ROOT)."""

import hashlib
import os
import re
import subprocess
from pathlib import Path

import pytest

from helpers.skycore import BIN, SOURCE

UNIT = "lib/systemd/system/skycore.service"
WANTS = "etc/systemd/system/multi-user.target.wants/skycore.service"


def run(cmd, timeout=120, **kw):
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, **kw)


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    p = run([SOURCE / "scripts" / "package", "--binary", BIN, "--out", tmp_path_factory.mktemp("out")],
            timeout=300)
    assert p.returncode == 0, p.stderr
    path = Path(p.stdout.strip().splitlines()[-1])
    assert path.is_file() and path.suffix == ".deb", p.stdout
    return path


@pytest.fixture(scope="module")
def tree(deb, tmp_path_factory):
    """The package's files, unpacked (no dpkg database involved)."""
    root = tmp_path_factory.mktemp("tree")
    p = run(["dpkg-deb", "-x", deb, root])
    assert p.returncode == 0, p.stderr
    return root


def field(deb, name):
    return run(["dpkg-deb", "-f", deb, name]).stdout.strip()


def test_lintian_reports_no_errors(deb):
    p = run(["lintian", "--tag-display-limit", "0", deb], timeout=300)
    print(p.stdout, p.stderr)  # the warnings, for whoever runs pytest -s
    errors = [line for line in p.stdout.splitlines() if line.startswith("E:")]
    assert not errors, p.stdout
    assert p.returncode == 0, p.stdout + p.stderr


def test_systemd_accepts_the_unit(tree, tmp_path):
    # verify checks that Exec* binaries and Documentation=man: pages exist on
    # this system; they exist only in the unpacked tree, so ExecStart (and
    # nothing else) is pointed there and man looks there. It exits 0 on an
    # unknown key or section, so any output at all fails too.
    shipped = (tree / UNIT).read_text()
    unit = tmp_path / "skycore.service"
    unit.write_text(shipped.replace("ExecStart=/usr/bin/skycore", f"ExecStart={tree}/usr/bin/skycore", 1))
    assert [a for a, b in zip(shipped.splitlines(), unit.read_text().splitlines()) if a != b] == [
        "ExecStart=/usr/bin/skycore -conf /etc/skycore/Corefile"]
    p = run(["systemd-analyze", "verify", unit], env={**os.environ, "MANPATH": str(tree / "usr/share/man")})
    assert p.returncode == 0 and not p.stdout and not p.stderr, p.stdout + p.stderr


def unit_settings(text):
    settings = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def test_unit_runs_unprivileged_and_hardened(tree):
    s = unit_settings((tree / UNIT).read_text())
    want = {
        "ExecStart": ["/usr/bin/skycore -conf /etc/skycore/Corefile"],
        "ExecReload": ["/bin/kill -USR1 $MAINPID"],
        "Restart": ["on-failure"],
        "DynamicUser": ["yes"],
        "StateDirectory": ["skycore"],
        "AmbientCapabilities": ["CAP_NET_BIND_SERVICE"],
        "CapabilityBoundingSet": ["CAP_NET_BIND_SERVICE"],
        "ProtectSystem": ["strict"],
        "RestrictAddressFamilies": ["AF_INET AF_INET6 AF_UNIX AF_NETLINK"],
        "SystemCallFilter": ["@system-service", "~@privileged @resources"],
    }
    for key, value in want.items():
        assert s.get(key) == value, key
    for key in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
                "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "MemoryDenyWriteExecute"):
        assert s.get(key) == ["yes"], key
    assert "PrivateUsers" not in s  # its capabilities could not bind port 53
    # systemd's own score of the whole unit (lower is safer; 1.5 today): a
    # dropped option that the checks above do not name still shows here.
    p = run(["systemd-analyze", "security", "--offline=yes", "--threshold=16", tree / UNIT])
    assert p.returncode == 0, p.stdout + p.stderr


def owner(path):
    """The package that ships path, under either name usr-merge gives it."""
    for candidate in (path, path[4:] if path.startswith("/usr/") else "/usr" + path):
        p = run(["dpkg", "-S", candidate])
        if p.returncode == 0:
            return p.stdout.split(":", 1)[0]
    return None


def test_control_fields(deb, tree):
    assert field(deb, "Package") == "skycore"
    base = re.search(r"project\(skycore VERSION ([0-9.]+)", (SOURCE / "CMakeLists.txt").read_text())[1]
    assert re.fullmatch(re.escape(base) + r"(\+git\d{14}\.[0-9a-f]{7,})?-1", field(deb, "Version"))
    # Every library the binary loads directly comes from a package it depends on.
    depends = {d.split()[0] for d in field(deb, "Depends").split(",")}
    binary = tree / "usr/bin/skycore"
    needed = re.findall(r"NEEDED\s+(\S+)", run(["objdump", "-p", binary]).stdout)
    resolved = dict(re.findall(r"^\s*(\S+) => (\S+)", run(["ldd", binary]).stdout, re.M))
    assert needed and set(needed) <= set(resolved), resolved
    for lib in needed:
        assert owner(resolved[lib]) in depends, (lib, resolved[lib], depends)
    # md5sums covers every file; Installed-Size is dpkg's KiB-per-file count.
    files = [p for p in tree.rglob("*") if p.is_file() and not p.is_symlink()]
    sums = dict(reversed(line.split("  ", 1)) for line in run(["dpkg-deb", "-I", deb, "md5sums"]).stdout.splitlines())
    assert sums == {str(p.relative_to(tree)): hashlib.md5(p.read_bytes()).hexdigest() for p in files}
    others = sum(1 for p in tree.rglob("*") if not p.is_file() or p.is_symlink())
    assert int(field(deb, "Installed-Size")) == sum(-(-p.stat().st_size // 1024) for p in files) + others


def test_man_page_follows_readme(tree):
    readme = (SOURCE / "README.md").read_text()
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    flags = set(re.findall(r"`(-[a-z][a-z.-]*)", section))
    assert "-conf" in flags and "-validate" in flags
    # The shipped binary's flags are all in the README (so in the man page).
    usage = run([tree / "usr/bin/skycore", "-help"]).stderr
    assert set(re.findall(r"^  (-[a-z][a-z.-]*)", usage, re.M)) <= flags, usage
    page = tree / "usr/share/man/man8/skycore.8.gz"
    p = run(["man", "--warnings", "-l", "-Tutf8", "-Z", page], env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert p.returncode == 0 and not p.stderr, p.stderr
    text = run(["man", "-l", "-P", "cat", page], env={**os.environ, "MANWIDTH": "100", "LC_ALL": "C.UTF-8"}).stdout
    options = re.sub(r".\x08", "", text).split("OPTIONS", 1)[1].split("FILES", 1)[0]
    documented = set(re.findall(r"^ {7}(-[a-z][a-z.-]*)", options, re.M))
    assert documented == flags, options


class Root:
    """A directory dpkg treats as a system of its own. The packages skycore
    depends on are copied into its status from this host's (they are what the
    binary runs with here), so dependency checks are real and no --force-depends
    is needed."""

    def __init__(self, path, deb):
        self.path, self.admin = path, path / "var/lib/dpkg"
        (self.admin / "info").mkdir(parents=True)
        (self.admin / "updates").mkdir()
        (self.admin / "available").touch()
        status = []
        for dep in field(deb, "Depends").split(","):
            name = dep.split()[0]
            p = run(["dpkg-query", "-s", name])
            assert p.returncode == 0, f"{name} is not installed here: {p.stderr}"
            status.append(p.stdout.strip() + "\n")
            arch_name = run(["dpkg-query", "-W", "-f=${binary:Package}", name]).stdout
            (self.admin / "info" / f"{arch_name}.list").touch()  # owns no file in this root
        (self.admin / "status").write_text("\n".join(status))

    def dpkg(self, *args):
        p = run(["dpkg", f"--root={self.path}", f"--admindir={self.admin}", "--force-script-chrootless",
                 "--force-not-root", "--log=/dev/null", *args])
        assert p.returncode == 0, p.stdout + p.stderr
        return p

    def query(self, fmt):
        return run(["dpkg-query", f"--admindir={self.admin}", "-W", f"-f={fmt}", "skycore"]).stdout


@pytest.fixture
def installed(deb, tmp_path):
    host_wants = Path("/") / WANTS
    before = host_wants.exists()
    root = Root(tmp_path / "root", deb)
    root.dpkg("-i", deb)
    assert host_wants.exists() == before  # postinst wrote under $DPKG_ROOT only
    return root


def test_install_enables_the_unit_and_registers_the_conffile(installed):
    r = installed.path
    assert installed.query("${Status}") == "install ok installed"
    md5 = hashlib.md5((r / "etc/skycore/Corefile").read_bytes()).hexdigest()
    assert installed.query("${Conffiles}").split() == ["/etc/skycore/Corefile", md5]
    assert os.readlink(r / WANTS) == "/" + UNIT
    p = run([r / "usr/bin/skycore", "-version"])
    assert p.returncode == 0 and p.stdout.startswith("skycore-"), p.stderr


def test_installed_corefile_validates(installed):
    # -validate checks that the journal's directory exists: the absolute
    # /var/lib/skycore, which systemd creates at first start and this host
    # may lack. Inside a private mount namespace the root's /var/lib stands in
    # for the host's, so the shipped file is checked unchanged.
    r = installed.path
    (r / "var/lib/skycore").mkdir(parents=True)
    cmd = [r / "usr/bin/skycore", "-validate", "-conf", r / "etc/skycore/Corefile"]
    ns = ["unshare", "--mount", "--map-root-user"]
    if run([*ns, "true"]).returncode == 0:
        p = run([*ns, "sh", "-c", 'mount --bind "$0" /var/lib && exec "$@"', r / "var/lib", *cmd])
    else:  # no namespaces here: the same file with the directory moved into the root
        moved = r / "Corefile.moved"
        moved.write_text((r / "etc/skycore/Corefile").read_text().replace("/var/lib/skycore", f"{r}/var/lib/skycore"))
        p = run([*cmd[:-1], moved])
    assert p.returncode == 0 and "valid" in p.stdout, p.stdout + p.stderr


def test_remove_keeps_state_and_config_purge_deletes_them(installed):
    r = installed.path
    # What systemd leaves for StateDirectory= with DynamicUser=yes, and a
    # journal line the running service would have written.
    (r / "var/lib/private/skycore").mkdir(parents=True)
    (r / "var/lib/skycore").symlink_to("private/skycore")
    journal = r / "var/lib/skycore/registry.journal"
    journal.write_text('{"op":"put","uuid":"1001"}\n')
    (r / "etc/skycore/Corefile").write_text((r / "etc/skycore/Corefile").read_text() + "# edited\n")

    installed.dpkg("--remove", "skycore")
    assert not (r / "usr/bin/skycore").exists()
    assert journal.read_text() == '{"op":"put","uuid":"1001"}\n'
    assert (r / "etc/skycore/Corefile").read_text().endswith("# edited\n")
    assert installed.query("${Status}") == "deinstall ok config-files"
    # Masked, so the enablement link left for a reinstall cannot start a missing binary.
    assert os.readlink(r / "etc/systemd/system/skycore.service") == "/dev/null"

    installed.dpkg("--purge", "skycore")
    for gone in ("var/lib/skycore", "var/lib/private/skycore", "etc/skycore", WANTS,
                 "etc/systemd/system/skycore.service"):
        assert not os.path.lexists(r / gone), gone
    assert installed.query("${Status}") == ""
