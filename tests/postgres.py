"""A throwaway PostgreSQL server for the test session (Debian's postgresql binaries).

Started once per session under a temporary directory, on a free port on loopback
(tools/stack.py, shared with the benchmark and the scale profile); the system cluster is never
touched. As root, the server runs as the `postgres` user.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools.stack import PostgresServer, which


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A running server: `create_database(server, name)` gives a fresh database on it."""
    if not which("initdb") or not which("pg_ctl"):
        pytest.fail("PostgreSQL binaries not found: install Debian's postgresql package (.ci/run does).")
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def create_database(server: PostgresServer, name: str) -> str:
    """A fresh, empty database on the server; returns its URL."""
    return server.create_database(name)
