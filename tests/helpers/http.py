"""Plain HTTP/1.1 GETs to 127.0.0.1 with timeouts, for the metrics, health
and ready endpoints. Any status comes back (no exception for 4xx/5xx)."""

import http.client

from helpers.dnsclient import HOST


def http_get(port, path, timeout=2.0, method="GET"):
    """(status, body text) of one request to 127.0.0.1:port."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", errors="replace")
    finally:
        conn.close()


def try_get(port, path, timeout=0.5):
    """Like http_get, but None while nothing listens (or answers) yet."""
    try:
        return http_get(port, path, timeout=timeout)
    except (OSError, http.client.HTTPException):
        return None
