"""Database operations behind the routes: upsert, plan and reads (SQLAlchemy Core)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import groundset
import orjson
import sqlalchemy as sa

from groundset_server import wire
from groundset_server.db.engine import read_transaction, write_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.db.tables import datasets
from groundset_server.engine import upsert as engine_upsert
from groundset_server.engine.upsert import CurrentExample, RawExample
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

    def sync(
        self, mode: engine_upsert.Mode, dry_run: bool = False, writes: bool = False
    ) -> engine_upsert.Sync:
        return engine_upsert.Sync(
            self.state,
            mode,
            keep_source_ids=dry_run,
            keep_changes=not writes,
        )


_SNAPSHOTS: OrderedDict[tuple[str, int, str, int | None], _Snapshot] = OrderedDict()
_SNAPSHOTS_LOCK = threading.Lock()
_SNAPSHOT_ROWS_KEPT = 2_000_000
"""The cache's budget in example rows (about 150 bytes each)."""
SnapshotKey = tuple[str, int, str, int | None]


def _snapshot_key(conn: sa.Connection, dataset: sa.Row[Any], latest: int | None) -> SnapshotKey:
    return (conn.engine.url.render_as_string(hide_password=True), dataset.id, dataset.created_at, latest)


def _keep(key: SnapshotKey, snapshot: _Snapshot) -> None:
    if len(snapshot.state) > _SNAPSHOT_ROWS_KEPT:
        return
    with _SNAPSHOTS_LOCK:
        _SNAPSHOTS[key] = snapshot
        _SNAPSHOTS.move_to_end(key)
        rows = sum(len(kept.state) for kept in _SNAPSHOTS.values())
        while rows > _SNAPSHOT_ROWS_KEPT:
            _, dropped = _SNAPSHOTS.popitem(last=False)
            rows -= len(dropped.state)


def _snapshot(conn: sa.Connection, dataset: sa.Row[Any], latest: int | None) -> _Snapshot:
    """The current state of ``dataset`` whose latest version is ``latest``, from a small cache.

    The current state changes only when a version is written, and ids are never reused, so
    (database, dataset id and creation time, latest version id) names one state for good: a plan
    and the content-less upsert that follows it read the 100,000 rows once between them, and an
    upsert leaves the state it wrote for the next re-sync."""
    key = _snapshot_key(conn, dataset, latest)
    with _SNAPSHOTS_LOCK:
        found = _SNAPSHOTS.get(key)
        if found is not None:
            _SNAPSHOTS.move_to_end(key)
            return found
    snapshot = _Snapshot(_current_state(conn, dataset.id))
    _keep(key, snapshot)
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


def _stale(missing: list[str], latest: int | None) -> Problem:
    return Problem(
        409,
        "stale_manifest",
        f"{len(missing)} new or changed example(s) came without content: "
        "the dataset moved since the plan; plan again",
        source_ids=missing,
        base_version_id=render_id(latest),
    )


def _finish(sync: engine_upsert.Sync, header: Header, dataset_name: str | None) -> list[tuple[int, str]]:
    """The mirror's deletions, once the mirror guard has allowed them: the one place where the
    upsert (dry run or not, one request or after a plan) and the plan apply it. An upsert has
    written its batches by then, in the transaction this problem rolls back."""
    deleted = sync.finish()
    refusal = sync.refusal(header.guard)
    if refusal is None:
        return deleted
    source_ids = [source_id for _, source_id in refusal.deleted]
    listed = ", ".join(source_ids[:5]) + (f" and {len(source_ids) - 5} more" if len(source_ids) > 5 else "")
    if refusal.code == "mirror_would_empty":
        detail = (
            f"the mirror would delete all {refusal.example_count} example(s) of dataset {dataset_name!r} "
            f"({listed}) and leave it empty; nothing was written. Send `allow_empty: true` if that is meant"
        )
    else:
        detail = (
            f"the mirror would delete {len(source_ids)} example(s) of dataset {dataset_name!r} ({listed}), "
            f"more than max_deletes {refusal.max_deletes}; nothing was written. Raise `max_deletes` "
            "(or leave it out) if that is meant"
        )
    raise Problem(
        409,
        refusal.code,
        detail,
        deleted=len(source_ids),
        example_count=refusal.example_count,
        max_deletes=refusal.max_deletes,
        source_ids=source_ids,
    )


def _classify(sync: engine_upsert.Sync, batch: list[RawExample], json_body: bool) -> engine_upsert.Step:
    step = sync.add(batch)
    if step.duplicates:
        raise wire.duplicate_problem(step.duplicates, json_body)
    return step


class _VersionWriter:
    """Writes an upsert's rows batch by batch into the open transaction. The version row is
    created with the first change (an upsert that changes nothing writes nothing) and gets its
    counts at the end."""

    def __init__(
        self, conn: sa.Connection, dataset_id: int, header: Header, metadata: str, stamp: str
    ) -> None:
        self.conn = conn
        self.dataset_id = dataset_id
        self.header = header
        self.metadata = metadata
        self.stamp = stamp
        self.version_id: int | None = None
        self.next_example_id: int | None = None
        self.changed_rows: dict[str, CurrentExample] = {}
        self.new_state: dict[str, CurrentExample] = {}

    def _version(self) -> int:
        if self.version_id is None:
            self.version_id = self.conn.execute(
                sa.insert(versions)
                .values(
                    dataset_id=self.dataset_id,
                    description=self.header.version_description,
                    metadata=self.metadata,
                    created_at=self.stamp,
                    example_count=0,
                    created_count=0,
                    updated_count=0,
                    deleted_count=0,
                )
                .returning(versions.c.id)
            ).scalar_one()
        return self.version_id

    def _reserve_example_ids(self, count: int) -> list[int]:
        """Ids for new example rows, taken before inserting them so that revisions need no
        read-back: PostgreSQL's sequence, or on SQLite (whose write lock this transaction
        holds) the next ids after any ever used."""
        if count == 0:
            return []
        if not is_sqlite_conn(self.conn):
            rows = self.conn.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence('dataset_examples', 'id')) "
                "FROM generate_series(1, %s)",
                (count,),
            )
            return [row[0] for row in rows]
        if self.next_example_id is None:
            used = self.conn.exec_driver_sql(
                "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'dataset_examples'), 0), "
                "coalesce((SELECT max(id) FROM dataset_examples), 0))"
            ).scalar_one()
            self.next_example_id = int(used) + 1
        first = self.next_example_id
        self.next_example_id += count
        return list(range(first, first + count))

    def write(self, step: engine_upsert.Step) -> None:
        if not step.changed:
            return
        version_id = self._version()
        ids = self._reserve_example_ids(len(step.created))
        _bulk(
            self.conn,
            "INSERT INTO dataset_examples (id, dataset_id, source_id, created_at, current_content_hash, "
            "current_version_id, is_deleted) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (example_id, self.dataset_id, e.source_id, self.stamp, e.content_hash, version_id, False)
                for example_id, e in zip(ids, step.created, strict=True)
            ],
        )
        _bulk(self.conn, INSERT_REVISION, engine_upsert.revision_rows(step, ids, version_id, self.stamp))
        existing = step.revived + step.updated
        _bulk(self.conn, UPDATE_CURRENT, [(e.content_hash, version_id, False, row) for row, e in existing])
        changed = self.changed_rows
        for example_id, e in zip(ids, step.created, strict=True):
            changed[e.source_id] = CurrentExample(example_id, e.content_hash, False)
        for example_id, e in existing:
            changed[e.source_id] = CurrentExample(example_id, e.content_hash, False)

    def final_manifest(
        self, current: dict[str, CurrentExample], deleted: list[tuple[int, str]]
    ) -> list[tuple[str, str]]:
        """The pairs of the version being written; keeps its state in :attr:`new_state`."""
        state = dict(current)
        state.update(self.changed_rows)
        for example_id, source_id in deleted:
            state[source_id] = CurrentExample(example_id, None, True)
        self.changed_rows = {}
        self.new_state = state
        return engine_upsert.current_manifest(state)

    def delete(self, deleted: list[tuple[int, str]]) -> None:
        if not deleted:
            return
        version_id = self._version()
        _bulk(self.conn, INSERT_REVISION, engine_upsert.delete_rows(deleted, version_id, self.stamp))
        _bulk(self.conn, UPDATE_CURRENT, [(None, version_id, True, example_id) for example_id, _ in deleted])

    def finish(self, sync: engine_upsert.Sync, example_count: int) -> int | None:
        if self.version_id is not None:
            self.conn.execute(
                sa.update(versions)
                .where(versions.c.id == self.version_id)
                .values(
                    example_count=example_count,
                    created_count=sync.counts["created"],
                    updated_count=sync.counts["updated"],
                    deleted_count=sync.counts["deleted"],
                )
            )
        return self.version_id


UPDATE_CURRENT = (
    "UPDATE dataset_examples SET current_content_hash = ?, current_version_id = ?, is_deleted = ? "
    "WHERE id = ?"
)


def upsert(
    engine: sa.Engine, header: Header, batches: Iterable[list[RawExample]], json_body: bool = False
) -> dict[str, Any]:
    """Classify and write the request's examples, batch by batch, in one transaction: an error
    in any batch (raised as a :class:`Problem`) rolls back everything."""
    dataset_metadata = canonical_text(header.metadata, "metadata") if header.metadata is not None else None
    version_metadata = canonical_text(
        header.version_metadata if header.version_metadata is not None else {}, "version_metadata"
    )
    with write_transaction(engine) as conn:
        dataset = _resolve(conn, header, create=not header.dry_run)
        latest = None if dataset is None else _latest_version_id(conn, dataset.id)
        _check_expected(header, latest)
        snapshot = _Snapshot({}) if dataset is None else _snapshot(conn, dataset, latest)
        sync = snapshot.sync(header.mode, dry_run=header.dry_run, writes=not header.dry_run)
        stamp = now()
        writer = None
        if not header.dry_run:
            assert dataset is not None
            writer = _VersionWriter(conn, dataset.id, header, version_metadata, stamp)
        for batch in batches:
            step = _classify(sync, batch, json_body)
            if step.missing_content:
                raise _stale(step.missing_content, latest)
            if writer is not None:
                writer.write(step)
        deleted = _finish(sync, header, None if dataset is None else dataset.name)
        pairs = None
        if sync.changed:
            pairs = (
                sync.final_manifest() if writer is None else writer.final_manifest(snapshot.state, deleted)
            )
        answer: dict[str, Any] = {
            "dataset_id": None if dataset is None else render_id(dataset.id),
            "dataset_name": header.selector.name if dataset is None else dataset.name,
            "version_id": render_id(latest),
            "previous_version_id": render_id(latest),
            "noop": not sync.changed,
            "dry_run": header.dry_run,
            **sync.counts,
            "digest": snapshot.current_digest() if pairs is None else groundset.manifest_digest(pairs),
        }
        if writer is None:
            answer["version_id"] = None if sync.changed else render_id(latest)
            answer.update({f"{name}_source_ids": ids for name, ids in sync.source_ids.items()})
            return answer
        assert dataset is not None
        writer.delete(deleted)
        version_id = writer.finish(sync, 0 if pairs is None else len(pairs))
        dataset_changes: dict[str, Any] = {}
        if header.description is not None and header.description != dataset.description:
            dataset_changes["description"] = header.description
        if dataset_metadata is not None and dataset_metadata != dataset.metadata:
            dataset_changes["metadata"] = dataset_metadata
        if dataset_changes or version_id is not None:
            dataset_changes["updated_at"] = stamp
            conn.execute(sa.update(datasets).where(datasets.c.id == dataset.id).values(dataset_changes))
        if version_id is None:
            return answer
        answer["version_id"] = render_id(version_id)
        written = _Snapshot(writer.new_state)
        written.digest = answer["digest"]
        key = _snapshot_key(conn, dataset, version_id)
    _keep(key, written)  # committed: the next plan of this dataset starts from it
    return answer


def _bulk(conn: sa.Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
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


INSERT_REVISION = (
    f"INSERT INTO dataset_example_revisions ({', '.join(engine_upsert.REVISION_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(engine_upsert.REVISION_COLUMNS))})"
)


def plan(
    engine: sa.Engine, header: Header, batches: Iterable[list[RawExample]], json_body: bool = False
) -> dict[str, Any]:
    with read_transaction(engine) as conn:
        if header.selector.id is not None:
            dataset: sa.Row[Any] | None = _dataset_row(conn, parse_id(header.selector.id, "dataset"))
        else:
            dataset = conn.execute(sa.select(datasets).where(datasets.c.name == header.selector.name)).first()
        latest = None if dataset is None else _latest_version_id(conn, dataset.id)
        snapshot = _Snapshot({}) if dataset is None else _snapshot(conn, dataset, latest)
    sync = snapshot.sync(header.mode)
    for batch in batches:
        _classify(sync, batch, json_body)
    _finish(sync, header, None if dataset is None else dataset.name)
    return {
        "dataset_id": None if dataset is None else render_id(dataset.id),
        "dataset_name": header.selector.name if dataset is None else dataset.name,
        "base_version_id": render_id(latest),
        "base_digest": snapshot.current_digest(),
        "needed_source_ids": sync.needed,
        **sync.counts,
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


def examples_ndjson(
    engine: sa.Engine, dataset_id: str, version_id: str | None, cursor: str | None, limit: int | None
) -> Iterator[bytes]:
    """The examples of the version after ``cursor`` (at most ``limit``) as NDJSON lines, read
    in pages of 5,000, each in its own short read transaction (the version pins the content)."""
    with read_transaction(engine) as conn:
        dataset = _dataset_row(conn, parse_id(dataset_id, "dataset"))
        version = _version_for(conn, dataset.id, version_id)
    after = 0 if cursor is None else parse_id(cursor, "cursor")
    if version is None:
        return iter(())

    def lines() -> Iterator[bytes]:
        last, left = after, limit
        while left is None or left > 0:
            page = 5000 if left is None else min(5000, left)
            with read_transaction(engine) as conn:
                query = (
                    _example_set_query(conn, dataset.id, version, EXAMPLE_COLUMNS)
                    .where(examples.c.id > last)
                    .order_by(examples.c.id)
                    .limit(page)
                )
                rows = conn.execute(query).all()
            if not rows:
                return
            yield b"".join(orjson.dumps(_example_json(row)) + b"\n" for row in rows)
            last = rows[-1].id
            left = None if left is None else left - len(rows)

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
