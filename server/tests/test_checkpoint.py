"""SQLite's write-ahead log checkpointed by the server's own thread (db.engine.WalCheckpointer),
not by the commit of a request: the data reaches the database file, the WAL stays bounded and
is emptied at shutdown, and what was written survives a restart."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from groundset_server.db.engine import (
    LARGE_WRITE_ROWS,
    WalCheckpointer,
    checkpoint_large_write,
    make_engine,
    sqlite_path,
    wal_checkpointer,
    write_transaction,
)
from tests.conftest import example
from tests.pg import Cluster
from tests.test_upsert import upsert


def test_the_thread_checkpoints_while_serving_and_truncates_at_shutdown(tmp_path: Path) -> None:
    path = tmp_path / "groundset.db"
    url = f"sqlite:///{path}"
    app = create_app(Settings(database_url=url, api_key=None))
    with TestClient(app) as client:
        with app.state.engine.connect() as connection:
            # A request's commit never checkpoints.
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        before = path.stat().st_size
        created = upsert(client, [example(f"s{i}", {"q": "x" * 2000, "i": i}) for i in range(300)])
        wal = Path(f"{path}-wal")
        assert wal.stat().st_size > 0
        deadline = time.monotonic() + 30
        # The examples reach the database file itself within the checkpoint interval.
        while path.stat().st_size <= before + 300 * 2000 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert path.stat().st_size > before + 300 * 2000
    app.state.engine.dispose()
    assert not wal.exists() or wal.stat().st_size == 0

    again = create_app(Settings(database_url=url, api_key=None))
    with TestClient(again) as client:
        found = client.get(f"/v1/datasets/{created['dataset_id']}/examples").json()
        assert len(found["data"]) == 300
    again.state.engine.dispose()


def test_checkpoints_when_idle_past_the_soft_bound_and_truncation_past_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "groundset.db"
    engine = make_engine(f"sqlite:///{path}")
    # The thread waits an hour for idleness: each checkpoint below is the test's own.
    checkpointer = WalCheckpointer(engine, str(path), idle=3600, interval=3600)
    checkpointer.start()
    try:
        for _ in range(3):
            with write_transaction(engine) as connection:
                connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (pad TEXT)")
                connection.exec_driver_sql(
                    "WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 2000) "
                    "INSERT INTO t SELECT hex(randomblob(500)) FROM k"
                )
        # Autocheckpoint off: the commits left every frame in the WAL, past SQLite's default
        # 1,000 pages (4 MB).
        assert checkpointer.wal_bytes() > 4 << 20
        assert checkpointer.checkpoint() is None  # in use a moment ago: not idle yet
        checkpointer.idle = 0
        idle = checkpointer.checkpoint()
        assert idle is not None
        busy, frames, done = idle
        assert busy == 0 and frames == done > 0
        assert checkpointer.checkpoint() is None  # nothing used since
        checkpointer.soft_bytes, checkpointer.interval = 1, 0
        assert checkpointer.checkpoint() == (0, frames, frames)  # past the soft bound
        checkpointer.bound_bytes = 1
        assert checkpointer.checkpoint() == (0, 0, 0)  # TRUNCATE: the WAL emptied
        assert checkpointer.wal_bytes() == 0
    finally:
        checkpointer.stop()
        engine.dispose()
    with make_engine(f"sqlite:///{path}").connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 6000
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000


def test_no_checkpointer_for_postgresql_or_memory() -> None:
    assert wal_checkpointer(make_engine("sqlite:///:memory:")) is None
    assert wal_checkpointer(make_engine("postgresql://nobody@127.0.0.1:1/none")) is None


def _wal_size(client: TestClient) -> int | None:
    """The served SQLite file's WAL size in bytes (None on PostgreSQL)."""
    path = sqlite_path(client.app.state.engine)  # type: ignore[attr-defined]
    if path is None:
        return None
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_a_large_write_empties_the_wal_before_its_answer(client: TestClient) -> None:
    small = upsert(client, [example(f"s{i}", {"q": "x" * 100, "i": i}) for i in range(300)])
    # A small write leaves its frames to the checkpointer's thread (whose PASSIVE checkpoints
    # never shrink the file).
    wal = _wal_size(client)
    assert wal is None or wal > 0
    examples = [example(f"s{i}", {"q": "y" * 100, "i": i}) for i in range(LARGE_WRITE_ROWS)]
    large = upsert(client, examples, expected_version_id=small["version_id"])
    assert (large["created"], large["updated"]) == (LARGE_WRITE_ROWS - 300, 300)
    # Only the request's own TRUNCATE empties the WAL, and it ran before the answer.
    assert _wal_size(client) in (None, 0)
    found = client.get(f"/v1/datasets/{large['dataset_id']}/examples", params={"limit": 1}).json()
    assert found["data"][0]["input"]["q"] == "y" * 100
    again = upsert(client, examples)
    assert again["noop"] is True


def test_a_reader_in_the_way_does_not_hold_the_answer(sqlite_client: TestClient) -> None:
    path = sqlite_path(sqlite_client.app.state.engine)  # type: ignore[attr-defined]
    assert path is not None
    upsert(sqlite_client, [example("first", {"q": 1})])
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        # A read transaction on the state before the write: no checkpoint may pass it.
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM dataset_examples").fetchone() == (1,)
        started = time.monotonic()
        done = upsert(sqlite_client, [example(f"s{i}", {"i": i}) for i in range(LARGE_WRITE_ROWS)])
        assert done["created"] == LARGE_WRITE_ROWS
        # Its busy handler waits for nothing (the checkpointer's waits up to 60 s).
        assert time.monotonic() - started < 30
        assert (_wal_size(sqlite_client) or 0) > 0
    finally:
        reader.close()
    busy, frames, done_frames = _checkpoint_now(sqlite_client)
    assert busy == 0 and frames == done_frames == 0


def _checkpoint_now(client: TestClient) -> tuple[int, int, int]:
    checked = checkpoint_large_write(client.app.state.engine, LARGE_WRITE_ROWS)  # type: ignore[attr-defined]
    assert checked is not None
    return checked


def test_only_a_large_write_on_sqlite_checkpoints(sqlite_url: str, pg_cluster: Cluster) -> None:
    engine = make_engine(sqlite_url)
    try:
        with write_transaction(engine) as connection:
            connection.exec_driver_sql("CREATE TABLE t (pad TEXT)")
        assert checkpoint_large_write(engine, LARGE_WRITE_ROWS - 1) is None
        assert checkpoint_large_write(engine, LARGE_WRITE_ROWS) == (0, 0, 0)
    finally:
        engine.dispose()
    engine = make_engine(pg_cluster.new_database())
    try:
        assert checkpoint_large_write(engine, 10 * LARGE_WRITE_ROWS) is None
    finally:
        engine.dispose()
    assert checkpoint_large_write(make_engine("sqlite:///:memory:"), LARGE_WRITE_ROWS) is None
