"""Database operations behind the routes: upsert, plan and reads (SQLAlchemy Core)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import groundset
import orjson
import sqlalchemy as sa

from groundset_server.db.engine import read_transaction, write_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.db.tables import datasets
from groundset_server.engine import upsert as engine_upsert
from groundset_server.engine.upsert import CurrentExample, IncomingExample
from groundset_server.problems import Problem
from groundset_server.wire import Header, canonical_text

EMPTY_OBJECT = "{}"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_id(value: str | None, what: str) -> int:
    """Ids are decimal strings to clients; anything else is a 422, a well-formed unknown one a 404."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Problem(422, "invalid_id", f"`{value}` is not a {what} id", **{f"{what}_id": value})
    return int(value)


def render_id(value: int | None) -> str | None:
    return None if value is None else str(value)


def fragment(text: str | None) -> orjson.Fragment | None:
    """Stored canonical JSON text, written into an answer as it is."""
    return None if text is None else orjson.Fragment(text)


def dataset_json(row: sa.Row[Any], latest_version_id: int | None) -> dict[str, Any]:
    return {
        "id": render_id(row.id),
        "name": row.name,
        "description": row.description,
        "metadata": fragment(row.metadata),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "latest_version_id": render_id(latest_version_id),
    }


def _latest_version_id(conn: sa.Connection, dataset_id: int) -> int | None:
    value = conn.execute(
        sa.select(sa.func.max(versions.c.id)).where(versions.c.dataset_id == dataset_id)
    ).scalar_one_or_none()
    return None if value is None else int(value)


def _dataset_row(conn: sa.Connection, dataset_id: int, lock: bool = False) -> sa.Row[Any]:
    query = sa.select(datasets).where(datasets.c.id == dataset_id)
    if lock and not is_sqlite_conn(conn):
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise Problem(
            404, "dataset_not_found", f"no dataset has the id {dataset_id}", dataset_id=str(dataset_id)
        )
    return row


def is_sqlite_conn(conn: sa.Connection) -> bool:
    return conn.dialect.name == "sqlite"


def _version_for(conn: sa.Connection, dataset_id: int, version_id: str | None) -> int | None:
    """The version to read: the given one (which must belong to the dataset) or the latest."""
    if version_id is None:
        return _latest_version_id(conn, dataset_id)
    wanted = parse_id(version_id, "version")
    found = conn.execute(
        sa.select(versions.c.id).where(versions.c.id == wanted, versions.c.dataset_id == dataset_id)
    ).first()
    if found is None:
        raise Problem(
            404,
            "version_not_found",
            f"dataset {dataset_id} has no version {version_id}",
            version_id=version_id,
        )
    return wanted


def _current_state(conn: sa.Connection, dataset_id: int) -> dict[str, CurrentExample]:
    rows = conn.exec_driver_sql(
        "SELECT source_id, id, current_content_hash, is_deleted FROM dataset_examples WHERE dataset_id = "
        + ("?" if conn.dialect.paramstyle == "qmark" else "%s"),
        (dataset_id,),
    )
    return {row[0]: CurrentExample(row[1], row[2], bool(row[3])) for row in rows.cursor.fetchall()}


class _Snapshot:
    """A dataset's current state at one version, and its digest once computed."""

    def __init__(self, state: dict[str, CurrentExample]) -> None:
        self.state = state
        self.digest: str | None = None

    def current_digest(self) -> str:
        if self.digest is None:
            self.digest = groundset.manifest_digest(engine_upsert.current_manifest(self.state))
        return self.digest


_SNAPSHOTS: OrderedDict[tuple[str, int, str, int | None], _Snapshot] = OrderedDict()
_SNAPSHOTS_LOCK = threading.Lock()
_SNAPSHOTS_KEPT = 4


def _snapshot(conn: sa.Connection, dataset: sa.Row[Any], latest: int | None) -> _Snapshot:
    """The current state of ``dataset`` whose latest version is ``latest``, from a small cache.

    The current state changes only when a version is written, and ids are never reused, so
    (database, dataset id and creation time, latest version id) names one state for good: a plan
    and the content-less upsert that follows it read the 100,000 rows once between them."""
    key = (conn.engine.url.render_as_string(hide_password=True), dataset.id, dataset.created_at, latest)
    with _SNAPSHOTS_LOCK:
        found = _SNAPSHOTS.get(key)
        if found is not None:
            _SNAPSHOTS.move_to_end(key)
            return found
    snapshot = _Snapshot(_current_state(conn, dataset.id))
    with _SNAPSHOTS_LOCK:
        _SNAPSHOTS[key] = snapshot
        while len(_SNAPSHOTS) > _SNAPSHOTS_KEPT:
            _SNAPSHOTS.popitem(last=False)
    return snapshot


def _lock_dataset_by_name(conn: sa.Connection, name: str, create: bool, header: Header) -> sa.Row[Any] | None:
    query = sa.select(datasets).where(datasets.c.name == name)
    postgres = not is_sqlite_conn(conn)
    if postgres:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is not None or not create:
        return row
    stamp = now()
    values = {
        "name": name,
        "description": header.description,
        "metadata": canonical_text(header.metadata if header.metadata is not None else {}, "metadata"),
        "created_at": stamp,
        "updated_at": stamp,
    }
    if postgres:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(datasets).values(values).on_conflict_do_nothing(index_elements=["name"]))
    else:
        conn.execute(sa.insert(datasets).values(values))
    return conn.execute(query).first()


def _resolve(conn: sa.Connection, header: Header, create: bool) -> sa.Row[Any] | None:
    if header.selector.id is not None:
        return _dataset_row(conn, parse_id(header.selector.id, "dataset"), lock=True)
    assert header.selector.name is not None
    return _lock_dataset_by_name(conn, header.selector.name, create, header)


def _check_expected(header: Header, latest: int | None) -> None:
    if not header.has_expected_version:
        return
    expected = header.expected_version_id
    if expected != render_id(latest):
        raise Problem(
            409,
            "version_conflict",
            f"the latest version is {render_id(latest)}, not {expected}",
            expected_version_id=expected,
            latest_version_id=render_id(latest),
        )


def _classes(result: engine_upsert.Classification) -> dict[str, list[str]]:
    return {
        "created_source_ids": engine_upsert.source_ids(result.created),
        "updated_source_ids": [e.source_id for _, e in result.updated],
        "unchanged_source_ids": list(result.unchanged),
        "deleted_source_ids": [source_id for _, source_id in result.deleted],
    }


def _as_is(value: Any) -> Any:
    return value


CHUNK = 4000


def _revision_tuples(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    canonical = groundset.canonicalize
    return [
        (
            row["example_id"],
            row["version_id"],
            None if row["input"] is None else canonical(row["input"]).decode("utf-8"),
            None if row["output"] is None else canonical(row["output"]).decode("utf-8"),
            None if row["metadata"] is None else canonical(row["metadata"]).decode("utf-8"),
            row["content_hash"],
            row["revision_kind"],
            row["created_at"],
        )
        for row in rows
    ]


def _insert_revisions(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Insert revisions in chunks; a helper thread writes the next chunk's canonical JSON text
    while the driver inserts the previous one (SQLite and psycopg release the GIL meanwhile)."""
    if len(rows) <= CHUNK:
        _bulk(conn, INSERT_REVISION, _revision_tuples(rows))
        return
    chunks = [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="canonical") as pool:
        pending = pool.submit(_revision_tuples, chunks[0])
        for following in [*chunks[1:], None]:
            ready = pending.result()
            if following is not None:
                pending = pool.submit(_revision_tuples, following)
            _bulk(conn, INSERT_REVISION, ready)


def upsert(engine: sa.Engine, header: Header, incoming: list[IncomingExample]) -> dict[str, Any]:
    dataset_metadata = canonical_text(header.metadata, "metadata") if header.metadata is not None else None
    version_metadata = canonical_text(
        header.version_metadata if header.version_metadata is not None else {}, "version_metadata"
    )
    with write_transaction(engine) as conn:
        dataset = _resolve(conn, header, create=not header.dry_run)
        latest = None if dataset is None else _latest_version_id(conn, dataset.id)
        _check_expected(header, latest)
        snapshot = _Snapshot({}) if dataset is None else _snapshot(conn, dataset, latest)
        current = snapshot.state
        result = engine_upsert.classify(current, incoming, header.mode)
        if result.missing_content:
            raise Problem(
                409,
                "stale_manifest",
                f"{len(result.missing_content)} new or changed example(s) came without content: "
                "the dataset moved since the plan; plan again",
                source_ids=result.missing_content,
                base_version_id=render_id(latest),
            )
        pairs = engine_upsert.final_manifest(current, result) if result.changed else None
        answer: dict[str, Any] = {
            "dataset_id": None if dataset is None else render_id(dataset.id),
            "dataset_name": header.selector.name if dataset is None else dataset.name,
            "version_id": render_id(latest),
            "previous_version_id": render_id(latest),
            "noop": not result.changed,
            "dry_run": header.dry_run,
            **engine_upsert.counts(result),
        }
        if header.dry_run:
            answer["version_id"] = None if result.changed else render_id(latest)
            answer["digest"] = (
                snapshot.current_digest() if pairs is None else groundset.manifest_digest(pairs)
            )
            answer.update(_classes(result))
            return answer
        assert dataset is not None
        stamp = now()
        dataset_changes: dict[str, Any] = {}
        if header.description is not None and header.description != dataset.description:
            dataset_changes["description"] = header.description
        if dataset_metadata is not None and dataset_metadata != dataset.metadata:
            dataset_changes["metadata"] = dataset_metadata
        if dataset_changes or result.changed:
            dataset_changes["updated_at"] = stamp
            conn.execute(sa.update(datasets).where(datasets.c.id == dataset.id).values(dataset_changes))
        if pairs is not None:
            version_id = conn.execute(
                sa.insert(versions)
                .values(
                    dataset_id=dataset.id,
                    description=header.version_description,
                    metadata=version_metadata,
                    created_at=stamp,
                    example_count=len(pairs),
                    created_count=len(result.created),
                    updated_count=len(result.updated),
                    deleted_count=len(result.deleted),
                )
                .returning(versions.c.id)
            ).scalar_one()
            _write(conn, result, version_id, dataset.id, stamp)
            answer["version_id"] = render_id(version_id)
        answer["digest"] = snapshot.current_digest() if pairs is None else groundset.manifest_digest(pairs)
        return answer


def _bulk(conn: sa.Connection, sql: str, rows: list[tuple[Any, ...]]) -> None:
    """Execute ``sql`` (``?`` placeholders) once per row through the driver's executemany;
    on PostgreSQL an INSERT goes through COPY, the driver's bulk path."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and sql.startswith("INSERT INTO "):
        target = sql[len("INSERT INTO ") : sql.index(" VALUES")]
        driver_connection: Any = conn.connection.driver_connection
        with driver_connection.cursor() as cursor, cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    if conn.dialect.paramstyle != "qmark":
        sql = sql.replace("?", "%s")
    conn.exec_driver_sql(sql, rows)


REVISION_COLUMNS = (
    "example_id",
    "version_id",
    "input",
    "output",
    "metadata",
    "content_hash",
    "revision_kind",
    "created_at",
)
INSERT_REVISION = (
    f"INSERT INTO dataset_example_revisions ({', '.join(REVISION_COLUMNS)}) VALUES ({', '.join('?' * 8)})"
)


def _write(
    conn: sa.Connection, result: engine_upsert.Classification, version_id: int, dataset_id: int, stamp: str
) -> None:
    """Rows in batches through the driver: new example rows, their ids read back in one query,
    then every revision, then the current state of the existing rows that changed."""
    # Content stays as parsed values here; _insert_revisions writes its canonical text.
    writes = engine_upsert.build_writes(result, version_id, dataset_id, stamp, _as_is)
    if writes.new_examples:
        _bulk(
            conn,
            "INSERT INTO dataset_examples (dataset_id, source_id, created_at, current_content_hash, "
            "current_version_id, is_deleted) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    r["dataset_id"],
                    r["source_id"],
                    r["created_at"],
                    r["current_content_hash"],
                    version_id,
                    False,
                )
                for r in writes.new_examples
            ],
        )
        # Only the rows just inserted have this version as their current one yet.
        selected = conn.execute(
            sa.select(examples.c.source_id, examples.c.id).where(
                examples.c.dataset_id == dataset_id, examples.c.current_version_id == version_id
            )
        )
        ids: dict[str, int] = {source_id: id_ for source_id, id_ in selected}
        for new, row in zip(writes.new_examples, writes.revisions_for_new, strict=True):
            row["example_id"] = ids[new["source_id"]]
    _insert_revisions(conn, writes.revisions_for_new + writes.revisions)
    _bulk(
        conn,
        "UPDATE dataset_examples SET current_content_hash = ?, current_version_id = ?, is_deleted = ? "
        "WHERE id = ?",
        [
            (row["content_hash"], version_id, row["revision_kind"] == engine_upsert.DELETE, row["example_id"])
            for row in writes.revisions
        ],
    )


def plan(engine: sa.Engine, header: Header, incoming: list[IncomingExample]) -> dict[str, Any]:
    with read_transaction(engine) as conn:
        if header.selector.id is not None:
            dataset: sa.Row[Any] | None = _dataset_row(conn, parse_id(header.selector.id, "dataset"))
        else:
            dataset = conn.execute(sa.select(datasets).where(datasets.c.name == header.selector.name)).first()
        latest = None if dataset is None else _latest_version_id(conn, dataset.id)
        current = {} if dataset is None else _snapshot(conn, dataset, latest).state
    result = engine_upsert.classify(current, incoming, header.mode)
    return {
        "dataset_id": None if dataset is None else render_id(dataset.id),
        "dataset_name": header.selector.name if dataset is None else dataset.name,
        "base_version_id": render_id(latest),
        "needed_source_ids": result.needed_source_ids(),
        **engine_upsert.counts(result),
    }


# ---------------------------------------------------------------- reads


def list_datasets(engine: sa.Engine, cursor: str | None, limit: int, name: str | None) -> dict[str, Any]:
    latest = (
        sa.select(sa.func.max(versions.c.id))
        .where(versions.c.dataset_id == datasets.c.id)
        .scalar_subquery()
        .label("latest_version_id")
    )
    query = sa.select(datasets, latest).order_by(datasets.c.id).limit(limit + 1)
    if cursor is not None:
        query = query.where(datasets.c.id > parse_id(cursor, "cursor"))
    if name is not None:
        query = query.where(datasets.c.name == name)
    with read_transaction(engine) as conn:
        rows = conn.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "data": [dataset_json(row, row.latest_version_id) for row in rows],
        "next_cursor": render_id(rows[-1].id) if more else None,
    }


def get_dataset(engine: sa.Engine, dataset_id: str) -> dict[str, Any]:
    with read_transaction(engine) as conn:
        row = _dataset_row(conn, parse_id(dataset_id, "dataset"))
        latest = _latest_version_id(conn, row.id)
        count = conn.execute(
            sa.select(sa.func.count()).where(examples.c.dataset_id == row.id, sa.not_(examples.c.is_deleted))
        ).scalar_one()
    answer = dataset_json(row, latest)
    answer["example_count"] = count
    return answer


def delete_dataset(engine: sa.Engine, dataset_id: str) -> None:
    with write_transaction(engine) as conn:
        row = _dataset_row(conn, parse_id(dataset_id, "dataset"), lock=True)
        example_ids = sa.select(examples.c.id).where(examples.c.dataset_id == row.id)
        conn.execute(sa.delete(revisions).where(revisions.c.example_id.in_(example_ids)))
        conn.execute(sa.delete(examples).where(examples.c.dataset_id == row.id))
        conn.execute(sa.delete(versions).where(versions.c.dataset_id == row.id))
        conn.execute(sa.delete(datasets).where(datasets.c.id == row.id))


def _pairs_at(conn: sa.Connection, dataset_id: int, version_id: int | None) -> list[tuple[str, str]]:
    if version_id is None:
        return []
    query = _example_set_query(conn, dataset_id, version_id, [examples.c.source_id, revisions.c.content_hash])
    return [(source_id, hash_) for source_id, hash_ in conn.execute(query)]


def _example_set_query(
    conn: sa.Connection, dataset_id: int, version_id: int, columns: list[Any]
) -> sa.Select[Any]:
    """Per example of the dataset, its latest revision at or before ``version_id``, unless a DELETE."""
    latest = _latest_version_id(conn, dataset_id)
    if version_id == latest:
        # The current state names each example's latest revision: no look-back needed.
        return (
            sa.select(*columns)
            .select_from(examples)
            .join(
                revisions,
                sa.and_(
                    revisions.c.example_id == examples.c.id,
                    revisions.c.version_id == examples.c.current_version_id,
                ),
            )
            .where(examples.c.dataset_id == dataset_id, sa.not_(examples.c.is_deleted))
        )
    r2 = revisions.alias("r2")
    at_or_before = (
        sa.select(sa.func.max(r2.c.version_id))
        .where(r2.c.example_id == examples.c.id, r2.c.version_id <= version_id)
        .scalar_subquery()
    )
    return (
        sa.select(*columns)
        .select_from(examples)
        .join(revisions, revisions.c.example_id == examples.c.id)
        .where(
            examples.c.dataset_id == dataset_id,
            revisions.c.version_id == at_or_before,
            revisions.c.revision_kind != engine_upsert.DELETE,
        )
    )


def version_json(row: sa.Row[Any], digest: str) -> dict[str, Any]:
    return {
        "id": render_id(row.id),
        "dataset_id": render_id(row.dataset_id),
        "description": row.description,
        "metadata": fragment(row.metadata),
        "created_at": row.created_at,
        "example_count": row.example_count,
        "created": row.created_count,
        "updated": row.updated_count,
        "deleted": row.deleted_count,
        "digest": digest,
    }


def list_versions(engine: sa.Engine, dataset_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    with read_transaction(engine) as conn:
        dataset = _dataset_row(conn, parse_id(dataset_id, "dataset"))
        query = (
            sa.select(versions)
            .where(versions.c.dataset_id == dataset.id)
            .order_by(versions.c.id.desc())
            .limit(limit + 1)
        )
        if cursor is not None:
            query = query.where(versions.c.id < parse_id(cursor, "cursor"))
        rows = conn.execute(query).all()
        more = len(rows) > limit
        rows = rows[:limit]
        data = [
            version_json(row, groundset.manifest_digest(_pairs_at(conn, dataset.id, row.id))) for row in rows
        ]
    return {"data": data, "next_cursor": render_id(rows[-1].id) if more else None}


def get_version(engine: sa.Engine, dataset_id: str, version_id: str) -> dict[str, Any]:
    with read_transaction(engine) as conn:
        dataset = _dataset_row(conn, parse_id(dataset_id, "dataset"))
        version = _version_for(conn, dataset.id, version_id)
        row = conn.execute(sa.select(versions).where(versions.c.id == version)).one()
        return version_json(row, groundset.manifest_digest(_pairs_at(conn, dataset.id, row.id)))


EXAMPLE_COLUMNS = [
    examples.c.id,
    examples.c.source_id,
    revisions.c.content_hash,
    revisions.c.input,
    revisions.c.output,
    revisions.c.metadata,
    revisions.c.version_id,
]


def _example_json(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": render_id(row.id),
        "source_id": row.source_id,
        "content_hash": row.content_hash,
        "input": fragment(row.input),
        "output": fragment(row.output),
        "metadata": fragment(row.metadata),
        "version_id": render_id(row.version_id),
    }


def examples_page(
    engine: sa.Engine, dataset_id: str, version_id: str | None, cursor: str | None, limit: int
) -> dict[str, Any]:
    with read_transaction(engine) as conn:
        dataset = _dataset_row(conn, parse_id(dataset_id, "dataset"))
        version = _version_for(conn, dataset.id, version_id)
        if version is None:
            return {"dataset_id": render_id(dataset.id), "version_id": None, "data": [], "next_cursor": None}
        query = (
            _example_set_query(conn, dataset.id, version, EXAMPLE_COLUMNS)
            .order_by(examples.c.id)
            .limit(limit + 1)
        )
        if cursor is not None:
            query = query.where(examples.c.id > parse_id(cursor, "cursor"))
        rows = conn.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "dataset_id": render_id(dataset.id),
        "version_id": render_id(version),
        "data": [_example_json(row) for row in rows],
        "next_cursor": render_id(rows[-1].id) if more else None,
    }


def examples_ndjson(engine: sa.Engine, dataset_id: str, version_id: str | None) -> Iterator[bytes]:
    """Every example of the version as NDJSON lines, read in pages of 5,000."""
    with read_transaction(engine) as conn:
        dataset = _dataset_row(conn, parse_id(dataset_id, "dataset"))
        version = _version_for(conn, dataset.id, version_id)
    if version is None:
        return iter(())

    def lines() -> Iterator[bytes]:
        last = 0
        while True:
            with read_transaction(engine) as conn:
                query = (
                    _example_set_query(conn, dataset.id, version, EXAMPLE_COLUMNS)
                    .where(examples.c.id > last)
                    .order_by(examples.c.id)
                    .limit(5000)
                )
                rows = conn.execute(query).all()
            if not rows:
                return
            yield b"".join(orjson.dumps(_example_json(row)) + b"\n" for row in rows)
            last = rows[-1].id

    return lines()


def manifest(engine: sa.Engine, dataset_id: str, version_id: str | None) -> dict[str, Any]:
    with read_transaction(engine) as conn:
        dataset = _dataset_row(conn, parse_id(dataset_id, "dataset"))
        version = _version_for(conn, dataset.id, version_id)
        pairs = _pairs_at(conn, dataset.id, version)
    pairs.sort(key=lambda pair: pair[0].encode("utf-16-be"))
    return {
        "dataset_id": render_id(dataset.id),
        "version_id": render_id(version),
        "digest": groundset.manifest_digest(pairs),
        "examples": pairs,
    }


def diff(engine: sa.Engine, dataset_id: str, from_version_id: str, to_version_id: str) -> dict[str, Any]:
    with read_transaction(engine) as conn:
        dataset = _dataset_row(conn, parse_id(dataset_id, "dataset"))
        before_id = _version_for(conn, dataset.id, from_version_id)
        after_id = _version_for(conn, dataset.id, to_version_id)
        before = dict(_pairs_at(conn, dataset.id, before_id))
        after = dict(_pairs_at(conn, dataset.id, after_id))
    return {
        "dataset_id": render_id(dataset.id),
        "from_version_id": from_version_id,
        "to_version_id": to_version_id,
        "created": sorted(s for s in after if s not in before),
        "updated": sorted(s for s, h in after.items() if s in before and before[s] != h),
        "deleted": sorted(s for s in before if s not in after),
        "from_digest": groundset.manifest_digest(list(before.items())),
        "to_digest": groundset.manifest_digest(list(after.items())),
    }
