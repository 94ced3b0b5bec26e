"""An NDJSON upsert whose body is cut off midway (the client closes the connection before the
body's end, as the SDKs do when they find a bad record after the first examples left) writes
nothing, on both databases, with real server processes: the rows written before the cut are
rolled back, and the next upsert of the dataset finds it new."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import orjson
import sqlalchemy as sa

from groundset_server.db.engine import make_engine
from tests.conftest import Server, example

COUNT = 40_000
"""Examples of ~1 KB sent before the cut: more than SQLite's 16 MiB page cache of a bulk write
(so pages reach the WAL file) and four of PostgreSQL's COPYs of 10,000 rows."""
TABLES = ("datasets", "dataset_versions", "dataset_examples", "dataset_example_revisions")


def lines(count: int, prefix: str = "cut") -> list[bytes]:
    filler = "x" * 900
    return [orjson.dumps(example(f"{prefix}-{i}", {"q": i, "text": filler})) + b"\n" for i in range(count)]


def written_bytes(database_url: str) -> Callable[[], int]:
    """Bytes the database holds of writes not committed yet, as another connection sees them:
    the revisions table's size on PostgreSQL (uncommitted rows take pages too), the WAL file's on
    SQLite."""
    if database_url.startswith("sqlite"):
        wal = Path(urlsplit(database_url).path[1:] + "-wal")
        return lambda: wal.stat().st_size if wal.exists() else 0

    def size() -> int:
        engine = make_engine(database_url)
        try:
            with engine.connect() as conn:
                query = sa.text("SELECT pg_relation_size('dataset_example_revisions')")
                return int(conn.execute(query).scalar_one())
        finally:
            engine.dispose()

    return size


def counts(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return {
                table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one() for table in TABLES
            }
    finally:
        engine.dispose()


def test_a_body_cut_off_midway_writes_nothing(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    server = server_factory(database_url)
    written = written_bytes(database_url)
    before = written()
    header = orjson.dumps({"dataset": {"name": "cut"}, "mode": "mirror"}) + b"\n"
    body = [header, *lines(COUNT)]
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port)) as connection:
        connection.sendall(
            b"POST /v1/datasets/upsert HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-ndjson\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for start in range(0, len(body), 1_000):
            block = b"".join(body[start : start + 1_000])
            connection.sendall(b"%x\r\n%s\r\n" % (len(block), block))
        # Every example sent, none of the body's end: wait until the server has written rows.
        deadline = time.monotonic() + 60
        while written() - before < 8 << 20:
            assert time.monotonic() < deadline, "the server never wrote the examples"
            time.sleep(0.05)
    # Closed without the last chunk. The same dataset, sent whole, is new: nothing committed.
    items = lines(10, "whole")
    complete = httpx.post(
        server.url + "/v1/datasets/upsert",
        content=header + b"".join(items),
        headers={"content-type": "application/x-ndjson"},
        timeout=120,
    )
    assert complete.status_code == 200, complete.text
    assert (complete.json()["created"], complete.json()["previous_version_id"]) == (10, None)
    assert counts(database_url) == dict.fromkeys(TABLES, 1) | {
        "dataset_examples": 10,
        "dataset_example_revisions": 10,
    }
