"""skydns-registry's scoped tokens: `token NAME SECRET { environments ...;
read-only }` and `reads open|token`, over real HTTP. A token writes only
services of its environments, both the one it sends and the one it would
replace or remove; read-only tokens only read; 401 without a known token,
403 outside a token's scope, each with a JSON reason; secrets never appear
in the server's output; DNS answers need no token."""

import json

import pytest

from helpers.dnsclient import query, udp
from helpers.skycore import free_port, run_skycore
from helpers.skydns import ZONE, Api, corefile, other_port, svc

STAGING = "staging-secret-0123456789"
READER = "reader-secret-0123456789"
ADMIN = "admin-secret-0123456789ab"

TOKENS = f"""store memory
token ci-staging {STAGING} {{
    environments Staging qa
}}
token dashboard {READER} {{
    read-only
}}
token admin {ADMIN}"""


def start(start_server, props):
    api_port = free_port()
    srv = start_server(corefile(api_port, props), port=other_port(api_port))
    Api(api_port, secret=ADMIN).wait_ready()
    return srv, api_port


def reason(r):
    body = json.loads(r.text)
    assert set(body) == {"error"}, body
    return body["error"]


def test_a_token_writes_only_its_environments(start_server):
    srv, port = start(start_server, TOKENS + "\nreads open")
    staging, admin = Api(port, secret=STAGING), Api(port, secret=ADMIN)
    assert staging.put("web1", svc(name="web", env="staging", host="10.9.0.1")).status == 201
    assert staging.put("web2", svc(name="web", env="QA", host="10.9.0.2")).status == 201  # case aside
    r = staging.put("db1", svc(env="production"))
    assert r.status == 403 and "environment 'production'" in reason(r) and "ci-staging" in reason(r)
    assert admin.put("db1", svc(env="production", host="10.9.0.3")).status == 201
    # What it would replace or remove counts too.
    r = staging.put("db1", svc(env="staging", host="10.9.0.4"))
    assert r.status == 403, r
    assert staging.call("DELETE", "/skydns/services/db1").status == 403
    assert staging.patch("db1", 60).status == 403
    assert staging.call("PUT", "/skydns/callbacks/db1", {"Reply": "127.0.0.1", "Port": 9}).status == 403
    assert admin.get("db1").json["Host"] == "10.9.0.3"  # untouched
    # Its own: refreshed, changed, removed.
    assert staging.patch("web1", 60).status == 200
    assert staging.call("DELETE", "/skydns/services/web1").status == 200
    # Bearer works for named tokens.
    r = Api(port).call("PUT", "/skydns/services/web3", svc(env="staging"), headers={"Authorization": f"Bearer {STAGING}"})
    assert r.status == 201
    # DNS needs no token.
    r = udp(query(f"db.production.{ZONE}.", "A"), srv.port)
    assert [rr.address for rrset in r.answer for rr in rrset] == ["10.9.0.3"]


def test_read_only_and_missing_tokens(start_server):
    srv, port = start(start_server, TOKENS + "\nreads open")
    reader, anonymous = Api(port, secret=READER), Api(port)
    assert Api(port, secret=ADMIN).put("db1", svc()).status == 201
    assert reader.get("db1").status == 200
    r = reader.put("db2", svc())
    assert r.status == 403 and "read-only" in reason(r)
    assert reader.call("DELETE", "/skydns/services/db1").status == 403
    assert anonymous.get("db1").status == 200  # reads open
    assert anonymous.call("GET", "/skydns/regions/").status == 200
    r = anonymous.put("db2", svc())
    assert r.status == 401 and "token is needed" in reason(r)
    r = Api(port, secret="not-a-token-at-all-xx").put("db2", svc())
    assert r.status == 401 and "unknown token" in reason(r)
    assert srv.running()
    out = srv.stdout() + srv.stderr()
    for secret in (STAGING, READER, ADMIN, "not-a-token-at-all-xx"):
        assert secret not in out


def test_reads_need_a_token_unless_open(start_server):
    srv, port = start(start_server, TOKENS)
    assert Api(port).get("x").status == 401
    assert Api(port).call("GET", "/skydns/services/").status == 401
    assert Api(port, secret=READER).call("GET", "/skydns/services/").status == 200


def test_the_old_secret_still_rules_everything(start_server):
    srv, port = start(start_server, f"store memory\nsecret {ADMIN}")
    assert Api(port, secret=ADMIN).put("db1", svc()).status == 201
    assert Api(port).get("db1").status == 401


@pytest.mark.parametrize("props,message", [
    ("token a short", "16 characters"),
    (f"token a {ADMIN}\ntoken a {STAGING}", "given twice"),
    (f"token a {ADMIN} {{\n    colour red\n}}", "unknown property"),
    (f"token a {ADMIN} {{\n    environments\n}}", "wrong argument count"),
    ("reads sometimes", "reads wants open or token"),
    ("token onlyname", "token wants NAME SECRET"),
])
def test_bad_token_configuration(tmp_path, props, message):
    (tmp_path / "Corefile").write_text(corefile(free_port(), "store memory\n" + props).replace("@PORT@", str(free_port())))
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1 and p.stderr.startswith("Corefile:") and message.lower() in p.stderr.lower(), p.stderr
    assert ADMIN not in p.stderr and STAGING not in p.stderr


def test_tokens_from_a_file(start_server, tmp_path):
    """`tokens FILE` gives the same scopes as the Corefile's `token`, and
    both forms together."""
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# one token per line\n\nci-staging {STAGING} environments staging\n"
                      f"dashboard {READER} read-only   # reads only\n")
    tokens.chmod(0o600)
    srv, port = start(start_server, f"store memory\ntoken admin {ADMIN}\ntokens {tokens}")
    staging, reader = Api(port, secret=STAGING), Api(port, secret=READER)
    assert staging.put("web1", svc(name="web", env="staging", host="10.9.1.1")).status == 201
    r = staging.put("db1", svc(env="production"))
    assert r.status == 403 and "environment 'production'" in reason(r)
    assert reader.get("web1").json["Host"] == "10.9.1.1"
    r = reader.put("web2", svc(env="staging"))
    assert r.status == 403 and "read-only" in reason(r)
    assert Api(port).get("web1").status == 401  # reads need a token: not open
    assert Api(port, secret=ADMIN).put("db1", svc(env="production")).status == 201
    out = srv.stdout() + srv.stderr()
    for secret in (STAGING, READER, ADMIN):
        assert secret not in out


@pytest.mark.parametrize("text,message", [
    (f"ok {STAGING}\nci short\n", ":2: token 'ci': a secret of 16 characters at least"),
    (f"ci {STAGING}\n# again\nci {READER}\n", ":3: token 'ci' given twice"),
    (f"ci {STAGING} admin\n", ":1: word 3 is neither read-only nor environments"),
    (f"ci {STAGING} {READER}\n", ":1: word 3 is neither"),  # a second secret is not echoed
    (f"ci {ADMIN}\n", "tokens 'admin' and 'ci' have the same secret"),
    (f"ci {STAGING} environments read-only\n", ":1: environments wants at least one environment"),
    (f"admin {STAGING}\n", "token 'admin' given twice"),  # clashes with the Corefile's token
])
def test_bad_tokens_file(tmp_path, text, message):
    tokens = tmp_path / "tokens"
    tokens.write_text(text)
    props = f"store memory\ntoken admin {ADMIN}\ntokens {tokens}"
    (tmp_path / "Corefile").write_text(corefile(free_port(), props).replace("@PORT@", str(free_port())))
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1 and p.stderr.startswith("Corefile:"), p.stderr
    assert message in p.stderr, p.stderr
    if message.startswith(":"):
        assert f"{tokens}{message}" in p.stderr  # the file's own line, next to the Corefile's
    assert STAGING not in p.stderr and READER not in p.stderr and ADMIN not in p.stderr


def test_a_missing_tokens_file(tmp_path):
    props = f"store memory\ntokens {tmp_path / 'nowhere'}"
    (tmp_path / "Corefile").write_text(corefile(free_port(), props).replace("@PORT@", str(free_port())))
    p = run_skycore(["-conf", "Corefile", "-validate"], cwd=tmp_path)
    assert p.returncode == 1 and "nowhere: cannot be read" in p.stderr, p.stderr
