"""SQLite's write-ahead log checkpointed by the server's own thread (db.engine.WalCheckpointer),
not by the commit of a request: the data reaches the database file, the WAL stays bounded and
is emptied at shutdown, and what was written survives a restart."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from groundset_server.db.engine import WalCheckpointer, make_engine, wal_checkpointer, write_transaction
from tests.conftest import example
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
