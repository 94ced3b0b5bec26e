"""Several server processes on one database: start-up migrations under a lock, ``migrate``,
``serve --no-migrate``, ``serve --workers N``, and the start-up refusals (one line, exit 1)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import groundset
import httpx
import pytest
import sqlalchemy as sa

from groundset_server.db.engine import make_engine
from tests.conftest import Server, example
from tests.pg import Cluster, free_port

COMMAND = [sys.executable, "-m", "groundset_server"]


def _popen(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([*COMMAND, *args], stdout=out, stderr=subprocess.STDOUT)


def _up(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited with {process.returncode}"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("the server did not come up")


@contextmanager
def _servers(url: str, count: int, tmp_path: Path, *extra: str) -> Iterator[list[tuple[int, Path]]]:
    """``count`` ``serve`` processes started at once on ``url``; their ports and logs."""
    started: list[tuple[int, Path, subprocess.Popen[bytes]]] = []
    for n in range(count):
        port, log = free_port(), tmp_path / f"server{n}.log"
        args = ["serve", "--port", str(port), "--database-url", url, "--log-level", "info", *extra]
        started.append((port, log, _popen(args, log)))
    try:
        for port, _, process in started:
            _up(port, process)
        yield [(port, log) for port, log, _ in started]
    finally:
        for _, _, process in started:
            process.terminate()
        for _, _, process in started:
            process.wait(timeout=15)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COMMAND, *args], capture_output=True, text=True, timeout=60, check=False)


def _one_line_refusal(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("groundset-server: ")
    return lines[0]


def _revision(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_processes_started_together_all_come_up_and_one_migrates(
    backend: str, pg_cluster: Cluster, tmp_path: Path
) -> None:
    url = pg_cluster.new_database() if backend == "postgresql" else f"sqlite:///{tmp_path / 'g.db'}"
    count = 6 if backend == "postgresql" else 3
    with _servers(url, count, tmp_path) as servers:
        migrated = [log for _, log in servers if "migrated the database from empty to" in log.read_text()]
        assert len(migrated) == 1, [log.read_text() for _, log in servers]
        for port, _ in servers:
            answer = httpx.post(
                f"http://127.0.0.1:{port}/v1/datasets/upsert",
                json={"dataset": {"name": f"d{port}"}, "examples": [example("a", {"port": port})]},
            )
            assert answer.status_code == 200, answer.text


def test_migrate_then_serve_without_migrating(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = pg_cluster.new_database()
    refused = _one_line_refusal(
        _run("serve", "--port", str(free_port()), "--database-url", url, "--no-migrate")
    )
    assert "the database is not migrated and this server needs" in refused
    assert "run `groundset-server migrate` first" in refused
    done = _run("migrate", "--database-url", url)
    assert done.returncode == 0, done.stderr
    assert "migrated the database from empty to" in done.stderr
    again = _run("migrate", "--database-url", url)
    assert again.returncode == 0 and "migrated" not in again.stderr
    with _servers(url, 1, tmp_path, "--no-migrate") as [(port, _)]:
        assert httpx.get(f"http://127.0.0.1:{port}/v1/datasets").status_code == 200


def test_a_database_newer_than_the_code_is_refused_in_one_line(pg_cluster: Cluster, tmp_path: Path) -> None:
    for url in (pg_cluster.new_database(), f"sqlite:///{tmp_path / 'newer.db'}"):
        assert _run("migrate", "--database-url", url).returncode == 0
        head = _revision(url)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
        engine.dispose()
        for args in (["migrate"], ["serve", "--port", str(free_port())], ["serve", "--no-migrate"]):
            line = _one_line_refusal(_run(*args, "--database-url", url))
            assert line == (
                f"groundset-server: the database is at migration 9999, newer than this server's newest "
                f"({head}): run a groundset-server at least as new as the one that migrated it"
            )
        assert _revision(url) == "9999"


def test_start_up_failures_are_one_line(pg_cluster: Cluster, tmp_path: Path) -> None:
    unreachable = f"postgresql://postgres@127.0.0.1:{free_port()}/nothing"
    line = _one_line_refusal(_run("migrate", "--database-url", unreachable))
    assert line.startswith(
        f"groundset-server: cannot open the database '{unreachable}' (from --database-url): "
    )
    assert line.endswith("Connection refused")
    missing = pg_cluster.url("no_such_database")
    assert 'database "no_such_database" does not exist' in _one_line_refusal(
        _run("serve", "--port", str(free_port()), "--database-url", missing)
    )
    line = _one_line_refusal(
        _run("serve", "--workers", "2", "--database-url", f"sqlite:///{tmp_path / 'w.db'}")
    )
    assert line == (
        "groundset-server: --workers 2 needs PostgreSQL: SQLite takes one writer at a time, "
        "so serve it with one process"
    )
    assert _one_line_refusal(_run("serve", "--workers", "0")) == "groundset-server: --workers 0: give 1 to 64"


def test_workers_share_the_port_and_the_database(pg_cluster: Cluster, tmp_path: Path) -> None:
    url = pg_cluster.new_database()
    with _servers(url, 1, tmp_path, "--workers", "2") as [(port, log)]:
        base = f"http://127.0.0.1:{port}"
        # Every request on a new connection: the kernel spreads them over both workers, and each
        # worker's answer must be the database's state, whichever worker wrote it.
        for n in range(20):
            items = [example(f"e{i}", {"round": n, "i": i}) for i in range(5)]
            with httpx.Client(base_url=base) as fresh:
                written = fresh.post(
                    "/v1/datasets/upsert",
                    json={"dataset": {"name": "w"}, "mode": "mirror", "examples": items},
                )
            assert written.status_code == 200, written.text
            with httpx.Client(base_url=base) as fresh:
                manifest = fresh.get(f"/v1/datasets/{written.json()['dataset_id']}/manifest").json()
            assert manifest["version_id"] == written.json()["version_id"]
            assert manifest["digest"] == written.json()["digest"]
        workers = {
            line.split("[")[1].split("]")[0]
            for line in log.read_text().splitlines()
            if "Started server process" in line
        }
        assert len(workers) == 2, log.read_text()


def _records(writer: int | None, count: int) -> list[dict[str, Any]]:
    """``count`` records; ``writer``'s sixth of them changed (its own content), the rest the base."""
    return [
        {
            "id": f"e{i:05}",
            "input": {"i": i, **({"w": writer} if writer is not None and i % 6 == writer else {})},
        }
        for i in range(count)
    ]


def _pairs(records: list[dict[str, Any]]) -> list[list[str]]:
    return sorted([r["id"], groundset.example_hash(r["input"])] for r in records)


def test_unguarded_concurrent_mirrors_through_two_processes_all_succeed(
    pg_cluster: Cluster, server_factory: Callable[..., Server]
) -> None:
    url = pg_cluster.new_database()
    servers = [server_factory(url), server_factory(url)]
    count = 3000
    groundset.Client(base_url=servers[0].url).upsert_dataset(
        name="m", examples=_records(None, count), source_id_key="id"
    )
    barrier = threading.Barrier(6)
    results: dict[int, Any] = {}
    errors: list[BaseException] = []

    def sync(writer: int) -> None:
        try:
            with groundset.Client(base_url=servers[writer % 2].url) as client:
                barrier.wait()
                results[writer] = client.upsert_dataset(
                    name="m",
                    examples=_records(writer, count),
                    source_id_key="id",
                    mode="mirror",
                    progress=False,
                )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sync, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    # Six versions in a chain, each exactly what its writer sent; the last writer's is current.
    chain = sorted((int(r.version_id), int(r.previous_version_id), w) for w, r in results.items())
    # The first changed its sixth of the base; each later one its own sixth and its forerunner's.
    assert [results[w].updated for _, _, w in chain] == [count // 6] + [count // 3] * 5
    assert [before for _, before, _ in chain[1:]] == [after for after, _, _ in chain[:-1]]
    with httpx.Client(base_url=servers[1].url) as http:
        dataset_id = results[0].dataset_id
        for version, _, writer in chain:
            manifest = http.get(
                f"/v1/datasets/{dataset_id}/manifest", params={"version_id": str(version)}
            ).json()
            sent = _pairs(_records(writer, count))
            assert sorted(manifest["examples"]) == sent
            assert manifest["digest"] == results[writer].digest == groundset.manifest_digest(sent)
        latest = http.get(f"/v1/datasets/{dataset_id}/manifest").json()
        assert latest["version_id"] == str(chain[-1][0])
        examples = http.get(f"/v1/datasets/{dataset_id}/examples", params={"limit": count}).json()["data"]
        assert sorted((e["source_id"], e["input"]) for e in examples) == sorted(
            (r["id"], r["input"]) for r in _records(chain[-1][2], count)
        )
