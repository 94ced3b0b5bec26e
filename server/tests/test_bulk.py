"""The bulk write path (issue 19): the batch-wide classification gives what classifying one
example at a time gives, the column-wise inserts (PostgreSQL's COPY text, SQLite's executemany)
store every string exactly, and a streamed NDJSON body decoded ahead of the writer thread is
written or refused whole."""

from __future__ import annotations

import itertools
import random
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import groundset_core
import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from groundset_server.db import dialect
from groundset_server.db.engine import SQLITE_PAGE_BYTES, make_engine, run_migrations
from groundset_server.engine.upsert import CurrentExample, RawExample, Step, Sync
from tests.conftest import example

NDJSON = {"content-type": "application/x-ndjson"}
TABLES = ["datasets", "dataset_versions", "dataset_examples", "dataset_example_revisions"]
HASHES = [f"{n:064x}" for n in range(1, 6)]


def outcome(step: Step) -> tuple[Any, ...]:
    return (
        step.created,
        step.revived,
        step.updated,
        step.unchanged,
        step.unchanged_count,
        step.missing_content,
        step.duplicates,
    )


def ids_from(first: int) -> Callable[[int], list[int]]:
    counter = itertools.count(first)
    return lambda n: [next(counter) for _ in range(n)]


@pytest.mark.parametrize("seed", range(40))
def test_batch_wide_classification_equals_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"s{n}" for n in range(30)]
    current = {
        name: CurrentExample(index + 1, None if dead else rng.choice(HASHES), dead)
        for index, name in enumerate(rng.sample(names, 15))
        for dead in [rng.random() < 0.3]
    }
    batches: list[list[RawExample]] = []
    for _ in range(rng.randint(1, 4)):
        batch: list[RawExample] = []
        # Most batches hold each source id once; some repeat one, within or across batches.
        for source_id in rng.sample(names, rng.randint(0, 12)):
            content = None if rng.random() < 0.1 else '{"q":1}'
            batch.append((len(batch) + 1, source_id, rng.choice(HASHES), content, content, content))
        if batch and rng.random() < 0.2:
            batch.append(batch[0])
        batches.append(batch)
    for mode in ("merge", "mirror"):
        fast = Sync(current, mode, keep_source_ids=True, new_ids=ids_from(1000))
        slow = Sync(current, mode, keep_source_ids=True, new_ids=ids_from(1000))
        for batch in batches:
            assert outcome(fast.add(batch)) == outcome(slow._add_one_by_one(batch))
        assert fast.finish() == slow.finish()
        assert fast.counts == slow.counts and fast.source_ids == slow.source_ids
        assert dict(fast.new_state()) == dict(slow.new_state())


# Every byte COPY's text format escapes, and the characters around them.
AWKWARD = ["plain", "back\\slash", "tab\there", "line\nbreak", "carriage\rreturn", "\\N", "é😀\\t", ""]


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE awkward (id INTEGER, name TEXT, same TEXT, flag BOOLEAN)")
    yield engine
    engine.dispose()


def test_insert_columns_stores_every_string_exactly(engine: sa.Engine) -> None:
    ids = list(range(len(AWKWARD)))
    with engine.begin() as conn:
        count = dialect.insert_columns(
            conn,
            "awkward",
            ["id", "name", "same", "flag"],
            [ids, AWKWARD, dialect.Same("a\tb\\c'd"), dialect.Same(False)],
        )
        assert count == len(AWKWARD)
        assert dialect.insert_columns(conn, "awkward", ["id"], [[]]) == 0
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, name, same, flag FROM awkward ORDER BY id").all()
    expected = [(i, name, "a\tb\\c'd", False) for i, name in zip(ids, AWKWARD, strict=True)]
    assert [tuple(row) for row in rows] == expected


def test_insert_columns_stores_utf8_bytes_as_text(engine: sa.Engine) -> None:
    """Content comes from the decoder as UTF-8 ``bytes`` and from older revisions as ``str``;
    both are stored as text (not SQLite's BLOB), equal to the same text read back."""
    ids = list(range(len(AWKWARD)))
    encoded = [name.encode() for name in AWKWARD]
    mixed = [name if index % 2 else name.encode() for index, name in enumerate(AWKWARD)]
    with engine.begin() as conn:
        dialect.insert_columns(conn, "awkward", ["id", "name", "same"], [ids, encoded, mixed])
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, name, same FROM awkward ORDER BY id").all()
        # Found by text comparison: a BLOB would equal no text.
        found = conn.exec_driver_sql(
            dialect.driver_sql(conn, "SELECT count(*) FROM awkward WHERE name = ? AND same = ?"),
            (AWKWARD[1], AWKWARD[1]),
        ).scalar_one()
    assert [tuple(row) for row in rows] == [(i, name, name) for i, name in zip(ids, AWKWARD, strict=True)]
    assert found == 1


@pytest.mark.parametrize(
    "count", [1, dialect.SQLITE_ROWS_PER_STATEMENT, 2 * dialect.SQLITE_ROWS_PER_STATEMENT + 57]
)
def test_insert_columns_writes_every_row_whatever_the_statements(engine: sa.Engine, count: int) -> None:
    """SQLite's rows go by statements of many rows, the last ones one by one: every row once,
    each with its own values."""
    names = [AWKWARD[n % len(AWKWARD)] + str(n) for n in range(count)]
    with engine.begin() as conn:
        dialect.insert_columns(
            conn,
            "awkward",
            ["id", "name", "same", "flag"],
            [list(range(count)), names, dialect.Same("s"), dialect.Same(True)],
        )
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, name, same, flag FROM awkward ORDER BY id").all()
    assert [tuple(row) for row in rows] == [(n, names[n], "s", True) for n in range(count)]


@pytest.fixture
def small_blocks(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, api_key=None, ndjson_block_bytes=1024))
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


def ndjson(header: dict[str, Any], items: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(line) + b"\n" for line in [header, *items])


def contents(client: TestClient, dataset_id: str, version_id: str) -> dict[str, Any]:
    read: dict[str, Any] = {}
    cursor = None
    while True:
        params = {"version_id": version_id, "limit": 100, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/v1/datasets/{dataset_id}/examples", params=params).json()
        read.update((i["source_id"], [i["input"], i["output"], i["metadata"]]) for i in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return read


def test_a_streamed_body_over_many_blocks_is_written_exactly(small_blocks: TestClient) -> None:
    values = [*AWKWARD, "\u0000", "\u2028", 'quote"', "{}"]
    items = [
        # Source ids with every escaped byte too (U+0000 is no source id's).
        example(f"{AWKWARD[n % len(AWKWARD)]}·{n}", {"text": name, "n": n}, {"all": values}, {"k": [name]})
        for n, name in enumerate(values * 40)
    ]
    header = {"dataset": {"name": "bulk"}, "mode": "mirror"}
    first = small_blocks.post("/v1/datasets/upsert", content=ndjson(header, items), headers=NDJSON)
    assert first.status_code == 200, first.text
    result = first.json()
    assert result["created"] == len(items)
    # Then: a third changed, a third deleted (mirror), one revived, the rest unchanged.
    second_items = [
        example(item["source_id"], {**item["input"], "v": 2}, item.get("output"), item.get("metadata"))
        if n % 3 == 0
        else item
        for n, item in enumerate(items)
        if n % 3 != 1
    ]
    second = small_blocks.post("/v1/datasets/upsert", content=ndjson(header, second_items), headers=NDJSON)
    assert second.status_code == 200, second.text
    counts = second.json()
    assert (counts["updated"], counts["deleted"]) == (len(items[::3]), len(items[1::3]))
    revived = items[1]
    third = small_blocks.post(
        "/v1/datasets/upsert",
        content=ndjson({**header, "mode": "merge"}, [revived]),
        headers=NDJSON,
    )
    assert third.json()["created"] == 1, third.text
    dataset_id = result["dataset_id"]
    expected = {
        item["source_id"]: [item["input"], item.get("output", {}), item.get("metadata", {})] for item in items
    }
    assert contents(small_blocks, dataset_id, result["version_id"]) == expected
    assert contents(small_blocks, dataset_id, second.json()["version_id"]) == {
        item["source_id"]: [item["input"], item.get("output", {}), item.get("metadata", {})]
        for item in second_items
    }
    latest = contents(small_blocks, dataset_id, third.json()["version_id"])
    assert latest[revived["source_id"]] == expected[revived["source_id"]]
    assert len(latest) == len(second_items) + 1


def row_counts(client: TestClient) -> dict[str, int]:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def test_a_refusal_while_the_body_is_still_read_writes_nothing(small_blocks: TestClient) -> None:
    items = [example(f"e{n}", {"n": n, "pad": "x" * 200}) for n in range(300)]
    header = {"dataset": {"name": "bulk"}, "mode": "mirror"}
    seeded = small_blocks.post("/v1/datasets/upsert", content=ndjson(header, items[:10]), headers=NDJSON)
    assert seeded.status_code == 200
    before = row_counts(small_blocks)
    # The writer refuses at once (a stale expected version) while hundreds of blocks are unread.
    stale = small_blocks.post(
        "/v1/datasets/upsert",
        content=ndjson({**header, "expected_version_id": None}, items),
        headers=NDJSON,
    )
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict", stale.text
    # A duplicate source id in a late block, after earlier blocks were written.
    duplicated = small_blocks.post(
        "/v1/datasets/upsert", content=ndjson(header, [*items, items[3]]), headers=NDJSON
    )
    assert duplicated.status_code == 422 and duplicated.json()["code"] == "duplicate_source_id"
    # A record the decoder refuses in the last block.
    broken = small_blocks.post(
        "/v1/datasets/upsert",
        content=ndjson(header, [*items, {**items[0], "source_id": "z", "content_hash": "0" * 64}]),
        headers=NDJSON,
    )
    assert broken.status_code == 422, broken.text
    assert row_counts(small_blocks) == before
    # The server still serves, and the body goes in whole.
    whole = small_blocks.post("/v1/datasets/upsert", content=ndjson(header, items), headers=NDJSON)
    assert whole.status_code == 200 and whole.json()["created"] == 290, whole.text


def test_a_new_sqlite_database_has_large_pages_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as made:
        made.execute("CREATE TABLE kept (x INTEGER)")
    for path, size in ((tmp_path / "new.db", SQLITE_PAGE_BYTES), (old, 4096)):
        engine = make_engine(f"sqlite:///{path}")
        run_migrations(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA page_size").scalar_one() == size
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        engine.dispose()


def test_the_decoder_gives_content_as_utf8_bytes_and_the_validator_takes_them() -> None:
    """``content_bytes=True`` gives each part as the UTF-8 bytes of the text it gives otherwise
    (a hash-only line keeps ``None``); the schema check finds the same violations in either."""
    lines = [example("a", {"q": "é😀\u2028"}, {"n": 1}), {"source_id": "b", "content_hash": HASHES[0]}]
    block = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    texts, _ = groundset_core.decode_ndjson_records(block, first_line=2)
    raw, failures = groundset_core.decode_ndjson_records(block, first_line=2, content_bytes=True)
    assert failures == []
    assert raw[0][:3] == texts[0][:3] and raw[0][3:] == tuple(t.encode() for t in texts[0][3:])
    assert all(isinstance(part, bytes) for part in raw[0][3:]) and raw[1][3:] == (None, None, None)
    validator = groundset_core.SchemaValidator({"type": "object", "properties": {"q": {"type": "integer"}}})
    assert validator.validate_texts([raw[0][3:]]) == validator.validate_texts([texts[0][3:]]) != []
