"""The kubernetes plugin's configuration, end to end: how it finds and
authenticates to the API server (endpoint, kubeconfig in YAML and JSON,
tokens, CAs, client certificates, tls), against the fake API server
(helpers/fake_kube.py) over HTTP and HTTPS; and the Corefile errors of the
plugin's options. Records and watch behaviour are in test_kubernetes.py.

A connection that works shows as svc1.testns.svc.cluster.local A resolving to
10.96.0.100 (tests/fixtures/kube/cluster.json)."""

import base64
import http.client
import json
import shutil
import ssl
from pathlib import Path

import dns.rcode
import dns.rdatatype
import pytest

from helpers.certs import make_pki
from helpers.dnsclient import query, udp
from helpers.fake_kube import FakeKube
from helpers.skycore import poll, run_skycore

CLUSTER = Path(__file__).resolve().parent / "fixtures" / "kube" / "cluster.json"
NAME = "svc1.testns.svc.cluster.local"
ADDRESS = "10.96.0.100"
SYNC_TIMEOUT = 5.0
TOKEN = "skycore-test-token-0123456789"
STARTUP_WARNING = "starting to serve before the first sync"


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """CA, a server certificate for 127.0.0.1 (IP SAN) and a client certificate."""
    return make_pki(tmp_path_factory.mktemp("pki"), "127.0.0.1")


@pytest.fixture(scope="module")
def other_pki(tmp_path_factory):
    """An unrelated CA (and certificates) that the fake does not use."""
    return make_pki(tmp_path_factory.mktemp("other-pki"), "127.0.0.1")


@pytest.fixture(scope="module")
def named_pki(tmp_path_factory):
    """A CA whose server certificate is for a DNS name, not for 127.0.0.1."""
    return make_pki(tmp_path_factory.mktemp("named-pki"), "kube.example.test")


@pytest.fixture
def fake_kube():
    """Factory: fake_kube(**FakeKube kwargs) -> a started FakeKube holding the
    test cluster, stopped when the test ends."""
    started = []

    def start(**kw):
        k = FakeKube(**kw)
        k.load_fixture(CLUSTER)
        started.append(k.start())
        return k

    yield start
    for k in started:
        k.stop()


# ---------------------------------------------------------------- helpers

def corefile(*options, zone="cluster.local"):
    """A server block whose kubernetes directive is on line 3, its options
    on the lines from 4 on."""
    body = "".join(f"        {o}\n" for o in options)
    return f"{zone}:@PORT@ {{\n    bind 127.0.0.1\n    kubernetes {{\n{body}    }}\n}}\n"


def svc1_answer(srv):
    """(rcode, sorted A addresses in the answer) for svc1's A query."""
    r = udp(query(NAME, "A"), srv.port, timeout=1.0)
    addrs = sorted(rd.address for rrset in r.answer if rrset.rdtype == dns.rdatatype.A for rd in rrset)
    return r.rcode(), addrs


def wait_resolves(srv):
    """Polls until svc1 resolves to its ClusterIP (the plugin has synced)."""
    try:
        poll(lambda: svc1_answer(srv) == (dns.rcode.NOERROR, [ADDRESS]), SYNC_TIMEOUT,
             interval=0.05, what=f"{NAME} A -> {ADDRESS}")
    except AssertionError as e:
        raise AssertionError(f"{e}\nlast answer: {svc1_answer(srv)}\nskycore stdout:\n{srv.stdout()}") from None


def assert_never_resolves(srv, error):
    """With startup_timeout 1s: the plugin logs `error`, gives up waiting for
    the first sync, and answers what it can; a name it cannot find stays
    SERVFAIL (never NXDOMAIN, which pods would cache, as CoreDNS); no answer
    ever holds the address."""
    seen = []

    def settled():
        seen.append(svc1_answer(srv))
        out = srv.stdout()
        return error in out and STARTUP_WARNING in out

    try:
        poll(settled, SYNC_TIMEOUT, interval=0.05, what=f"{error!r} and the startup_timeout warning")
    except AssertionError as e:
        raise AssertionError(f"{e}\nskycore stdout:\n{srv.stdout()}") from None
    seen.append(svc1_answer(srv))  # at least one answer after the timeout
    assert seen[-1] == (dns.rcode.SERVFAIL, []), seen[-1]
    assert all(rcode == dns.rcode.SERVFAIL and not addrs for rcode, addrs in seen), seen
    assert "synced with" not in srv.stdout()
    assert "[ERROR] plugin/kubernetes:" in srv.stdout()


def kubectl_yaml(obj, indent=0):
    """YAML the way kubectl writes a kubeconfig (sigs.k8s.io/yaml over
    go-yaml v2): keys sorted, two-space indent, sequences of mappings at
    their key's indent ("clusters:\\n- cluster:"), {} for an empty mapping,
    long scalars (base64 data) on one line."""
    pad = " " * indent
    lines = []
    for key in sorted(obj):
        v = obj[key]
        if isinstance(v, dict) and v:
            lines += [f"{pad}{key}:", kubectl_yaml(v, indent + 2)]
        elif isinstance(v, dict):
            lines.append(f"{pad}{key}: {{}}")
        elif isinstance(v, list):
            lines.append(f"{pad}{key}:")
            for item in v:
                if not isinstance(item, dict):
                    lines.append(f"{pad}- {item}")
                    continue
                sub = kubectl_yaml(item, indent + 2).split("\n")
                sub[0] = f"{pad}- {sub[0][indent + 2:]}"
                lines += sub
        elif isinstance(v, bool):
            lines.append(f"{pad}{key}: {'true' if v else 'false'}")
        else:
            lines.append(f"{pad}{key}: {v}")
    return "\n".join(lines)


def kubeconfig(clusters, users, contexts, current):
    """A kubeconfig as a dict. clusters/users: {name: fields};
    contexts: {name: (cluster, user)}."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": n, "cluster": c} for n, c in clusters.items()],
        "users": [{"name": n, "user": u} for n, u in users.items()],
        "contexts": [{"name": n, "context": {"cluster": c, "user": u}} for n, (c, u) in contexts.items()],
        "current-context": current,
    }


def simple_kubeconfig(cluster, user):
    return kubeconfig({"kind-test": cluster}, {"kind-test": user}, {"kind-test": ("kind-test", "kind-test")},
                      "kind-test")


def write_yaml(path, cfg):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(kubectl_yaml(cfg) + "\n")
    return path


def b64(path):
    return base64.b64encode(Path(path).read_bytes()).decode()


def tls_fake(fake_kube, pki, **kw):
    return fake_kube(tls=(pki.server_cert, pki.server_key), **kw)


# ---------------------------------------------------------------- the fake's TLS itself

def test_fake_kube_tls_serves_https_and_requires_client_certificate(fake_kube, pki, other_pki):
    """The fake's HTTPS (used by every TLS test below) works with Python's own
    client, and rejects a missing or foreign client certificate."""
    kube = tls_fake(fake_kube, pki, client_ca=pki.ca)
    assert kube.url == f"https://127.0.0.1:{kube.port}"

    def get(cert=None):
        ctx = ssl.create_default_context(cafile=str(pki.ca))  # checks the IP SAN too
        if cert:
            ctx.load_cert_chain(str(cert[0]), str(cert[1]))
        conn = http.client.HTTPSConnection("127.0.0.1", kube.port, context=ctx, timeout=2.0)
        try:
            conn.request("GET", "/api/v1/namespaces/testns/services/svc1")
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read())
        finally:
            conn.close()

    status, body = get((pki.client_cert, pki.client_key))
    assert status == 200 and body["spec"]["clusterIP"] == ADDRESS
    for cert in (None, (other_pki.client_cert, other_pki.client_key)):
        with pytest.raises((ssl.SSLError, ConnectionError)):
            get(cert)
    # The client may see the alert before the fake's handler has noted it.
    errors = poll(lambda: len(kube.tls_errors) == 2 and kube.tls_errors, 2.0, what="two TLS errors")
    assert "PEER_DID_NOT_RETURN_A_CERTIFICATE" in errors[0]
    assert "CERTIFICATE_VERIFY_FAILED" in errors[1]
    assert len(kube.requests) == 1  # the rejected ones never got to HTTP


# ---------------------------------------------------------------- plain endpoint

def test_plain_http_endpoint(fake_kube, start_server):
    kube = fake_kube()
    srv = start_server(corefile(f"endpoint {kube.url}"))
    wait_resolves(srv)
    assert f"synced with {kube.url}" in srv.stdout()
    paths = {r.path for r in kube.requests}
    assert {"/api/v1/services", "/api/v1/namespaces", "/apis/discovery.k8s.io/v1/endpointslices"} <= paths
    assert all("Authorization" not in r.headers for r in kube.requests)


# ---------------------------------------------------------------- kubeconfig: tokens

def test_kubeconfig_yaml_with_token(fake_kube, start_server, tmp_path):
    """A kubeconfig exactly as kubectl writes it, including the fields the
    plugin does not use (preferences: {}, a minikube-style extensions list
    whose values hold ': ' and commas, a context namespace)."""
    kube = fake_kube(token=TOKEN)
    text = f"""\
apiVersion: v1
clusters:
- cluster:
    extensions:
    - extension:
        last-update: Wed, 26 Nov 2025 10:00:00 UTC
        provider: minikube.sigs.k8s.io
        version: v1.34.0
      name: cluster_info
    server: {kube.url}
  name: minikube
contexts:
- context:
    cluster: minikube
    extensions:
    - extension:
        last-update: Wed, 26 Nov 2025 10:00:00 UTC
        provider: minikube.sigs.k8s.io
        version: v1.34.0
      name: context_info
    namespace: default
    user: minikube
  name: minikube
current-context: minikube
kind: Config
preferences: {{}}
users:
- name: minikube
  user:
    token: {TOKEN}
"""
    path = tmp_path / "kube" / "config"
    path.parent.mkdir()
    path.write_text(text)
    srv = start_server(corefile(f"kubeconfig {path}"))
    wait_resolves(srv)
    assert f"synced with {kube.url}" in srv.stdout()
    assert kube.requests and all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in kube.requests)


def test_kubeconfig_wrong_token_is_refused_and_logged(fake_kube, start_server, tmp_path):
    kube = fake_kube(token=TOKEN)
    path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig({"server": kube.url}, {"token": "not-the-token"}))
    srv = start_server(corefile(f"kubeconfig {path}", "startup_timeout 1s"))
    assert_never_resolves(srv, "401 Unauthorized")
    assert kube.requests and all(r.headers.get("Authorization") == "Bearer not-the-token" for r in kube.requests)


def test_kubeconfig_without_token_is_refused(fake_kube, start_server, tmp_path):
    kube = fake_kube(token=TOKEN)
    path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig({"server": kube.url}, {}))
    srv = start_server(corefile(f"kubeconfig {path}", "startup_timeout 1s"))
    assert_never_resolves(srv, "401 Unauthorized")
    assert kube.requests and all("Authorization" not in r.headers for r in kube.requests)


def test_kubeconfig_second_context_selected(fake_kube, start_server, tmp_path):
    """current-context names a user with a wrong token and a cluster that is
    not there; `kubeconfig FILE CONTEXT` picks the other context."""
    kube = fake_kube(token=TOKEN)
    cfg = kubeconfig(
        clusters={"prod": {"server": "http://127.0.0.1:9"}, "test": {"server": kube.url}},
        users={"prod-admin": {"token": "prod-token"}, "test-admin": {"token": TOKEN}},
        contexts={"prod": ("prod", "prod-admin"), "test": ("test", "test-admin")},
        current="prod")
    path = write_yaml(tmp_path / "kubeconfig", cfg)
    srv = start_server(corefile(f"kubeconfig {path} test"))
    wait_resolves(srv)
    assert f"synced with {kube.url}" in srv.stdout()


def test_kubeconfig_token_file_relative_to_kubeconfig(fake_kube, start_server, tmp_path):
    """tokenFile: a relative path is taken from the kubeconfig's directory,
    not from skycore's working directory; the trailing newline is dropped."""
    kube = fake_kube(token=TOKEN)
    (tmp_path / "creds" / "secrets").mkdir(parents=True)
    (tmp_path / "creds" / "secrets" / "token").write_text(TOKEN + "\n")
    path = write_yaml(tmp_path / "creds" / "kubeconfig",
                      simple_kubeconfig({"server": kube.url}, {"tokenFile": "secrets/token"}))
    srv = start_server(corefile(f"kubeconfig {path}"))
    assert not (srv.dir / "secrets").exists()
    wait_resolves(srv)
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in kube.requests)


def test_kubeconfig_json(fake_kube, start_server, tmp_path):
    """The same kubeconfig as `kubectl config view --raw -o json` prints it."""
    kube = fake_kube(token=TOKEN)
    cfg = kubeconfig(
        clusters={"other": {"server": "http://127.0.0.1:9"}, "test": {"server": kube.url}},
        users={"test-admin": {"token": TOKEN}},
        contexts={"other": ("other", "test-admin"), "test": ("test", "test-admin")},
        current="test")
    path = tmp_path / "kubeconfig.json"
    path.write_text(json.dumps(cfg, indent=4) + "\n")
    srv = start_server(corefile(f"kubeconfig {path}"))
    wait_resolves(srv)
    assert f"synced with {kube.url}" in srv.stdout()
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in kube.requests)


def test_kubeconfig_hand_written_yaml(fake_kube, start_server, tmp_path):
    """Not kubectl's layout: sequences indented under their key, keys in
    another order, quoted values, comments, a document start, CRLF lines."""
    kube = fake_kube(token=TOKEN)
    text = f"""\
---
# written by hand
apiVersion: v1
kind: Config
current-context: 'test'
clusters:
  - name: test
    cluster:
      server: "{kube.url}"   # the fake
contexts:
  - name: test
    context:
      user: admin
      cluster: test
users:
  - name: admin
    user:
      token: {TOKEN}  # a comment after a plain value
"""
    path = tmp_path / "kubeconfig"
    path.write_bytes(text.replace("\n", "\r\n").encode())
    srv = start_server(corefile(f"kubeconfig {path}"))
    wait_resolves(srv)
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in kube.requests)


# A user as kubectl writes it after `gcloud container clusters get-credentials`:
# go-yaml folds the long installHint onto a second, more indented line.
GKE_USER = """\
- name: gke_proj_europe-west1_prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args: null
      command: gke-gcloud-auth-plugin
      env: null
      installHint: Install gke-gcloud-auth-plugin for use with kubectl by following
        https://cloud.google.com/blog/products/containers-kubernetes/kubectl-auth-changes-in-gke
      interactiveMode: IfAvailable
      provideClusterInfo: true
"""


def gke_kubeconfig(path, server, token):
    """Two contexts: "gke" (the exec user above) and "test" (a token user of
    `server`); current-context is "gke"."""
    cfg = kubeconfig(
        clusters={"gke": {"server": "https://127.0.0.1:9"}, "test": {"server": server}},
        users={"test-admin": {"token": token}},
        contexts={"gke": ("gke", "gke_proj_europe-west1_prod"), "test": ("test", "test-admin")},
        current="gke")
    write_yaml(path, cfg)
    path.write_text(path.read_text() + GKE_USER)  # users is the last key
    return path


def test_kubeconfig_with_gke_user_other_context(fake_kube, start_server, tmp_path):
    """A ~/.kube/config holding a GKE cluster and the one we want."""
    kube = fake_kube(token=TOKEN)
    path = gke_kubeconfig(tmp_path / "config", kube.url, TOKEN)
    srv = start_server(corefile(f"kubeconfig {path} test"))
    wait_resolves(srv)


# ---------------------------------------------------------------- kubeconfig: server verification

@pytest.mark.parametrize("form", ["absolute", "relative"])
def test_kubeconfig_certificate_authority_file(fake_kube, start_server, tmp_path, pki, form):
    """certificate-authority: a file; relative paths are from the kubeconfig's
    directory. The server certificate is for 127.0.0.1 (an IP SAN)."""
    kube = tls_fake(fake_kube, pki, token=TOKEN)
    d = tmp_path / "conf"
    d.mkdir()
    if form == "relative":
        shutil.copy(pki.ca, d / "ca.crt")
        ca = "ca.crt"
    else:
        ca = str(pki.ca)
    path = write_yaml(d / "kubeconfig",
                      simple_kubeconfig({"server": kube.url, "certificate-authority": ca}, {"token": TOKEN}))
    srv = start_server(corefile(f"kubeconfig {path}"))
    wait_resolves(srv)
    assert f"synced with {kube.url}" in srv.stdout()
    assert kube.tls_errors == []


def test_kubeconfig_certificate_authority_data(fake_kube, start_server, tmp_path, pki):
    kube = tls_fake(fake_kube, pki, token=TOKEN)
    path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig(
        {"server": kube.url, "certificate-authority-data": b64(pki.ca)}, {"token": TOKEN}))
    srv = start_server(corefile(f"kubeconfig {path}"))
    wait_resolves(srv)
    assert kube.tls_errors == []


def test_kubeconfig_insecure_skip_tls_verify(fake_kube, start_server, tmp_path, other_pki):
    """insecure-skip-tls-verify: true and no CA: even a certificate from an
    unknown CA is accepted."""
    kube = tls_fake(fake_kube, other_pki, token=TOKEN)
    path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig(
        {"server": kube.url, "insecure-skip-tls-verify": True}, {"token": TOKEN}))
    assert "insecure-skip-tls-verify: true\n" in path.read_text()
    srv = start_server(corefile(f"kubeconfig {path}"))
    wait_resolves(srv)


def test_kubeconfig_wrong_certificate_authority_is_refused(fake_kube, start_server, tmp_path, pki, other_pki):
    kube = tls_fake(fake_kube, pki, token=TOKEN)
    path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig(
        {"server": kube.url, "certificate-authority-data": b64(other_pki.ca)}, {"token": TOKEN}))
    srv = start_server(corefile(f"kubeconfig {path}", "startup_timeout 1s"))
    assert_never_resolves(srv, "certificate verify failed")
    assert kube.requests == []  # no request (and so no token) was sent
    assert any("UNKNOWN_CA" in e for e in kube.tls_errors), kube.tls_errors


def test_kubeconfig_certificate_for_another_name_is_refused(fake_kube, start_server, tmp_path, named_pki):
    """The right CA, but a server certificate for kube.example.test, not for
    the address 127.0.0.1 the kubeconfig names: the host check must refuse it."""
    kube = tls_fake(fake_kube, named_pki, token=TOKEN)
    path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig(
        {"server": kube.url, "certificate-authority-data": b64(named_pki.ca)}, {"token": TOKEN}))
    srv = start_server(corefile(f"kubeconfig {path}", "startup_timeout 1s"))
    assert_never_resolves(srv, "certificate verify failed")
    assert kube.requests == []


# ---------------------------------------------------------------- client certificates

def test_kubeconfig_client_certificate_data(fake_kube, start_server, tmp_path, pki):
    kube = tls_fake(fake_kube, pki, client_ca=pki.ca)
    path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig(
        {"server": kube.url, "certificate-authority-data": b64(pki.ca)},
        {"client-certificate-data": b64(pki.client_cert), "client-key-data": b64(pki.client_key)}))
    srv = start_server(corefile(f"kubeconfig {path}"))
    wait_resolves(srv)
    assert kube.tls_errors == []
    assert all("Authorization" not in r.headers for r in kube.requests)


def test_kubeconfig_client_certificate_files(fake_kube, start_server, tmp_path, pki):
    """client-certificate / client-key as files, relative to the kubeconfig."""
    kube = tls_fake(fake_kube, pki, client_ca=pki.ca)
    d = tmp_path / "conf"
    d.mkdir()
    shutil.copy(pki.client_cert, d / "client.crt")
    shutil.copy(pki.client_key, d / "client.key")
    path = write_yaml(d / "kubeconfig", simple_kubeconfig(
        {"server": kube.url, "certificate-authority": str(pki.ca)},
        {"client-certificate": "client.crt", "client-key": "client.key"}))
    srv = start_server(corefile(f"kubeconfig {path}"))
    wait_resolves(srv)
    assert kube.tls_errors == []


def test_kubeconfig_without_client_certificate_is_refused(fake_kube, start_server, tmp_path, pki):
    """The counterpart of the two above: the fake really demands the certificate."""
    kube = tls_fake(fake_kube, pki, client_ca=pki.ca)
    path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig(
        {"server": kube.url, "certificate-authority-data": b64(pki.ca)}, {"token": TOKEN}))
    srv = start_server(corefile(f"kubeconfig {path}", "startup_timeout 1s"))
    assert_never_resolves(srv, "[ERROR] plugin/kubernetes: services:")
    assert kube.requests == []
    assert any("PEER_DID_NOT_RETURN_A_CERTIFICATE" in e for e in kube.tls_errors), kube.tls_errors


def test_endpoint_with_tls_client_certificate(fake_kube, start_server, pki):
    kube = tls_fake(fake_kube, pki, client_ca=pki.ca)
    srv = start_server(corefile(f"endpoint https://127.0.0.1:{kube.port}",
                                f"tls {pki.client_cert} {pki.client_key} {pki.ca}"))
    wait_resolves(srv)
    assert f"synced with https://127.0.0.1:{kube.port}" in srv.stdout()
    assert kube.tls_errors == []


def test_endpoint_with_tls_foreign_client_certificate_is_refused(fake_kube, start_server, pki, other_pki):
    """tls with the right CA but a client certificate from another CA."""
    kube = tls_fake(fake_kube, pki, client_ca=pki.ca)
    srv = start_server(corefile(f"endpoint https://127.0.0.1:{kube.port}",
                                f"tls {other_pki.client_cert} {other_pki.client_key} {pki.ca}",
                                "startup_timeout 1s"))
    assert_never_resolves(srv, "[ERROR] plugin/kubernetes: services:")
    assert kube.requests == []
    assert any("CERTIFICATE_VERIFY_FAILED" in e for e in kube.tls_errors), kube.tls_errors


@pytest.mark.parametrize("case", ["ca-data-not-pem", "client-key-mismatch", "tls-key-mismatch"])
def test_unusable_pem_is_an_error_not_a_crash(fake_kube, start_server, tmp_path, pki, other_pki, case):
    """Either start-up fails (exit 1, `Corefile:LINE: kubernetes: ...` naming the
    problem) or skycore keeps running and logs it; it must not crash."""
    kube = tls_fake(fake_kube, pki, client_ca=pki.ca)
    good_user = {"client-certificate-data": b64(pki.client_cert), "client-key-data": b64(pki.client_key)}
    if case == "ca-data-not-pem":
        path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig(
            {"server": kube.url, "certificate-authority-data": base64.b64encode(b"not a certificate").decode()},
            good_user))
        options, reason = [f"kubeconfig {path}"], "CA"
    elif case == "client-key-mismatch":
        path = write_yaml(tmp_path / "kubeconfig", simple_kubeconfig(
            {"server": kube.url, "certificate-authority-data": b64(pki.ca)},
            dict(good_user, **{"client-key-data": b64(other_pki.client_key)})))
        options, reason = [f"kubeconfig {path}"], "key"
    else:
        options = [f"endpoint {kube.url}", f"tls {pki.client_cert} {other_pki.client_key} {pki.ca}"]
        reason = "key"
    srv = start_server(corefile(*options, "startup_timeout 1s"), wait=False)
    poll(lambda: not srv.running() or "[ERROR] plugin/kubernetes:" in srv.stdout(), SYNC_TIMEOUT,
         what="skycore to exit or log the error")
    if not srv.running():
        assert srv.proc.returncode == 1, (srv.proc.returncode, srv.stderr())
        # start_server names the Corefile by its absolute path; the error
        # points at the option that named the bad data.
        line = 5 if case == "tls-key-mismatch" else 4
        assert f"/Corefile:{line}: kubernetes:" in srv.stderr() and reason in srv.stderr(), srv.stderr()
    else:
        srv.wait_ready()
        assert_never_resolves(srv, "[ERROR] plugin/kubernetes:")
        assert reason in srv.stdout() and srv.running()


# ---------------------------------------------------------------- Corefile errors

EXEC_USER = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
                      "args": ["eks", "get-token", "--cluster-name", "dev"], "interactiveMode": "IfAvailable",
                      "provideClusterInfo": False}}


def _bad_kubeconfigs(d):
    write_yaml(d / "exec.yaml", kubeconfig({"eks": {"server": "https://127.0.0.1:9"}}, {"eks-user": EXEC_USER},
                                            {"eks": ("eks", "eks-user")}, "eks"))
    write_yaml(d / "good.yaml", simple_kubeconfig({"server": "http://127.0.0.1:9"}, {"token": TOKEN}))
    write_yaml(d / "nokey.yaml", simple_kubeconfig({"server": "https://127.0.0.1:9"},
                                                   {"client-certificate-data": "TFMwdExTMUNSVWRKVGc9PQ=="}))
    gke_kubeconfig(d / "gke.yaml", "http://127.0.0.1:9", TOKEN)


def case(id, options, expected, marks=()):
    """options: the lines of the kubernetes block; expected: all of stderr.
    The directive is on line 3, its options on lines 4, 5, ...; @DIR@ is the
    test's directory."""
    return pytest.param(options, expected, id=id, marks=marks)


CONFIG_ERRORS = [
    case("unknown-property", ["endpoint http://127.0.0.1:9", "bogus 1"],
         "Corefile:5: unknown property 'bogus'"),
    case("ttl-too-big", ["endpoint http://127.0.0.1:9", "ttl 3601"],
         "Corefile:5: kubernetes: ttl '3601': want 0 to 3600 seconds"),
    case("ttl-not-a-number", ["endpoint http://127.0.0.1:9", "ttl abc"],
         "Corefile:5: kubernetes: ttl 'abc': want 0 to 3600 seconds"),
    case("pods-mode", ["endpoint http://127.0.0.1:9", "pods sometimes"],
         "Corefile:5: kubernetes: pods 'sometimes': want disabled, insecure or verified"),
    case("endpoint-scheme", ["ttl 30", "endpoint ftp://x"],
         "Corefile:5: kubernetes: endpoint 'ftp://x' is not an http:// or https:// URL"),
    case("endpoint-and-kubeconfig", ["kubeconfig @DIR@/good.yaml", "endpoint http://127.0.0.1:9"],
         "Corefile:5: kubernetes: use endpoint or kubeconfig, not both"),
    # Errors found while reading the kubeconfig point at its line.
    case("kubeconfig-missing", ["ttl 30", "kubeconfig missing.yaml"],
         "Corefile:5: kubernetes: cannot read 'missing.yaml'"),
    case("kubeconfig-exec", ["ttl 30", "kubeconfig @DIR@/exec.yaml"],
         "Corefile:5: kubernetes: @DIR@/exec.yaml: user 'eks-user': exec and auth-provider credentials are "
         "not supported; use a token or a client certificate"),
    case("kubeconfig-exec-gke", ["ttl 30", "kubeconfig @DIR@/gke.yaml"],
         "Corefile:5: kubernetes: @DIR@/gke.yaml: user 'gke_proj_europe-west1_prod': exec and "
         "auth-provider credentials are not supported; use a token or a client certificate"),
    case("kubeconfig-no-such-context", ["ttl 30", "kubeconfig @DIR@/good.yaml staging"],
         "Corefile:5: kubernetes: @DIR@/good.yaml: no context 'staging'"),
    case("kubeconfig-cert-without-key", ["ttl 30", "kubeconfig @DIR@/nokey.yaml"],
         "Corefile:5: kubernetes: @DIR@/nokey.yaml: user 'kind-test': a client certificate needs its key "
         "and the other way round"),
    case("ignore-what", ["endpoint http://127.0.0.1:9", "ignore nothing"],
         "Corefile:5: kubernetes: ignore 'nothing': only empty_service"),
    case("tls-without-endpoint", ["ttl 30", "tls a.crt a.key ca.crt"],
         "Corefile:5: kubernetes: tls needs an https endpoint"),
    case("tls-with-http-endpoint", ["endpoint http://127.0.0.1:9", "tls a.crt a.key ca.crt"],
         "Corefile:5: kubernetes: tls needs an https endpoint"),
    case("startup-timeout", ["endpoint http://127.0.0.1:9", "startup_timeout soon"],
         "Corefile:5: kubernetes: startup_timeout: 'soon' is not a duration"),
]


@pytest.mark.parametrize("validate", [True, False], ids=["validate", "start"])
@pytest.mark.parametrize("options,expected", CONFIG_ERRORS)
def test_corefile_error(tmp_path, port, options, expected, validate):
    _bad_kubeconfigs(tmp_path)
    text = corefile(*(o.replace("@DIR@", str(tmp_path)) for o in options)).replace("@PORT@", str(port))
    (tmp_path / "Corefile").write_text(text)
    p = run_skycore(["-conf", "Corefile", "-quiet"] + (["-validate"] if validate else []), cwd=tmp_path)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stderr.strip() == expected.replace("@DIR@", str(tmp_path))
    assert p.stdout == ""


@pytest.mark.parametrize("validate", [True, False], ids=["validate", "start"])
def test_corefile_error_kubernetes_twice(tmp_path, port, validate):
    text = (f"cluster.local:{port} {{\n"
            "    bind 127.0.0.1\n"
            "    kubernetes {\n"
            "        endpoint http://127.0.0.1:9\n"
            "    }\n"
            "    kubernetes example.org {\n"
            "        endpoint http://127.0.0.1:9\n"
            "    }\n"
            "}\n")
    (tmp_path / "Corefile").write_text(text)
    p = run_skycore(["-conf", "Corefile", "-quiet"] + (["-validate"] if validate else []), cwd=tmp_path)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stderr.strip() == "Corefile:6: plugin 'kubernetes' can only be used once per server block"


def test_corefile_options_accepted(tmp_path, port, pki):
    """The counterpart of the errors above: every option in a valid form
    (limits included) passes -validate, so the errors come from the values."""
    _bad_kubeconfigs(tmp_path)
    text = (f"cluster.local:{port} {{\n    bind 127.0.0.1\n"
            "    kubernetes cluster.local 10.0.0.0/8 ip6.arpa {\n"
            f"        kubeconfig {tmp_path}/good.yaml kind-test\n"
            "        namespaces testns default\n"
            "        labels env in (prod, staging),!canary\n"
            "        pods verified\n"
            "        endpoint_pod_names\n"
            "        ttl 3600\n"
            "        noendpoints\n"
            "        fallthrough in-addr.arpa ip6.arpa\n"
            "        ignore empty_service\n"
            "        startup_timeout 500ms\n"
            "        legacy_service_names\n"
            "    }\n}\n"
            f"other.local:{port} {{\n    bind 127.0.0.1\n    kubernetes {{\n"
            "        endpoint https://127.0.0.1:6443\n"
            "        tls a.crt a.key ca.crt\n"
            "        ttl 0\n"
            "    }\n}\n")
    (tmp_path / "Corefile").write_text(text)
    # -validate loads the certificates and key, so they must be real ones.
    for name, src in (("a.crt", pki.client_cert), ("a.key", pki.client_key), ("ca.crt", pki.ca)):
        shutil.copy(src, tmp_path / name)
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert (p.returncode, p.stderr) == (0, ""), p.stderr
    assert p.stdout.strip() == "Corefile: valid"


# ---------------------------------------------------------------- in-cluster

def test_no_endpoint_outside_a_cluster(tmp_path, port, monkeypatch):
    """No endpoint, no kubeconfig, no KUBERNETES_SERVICE_HOST: start-up fails
    with a clear error; -validate does not look at the in-cluster
    configuration and passes."""
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_PORT", raising=False)
    (tmp_path / "Corefile").write_text(corefile("ttl 30").replace("@PORT@", str(port)))

    p = run_skycore(["-conf", "Corefile", "-quiet"], cwd=tmp_path)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stderr.strip() == ("Corefile:3: kubernetes: no endpoint or kubeconfig given, and not in a "
                                "cluster (KUBERNETES_SERVICE_HOST/PORT unset)")

    v = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert (v.returncode, v.stderr, v.stdout.strip()) == (0, "", "Corefile: valid")


@pytest.mark.skipif(Path("/var/run/secrets/kubernetes.io/serviceaccount/token").exists(),
                    reason="this machine has a service account token")
def test_in_cluster_without_service_account(tmp_path, port, monkeypatch):
    """KUBERNETES_SERVICE_HOST set but no service account mounted: the
    error names the missing token file."""
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "6443")
    (tmp_path / "Corefile").write_text(corefile("ttl 30").replace("@PORT@", str(port)))
    p = run_skycore(["-conf", "Corefile", "-quiet"], cwd=tmp_path)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert p.stderr.strip() == ("Corefile:3: kubernetes: in-cluster: "
                                "/var/run/secrets/kubernetes.io/serviceaccount/token is missing")
