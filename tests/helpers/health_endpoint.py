"""An HTTP health endpoint on 127.0.0.1 for the registry's checks to ask."""

import http.server
import json
import threading
import time


class HealthEndpoint:
    """An HTTP server on 127.0.0.1 answering GET /health with `status`,
    after `delay` seconds; counts the requests it gets. PUT and DELETE (the
    registry's callbacks) are kept in `calls`, the first of them only after
    `hold_first` seconds (a slow receiver, for ordering)."""

    def __init__(self):
        self.status = 200
        self.delay = 0.0
        self.hits = 0
        self.calls = []
        self.hold_first = 0.0
        self.held = False
        lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_PUT(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(n) or b"null")
                with lock:
                    first, outer.held = not outer.held, True
                if first and outer.hold_first:
                    time.sleep(outer.hold_first)
                outer.calls.append((self.command, self.path, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_DELETE = do_PUT

            def do_GET(self):
                outer.hits += 1
                if outer.delay:
                    time.sleep(outer.delay)
                body = b"ok\n"
                try:
                    self.send_response(outer.status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the checker gave up first

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/health"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
