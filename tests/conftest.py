"""Fixtures shared by the integration tests. The helpers live in tests/helpers."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from helpers.skycore import BIN, Server, free_port  # noqa: E402

WHOAMI_ROOT = """\
.:@PORT@ {
    bind 127.0.0.1
    whoami
}
"""


def pytest_sessionstart(session):
    if not BIN.is_file():
        raise pytest.UsageError(f"skycore binary not found at {BIN}; set SKYCORE_BIN or build it")


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def start_server(tmp_path):
    """Factory: start_server(corefile_text, **kw) -> a running Server, stopped
    (by PID) when the test ends."""
    servers = []

    def start(corefile=None, wait=True, **kw):
        srv = Server(tmp_path / f"srv{len(servers)}", corefile, **kw)
        servers.append(srv)
        return srv.start(wait=wait)

    yield start
    for s in servers:
        s.stop()


@pytest.fixture(scope="module")
def whoami_server(tmp_path_factory):
    """One whoami server for a whole module; answers every name."""
    srv = Server(tmp_path_factory.mktemp("whoami"), WHOAMI_ROOT)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()

