"""Settings are checked at start: a bad one stops ``groundset-server serve`` with one line that
names it and says what is accepted, exit status 1, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from groundset_server.config import ConfigError, Settings, parse_size
from tests.pg import free_port


@pytest.mark.parametrize(
    ("given", "size"),
    [
        ("20000", 20000),
        (" 7 ", 7),
        ("10MB", 10_000_000),
        ("10mb", 10_000_000),
        ("2GiB", 2 << 30),
        ("1 KB", 1000),
    ],
)
def test_sizes_are_bytes_or_sizes_with_a_unit(given: str, size: int) -> None:
    assert parse_size(given, "GROUNDSET_MAX_BODY_BYTES") == size


@pytest.mark.parametrize("given", ["-5", "0", "1.5", "1e3", "ten", "1GBx", "0KB", ""])
def test_other_sizes_are_refused_naming_the_variable(given: str) -> None:
    with pytest.raises(ConfigError, match=r"^GROUNDSET_MAX_BODY_BYTES=.*\(10MB, 2GiB\)$"):
        parse_size(given, "GROUNDSET_MAX_BODY_BYTES")


def test_settings_given_in_code_are_checked(sqlite_url: str) -> None:
    for field in ("max_body_bytes", "ndjson_block_bytes"):
        with pytest.raises(ConfigError, match=f"^the setting {field}=0 must be a whole number of bytes"):
            Settings(database_url=sqlite_url, **{field: 0})  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="database URL is empty"):
        Settings(database_url=" ")


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``groundset-server serve`` on a free port, expected to stop at once."""
    command = [sys.executable, "-m", "groundset_server", "serve", "--port", str(free_port()), *args]
    return subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (
            [],
            {"GROUNDSET_MAX_BODY_BYTES": "1GBx"},
            "GROUNDSET_MAX_BODY_BYTES='1GBx' is not a size: give a whole number of bytes (20000) or a size "
            "with a unit (10MB, 2GiB)",
        ),
        (
            [],
            {"GROUNDSET_MAX_BODY_BYTES": "0"},
            "GROUNDSET_MAX_BODY_BYTES='0' must be at least 1 byte: give a whole number of bytes (20000) or "
            "a size with a unit (10MB, 2GiB)",
        ),
        (
            ["--database-url", "mysql://me@127.0.0.1/x"],
            {},
            "'mysql://me@127.0.0.1/x' (from --database-url) is not a database URL the server can use: give "
            "a SQLite file's path, sqlite:///relative.db, sqlite:////absolute/path.db or "
            "postgresql://user@host:port/name",
        ),
        (
            [],
            {"GROUNDSET_DATABASE_URL": "postgresql://me:secret@127.0.0.1:{port}/x"},
            "cannot open the database 'postgresql://me:***@127.0.0.1:{port}/x' (from "
            'GROUNDSET_DATABASE_URL): connection failed: connection to server at "127.0.0.1", port {port} '
            "failed: Connection refused",
        ),
        (
            ["--database-url", "sqlite:////proc/groundset.db"],
            {},
            "cannot open the database 'sqlite:////proc/groundset.db' (from --database-url): "
            "unable to open database file",
        ),
    ],
)
def test_serve_refuses_to_start_in_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], line: str
) -> None:
    port = str(free_port())
    env = {"GROUNDSET_WORKING_DIR": str(tmp_path), **{k: v.format(port=port) for k, v in env.items()}}
    done = _serve(*args, env=env)
    assert done.returncode == 1
    assert done.stderr == f"groundset-server: {line.format(port=port)}\n"
    assert not list(tmp_path.iterdir()), "nothing is created"


def test_a_size_with_a_unit_is_the_limit(tmp_path: Path) -> None:
    env = {**os.environ, "GROUNDSET_MAX_BODY_BYTES": "10KB", "GROUNDSET_WORKING_DIR": str(tmp_path)}
    code = "from groundset_server.config import Settings; print(Settings().max_body_bytes)"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout == "10000\n"
