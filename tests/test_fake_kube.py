"""The fake Kubernetes API server (helpers/fake_kube.py) speaks list and watch
the way the real one does; the kubernetes plugin's tests rely on it."""

import http.client
import json
from pathlib import Path

import pytest

from helpers.fake_kube import FakeKube
from helpers.skycore import poll

CLUSTER = Path(__file__).resolve().parent / "fixtures" / "kube" / "cluster.json"
READ_TIMEOUT = 2.0  # no read in these tests may block longer


@pytest.fixture
def kube():
    k = FakeKube(bookmark_interval=0.2)
    k.load_fixture(CLUSTER)
    k.start()
    yield k
    k.stop()


def get(kube, path, headers=None):
    """(status, parsed JSON body) of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", kube.port, timeout=READ_TIMEOUT)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


class Watch:
    """One watch stream; http.client undoes the chunking, lines are events."""

    def __init__(self, kube, path):
        self.conn = http.client.HTTPConnection("127.0.0.1", kube.port, timeout=READ_TIMEOUT)
        self.conn.request("GET", path)
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        assert self.resp.getheader("Content-Type") == "application/json"
        assert self.resp.getheader("Transfer-Encoding") == "chunked"

    def next(self):
        """The next event, or None once the stream has ended (cleanly or cut).
        A read that times out raises, so a missing event fails the test."""
        try:
            line = self.resp.readline()
        except (http.client.IncompleteRead, ConnectionResetError, ValueError):
            return None
        return json.loads(line) if line else None

    def close(self):
        self.conn.close()


def names(items):
    return sorted(o["metadata"]["name"] for o in items)


def test_list_returns_fixture_with_resource_version(kube):
    status, body = get(kube, "/api/v1/namespaces/testns/services")
    assert status == 200
    assert body["kind"] == "ServiceList" and body["apiVersion"] == "v1"
    rv = body["metadata"]["resourceVersion"]
    assert rv.isdigit() and int(rv) == kube.resource_version
    assert {"svc1", "hdls1", "ext1", "svc-dual"} <= set(names(body["items"]))
    assert "kubernetes" not in names(body["items"])  # it lives in default
    for item in body["items"]:
        assert "kind" not in item and "apiVersion" not in item  # as the real server
        assert 0 < int(item["metadata"]["resourceVersion"]) <= int(rv)
        assert item["metadata"]["uid"]

    status, body = get(kube, "/apis/discovery.k8s.io/v1/endpointslices")
    assert status == 200
    assert (body["kind"], body["apiVersion"]) == ("EndpointSliceList", "discovery.k8s.io/v1")
    assert "kubernetes" in names(body["items"]) and "hdls1-8kq2v" in names(body["items"])
    status, body = get(kube, "/api/v1/namespaces")
    assert names(body["items"]) == ["default", "kube-system", "testns"]


def test_watch_from_list_version_streams_later_changes(kube):
    _, body = get(kube, "/api/v1/services")
    rv = body["metadata"]["resourceVersion"]
    w = Watch(kube, f"/api/v1/namespaces/testns/services?watch=1&resourceVersion={rv}")
    try:
        poll(lambda: kube.watchers("services") == 1, 2, what="the watch to register")
        kube.add({"kind": "Service", "metadata": {"name": "new1", "namespace": "testns"},
                  "spec": {"clusterIP": "10.96.0.200", "type": "ClusterIP"}})
        svc = kube.get("Service", "testns", "new1")
        svc["spec"]["clusterIP"] = "10.96.0.201"
        kube.update(svc)
        kube.add({"kind": "Service", "metadata": {"name": "elsewhere", "namespace": "default"}})
        kube.delete("Service", "testns", "new1")

        events = [w.next() for _ in range(3)]  # the fixture is not replayed
        assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
        assert {e["object"]["metadata"]["name"] for e in events} == {"new1"}
        assert events[1]["object"]["spec"]["clusterIP"] == "10.96.0.201"
        versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
        assert int(rv) < versions[0] < versions[1] < versions[2] == kube.resource_version
        for e in events:  # watch objects carry kind and apiVersion
            assert (e["object"]["kind"], e["object"]["apiVersion"]) == ("Service", "v1")
    finally:
        w.close()


def test_watch_without_version_starts_with_current_objects_and_bookmarks(kube):
    w = Watch(kube, "/api/v1/namespaces?watch=true&allowWatchBookmarks=true")
    try:
        added = [w.next() for _ in range(3)]
        assert {e["type"] for e in added} == {"ADDED"}
        assert names(e["object"] for e in added) == ["default", "kube-system", "testns"]
        bookmark = w.next()
        assert bookmark["type"] == "BOOKMARK"
        assert bookmark["object"]["kind"] == "Namespace"
        assert bookmark["object"]["metadata"] == {"resourceVersion": str(kube.resource_version)}
    finally:
        w.close()


def test_watch_from_compacted_version_gets_410(kube):
    old = kube.resource_version
    kube.add({"kind": "Namespace", "metadata": {"name": "later"}})
    kube.compact()
    w = Watch(kube, f"/api/v1/namespaces?watch=1&resourceVersion={old}")
    try:
        event = w.next()
        assert event["type"] == "ERROR"
        assert event["object"] == {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": f"too old resource version: {old} ({kube.resource_version})",
            "reason": "Expired", "code": 410}
        assert w.next() is None  # and the stream ends
    finally:
        w.close()
    assert kube.watchers() == 0
    # The current version is still fine to watch from.
    w = Watch(kube, f"/api/v1/namespaces?watch=1&resourceVersion={kube.resource_version}")
    w.close()


def test_stop_ends_open_watch_promptly(kube):
    w = Watch(kube, "/api/v1/pods?watch=1&resourceVersion=" + str(kube.resource_version))
    try:
        poll(lambda: kube.watchers() == 1, 2, what="the watch to register")
        kube.stop()
        # stop() returned with the watch's handler gone (not just its own wait
        # given up), and the stream is cut: an end, not a read timeout.
        assert kube.watchers() == 0
        assert w.next() is None
        with pytest.raises(ConnectionRefusedError):
            get(kube, "/api/v1/pods")
    finally:
        w.close()
    kube.restart()  # same port, same objects
    status, body = get(kube, "/api/v1/namespaces/testns/pods")
    assert status == 200 and "web-0" in names(body["items"])


def test_label_selector_filters_lists_and_watches(kube):
    sel = "kubernetes.io/service-name=hdls1"
    _, body = get(kube, f"/apis/discovery.k8s.io/v1/endpointslices?labelSelector={sel}")
    assert names(body["items"]) == ["hdls1-8kq2v", "hdls1-r7mzt"]
    _, body = get(kube, "/apis/discovery.k8s.io/v1/namespaces/testns/endpointslices"
                        "?labelSelector=service.kubernetes.io/headless,app!=hdls1")
    assert names(body["items"]) == ["hdls-down-c4j6p", "hdls-empty-m3v9x",
                                    "hdls-noports-p8d2f", "hdls-notready-t5n8b"]
    _, body = get(kube, "/apis/discovery.k8s.io/v1/endpointslices"
                        "?labelSelector=!endpointslice.kubernetes.io/managed-by")
    assert names(body["items"]) == ["kubernetes"]
    _, body = get(kube, "/api/v1/namespaces/testns/services?labelSelector=app!=svc1")
    assert "ext1" in names(body["items"])  # != also selects objects without the label
    assert "svc1" not in names(body["items"])
    status, _ = get(kube, "/api/v1/services?labelSelector=a%3D%3D%3Db")
    assert status == 400

    rv = kube.resource_version
    w = Watch(kube, f"/apis/discovery.k8s.io/v1/endpointslices?watch=1&resourceVersion={rv}"
                    f"&labelSelector={sel}")
    try:
        poll(lambda: kube.watchers("endpointslices") == 1, 2, what="the watch to register")
        other = kube.get("EndpointSlice", "testns", "svc1-w9x2c")
        other["endpoints"] = []
        kube.update(other)  # not selected: never sent
        mine = kube.get("EndpointSlice", "testns", "hdls1-8kq2v")
        mine["metadata"]["labels"]["kubernetes.io/service-name"] = "moved"
        kube.update(mine)  # leaves the selection: the real server sends DELETED
        event = w.next()
        assert (event["type"], event["object"]["metadata"]["name"]) == ("DELETED", "hdls1-8kq2v")
        assert event["object"]["metadata"]["resourceVersion"] == str(kube.resource_version)
    finally:
        w.close()


def test_token_and_injected_failures(kube):
    kube.token = "s3cret"
    status, body = get(kube, "/api/v1/services")
    assert (status, body["reason"], body["code"]) == (401, "Unauthorized", 401)
    auth = {"Authorization": "Bearer s3cret"}
    kube.fail_next(1, 503, match="/services")
    assert get(kube, "/api/v1/services", auth)[0] == 503
    assert get(kube, "/api/v1/services", auth)[0] == 200
    lists = [r for r in kube.requests if r.path == "/api/v1/services" and not r.watch]
    assert len(lists) == 3
