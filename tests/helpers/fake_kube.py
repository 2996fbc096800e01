#!/usr/bin/python3
"""A fake Kubernetes API server for tests: list and watch over plain HTTP
(or HTTPS, optionally requiring a client certificate), speaking the wire
protocol of the real kube-apiserver, standard library only.

Serves Namespaces, Services, Pods (core v1) and EndpointSlices
(discovery.k8s.io/v1), cluster-wide and per namespace:

  GET /api/v1/services                                  ServiceList
  GET /api/v1/namespaces/{ns}/services                  (same, one namespace)
  GET /api/v1/namespaces/{ns}/services/{name}           one Service
  GET /apis/discovery.k8s.io/v1/endpointslices          EndpointSliceList ...

Lists: {"kind":"ServiceList","apiVersion":"v1","metadata":{"resourceVersion":"N"},
"items":[...]}; items carry no kind/apiVersion (as the real server sends them).
limit/continue paging works the real way (an opaque token, 410 once compacted).

Watches (?watch=1 or watch=true): HTTP 200, chunked, one JSON object and a
newline per event: {"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}.
Event objects carry kind/apiVersion. resourceVersion=N streams every change
after N; without it (or with "0") the current objects come first as ADDED.
A version older than the kept history gets the real "410 Gone" form: an ERROR
event holding a Status with code 410, reason Expired, then the stream ends.

One resourceVersion counter for all objects (etcd's revision). labelSelector
supports k=v, k==v, k!=v, k, !k, k in (a,b), k notin (a,b), comma-joined.

Also runnable: /usr/bin/python3 tests/helpers/fake_kube.py --port P --fixture FILE...
"""

import os
import sys

# Run as a script, this directory comes first on sys.path, and the tests'
# helpers/http.py would hide the standard library's http package.
if __name__ == "__main__":
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]

import argparse  # noqa: E402 (after the sys.path fix above)
import base64
import bisect
import copy
import json
import re
import select
import signal
import socket
import socketserver
import ssl
import threading
import time
import uuid
from collections import Counter, namedtuple
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
HANDSHAKE_TIMEOUT = 5.0  # seconds a client may take to finish the TLS handshake


@dataclass(frozen=True)
class Kind:
    kind: str          # "Service"
    api_version: str   # "v1", "discovery.k8s.io/v1"
    resource: str      # the plural in the URL: "services"
    namespaced: bool


KINDS = {k.kind: k for k in (
    Kind("Namespace", "v1", "namespaces", False),
    Kind("Service", "v1", "services", True),
    Kind("Pod", "v1", "pods", True),
    Kind("EndpointSlice", "discovery.k8s.io/v1", "endpointslices", True),
)}
BY_RESOURCE = {(k.api_version, k.resource): k for k in KINDS.values()}

# One stored change. old is None for an add, new is None for a delete; both are
# full objects (with kind/apiVersion) and never mutated once stored.
Change = namedtuple("Change", "rv kind old new")


@dataclass
class Request:
    """One request as the server saw it; query values are the last one given."""
    method: str
    path: str
    query: dict
    headers: dict

    @property
    def watch(self):
        return _is_true(self.query.get("watch", ""))


REASONS = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
           405: "MethodNotAllowed", 409: "AlreadyExists", 410: "Expired",
           429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
           504: "Timeout"}


def status_object(code, message, reason=None):
    """The metav1.Status the real server puts in error bodies and ERROR events."""
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason or REASONS.get(code, "Unknown"), "code": code}


def _is_true(v):
    # Go's strconv.ParseBool, which the real server uses for watch=...
    return v in ("1", "t", "T", "true", "TRUE", "True")


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dumps(obj):
    # Compact JSON and a newline, as Go's json.Encoder writes it.
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


def _labels(obj):
    return obj.get("metadata", {}).get("labels") or {}


def _sort_key(obj):
    # The real server returns lists in etcd key order: namespace, then name.
    m = obj["metadata"]
    return (m.get("namespace", ""), m["name"])


# ---------------------------------------------------------------- selectors

_REQUIREMENT = re.compile(
    r"^\s*(?P<neg>!)?\s*(?P<key>[A-Za-z0-9._/-]+)\s*"
    r"(?:(?P<op>==|=|!=)\s*(?P<val>[A-Za-z0-9._-]*)"
    r"|\s(?P<setop>in|notin)\s*\((?P<vals>[^)]*)\))?\s*$")


def parse_selector(text):
    """A labelSelector string -> predicate over a labels dict. ValueError if malformed."""
    reqs = []
    for part in re.split(r",(?![^(]*\))", text or ""):  # commas outside "(...)"
        if not part.strip():
            continue
        m = _REQUIREMENT.match(part)
        if not m or (m["neg"] and (m["op"] or m["setop"])):
            raise ValueError(f"unable to parse requirement: {part!r}")
        key, val = m["key"], m["val"]
        if m["neg"]:
            reqs.append(lambda lb, k=key: k not in lb)
        elif m["op"] in ("=", "=="):
            reqs.append(lambda lb, k=key, v=val: lb.get(k) == v)
        elif m["op"] == "!=":  # true when the label is absent, as in Kubernetes
            reqs.append(lambda lb, k=key, v=val: lb.get(k) != v)
        elif m["setop"]:
            vals = {v.strip() for v in m["vals"].split(",")}
            if m["setop"] == "in":
                reqs.append(lambda lb, k=key, vs=vals: k in lb and lb[k] in vs)
            else:
                reqs.append(lambda lb, k=key, vs=vals: lb.get(k) not in vs)
        else:
            reqs.append(lambda lb, k=key: k in lb)
    return lambda labels: all(r(labels) for r in reqs)


def _route(path):
    """URL path -> (Kind, namespace or None, name or None), or None if not served."""
    if path.startswith("/api/v1/"):
        version, rest = "v1", path[len("/api/v1/"):]
    elif path.startswith("/apis/"):
        parts = path[len("/apis/"):].split("/", 2)
        if len(parts) < 3:
            return None
        version, rest = parts[0] + "/" + parts[1], parts[2]
    else:
        return None
    seg = [s for s in rest.split("/") if s]
    ns = None
    # namespaces/{ns}/{resource}[/{name}] is a namespaced URL; namespaces[/{name}]
    # is the cluster-scoped Namespace resource itself.
    if len(seg) >= 3 and seg[0] == "namespaces":
        ns, seg = seg[1], seg[2:]
    kind = BY_RESOURCE.get((version, seg[0])) if seg else None
    if kind is None or len(seg) > 2 or (ns is not None and not kind.namespaced):
        return None
    name = seg[1] if len(seg) == 2 else None
    if name is not None and kind.namespaced and ns is None:
        return None
    return kind, ns, name


# ---------------------------------------------------------------- the store

class FakeKube:
    """A fake API server. All methods are thread-safe.

    port: 0 picks a free one (kept across restart()). token: if set, requests
    need "Authorization: Bearer <token>". history_limit: how many changes a
    watch can resume over (older versions get 410). bookmark_interval: seconds
    between BOOKMARK events on watches that allow them. chunk_size: None sends
    one HTTP chunk per event; a number re-cuts the stream into chunks of that
    many bytes, so events straddle chunks (a client must buffer up to "\\n").
    start_rv: the resourceVersion before the first object. verbose: log
    requests to stderr.

    tls: None serves plain HTTP; (certfile, keyfile) serves HTTPS with that
    PEM certificate chain and key (url then starts with https://). client_ca:
    with tls, a PEM CA file; every connection must then present a client
    certificate signed by it (ssl.CERT_REQUIRED). Handshakes that fail are
    listed in tls_errors.
    """

    def __init__(self, port=0, token=None, history_limit=1000, bookmark_interval=1.0,
                 start_rv=1000, chunk_size=None, verbose=False, tls=None, client_ca=None):
        self.port = port
        self.token = token
        if client_ca is not None and tls is None:
            raise ValueError("client_ca needs tls=(certfile, keyfile)")
        self.tls = tls
        self.client_ca = client_ca
        self._ssl_context = None
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(str(tls[0]), str(tls[1]))
            if client_ca is not None:
                ctx.load_verify_locations(cafile=str(client_ca))
                ctx.verify_mode = ssl.CERT_REQUIRED
            self._ssl_context = ctx
        self.history_limit = history_limit
        self.bookmark_interval = bookmark_interval
        self.chunk_size = chunk_size
        self.verbose = verbose
        # One condition guards the state below; it is notified on every change
        # (and on stop) so watch streams wake up.
        self._cond = threading.Condition()
        self._objects = {}             # (kind, namespace, name) -> object
        self._rv = start_rv            # the global resourceVersion
        self._changes = []             # Change, ascending rv
        self._history_start = start_rv  # every change with rv > this is in _changes
        self._snapshots = {}           # (kind, rv) -> sorted objects, for paged lists
        self._requests = []
        self._faults = []              # [remaining, status, match]
        self._open_watches = Counter()  # resource -> open watch streams
        self._tls_errors = []
        self._httpd = None

    # -- lifecycle

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://{HOST}:{self.port}"

    def start(self):
        httpd = _Server((HOST, self.port), _Handler)
        httpd.kube = self
        if self._ssl_context is not None:
            # Accepted connections are wrapped too; each handshakes in its
            # own handler thread, so a stalled client does not block accept().
            httpd.socket = self._ssl_context.wrap_socket(
                httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        # A short poll interval keeps stop() quick.
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True, name=f"fake-kube-{self.port}").start()
        return self

    def stop(self, timeout=2.0):
        """Closes the listening socket and cuts every open connection (watches
        end without their final chunk, as when a real server goes away).
        Objects and the resourceVersion are kept for restart()."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.stopping.set()
        with self._cond:
            self._cond.notify_all()
        httpd.shutdown()
        httpd.server_close()
        with httpd.conns_lock:
            conns = list(httpd.conns)
        for sock in conns:
            try:
                # The plain socket's shutdown even for TLS ones: SSLSocket's
                # would drop its SSL object under a thread still using it.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass
        # Watch threads notice within one wait slice; wait (bounded) so that
        # watchers() reads 0 when stop() returns.
        deadline = time.monotonic() + timeout
        while self.watchers() and time.monotonic() < deadline:
            time.sleep(0.01)

    def restart(self, compact=False):
        """stop() then start() on the same port. compact=True also drops the
        history, as a real apiserver restart does (its watch cache starts at
        the current version), so clients resuming an old watch get 410."""
        self.stop()
        if compact:
            self.compact()
        return self.start()

    def __enter__(self):
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc):
        self.stop()

    # -- objects

    def add(self, obj):
        """Creates obj (kind from obj["kind"]); ValueError if it exists.
        Returns the stored copy, with its resourceVersion."""
        return self._put(obj, exists=False)

    def update(self, obj):
        """Replaces an existing object; KeyError if it does not exist."""
        return self._put(obj, exists=True)

    def delete(self, kind, namespace, name):
        """Deletes an object (namespace is ignored for Namespaces); returns it."""
        k = KINDS[kind]
        key = (kind, namespace if k.namespaced else "", name)
        with self._cond:
            old = self._objects.pop(key)
            self._commit(old, None)
        return copy.deepcopy(old)

    def get(self, kind, namespace, name):
        """A copy of the stored object, or None."""
        key = (kind, namespace if KINDS[kind].namespaced else "", name)
        with self._cond:
            obj = self._objects.get(key)
        return copy.deepcopy(obj)

    def load_fixture(self, path):
        """Adds (or replaces) every object of a JSON file holding a List
        (as `kubectl get -o json` prints) or an array of objects."""
        with open(path) as f:
            data = json.load(f)
        items = data["items"] if isinstance(data, dict) else data
        # Items of a typed list (a ServiceList saved from the API) lack kind.
        list_kind = data.get("kind", "") if isinstance(data, dict) else ""
        item_kind = list_kind[:-4] if list_kind.endswith("List") and list_kind != "List" else None
        for obj in items:
            if "kind" not in obj and item_kind:
                obj = dict(obj, kind=item_kind)
            self._put(obj, exists=None)

    @property
    def resource_version(self):
        """The current global resourceVersion, as an int."""
        with self._cond:
            return self._rv

    def compact(self):
        """Forgets all history (and paged-list snapshots): a watch from any
        version older than the current one now gets 410 Expired."""
        with self._cond:
            self._changes.clear()
            self._history_start = self._rv
            self._snapshots.clear()

    # -- what tests look at

    @property
    def requests(self):
        """Every request so far (Request: method, path, query, headers, watch)."""
        with self._cond:
            return list(self._requests)

    def clear_requests(self):
        with self._cond:
            self._requests.clear()

    @property
    def tls_errors(self):
        """Why each failed TLS handshake failed (str(ssl.SSLError), e.g.
        "... PEER_DID_NOT_RETURN_A_CERTIFICATE ..." or "... ALERT_UNKNOWN_CA ...")."""
        with self._cond:
            return list(self._tls_errors)

    def watchers(self, resource=None):
        """Open watch streams (of one resource, e.g. "services", or of all).
        Once counted, a watch is registered: any later change reaches it."""
        with self._cond:
            return self._open_watches[resource] if resource else sum(self._open_watches.values())

    def fail_next(self, n=1, status=500, match=None):
        """The next n requests (those match accepts: None for all, a string
        found in the path, or a callable taking a Request) get `status` with a
        Status body; status 0 instead drops the connection without an answer."""
        with self._cond:
            self._faults.append([n, status, match])

    # -- internals (call with self._cond held unless said otherwise)

    def _put(self, obj, exists):
        obj = copy.deepcopy(obj)
        k = KINDS.get(obj.get("kind"))
        if k is None:
            raise ValueError(f"unsupported kind {obj.get('kind')!r} (known: {', '.join(KINDS)})")
        obj["apiVersion"] = k.api_version
        meta = obj.setdefault("metadata", {})
        if k.namespaced:
            meta.setdefault("namespace", "default")
        else:
            meta.pop("namespace", None)
        key = (k.kind, meta.get("namespace", ""), meta["name"])
        with self._cond:
            old = self._objects.get(key)
            if exists is True and old is None:
                raise KeyError(key)
            if exists is False and old is not None:
                raise ValueError(f"{key} already exists")
            # Identity survives updates; the store owns resourceVersion.
            meta.setdefault("uid", old["metadata"]["uid"] if old else str(uuid.uuid4()))
            meta.setdefault("creationTimestamp",
                            old["metadata"]["creationTimestamp"] if old else _now())
            self._objects[key] = obj
            self._commit(old, obj)
            return copy.deepcopy(obj)

    def _commit(self, old, new):
        self._rv += 1
        if new is not None:
            new["metadata"]["resourceVersion"] = str(self._rv)
        self._changes.append(Change(self._rv, (new or old)["kind"], old, new))
        if len(self._changes) > self.history_limit:
            dropped = self._changes.pop(0)
            self._history_start = dropped.rv
        self._cond.notify_all()

    def _matching(self, kind, namespace, selector):
        objs = [o for (kd, ns, _), o in self._objects.items()
                if kd == kind.kind and (namespace is None or ns == namespace)
                and selector(_labels(o))]
        return sorted(objs, key=_sort_key)

    def _take_fault(self, req):
        for f in self._faults:
            n, status, match = f
            if match is None or (callable(match) and match(req)) or \
                    (isinstance(match, str) and match in req.path):
                f[0] -= 1
                if f[0] <= 0:
                    self._faults.remove(f)
                return status
        return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # restart() rebinds the port at once

    def __init__(self, *a, **kw):
        self.stopping = threading.Event()
        self.conns = set()
        self.conns_lock = threading.Lock()
        super().__init__(*a, **kw)

    def server_bind(self):
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn); skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        # A failed TLS handshake (recorded in tls_errors) or a client that
        # went away is part of what the tests do, not a fault of the fake.
        if isinstance(sys.exc_info()[1], (ssl.SSLError, OSError)):
            return
        super().handle_error(request, client_address)


# ---------------------------------------------------------------- HTTP

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked watches, as the real server
    server_version, sys_version = "fake-kube-apiserver", ""
    timeout = 60                   # idle keep-alive connections end on their own

    def setup(self):
        with self.server.conns_lock:
            self.server.conns.add(self.request)
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.settimeout(HANDSHAKE_TIMEOUT)
                self.request.do_handshake()
            except (ssl.SSLError, OSError) as e:
                kube = self.server.kube
                with kube._cond:
                    kube._tls_errors.append(str(e))
                if kube.verbose:
                    sys.stderr.write(f"fake_kube: TLS handshake failed: {e}\n")
                with self.server.conns_lock:
                    self.server.conns.discard(self.request)
                raise  # finish() is not called; the server closes the socket
        super().setup()
        if self.server.stopping.is_set():
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self):
        try:
            super().finish()
        finally:
            with self.server.conns_lock:
                self.server.conns.discard(self.connection)

    def log_message(self, fmt, *args):
        if self.server.kube.verbose:
            sys.stderr.write("fake_kube: " + fmt % args + "\n")

    def do_GET(self):
        kube = self.server.kube
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        req = Request(self.command, url.path, query, dict(self.headers))
        with kube._cond:
            kube._requests.append(req)
            fault = kube._take_fault(req)
        if fault is not None:
            if fault == 0:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            return self._send_status(fault, f"injected failure ({fault})")
        if kube.token and self.headers.get("Authorization") != f"Bearer {kube.token}":
            return self._send_status(401, "Unauthorized")
        if url.path in ("/healthz", "/livez", "/readyz"):
            return self._send(200, b"ok", "text/plain; charset=utf-8")
        if url.path == "/version":
            return self._send_json(200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0"})

        route = _route(url.path)
        if route is None:
            return self._send_status(404, "the server could not find the requested resource")
        kind, ns, name = route
        try:
            selector = parse_selector(query.get("labelSelector", ""))
        except ValueError as e:
            return self._send_status(400, str(e))
        if name is not None:
            obj = kube.get(kind.kind, ns, name)
            if obj is None:
                return self._send_status(404, f'{kind.resource} "{name}" not found')
            return self._send_json(200, obj)
        if req.watch:
            return self._watch(kind, ns, selector, query)
        return self._list(kind, ns, selector, query)

    def _not_allowed(self):
        self._send_status(405, f"{self.command} is not supported by the fake")

    do_POST = do_PUT = do_PATCH = do_DELETE = _not_allowed

    # -- plain responses

    def _send(self, code, body, ctype, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for h, v in extra:
            self.send_header(h, v)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, code, obj, extra=()):
        self._send(code, _dumps(obj), "application/json", extra)

    def _send_status(self, code, message):
        extra = [("Retry-After", "1")] if code == 429 else []
        self._send_json(code, status_object(code, message), extra)

    # -- list

    def _list(self, kind, ns, selector, query):
        kube = self.server.kube
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            return self._send_status(400, "limit must be an integer")
        token = query.get("continue")
        with kube._cond:
            if token:
                # Later pages come from the snapshot the first page was cut
                # from, as the real server reads etcd at the first page's version.
                try:
                    t = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
                    rv, start = t["rv"], tuple(t["start"])
                except (ValueError, KeyError, TypeError):
                    return self._send_status(400, "continue key is not valid")
                objs = kube._snapshots.get((kind.kind, rv))
                if objs is None:
                    return self._send_status(
                        410, "The provided continue parameter is too old to display a "
                             "consistent list result. You can start a new list without "
                             "the continue parameter.")
            else:
                rv, start = kube._rv, None
                objs = kube._matching(kind, None, lambda _: True)
                if limit:
                    kube._snapshots[(kind.kind, rv)] = objs
        items = [o for o in objs
                 if (ns is None or o["metadata"].get("namespace") == ns)
                 and selector(_labels(o)) and (start is None or _sort_key(o) > start)]
        meta = {"resourceVersion": str(rv)}
        if limit and len(items) > limit:
            last = _sort_key(items[limit - 1])
            raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(last)})
            meta["continue"] = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
            if not query.get("labelSelector"):  # the real server omits it when filtering
                meta["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        # List items carry no kind/apiVersion; the list itself says them.
        items = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items]
        self._send_json(200, {"kind": kind.kind + "List", "apiVersion": kind.api_version,
                              "metadata": meta, "items": items})

    # -- watch

    def _watch(self, kind, ns, selector, query):
        kube, stopping = self.server.kube, self.server.stopping
        try:
            since = int(query.get("resourceVersion") or 0)
            timeout = float(query["timeoutSeconds"]) if query.get("timeoutSeconds") else None
        except ValueError:
            return self._send_status(400, "resourceVersion and timeoutSeconds must be numbers")
        bookmarks = _is_true(query.get("allowWatchBookmarks", ""))

        def wanted(obj):
            return (obj is not None and obj["kind"] == kind.kind
                    and (ns is None or obj["metadata"].get("namespace") == ns)
                    and selector(_labels(obj)))

        with kube._cond:
            expired = since and since < kube._history_start
            if expired:
                first = [self._expired_event(since, kube._history_start)]
            elif since == 0:
                # "" or "0": the current state as ADDED events, then changes.
                first = [{"type": "ADDED", "object": o} for o in kube._matching(kind, ns, selector)]
                since = kube._rv
            else:
                first = []
            if not expired:
                kube._open_watches[kind.resource] += 1
        try:
            # The real server answers 200 at once, then streams; errors that
            # arise later (like 410) come as ERROR events inside the stream.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache, private")
            self.end_headers()
            self._send_events(first)
            if expired or self._stream(kube, kind, since, wanted, bookmarks, timeout, stopping):
                self.wfile.write(b"0\r\n\r\n")  # the last chunk: a clean end
            else:
                self.close_connection = True
        except OSError:  # the client went away
            self.close_connection = True
        finally:
            if not expired:
                with kube._cond:
                    kube._open_watches[kind.resource] -= 1

    def _stream(self, kube, kind, cursor, wanted, bookmarks, timeout, stopping):
        """Sends changes after cursor until the timeout (True: end cleanly),
        stop() or the client leaving (False: just drop the connection)."""
        now = time.monotonic()
        deadline = now + timeout if timeout else None
        next_bookmark = now + kube.bookmark_interval if bookmarks else None
        while True:
            events, done = [], False
            with kube._cond:
                while True:
                    if stopping.is_set():
                        return False
                    if cursor < kube._history_start:  # fell behind the kept history
                        events, done = [self._expired_event(cursor, kube._history_start)], True
                        break
                    if kube._rv > cursor:
                        i = bisect.bisect_right(kube._changes, cursor, key=lambda c: c.rv)
                        events = [e for e in map(lambda c: self._event(c, wanted),
                                                 kube._changes[i:]) if e]
                        cursor = kube._rv
                        if events:
                            break
                        continue
                    now = time.monotonic()
                    if deadline is not None and now >= deadline:
                        return True
                    if next_bookmark is not None and now >= next_bookmark:
                        # Every change up to cursor has been sent, so the
                        # bookmark may say cursor.
                        events = [{"type": "BOOKMARK", "object": {
                            "kind": kind.kind, "apiVersion": kind.api_version,
                            "metadata": {"resourceVersion": str(cursor)}}}]
                        next_bookmark = now + kube.bookmark_interval
                        break
                    if self._client_gone():
                        return False
                    # Short waits: the client leaving is seen only by polling.
                    kube._cond.wait(0.05)
            self._send_events(events)
            if done:
                return True

    @staticmethod
    def _event(change, wanted):
        """A Change as this watch sees it. Like the real watch cache, an object
        that stops matching the selector is DELETED (its old content at the
        new version) and one that starts matching is ADDED."""
        was, now = wanted(change.old), wanted(change.new)
        if now:
            return {"type": "MODIFIED" if was else "ADDED", "object": change.new}
        if was:
            old = change.old
            gone = dict(old, metadata=dict(old["metadata"], resourceVersion=str(change.rv)))
            return {"type": "DELETED", "object": gone}
        return None

    @staticmethod
    def _expired_event(rv, oldest):
        return {"type": "ERROR", "object": status_object(
            410, f"too old resource version: {rv} ({oldest})", "Expired")}

    def _send_events(self, events):
        if not events:
            return
        if self.server.kube.chunk_size:
            data = b"".join(_dumps(e) for e in events)
            n = self.server.kube.chunk_size
            pieces = [data[i:i + n] for i in range(0, len(data), n)]
        else:
            pieces = [_dumps(e) for e in events]  # one chunk per event
        self.wfile.write(b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces))

    def _client_gone(self):
        """True once the client has closed its end (a readable socket with
        nothing to read)."""
        conn = self.connection
        try:
            poller = select.poll()  # not select(): it fails on descriptors >= 1024
            poller.register(conn, select.POLLIN)
            if not poller.poll(0):
                return False
            if not isinstance(conn, ssl.SSLSocket):
                return conn.recv(1, socket.MSG_PEEK) == b""
            # TLS cannot peek: readable bytes may be a record that carries no
            # data (a close_notify, a key update). Read without blocking; a
            # watch client sends nothing, so no request byte is lost.
            timeout = conn.gettimeout()
            conn.settimeout(0)
            try:
                return conn.recv(1) == b""
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return False
            finally:
                conn.settimeout(timeout)
        except OSError:  # ssl.SSLError included
            return True


# ---------------------------------------------------------------- script

def main(argv=None):
    ap = argparse.ArgumentParser(description="A fake Kubernetes API server (list/watch).")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    ap.add_argument("--fixture", nargs="+", action="extend", default=[],
                    help="JSON files (a List or an array of objects) to load")
    ap.add_argument("--token", help="require this bearer token")
    ap.add_argument("--bookmark-interval", type=float, default=1.0)
    ap.add_argument("--history-limit", type=int, default=1000)
    ap.add_argument("--verbose", action="store_true", help="log requests to stderr")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with these PEM files")
    ap.add_argument("--client-ca", help="with --tls: require client certificates signed by this CA")
    args = ap.parse_args(argv)
    if args.client_ca and not args.tls:
        ap.error("--client-ca needs --tls")

    kube = FakeKube(port=args.port, token=args.token, history_limit=args.history_limit,
                    bookmark_interval=args.bookmark_interval, verbose=args.verbose,
                    tls=tuple(args.tls) if args.tls else None, client_ca=args.client_ca)
    for path in args.fixture:
        kube.load_fixture(path)
    kube.start()
    print(kube.url, flush=True)  # the one line a script waits for
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    while not done.wait(0.5):
        pass
    kube.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
