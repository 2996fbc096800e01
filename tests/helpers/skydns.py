"""The skydns-registry side of the tests: the SkyDNS 1 HTTP API as a client
sees it (one http.client connection per call), bodies and Corefiles."""

import http.client
import json

from helpers.dnsclient import HOST
from helpers.skycore import free_port, poll

ZONE = "skydns.local"


def corefile(api_port, props=""):
    """One server block for ZONE on @PORT@; `props` are extra skydns-registry lines."""
    lines = "".join(f"        {p}\n" for p in props.splitlines() if p.strip())
    return f"""{ZONE}:@PORT@ {{
    bind 127.0.0.1
    skydns-registry {{
        api 127.0.0.1:{api_port}
{lines}    }}
}}
"""


def other_port(*taken):
    while True:
        p = free_port()
        if p not in taken:
            return p


class Reply:
    def __init__(self, status, text, headers):
        self.status = status
        self.text = text
        self.headers = headers
        try:
            self.json = json.loads(text) if text else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.text[:200]!r}>"


class Api:
    """The registry's HTTP API on 127.0.0.1:port, one connection per call."""

    def __init__(self, port, secret=None):
        self.port = port
        self.secret = secret

    def call(self, method, path, body=None, headers=None, timeout=3.0):
        hdrs = {}
        if self.secret is not None:
            hdrs["Authorization"] = self.secret
        hdrs.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            return Reply(resp.status, resp.read().decode("utf-8", "replace"), resp.headers)
        finally:
            conn.close()

    def put(self, uuid, body, **kw):
        return self.call("PUT", f"/skydns/services/{uuid}", body, **kw)

    def post(self, uuid, body, **kw):
        return self.call("POST", f"/skydns/services/{uuid}", body, **kw)

    def patch(self, uuid, ttl, **kw):
        return self.call("PATCH", f"/skydns/services/{uuid}", {"TTL": ttl}, **kw)

    def get(self, uuid, **kw):
        return self.call("GET", f"/skydns/services/{uuid}", **kw)

    def delete(self, uuid, **kw):
        return self.call("DELETE", f"/skydns/services/{uuid}", **kw)

    def wait_ready(self, timeout=5.0):
        def up():
            try:
                return self.call("GET", "/skydns/regions/", timeout=0.5).status in (200, 401)
            except (OSError, http.client.HTTPException):
                return False

        poll(up, timeout, interval=0.05, what=f"the registry API on port {self.port}")


def svc(name="db", version="1.0.2", env="production", region="east", host="10.0.0.1", port=5432,
        ttl=300, **extra):
    body = {"Name": name, "Version": version, "Environment": env, "Region": region, "Host": host,
            "Port": port, "TTL": ttl}
    body.update(extra)
    return body
