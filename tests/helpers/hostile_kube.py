"""An API server that answers what a test scripts, for what the real
protocol allows but a healthy server never sends: objects of the wrong
shape, watch streams that end at once or carry garbage, list pages whose
continue token never ends. It speaks HTTP/1.1 and Kubernetes' list/watch
shapes (the objects are real JSON of the real kinds); what each resource
returns is decided per request by `script`, a callable
script(resource, watch, query) -> (status, body) where body is bytes for a
list and a list of lines for a watch stream. Requests are counted."""

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

RESOURCES = {
    "/api/v1/services": "services",
    "/api/v1/namespaces": "namespaces",
    "/apis/discovery.k8s.io/v1/endpointslices": "endpointslices",
    "/api/v1/pods": "pods",
}


def list_body(kind, items, rv="100", cont=None):
    meta = {"resourceVersion": rv}
    if cont:
        meta["continue"] = cont
    return json.dumps({"apiVersion": "v1", "kind": kind + "List", "metadata": meta, "items": items}).encode()


def service(name, ns, ip, rv="10"):
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "resourceVersion": rv},
            "spec": {"clusterIP": ip, "clusterIPs": [ip], "type": "ClusterIP",
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}}


def namespace(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "resourceVersion": "5"}}


class HostileKube:
    def __init__(self, script):
        self.script = script
        self.counts = Counter()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.kube = self
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def count(self, resource, watch):
        with self.lock:
            return self.counts[(resource, watch)]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        kube = self.server.kube
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        resource = RESOURCES.get(url.path)
        watch = query.get("watch") in ("1", "true")
        if resource is None:
            return self._send(404, b'{"kind":"Status","code":404}')
        with kube.lock:
            kube.counts[(resource, watch)] += 1
        status, body = kube.script(resource, watch, query)
        if not watch or status != 200:
            return self._send(status, body if isinstance(body, bytes) else b"".join(body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for line in body:
            data = line if isinstance(line, bytes) else line.encode()
            data += b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
