"""Fixtures: a real SQLite file per test and a real PostgreSQL cluster per session."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import groundset
import httpx
import pytest
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from tests.pg import Cluster, bin_dir, free_port

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    if bin_dir() is None:
        if os.environ.get("GROUNDSET_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required (apt-get install postgresql)")
        pytest.skip("PostgreSQL binaries not installed (apt-get install postgresql)")
    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'groundset.db'}"
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    return cluster.new_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'groundset.db'}"


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, api_key=None))
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


@pytest.fixture
def sqlite_client(sqlite_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=sqlite_url, api_key=None))
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


def example(
    source_id: str, input: dict[str, Any], output: Any = None, metadata: Any = None
) -> dict[str, Any]:
    """An example with its true content hash."""
    item: dict[str, Any] = {
        "source_id": source_id,
        "content_hash": groundset.example_hash(input, output, metadata),
        "input": input,
    }
    if output is not None:
        item["output"] = output
    if metadata is not None:
        item["metadata"] = metadata
    return item


class Server:
    """A real ``groundset-server serve`` process on a free loopback port."""

    def __init__(
        self,
        database_url: str,
        env: dict[str, str] | None = None,
        args: Sequence[str] = (),
        *,
        capture_stderr: bool = False,
    ) -> None:
        self.capture_stderr = capture_stderr
        self.database_url = database_url
        self.args = list(args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> Server:
        env = {**os.environ, **self.extra_env}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "groundset_server",
                "serve",
                "--port",
                str(self.port),
                "--database-url",
                self.database_url,
                "--log-level",
                "warning",
                *self.args,
            ],
            env=env,
            stderr=subprocess.PIPE if self.capture_stderr else None,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture
def server_factory() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def make(database_url: str, env: dict[str, str] | None = None) -> Server:
        server = Server(database_url, env).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
