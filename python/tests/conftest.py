"""Test configuration: stop at once, with the command to run, when the compiled module is missing;
and real ``groundset-server`` processes for the client's tests (a free loopback port each, a
temporary SQLite database, stopped at the end of the session)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import groundset

SERVER_SCRIPT = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "groundset-server"
API_KEY = "test-key-8f3a"


def pytest_configure(config: pytest.Config) -> None:
    try:
        import groundset_core._native  # noqa: F401
    except ImportError as error:  # only without a build
        raise pytest.UsageError(
            f"groundset's compiled core is not installed ({error}); run `just core::build` first"
        ) from error


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServerProcess:
    """A ``groundset-server serve`` process on a free port with its own SQLite file."""

    def __init__(
        self,
        directory: Path,
        *,
        api_key: str | None = None,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.database_path = directory / "groundset.db"
        self.database_url = database_url or f"sqlite:///{self.database_path}"
        self.api_key = api_key
        self.env = env or {}
        self.log_path = directory / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if not SERVER_SCRIPT.exists():
            raise pytest.UsageError(f"{SERVER_SCRIPT} is missing; run `just server::build` first")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GROUNDSET_")}
        if self.api_key is not None:
            env["GROUNDSET_API_KEY"] = self.api_key
        env.update(self.env)
        argv = [str(SERVER_SCRIPT), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        argv += ["--database-url", self.database_url, "--log-level", "warning"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"groundset-server exited ({self.process.returncode}): {self.log()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"groundset-server did not answer /health within 60 s: {self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The session's server, without an API key."""
    process = ServerProcess(tmp_path_factory.mktemp("server"))
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def api_key_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A second server that requires ``Authorization: Bearer`` :data:`API_KEY`."""
    process = ServerProcess(tmp_path_factory.mktemp("keyed-server"), api_key=API_KEY)
    process.start()
    yield process
    process.stop()


@pytest.fixture
def client(server: ServerProcess) -> Iterator[groundset.Client]:
    """A client of the session's server, with quick retries."""
    with groundset.Client(base_url=server.base_url, max_retries=1) as made:
        yield made


@pytest.fixture
def run(server: ServerProcess) -> Any:
    """Runs the ``groundset`` command (typer's runner, in this process) against the session's server."""
    from typer.testing import CliRunner

    from groundset.cli import app

    runner = CliRunner()

    def invoke(*args: str) -> Any:
        return runner.invoke(app, ["--base-url", server.base_url, *args])

    return invoke


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A dataset name no other test uses."""
    return f"{request.node.name[:60]}-{uuid.uuid4().hex[:8]}"
