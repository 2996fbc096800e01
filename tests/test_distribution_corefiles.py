"""Every distribution's Corefile (tests/fixtures/distributions, a copy of
../shared/corefiles; the shared folder itself too when it is there): each
passes `skycore -validate` unchanged, and runs with only listen ports and
addresses, API endpoints, file paths and upstreams replaced, answering what
the file is there for. A file added to either folder is covered without new
code: the generic checks ask each block what its plugins should answer.

Files that cannot pass yet are listed in KNOWN with the reason; the test
fails if one of them starts passing (strict xfail), so the list stays true."""

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

from helpers.certs import make_pki
from helpers.dnsclient import a_addresses, udp
from helpers.fake_kube import FakeKube
from helpers.http import try_get
from helpers.skycore import BIN, free_port, poll
from helpers.upstream import Upstream

HERE = Path(__file__).parent
VENDORED = HERE / "fixtures" / "distributions"
SHARED = Path(os.environ.get("SKYCORE_COREFILES", HERE.parent.parent / "shared" / "corefiles"))
KUBE_FIXTURE = HERE / "fixtures" / "kube" / "cluster.json"

# file name -> why it does not validate as it stands (a plugin CoreDNS
# removed, and files that are not Corefiles as they stand).
KNOWN = {
    "k8s-docs-kubedns-translation.Corefile": "federation is not implemented (CoreDNS removed it in 1.7.0)",
    "aks-rewrite.server": "`<domain to be rewritten>` is AKS's placeholder, with spaces: CoreDNS rejects it too "
                          "(runs with the placeholder filled)",
    "aks-hosts.override": "a fragment for `import custom/*.override` (validated inside aks.Corefile)",
}


def corefiles():
    """(id, path) of every file, the vendored copy first; a shared file
    differing from its copy is tested too."""
    seen = {}
    for folder in (VENDORED, SHARED):
        if not folder.is_dir():
            continue
        for p in sorted(folder.rglob("*")):
            if p.is_file() and p.suffix in (".Corefile", ".server", ".override"):
                rel = p.relative_to(folder).as_posix()
                if rel in seen and seen[rel].read_bytes() == p.read_bytes():
                    continue
                seen[rel if rel not in seen else f"shared/{rel}"] = p
    return sorted(seen.items())


def known(path):
    reason = KNOWN.get(path.name)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def validate(path, cwd=None):
    return subprocess.run([str(BIN), "-validate", "-conf", str(path)], capture_output=True, text=True,
                          timeout=30, cwd=cwd)


@pytest.mark.parametrize("path", [pytest.param(p, id=i, marks=known(p)) for i, p in corefiles()])
def test_validates_unchanged(path):
    p = validate(path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip().endswith("valid"), p.stdout


@pytest.mark.parametrize("name", sorted(p.name for p in (VENDORED / "customizations").glob("aks-*")))
def test_aks_customisations_validate_imported_into_the_aks_corefile(tmp_path, name):
    """AKS mounts the coredns-custom ConfigMap at custom/ beside its Corefile."""
    shutil.copy(VENDORED / "aks.Corefile", tmp_path / "Corefile")
    (tmp_path / "custom").mkdir()
    text = (VENDORED / "customizations" / name).read_text()
    # The placeholder AKS's documentation asks users to fill in.
    text = text.replace("<domain to be rewritten>", "example-rewrite")
    (tmp_path / "custom" / name).write_text(text)
    p = validate(tmp_path / "Corefile", cwd=tmp_path)
    assert p.returncode == 0, p.stderr


# ---------------------------------------------------------------------------
# Running each file.

class Env:
    """What a test machine replaces: ports, addresses, endpoints, files."""

    def __init__(self, tmp_path, upstream, kube):
        self.tmp = tmp_path
        self.up = upstream
        self.kube = kube
        self.ports = {}      # original port -> test port
        self.addrs = {}      # original bind address -> 127.0.0.N
        self.http = {}       # original health/ready/metrics address -> test port
        self.resolv = tmp_path / "resolv.conf"
        self.resolv.write_text(f"nameserver {upstream.address}\n")
        self.hosts = tmp_path / "hosts"
        self.hosts.write_text("10.9.9.9 hosts-entry.test\n")
        # A CA bundle for `tls CA` lines (the file must be a real certificate).
        self.file = make_pki(tmp_path / "pki", "dns.test").ca

    def port(self, original):
        if original not in self.ports:
            self.ports[original] = free_port()
        return self.ports[original]

    def addr(self, original):
        if original not in self.addrs:
            self.addrs[original] = f"127.0.0.{len(self.addrs) + 1}"
        return self.addrs[original]

    def http_addr(self, original):
        if original not in self.http:
            self.http[original] = free_port()
        return f"127.0.0.1:{self.http[original]}"


def strip_comment(line):
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == "#" and not quoted:
            break
        out.append(ch)
    return "".join(out)


def adapt(text, env):
    """The Corefile with only what a test must change replaced; also the
    blocks it declares: [(keys, listen address, port, directives)]."""
    out, blocks, depth, block = [], [], 0, None
    for raw in text.splitlines():
        line = strip_comment(raw)
        stripped = line.strip()
        words = stripped.replace("{", " { ").replace("}", " } ").split()
        if depth == 0 and stripped.endswith("{") and not stripped.startswith("("):
            keys = []
            for k in stripped[:-1].replace(",", " ").split():
                zone, _, port = k.rpartition(":") if re.search(r":\d+$", k) else (k, "", "53")
                keys.append((zone, port))
            block = {"keys": [z for z, _ in keys], "port": env.port(keys[0][1]), "addrs": [], "directives": []}
            blocks.append(block)
            out.append(" ".join(f"{z}:{env.port(p)}" for z, p in keys) + " {")
            out.append("    bind @BIND@")
            depth += 1
            continue
        if depth == 1 and words and block is not None:
            d = words[0]
            block["directives"].append(d)
            rest = words[1:]
            if d == "bind":
                block["addrs"] = [env.addr(a) for a in rest]
                continue
            if d in ("health", "ready", "prometheus", "metrics"):
                tail = " {" if "{" in rest else ""
                out.append(f"    {d} {env.http_addr(next((w for w in rest if w != '{'), d))}{tail}")
                block.setdefault("http", {})[d] = int(env.http_addr(next((w for w in rest if w != '{'), d)).split(":")[1])
                depth += stripped.count("{") - stripped.count("}")
                continue
            if d == "forward" and rest:
                args = [w for w in rest if w != "{"]
                tail = " {" if "{" in rest else ""
                # tls:// stays tls:// (its tls options stay valid); the test
                # upstream speaks plain DNS, so such a block is only started,
                # not asked (test_forward covers DNS over TLS with unbound).
                def target(a):
                    if a.startswith("/"):
                        return str(env.resolv)
                    return ("tls://" if a.startswith("tls://") else "") + env.up.address
                targets = sorted({target(a) for a in args[1:]})
                out.append(f"    forward {args[0]} {' '.join(targets)}{tail}")
                block.setdefault("forwards", []).append(
                    (args[0].rstrip(".") + ".", any(a.startswith("tls://") for a in args[1:])))
                depth += stripped.count("{") - stripped.count("}")
                continue
            if d == "kubernetes":
                block["kube_zones"] = [z.rstrip(".") + "." for z in rest if z != "{"] or \
                    [k.rstrip(".") + "." for k in block["keys"]]
                if "{" in rest:
                    out.append(raw)
                    out.append(f"        endpoint {env.kube.url}")
                else:
                    out.append(raw + f" {{\n        endpoint {env.kube.url}\n    }}")
                depth += stripped.count("{") - stripped.count("}")
                continue
            if d == "hosts" and rest and rest[0] != "{":
                out.append(raw.replace(rest[0], str(env.hosts), 1))
                depth += stripped.count("{") - stripped.count("}")
                continue
        if depth >= 2 and words and words[0] == "tls" and len(words) > 1:
            out.append("        tls " + " ".join(str(env.file) for _ in words[1:]))
            continue
        out.append(raw)
        depth += stripped.count("{") - stripped.count("}")
        if depth == 0:
            block = None
    text = "\n".join(out) + "\n"
    # Each block's bind line: its own addresses mapped, or 127.0.0.1.
    for b in blocks:
        addrs = b["addrs"] or ["127.0.0.1"]
        b["addrs"] = addrs
        text = text.replace("    bind @BIND@", "    bind " + " ".join(addrs), 1)
    # Upstream tls:// targets were replaced by the plain test upstream.
    return text, blocks


CLIENT_POD = {"kind": "Pod", "apiVersion": "v1",
              "metadata": {"name": "client", "namespace": "testns", "uid": "uid-client"},
              "spec": {"containers": [{"name": "c", "image": "busybox"}]},
              "status": {"phase": "Running", "podIP": "127.0.0.1", "podIPs": [{"ip": "127.0.0.1"}]}}

LB_SERVICE = {"kind": "Service", "apiVersion": "v1",
              "metadata": {"name": "lb-probe", "namespace": "testns", "uid": "uid-lb-probe"},
              "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.250", "clusterIPs": ["10.96.0.250"],
                       "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]},
              "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.250"}]}}}

RUNNABLE = [(i, p) for i, p in corefiles() if p.suffix == ".Corefile" or p.suffix == ".server"]


def run_known(path):
    reason = KNOWN.get(path.name)
    if path.name in ("aks-rewrite.server", "aks-hosts.override"):
        return []  # these run with paths or placeholders replaced
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def expect_block_answers(block, srv_port):
    """The generic checks: every block answers on its addresses what its plugins serve."""
    for addr in block["addrs"]:
        for zone in block["keys"]:
            zone = zone.rstrip(".") + "."
            if "chaos" in block["directives"]:
                q = dns.message.make_query(zone, "TXT", dns.rdataclass.CH)
                r = dns.query.udp(q, addr, port=block["port"], timeout=3)
                assert r.answer, (zone, r)
                continue
            if "cluster.local." in block.get("kube_zones", []) and zone in (".", "cluster.local."):
                q = dns.message.make_query("svc1.testns.svc.cluster.local.", "A")
                r = dns.query.udp(q, addr, port=block["port"], timeout=3)
                assert a_addresses(r) == ["10.96.0.100"], (addr, r)
            for origin, tls in block.get("forwards", []):
                # A name the forward's FROM covers inside this block's zone.
                if tls or not (origin == "." or origin.endswith(zone) or zone == "."):
                    continue
                under = origin if origin != "." else (zone if zone != "." else "example.com.")
                name = "probe." + under
                q = dns.message.make_query(name, "A")
                r = dns.query.udp(q, addr, port=block["port"], timeout=3)
                assert r.rcode() == dns.rcode.NOERROR and a_addresses(r) == ["192.0.2.1"], (addr, name, r)


@pytest.mark.parametrize("path", [pytest.param(p, id=i, marks=run_known(p)) for i, p in RUNNABLE])
def test_runs_with_only_addresses_ports_endpoints_and_paths_replaced(start_server, tmp_path, path):
    text = path.read_text().replace("<domain to be rewritten>", "example-rewrite")
    with FakeKube() as kube, Upstream() as up:
        kube.load_fixture(KUBE_FIXTURE)
        kube.add(CLIENT_POD)  # the tests' own address is a pod in testns (autopath)
        kube.add(LB_SERVICE)  # a load balancer for k8s_external
        env = Env(tmp_path, up, kube)
        adapted, blocks = adapt(text, env)
        (tmp_path / "adapted.Corefile").write_text(adapted)
        srv = start_server(adapted.replace("@PORT@", "0"), wait=False, port=blocks[0]["port"])
        for b in blocks:
            ready = b.get("http", {}).get("ready")
            if ready:
                poll(lambda: try_get(ready, "/ready") == (200, "OK"), 15, what=f"{path.name}: ready")
        poll(lambda: srv.running() and dns_up(blocks[0]), 15, what=f"{path.name}: answering")
        for b in blocks:
            expect_block_answers(b, srv.port)
        check = SPECIFIC.get(path.name)
        if check:
            check(blocks)
        assert srv.running()
        # These files ask for 5-20 s of lameduck on SIGTERM (test_health_ready
        # covers it): end this run at once.
        srv.stop(signal.SIGKILL)


def dns_up(block):
    try:
        dns.query.udp(dns.message.make_query("up.probe.", "A"), block["addrs"][0], port=block["port"], timeout=0.3)
        return True
    except Exception:
        return False


def ask(block, name, rdtype="A", addr=None):
    q = dns.message.make_query(name, rdtype)
    return dns.query.udp(q, addr or block["addrs"][0], port=block["port"], timeout=3)


def root(blocks, addr=None):
    return next(b for b in blocks if "." in b["keys"] and (addr is None or addr in b["addrs"]))


def check_aks(blocks):
    r = ask(root(blocks), "db.default.svc.cluster.local.internal.cloudapp.net.")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert ask(root(blocks), "x.reddog.microsoft.com.", "AAAA").rcode() == dns.rcode.NXDOMAIN
    assert a_addresses(ask(root(blocks), "vm1.internal.cloudapp.net.")) == ["192.0.2.1"]


def check_gardener_rewrite(blocks):
    r = ask(root(blocks), "svc1.testns.svc.cluster.local.svc.cluster.local.")
    assert a_addresses(r) == ["10.96.0.100"]
    assert [rr.name.to_text() for rr in r.answer] == ["svc1.testns.svc.cluster.local.svc.cluster.local."]


def check_svc_alias(blocks):
    r = ask(root(blocks), "legacy-api.company.com.")
    assert r.question[0].name.to_text() == "legacy-api.company.com."
    assert r.rcode() == dns.rcode.NXDOMAIN  # api-service.production is not in the fixture's cluster


def check_aks_localdns(blocks):
    # Two `.:53` blocks on two addresses: both answer, each its own way.
    addrs = sorted({a for b in blocks if "." in b["keys"] for a in b["addrs"]})
    assert len(addrs) == 2
    for a in addrs:
        assert ask(root(blocks, a), "probe.example.com.", addr=a).rcode() == dns.rcode.NOERROR


def check_autopath(blocks):
    # A testns pod's lookup of an external name through its search list:
    # completed on the server, behind a CNAME.
    r = ask(root(blocks), "example.com.testns.svc.cluster.local.")
    assert a_addresses(r) == ["192.0.2.1"]
    assert [rr.target.to_text() for rrset in r.answer if rrset.rdtype == dns.rdatatype.CNAME
            for rr in rrset] == ["example.com."]


def check_k8s_external(zone):
    def check(blocks):
        r = ask(root(blocks), f"lb-probe.testns.{zone}.")
        assert a_addresses(r) == ["192.0.2.250"], r
        assert ask(root(blocks), f"svc1.testns.{zone}.").rcode() == dns.rcode.NXDOMAIN  # no outside address
    return check


def check_transfer(blocks):
    # `transfer example.org { to * }`: the k8s_external zone by AXFR over TCP.
    b = root(blocks)
    msgs = list(dns.query.xfr(b["addrs"][0], "example.org.", port=b["port"], lifetime=10, relativize=False))
    records = [(str(rrset.name), dns.rdatatype.to_text(rrset.rdtype)) for m in msgs for rrset in m.answer]
    assert records[0] == ("example.org.", "SOA") and records[-1] == ("example.org.", "SOA")
    assert ("lb-probe.testns.example.org.", "A") in records


SPECIFIC = {
    "k8s_external-transfer.Corefile": check_transfer,
    "k8s_external.Corefile": check_k8s_external("example.org"),
    "kubespray-all-options.Corefile": check_k8s_external("k8s_external.local"),
    "autopath-kubeadm.Corefile": check_autopath,
    "aks.Corefile": check_aks,
    "gardener-query-rewriting.Corefile": check_gardener_rewrite,
    "rewrite-svc-alias.Corefile": check_svc_alias,
    "aks-localdns.Corefile": check_aks_localdns,
}
