"""skydns-registry's live view: GET /skydns/events as server-sent events
(snapshot, put, delete; expiry included; a cap on streams; clients that go
free their slot) read off a raw socket, and GET / in headless Chromium: the
page shows registered services, a new registration appears and an expired
one disappears without a reload."""

import json
import os
import shutil
import socket
import threading
import time

import pytest

from helpers.skycore import free_port, poll, rss_mb
from helpers.skydns import Api, corefile, other_port, svc

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")


def start(start_server, props="store memory"):
    api_port = free_port()
    srv = start_server(corefile(api_port, props), port=other_port(api_port))
    Api(api_port).wait_ready()
    return srv, Api(api_port)


class Events:
    """One GET /skydns/events, parsed as it arrives."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.sendall(b"GET /skydns/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        self.buf = b""
        self.head = self._until(b"\r\n\r\n").decode()

    def _until(self, sep):
        while sep not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the stream ended")
            self.buf += chunk
        out, self.buf = self.buf.split(sep, 1)
        return out

    def next(self):
        """(event, data) of the next event, skipping comments."""
        while True:
            block = self._until(b"\n\n").decode()
            fields = dict(line.split(": ", 1) for line in block.split("\n") if line and not line.startswith(":"))
            if fields:
                return fields["event"], json.loads(fields["data"])

    def close(self):
        self.sock.close()


def test_events_follow_registrations_removals_and_expiry(start_server):
    _, api = start(start_server)
    assert api.put("old", svc(name="db", host="10.1.0.1")).status == 201
    ev = Events(api.port)
    assert ev.head.startswith("HTTP/1.1 200") and "text/event-stream" in ev.head
    kind, data = ev.next()
    assert kind == "snapshot" and [s["UUID"] for s in data] == ["old"]
    assert data[0]["Heartbeat"].endswith("Z")
    assert api.put("new", svc(name="web", host="10.1.0.2", ttl=1)).status == 201
    kind, data = ev.next()
    assert kind == "put" and data["UUID"] == "new" and data["Name"] == "web"
    assert api.delete("old").status == 200
    assert ev.next() == ("delete", {"UUID": "old"})
    # The TTL of 1 s runs out: the purge publishes it as a delete.
    assert ev.next() == ("delete", {"UUID": "new"})
    ev.close()


def test_event_streams_are_capped_and_freed(start_server):
    _, api = start(start_server)
    streams = [Events(api.port) for _ in range(64)]
    for e in streams:
        assert e.next()[0] == "snapshot"
    r = api.call("GET", "/skydns/events")
    assert r.status == 503 and "at most 64" in r.json["error"]
    # Registrations and DNS go on meanwhile.
    assert api.put("x", svc(host="10.1.0.9")).status == 201
    for e in streams[:8]:
        e.close()

    def room():
        try:
            e = Events(api.port)
        except (EOFError, OSError):
            return False
        ok = e.head.startswith("HTTP/1.1 200")
        e.close()
        return ok

    poll(room, 5, interval=0.1, what="a slot freed by a client that went")
    for e in streams[8:]:
        e.close()


def test_a_stream_that_is_never_read_is_cut_off(start_server):
    srv, api = start(start_server)
    stuck = socket.create_connection(("127.0.0.1", api.port), timeout=5)
    stuck.sendall(b"GET /skydns/events HTTP/1.1\r\nHost: x\r\n\r\n")
    # About 4 KB per event (64 long tags): 8 MB of events, past what the
    # kernel's buffers and the stream's 256 KB take.
    tags = [f"t{i}-" + "a" * 55 for i in range(64)]
    sent = 0
    for i in range(2000):
        body = svc(name="churn", host=f"10.2.{i // 250}.{i % 250}", Tags=tags)
        assert api.put(f"u{i}", body).status == 201
        assert api.delete(f"u{i}").status == 200
        sent += 4000
    # The server dropped it rather than keep its events (at the latest when
    # a write has waited 10 s): the socket ends short of everything.
    stuck.settimeout(30)
    got = bytearray()
    while True:
        try:
            chunk = stuck.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
    assert len(got) < sent
    assert b'{"UUID":"u1999"}' not in got  # the last event never came
    stuck.close()
    assert Events(api.port).next()[0] == "snapshot"  # others are served as before
    assert srv.running()


def register_big_listing(api):
    """4,000 services with 16 long tags each: a listing of about 5.8 MB."""
    tags = [f"t{i}-" + "a" * 55 for i in range(16)]
    for i in range(4000):
        assert api.put(f"s{i}", svc(name=f"big{i % 50}", host=f"10.3.{i // 250}.{i % 250}", Tags=tags)).status == 201


def never_reading_stream(port):
    """A socket that asks for the event stream and never reads it."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET /skydns/events HTTP/1.1\r\nHost: x\r\n\r\n")
    return s


def test_streams_that_never_read_share_a_few_snapshots(start_server):
    # 40 clients that ask for the stream and never read, over a listing of
    # about 5 MB: each with a snapshot of its own would hold 200 MB. They
    # share at most 4 buffers, and a reader that comes after them is
    # served once one has been written out (at the latest when a stuck
    # client's write has waited 10 s).
    srv, api = start(start_server)
    register_big_listing(api)
    reader = Events(api.port)
    reader.sock.settimeout(30)
    assert reader.next()[0] == "snapshot"
    reader.close()
    before = rss_mb(srv.pid)
    stuck = []
    for _ in range(40):
        stuck.append(never_reading_stream(api.port))
    peak = [before]
    done = []

    def sample():
        while not done:
            peak[0] = max(peak[0], rss_mb(srv.pid))
            time.sleep(0.05)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    try:
        late = Events(api.port)
        late.sock.settimeout(60)
        kind, data = late.next()
        assert kind == "snapshot" and len(data) == 4000
        late.close()
        peak[0] = max(peak[0], rss_mb(srv.pid))  # what the 40 hold is built by now
    finally:
        done.append(True)
        t.join()
        for s in stuck:
            s.close()
    print(f"RSS {before:.1f} MB before the 40 streams, {peak[0]:.1f} MB at most with them")
    assert peak[0] - before < 60, (before, peak[0])
    assert srv.running()


def test_a_joiner_past_the_snapshot_buffers_waits_for_one(start_server):
    # Each round: a client that never reads, then one that reads its
    # snapshot (so the round is over). The stuck ones keep their rounds'
    # buffers until their write times out (10 s); the fifth round finds all
    # 4 in use and waits for one, then is served. What this asserts is that
    # the wait ends (the bound itself is the test above's): a joiner that
    # was never looked at again would fail it.
    srv, api = start(start_server)
    register_big_listing(api)
    stuck = []
    try:
        for _ in range(5):
            stuck.append(never_reading_stream(api.port))
            reader = Events(api.port)
            reader.sock.settimeout(40)
            kind, data = reader.next()
            assert kind == "snapshot" and len(data) == 4000
            reader.close()
    finally:
        for s in stuck:
            s.close()
    assert srv.running()


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium and chromium-driver are in scripts/deps.sh")
def test_the_page_in_chromium(start_server, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService
    from selenium.webdriver.common.by import By

    _, api = start(start_server)
    assert api.put("db1", svc(name="db", env="production", region="east", host="10.3.0.1", ttl=300)).status == 201
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,500",
              f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=DriverService(CHROMEDRIVER), options=opts)
    try:
        driver.set_page_load_timeout(10)
        driver.get(f"http://127.0.0.1:{api.port}/")

        # Read in one script each: the page replaces rows as events come, so
        # an element found by one WebDriver call can be gone by the next.
        def uuids():
            return driver.execute_script(
                "return Array.from(document.querySelectorAll('tr[data-uuid]'), tr => tr.dataset.uuid)")

        def cells(uuid):
            return driver.execute_script(
                "return Array.from(document.querySelectorAll(`tr[data-uuid=\"${arguments[0]}\"] td`), td => td.innerText)",
                uuid)

        poll(lambda: uuids() == ["db1"], 10, interval=0.1, what="the registered service on the page")
        assert driver.find_element(By.ID, "status").text == "live"
        row = cells("db1")
        assert row[:5] == ["db", "1.0.2", "east", "db1", "10.3.0.1:5432"] and row[5] == "no checks"
        # TTL left counts down.
        first = int(row[6].split()[0])
        poll(lambda: int(cells("db1")[6].split()[0]) < first, 5, interval=0.2, what="the TTL to count down")

        # A new registration appears without a reload; an expired one goes.
        assert api.put("web1", svc(name="web", env="production", region="west", host="10.3.0.2", ttl=2)).status == 201
        poll(lambda: sorted(uuids()) == ["db1", "web1"], 5, interval=0.1, what="web1 to appear")
        poll(lambda: uuids() == ["db1"], 10, interval=0.1, what="web1 to expire off the page")
        shot = os.environ.get("SKYCORE_SCREENSHOT")
        if shot:  # docs/skydns-live-view.png is made this way
            assert api.put("web2", svc(name="web", env="staging", region="west", host="10.3.0.3", ttl=60)).status == 201
            poll(lambda: "web2" in uuids(), 5, interval=0.1, what="web2 for the screenshot")
            driver.save_screenshot(shot)
    finally:
        driver.quit()
