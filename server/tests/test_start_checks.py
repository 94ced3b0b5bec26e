"""``serve``'s options are checked for range before anything is opened, a SQLite path in a
folder that does not exist is refused (the default one's folder is made), and a database that
goes away under a running server answers 503 ``database_gone``, never 500."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from groundset_server.db.engine import make_engine, run_migrations
from tests.conftest import Server, example
from tests.pg import free_port


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "groundset_server", "serve", *args]
    return subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--port", "99999"], "--port 99999: give a TCP port from 1 to 65535"),
        (["--port", "0"], "--port 0: give a TCP port from 1 to 65535"),
        (["--port", "-1"], "--port -1: give a TCP port from 1 to 65535"),
        (["--workers", "0"], "--workers 0: give 1 to 64"),
        (["--workers", "100000"], "--workers 100000: give 1 to 64"),
        (
            ["--host", "no-such-host.invalid"],
            "--host 'no-such-host.invalid' is not an address of this machine or a name that resolves",
        ),
    ],
)
def test_options_out_of_range_are_refused_naming_them(tmp_path: Path, args: list[str], line: str) -> None:
    done = _serve(*args, env={"GROUNDSET_WORKING_DIR": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr.startswith(f"groundset-server: {line}")
    assert done.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir()), "nothing is created"


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400"])
@pytest.mark.parametrize("name", ["GROUNDSET_POOL_TIMEOUT", "GROUNDSET_PLAN_TTL_SECONDS"])
def test_numbers_that_are_not_finite_are_refused_naming_the_variable(
    tmp_path: Path, name: str, value: str
) -> None:
    done = _serve("--port", str(free_port()), env={"GROUNDSET_WORKING_DIR": str(tmp_path), name: value})
    assert done.returncode == 1
    assert done.stderr == f"groundset-server: {name}={value!r} must be a number of seconds above 0\n"


def test_a_given_path_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/missing/dir/x.db"
    for how in (["--database-url", url], []):
        env = {"GROUNDSET_WORKING_DIR": str(tmp_path / "work")}
        if not how:
            env["GROUNDSET_DATABASE_URL"] = url
        done = _serve("--port", str(free_port()), *how, env=env)
        source = "--database-url" if how else "GROUNDSET_DATABASE_URL"
        assert done.returncode == 1
        assert done.stderr == (
            f"groundset-server: cannot open the database {url!r} (from {source}): the folder "
            f"{tmp_path}/missing/dir does not exist; make it, or give a path in a folder that exists\n"
        )
        assert not (tmp_path / "missing").exists()
        assert not (tmp_path / "work").exists()
    migrate = subprocess.run(
        [sys.executable, "-m", "groundset_server", "migrate", "--database-url", url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert migrate.returncode == 1
    assert "the folder" in migrate.stderr
    assert not (tmp_path / "missing").exists()


def test_a_path_that_is_a_folder_is_refused_saying_so(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    for command in ("serve", "migrate"):
        done = subprocess.run(
            [sys.executable, "-m", "groundset_server", command, "--database-url", str(folder)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1
        assert done.stderr == (
            f"groundset-server: cannot open the database 'sqlite:///{folder}' (from --database-url): "
            f"{folder} is a folder; give a file's path, such as {folder}/groundset.db\n"
        )
    assert not list(folder.iterdir()), "nothing is made in it"


def test_a_port_in_use_is_refused_before_the_database_is_touched(tmp_path: Path) -> None:
    """Not migrated first and then uvicorn's ``[Errno 98]``: one line, and no file made."""
    path = tmp_path / "new.db"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _serve("--port", str(port), "--database-url", str(path))
    assert done.returncode == 1
    assert done.stderr == (
        f"groundset-server: --port {port}: the port is in use on 127.0.0.1 (another server listens there): "
        "stop it, or give another --port\n"
    )
    assert not path.exists()


def test_a_new_database_file_is_said_and_no_migrate_does_not_make_one(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "groundset_server",
            "serve",
            "--no-migrate",
            "--database-url",
            f"sqlite:///{path}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 1
    assert "unable to open database file" in missing.stderr
    assert not path.exists()
    made = subprocess.run(
        [sys.executable, "-m", "groundset_server", "migrate", "--database-url", f"sqlite:///{path}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"made a new SQLite database {path}" in made.stderr
    again = subprocess.run(
        [sys.executable, "-m", "groundset_server", "migrate", "--database-url", f"sqlite:///{path}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "made a new" not in again.stderr


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_database_file_gone_under_the_server_is_503(tmp_path: Path, how: str) -> None:
    path = tmp_path / "g.db"
    server = Server(f"sqlite:///{path}", capture_stderr=True).start()
    try:
        body = {"dataset": {"name": "d"}, "examples": [example("a", {})]}
        made = httpx.post(f"{server.url}/v1/datasets/upsert", json=body)
        assert made.status_code == 200
        dataset = made.json()["dataset_id"]
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        if how == "replaced":
            path.write_bytes(b"")
        for method, route in [
            ("GET", "/v1/datasets"),
            ("POST", "/v1/datasets/upsert"),
            ("GET", f"/v1/datasets/{dataset}"),
        ]:
            answer = httpx.request(method, server.url + route, json=body if method == "POST" else None)
            assert answer.status_code == 503, answer.text
            problem = answer.json()
            assert answer.headers["content-type"] == "application/problem+json"
            assert problem["code"] == "database_gone"
            assert "retry-after" not in answer.headers
            # The file by its name; its folder is the server's business, not the client's.
            assert (
                "'g.db' cannot be opened" if how == "deleted" else "lacks this server's tables"
            ) in problem["detail"]
            assert str(tmp_path) not in problem["detail"]
        if how == "deleted":
            assert not path.exists(), "no new empty database is made"
    finally:
        server.stop()
    # The operator's log names the file in full.
    assert server.process is not None and server.process.stderr is not None
    assert f"the database {path} cannot be used: " in server.process.stderr.read()


def test_a_server_whose_database_file_went_away_shuts_down_cleanly(tmp_path: Path) -> None:
    """Its last WAL checkpoint finds no file: a warning, not a failed shutdown with a traceback."""
    path = tmp_path / "gone.db"
    server = Server(f"sqlite:///{path}", capture_stderr=True).start()
    assert server.process is not None
    try:
        body = {"dataset": {"name": "d"}, "examples": [example("a", {})]}
        assert httpx.post(f"{server.url}/v1/datasets/upsert", json=body).status_code == 200
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        assert httpx.get(f"{server.url}/v1/datasets").status_code == 503
    finally:
        server.process.terminate()
        _, stderr = server.process.communicate(timeout=30)
    # uvicorn raises the SIGTERM again once it has shut down: -15 is a clean end.
    assert server.process.returncode in (0, -15), stderr
    assert "Traceback" not in stderr
    assert "Application shutdown failed" not in stderr
    assert f"WAL checkpoint of {path} at shutdown failed" in stderr


def test_the_default_folder_is_made(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "GROUNDSET_DATABASE_URL"}
    env["GROUNDSET_WORKING_DIR"] = str(tmp_path / "a" / "b")
    done = subprocess.run(
        [sys.executable, "-m", "groundset_server", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert f"made the folder {tmp_path}/a/b for the default database" in done.stderr
    assert (tmp_path / "a" / "b" / "groundset.db").exists()


def test_create_app_migrates_with_the_engine_it_serves_with(database_url: str) -> None:
    """One engine: the migrations run on the one the app serves with, which is all that connects
    while the app is made."""
    used: list[sa.Engine] = []

    def connected(connection: sa.Connection) -> None:
        used.append(connection.engine)

    sa.event.listen(sa.Engine, "engine_connect", connected)
    try:
        app = create_app(Settings(database_url=database_url, api_key=None))
    finally:
        sa.event.remove(sa.Engine, "engine_connect", connected)
    try:
        assert used, "the migrations connected"
        assert {id(engine) for engine in used} == {id(app.state.engine)}
        with TestClient(app) as client:
            assert client.get("/v1/datasets").status_code == 200
    finally:
        app.state.engine.dispose()


def test_run_migrations_makes_a_missing_sqlite_file_only_when_told(tmp_path: Path) -> None:
    """An engine that opens existing files only: ``run_migrations`` refuses a missing one and
    makes nothing, unless ``create=True``; never a missing folder."""
    path = tmp_path / "made.db"
    engine = make_engine(f"sqlite:///{path}", create=False)
    try:
        with pytest.raises(sa.exc.OperationalError, match="unable to open database file"):
            run_migrations(engine)
        assert not path.exists()
        before, after = run_migrations(engine, create=True)
        assert before is None and after is not None
        assert path.stat().st_size > 0
        assert run_migrations(engine, create=True) == (after, after)
    finally:
        engine.dispose()
    folder = tmp_path / "missing"
    elsewhere = make_engine(f"sqlite:///{folder / 'made.db'}", create=False)
    try:
        with pytest.raises(sqlite3.OperationalError, match="unable to open database file"):
            run_migrations(elsewhere, create=True)
        assert not folder.exists()
    finally:
        elsewhere.dispose()


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "groundset_server", *args]
    return subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60, check=False
    )


def _dataset_names(path: Path) -> list[str]:
    """The datasets of the SQLite file ``path``, read with sqlite3 itself (the name as a URI)."""
    with sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True) as connection:
        return sorted(name for (name,) in connection.execute("SELECT name FROM datasets"))


def test_a_sqlite_path_holding_question_mark_and_hash_is_that_file(tmp_path: Path) -> None:
    """A SQLite file's path given as it is (``--database-url``, ``GROUNDSET_DATABASE_URL``, the
    default under ``GROUNDSET_WORKING_DIR``) or percent-encoded in a ``sqlite:///`` URL opens
    exactly that file, its ``?`` and ``#`` included; a raw ``?`` in a URL is refused."""
    folder = tmp_path / "w?x#y"
    folder.mkdir()
    path = folder / "a?b#c.db"
    env = {"GROUNDSET_DATABASE_URL": str(path)}
    made = _run("migrate", env=env)
    assert made.returncode == 0, made.stderr
    assert f"made a new SQLite database {path}" in made.stderr
    assert path.is_file()

    # Served by a real process from the path as it is, then from the URL percent-encoded.
    encoded = f"sqlite:///{quote(str(path))}"
    assert "%3F" in encoded and "%23" in encoded
    for given, name in [(str(path), "plain"), (encoded, "encoded")]:
        server = Server(given).start()
        try:
            body = {"dataset": {"name": name}, "examples": [example("a", {"q": name})]}
            answer = httpx.post(f"{server.url}/v1/datasets/upsert", json=body)
            assert answer.status_code == 200, answer.text
        finally:
            server.stop()
    assert _dataset_names(path) == ["encoded", "plain"]
    assert {entry.name for entry in folder.iterdir()} <= {path.name, f"{path.name}-wal", f"{path.name}-shm"}

    working = tmp_path / "d?e#f"
    default = _run("migrate", env={"GROUNDSET_DATABASE_URL": "", "GROUNDSET_WORKING_DIR": str(working)})
    assert default.returncode == 0, default.stderr
    assert (working / "groundset.db").is_file()
    assert _dataset_names(working / "groundset.db") == []

    raw = f"sqlite:///{folder}/new?x.db"
    refused = _run("serve", "--database-url", raw)
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert f"the SQLite URL {raw!r} has a query ?x#y/new?x.db, which the server does not use" in lines[0]
    assert f"({raw.replace('?', '%3F').replace('#', '%23')})" in lines[0]
    assert {entry.name for entry in folder.iterdir()} <= {path.name, f"{path.name}-wal", f"{path.name}-shm"}
