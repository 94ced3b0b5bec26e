"""Ids taken for new rows before inserting them (``dialect.ReservedIds``), on both databases:
fresh, distinct, in order, and never given again by the table's own default, nor (PostgreSQL,
its sequence named once per writer) to a writer taking ids at the same time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.engine import make_engine, write_transaction


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    serial = "INTEGER PRIMARY KEY AUTOINCREMENT" if engine.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE TABLE reserved (id {serial}, note TEXT)")
        conn.exec_driver_sql("INSERT INTO reserved (note) VALUES ('before')")
    yield engine
    engine.dispose()


def test_ids_are_fresh_distinct_and_ahead_of_the_default(engine: sa.Engine) -> None:
    with write_transaction(engine) as conn:
        reserved = dialect.ReservedIds(conn, "reserved")
        taken = reserved.take(3) + reserved.take(0) + reserved.take(1000)
        dialect.insert_columns(conn, "reserved", ["id", "note"], [taken, dialect.Same("taken")])
    assert len(taken) == 1003 and taken == sorted(set(taken)) and taken[0] > 1
    with engine.begin() as conn:
        after = conn.exec_driver_sql("INSERT INTO reserved (note) VALUES ('after') RETURNING id").scalar_one()
        assert after > taken[-1]
        assert conn.exec_driver_sql("SELECT count(*) FROM reserved").scalar_one() == 1005


def test_writers_taking_ids_at_once_get_different_ones(engine: sa.Engine) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's writers take turns (one write lock); the first test covers its ids")
    with engine.connect() as one, engine.connect() as other:
        first, second = dialect.ReservedIds(one, "reserved"), dialect.ReservedIds(other, "reserved")
        taken = [first.take(500), second.take(500), first.take(7), second.take(300)]
        one.rollback()
        other.rollback()
    every = [i for part in taken for i in part]
    assert len(set(every)) == len(every) == 1307
    assert first.sequence == second.sequence == "public.reserved_id_seq"
