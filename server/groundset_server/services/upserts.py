"""Upserts and plans: a request's examples against a dataset's current state.

:func:`upsert` classifies (:mod:`groundset_server.engine.upsert`) and writes
(:mod:`groundset_server.services.writer`) a request batch by batch in one transaction; :func:`plan`
classifies a manifest without writing. The current state of a dataset is read once per version
and kept in a small cache (:func:`_snapshot`), so a plan and the upsert that follows it read it
once between them. Refusals are :mod:`groundset_server.services.errors`, raised before the
transaction commits: nothing is written.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar, cast

import groundset_core
import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.engine import checkpoint_large_write, read_transaction, write_transaction
from groundset_server.db.tables import dataset_example_revisions, dataset_examples, datasets
from groundset_server.engine import upsert as engine_upsert
from groundset_server.engine.upsert import ExampleState, IncomingExample, RawExample
from groundset_server.services import digests
from groundset_server.services.errors import (
    Conflict,
    DomainError,
    DuplicateSourceIds,
    Invalid,
    MissingContent,
)
from groundset_server.services.plans import Plan, PlanMismatch, PlanStore, expired, header_mismatch
from groundset_server.services.queries import dataset_by_id, latest_version_id
from groundset_server.services.schemas import current_schema, example_check
from groundset_server.services.tags import apply_tag, tag_change
from groundset_server.services.values import EMPTY_OBJECT, canonical_text, now, render_id
from groundset_server.services.writer import VersionWriter
from groundset_server.wire import Header, NdjsonRequest

T = TypeVar("T")

_STATE_ROWS_PER_FETCH = 10_000


def _current_state(conn: sa.Connection, dataset_id: int) -> ExampleState:
    """The dataset's current state read in parts (a server-side cursor on PostgreSQL), so a
    million rows never stand in memory as Python tuples at once."""
    state = ExampleState()
    put = state.put
    result = conn.exec_driver_sql(
        dialect.driver_sql(
            conn,
            "SELECT source_id, id, current_content_hash, is_deleted FROM dataset_examples "
            "WHERE dataset_id = ?",
        ),
        (dataset_id,),
        execution_options={"stream_results": True, "yield_per": _STATE_ROWS_PER_FETCH},
    )
    # The result's own partitions: it may have buffered rows its driver cursor no longer holds.
    for rows in result.partitions():
        for source_id, example_id, content_hash, is_deleted in rows:
            put(source_id, example_id, content_hash, bool(is_deleted))
    return state


class _Snapshot:
    """A dataset's current state at one version, and its digest once computed."""

    def __init__(self, state: ExampleState, digest: str | None = None) -> None:
        self.state = state
        self.digest = digest

    def current_digest(self) -> str:
        if self.digest is None:
            state = self.state
            self.digest, state.order = groundset_core.manifest_digest_ordered(
                list(state), state.hashes, state.deleted, state.order
            )
        return self.digest


SnapshotKey = tuple[str, int, str, int | None]
_SNAPSHOTS: OrderedDict[SnapshotKey, _Snapshot] = OrderedDict()
_SNAPSHOTS_LOCK = threading.Lock()
_SNAPSHOT_ROWS_KEPT = 2_000_000
"""The cache's budget in example rows (~170 bytes each, :class:`ExampleState`)."""


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


def _snapshot(conn: sa.Connection, dataset: sa.Row[Any] | None, latest: int | None) -> _Snapshot:
    """The current state of ``dataset`` whose latest version is ``latest``, from a small cache.

    The current state changes only when a version is written, and ids are never reused, so
    (database, dataset id and creation time, latest version id) names one state for good: a plan
    and the content-less upsert that follows it read the 100,000 rows once between them, and an
    upsert leaves the state it wrote for the next re-sync."""
    if dataset is None:
        return _Snapshot(ExampleState())
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
    query = dialect.for_update(conn, sa.select(datasets).where(datasets.c.name == name))
    row = conn.execute(query).first()
    if row is not None or not create:
        return row
    stamp = now()
    values = {
        "name": name,
        "description": header.description,
        "metadata": EMPTY_OBJECT
        if header.metadata is None
        else canonical_text(header.metadata, "$.metadata"),
        "created_at": stamp,
        "updated_at": stamp,
    }
    dialect.insert_ignoring(conn, datasets, values, ["name"])
    return conn.execute(query).first()


def _resolve(conn: sa.Connection, header: Header, create: bool) -> sa.Row[Any] | None:
    if header.selector.id is not None:
        return dataset_by_id(conn, header.selector.id, lock=True)
    assert header.selector.name is not None
    return _lock_dataset_by_name(conn, header.selector.name, create, header)


def _check_expected(header: Header, latest: int | None) -> None:
    if header.has_expected_version and header.expected_version_id != render_id(latest):
        found = "the dataset has no version yet" if latest is None else f"the latest version is {latest}"
        expected = (
            "none (`expected_version_id` is null)"
            if header.expected_version_id is None
            else f"version {header.expected_version_id}"
        )
        raise Conflict(
            "version_conflict",
            f"{found}, and the request expected {expected}",
            expected_version_id=header.expected_version_id,
            latest_version_id=render_id(latest),
        )


_HASHES_PER_STATEMENT = 500


def _take_held_content(
    conn: sa.Connection, dataset: sa.Row[Any] | None, step: engine_upsert.Step
) -> tuple[set[str], list[IncomingExample]]:
    """Give the new and changed examples of ``step`` that came without content (only a hash)
    the content the dataset already holds under that hash, in any revision of any of its
    examples; the source ids of those whose hash it holds nowhere, and the examples given content.

    This is what makes the plan-then-upsert protocol need no guard: what a plan saw as
    unchanged and another writer changed (or deleted) meanwhile comes back as a content-less
    entry whose content is in the revision the plan saw, so the last writer's state is written
    whatever committed between the plan and the upsert. An example's own revisions are read
    first (indexed by example id); only hashes not found there are looked for across the
    dataset."""
    if not step.missing_content:
        return set(), []
    lacking = set(step.missing_content)
    if dataset is None:
        return lacking, []
    entries = [
        (example_id, e)
        for example_id, e in (*step.created, *step.revived, *step.updated)
        if e.source_id in lacking
    ]
    held: dict[str, tuple[str | None, str | None, str | None]] = {}
    revisions = dataset_example_revisions
    known = [(example_id, e.content_hash) for example_id, e in entries if example_id]
    for start in range(0, len(known), _HASHES_PER_STATEMENT):
        part = known[start : start + _HASHES_PER_STATEMENT]
        rows = conn.execute(
            sa.select(revisions.c.content_hash, revisions.c.input, revisions.c.output, revisions.c.metadata)
            .where(revisions.c.example_id.in_({example_id for example_id, _ in part}))
            .where(revisions.c.content_hash.in_({content_hash for _, content_hash in part}))
            .where(revisions.c.input.is_not(None))
        )
        held.update((row[0], (row[1], row[2], row[3])) for row in rows)
    rest = sorted({e.content_hash for _, e in entries} - held.keys())
    for start in range(0, len(rest), _HASHES_PER_STATEMENT):
        rows = conn.execute(
            sa.select(revisions.c.content_hash, revisions.c.input, revisions.c.output, revisions.c.metadata)
            .join(dataset_examples, dataset_examples.c.id == revisions.c.example_id)
            .where(dataset_examples.c.dataset_id == dataset.id)
            .where(revisions.c.content_hash.in_(rest[start : start + _HASHES_PER_STATEMENT]))
            .where(revisions.c.input.is_not(None))
        )
        held.update((row[0], (row[1], row[2], row[3])) for row in rows)

    taken: list[IncomingExample] = []

    def filled(pairs: list[tuple[int, IncomingExample]]) -> list[tuple[int, IncomingExample]]:
        out = []
        for example_id, e in pairs:
            content = held.get(e.content_hash) if e.input is None else None
            if content is not None:
                e = e._replace(input=content[0], output=content[1], metadata=content[2])
                lacking.discard(e.source_id)
                taken.append(e)
            out.append((example_id, e))
        return out

    step.created, step.revived, step.updated = (
        filled(step.created),
        filled(step.revived),
        filled(step.updated),
    )
    step.missing_content = [source_id for source_id in step.missing_content if source_id in lacking]
    return lacking, taken


def _without_content(header: Header, latest: int | None, missing: list[IncomingExample]) -> DomainError:
    """The refusal of examples that came with a hash but no content, are new or changed, and
    whose hash no revision of the dataset holds. When the dataset has no version, or is at the
    one the request expected, no plan can have asked to leave their content out: 422
    ``missing_content``, each record named. Otherwise (a plan's dataset deleted and made again
    meanwhile): 409 ``stale_manifest`` with the ``source_ids`` whose content to send."""
    if latest is None or header.has_expected_version:
        return MissingContent(missing, render_id(latest))
    first = missing[0].source_id
    return Conflict(
        "stale_manifest",
        f"{len(missing)} new or changed example(s) came without content (the first: {first!r}), and no "
        f"revision of the dataset (now at version {latest}) holds their content_hash: send the request "
        "again with the input of the examples listed in needed_source_ids",
        source_ids=[e.source_id for e in missing],
        needed_source_ids=[e.source_id for e in missing],
        base_version_id=render_id(latest),
    )


def _add(sync: engine_upsert.Sync, batch: list[RawExample]) -> engine_upsert.Step:
    step = sync.add(batch)
    _refuse_duplicates(step)
    return step


def _refuse_duplicates(step: engine_upsert.Step) -> None:
    if step.duplicates:
        raise DuplicateSourceIds(step.duplicates)


def _finish(sync: engine_upsert.Sync, header: Header, dataset_name: str | None) -> list[tuple[int, str]]:
    """The mirror's deletions, once the mirror guard has allowed them: the one place where the
    upsert (dry run or not, one request or after a plan) and the plan apply it. An upsert has
    written its batches by then, in the transaction this refusal rolls back."""
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
    raise Conflict(
        refusal.code,
        detail,
        deleted=len(source_ids),
        example_count=refusal.example_count,
        max_deletes=refusal.max_deletes,
        source_ids=source_ids,
    )


def _tag(
    conn: sa.Connection,
    header: Header,
    dataset: sa.Row[Any] | None,
    version: int | None,
    answer: dict[str, Any],
) -> None:
    """Tag the version the upsert produced (``None``: the new version of a dry run) or found
    unchanged, with the request's ``tag``, in its transaction; a dry run only checks."""
    answer["tag"] = header.tag
    answer["tag_change"] = None
    if header.tag is None:
        return
    if version is None and answer["noop"]:
        raise Invalid(
            "dataset_has_no_version",
            f"the upsert wrote no version and dataset {answer['dataset_name']!r} has none to tag "
            f"{header.tag!r}; nothing was written",
            dataset_id=answer["dataset_id"],
            tag=header.tag,
        )
    dataset_id = None if dataset is None else dataset.id
    change = tag_change(conn, dataset_id, header.tag, version)
    apply_tag(
        conn,
        dataset_id,
        header.tag,
        version,
        move=header.move_tag,
        move_name="move_tag",
        write=not header.dry_run,
    )
    answer["tag_change"] = change


def _dataset_metadata(header: Header) -> str | None:
    return None if header.metadata is None else canonical_text(header.metadata, "$.metadata")


def _dataset_changes(header: Header, dataset: sa.Row[Any], dataset_metadata: str | None) -> dict[str, Any]:
    """The request's dataset ``description`` and ``metadata`` (canonical text) where they
    differ from the stored ones."""
    changes: dict[str, Any] = {}
    if header.description is not None and header.description != dataset.description:
        changes["description"] = header.description
    if dataset_metadata is not None and dataset_metadata != dataset.metadata:
        changes["metadata"] = dataset_metadata
    return changes


def _update_dataset(
    conn: sa.Connection,
    header: Header,
    dataset: sa.Row[Any],
    dataset_metadata: str | None,
    stamp: str,
    version_written: bool,
) -> None:
    """Write :func:`_dataset_changes`; ``updated_at`` moves with them or with a new version."""
    changes = _dataset_changes(header, dataset, dataset_metadata)
    if changes or version_written:
        changes["updated_at"] = stamp
        conn.execute(sa.update(datasets).where(datasets.c.id == dataset.id).values(changes))


def _find_dataset(conn: sa.Connection, header: Header) -> sa.Row[Any] | None:
    """The request's dataset, read without a lock (``dataset_not_found`` for an unknown id)."""
    if header.selector.id is not None:
        return dataset_by_id(conn, header.selector.id)
    return conn.execute(sa.select(datasets).where(datasets.c.name == header.selector.name)).first()


def upsert_by_digest(engine: sa.Engine, header: Header) -> dict[str, Any]:
    """The upsert of a request that sends ``manifest_digest`` instead of its examples: when it
    equals the digest of the dataset's latest version the dataset already holds exactly the
    client's examples, so the upsert is a no-op in either mode, answered (schema
    ``UpsertResult``) without reading one example: ``expected_version_id`` is checked, the
    ``tag`` set (``tag_exists`` as for any upsert), the dataset's ``description`` and ``metadata``
    updated; a ``dry_run`` writes nothing. Otherwise 409 ``digest_differs`` (nothing written,
    the dataset not created): the client sends its examples.

    A read transaction decides, so the check waits for no writer (SQLite has one at a time);
    only what has something to write (a tag, a changed description or metadata, the digest of a
    version made before digests were stored) is decided again in a write transaction holding
    the dataset's row, so no writer comes between the comparison and the writes."""
    assert header.manifest_digest is not None
    dataset_metadata = _dataset_metadata(header)
    with read_transaction(engine) as conn:
        outcome = _by_digest(conn, header, dataset_metadata, locked=False)
    if outcome is None:
        with write_transaction(engine) as conn:
            outcome = _by_digest(conn, header, dataset_metadata, locked=True)
    if isinstance(outcome, Conflict):
        # Raised once committed, so a digest computed for an older version is kept.
        raise outcome
    assert outcome is not None
    return outcome


def _by_digest(
    conn: sa.Connection, header: Header, dataset_metadata: str | None, locked: bool
) -> dict[str, Any] | Conflict | None:
    """:func:`upsert_by_digest` on ``conn``: the answer, the ``digest_differs`` refusal, or
    (not ``locked``) ``None`` when there is something to write."""
    assert header.manifest_digest is not None
    dataset = _resolve(conn, header, create=False) if locked else _find_dataset(conn, header)
    found = None if dataset is None else digests.latest(conn, dataset.id)
    latest = None if found is None else found.version_id
    _check_expected(header, latest)
    digest = None if found is None else found.digest
    if dataset is not None and found is not None and digest is None:
        # A version made before migration 0009: its digest is computed once, then stored.
        if not locked:
            return None
        digest = _snapshot(conn, dataset, latest).current_digest()
        digests.store(conn, found.version_id, digest)
    if dataset is None or found is None or digest != header.manifest_digest:
        return _digest_differs(header, dataset, latest, digest)
    writes = not header.dry_run and (
        header.tag is not None or _dataset_changes(header, dataset, dataset_metadata)
    )
    if writes and not locked:
        return None
    answer: dict[str, Any] = {
        "dataset_id": render_id(dataset.id),
        "dataset_name": dataset.name,
        "version_id": render_id(latest),
        "previous_version_id": render_id(latest),
        "noop": True,
        "dry_run": header.dry_run,
        "created": 0,
        "updated": 0,
        "unchanged": found.example_count,
        "deleted": 0,
        "digest": digest,
    }
    if header.dry_run:
        # The unchanged are the client's own source ids: listing them would read every example.
        answer.update(created_source_ids=[], updated_source_ids=[], deleted_source_ids=[])
        answer["unchanged_source_ids"] = None
    _tag(conn, header, dataset, latest, answer)
    if writes:
        _update_dataset(conn, header, dataset, dataset_metadata, now(), version_written=False)
    return answer


def _digest_differs(
    header: Header, dataset: sa.Row[Any] | None, latest: int | None, digest: str | None
) -> Conflict:
    name = header.selector.name if dataset is None else dataset.name
    if dataset is None:
        state = "does not exist"
    elif latest is None:
        state = "has no version"
    else:
        state = f"is at version {latest}, whose digest is {digest}"
    return Conflict(
        "digest_differs",
        f"dataset {name!r} {state}, not the request's manifest_digest {header.manifest_digest}; "
        "nothing was written: send the examples",
        dataset_id=None if dataset is None else render_id(dataset.id),
        latest_version_id=render_id(latest),
        digest=digest,
        manifest_digest=header.manifest_digest,
    )


_QUEUED_BATCHES = 2
"""Decoded batches waiting for the writer thread at most (~1 MiB of body each): the decoder
runs ahead of the writer, so more would only hold more memory."""


class _Failed(NamedTuple):
    error: BaseException


_END = object()


def _overlapped(batches: Iterable[list[RawExample]], work: Callable[[Iterator[list[RawExample]]], T]) -> T:
    """``work(batches)``, run in a thread of its own while the calling thread pulls ``batches``
    (reads the body and decodes it) ahead of it, through a queue of :data:`_QUEUED_BATCHES`.

    Decoding (the core, without the GIL, on every core) and the database's work in
    ``executemany`` or ``COPY`` (SQLite's B-trees run without the GIL; PostgreSQL's in its
    backend) then overlap instead of taking turns. The body is pulled on the calling thread
    because it is the one the event loop hands blocks to. An error in ``batches`` (a refused
    record) is raised in ``work``'s iteration, so its transaction rolls back; once ``work``
    ends (a refusal of its own) nothing more is pulled. ``work``'s error wins: it came first."""
    if isinstance(batches, list | tuple):
        return work(iter(batches))
    handoff: queue.Queue[object] = queue.Queue(_QUEUED_BATCHES)
    stopped = threading.Event()
    outcome: list[T] = []
    failure: list[BaseException] = []

    def pulled() -> Iterator[list[RawExample]]:
        while (item := handoff.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.error
            yield cast(list[RawExample], item)

    def run() -> None:
        try:
            outcome.append(work(pulled()))
        except BaseException as error:  # handed to the calling thread, which raises it
            failure.append(error)
        finally:
            stopped.set()

    def hand(item: object) -> bool:
        while not stopped.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    # In the request's context (its request id for the logs).
    context = contextvars.copy_context()
    thread = threading.Thread(target=context.run, args=(run,), name="groundset-upsert-writer", daemon=True)
    thread.start()
    try:
        for batch in batches:
            if not hand(batch):
                break
        else:
            hand(_END)
    except BaseException as error:
        hand(_Failed(error))
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


def upsert(
    engine: sa.Engine, header: Header, batches: Iterable[list[RawExample]], plans: PlanStore | None = None
) -> dict[str, Any]:
    """Classify and write the request's examples, batch by batch, in one transaction; the
    answer is schema ``UpsertResult``. A refusal in any batch rolls back everything:
    ``dataset_not_found``, ``version_conflict`` and ``stale_manifest`` (409: new or changed
    examples came without content), ``duplicate_source_id``, the mirror guard's 409s; with a
    ``tag``, ``tag_exists`` (409: it points at another version and ``move_tag`` is false) and
    ``dataset_has_no_version`` (422: nothing to tag).

    With ``header.plan_id`` (a plan of ``plans``) the examples are the plan's needed ones and the
    rest of the manifest is the plan's (:func:`_planned_batches`): the same upsert as the whole
    manifest with content-less entries for the others. When the dataset's latest version is
    still the plan's base, the plan's classification of the unchanged examples is taken as it
    is (they are neither sent nor compared again). Refusals: 409 ``plan_expired``, 422
    ``plan_mismatch`` (:mod:`groundset_server.services.plans`). An upsert that commits (not a
    dry run, not a refusal) consumes its plan.

    The body is read and decoded ahead of the writing (:func:`_overlapped`)."""
    return _overlapped(batches, lambda pulled: _upsert(engine, header, pulled, plans))


def _take_plan(plans: PlanStore | None, header: Header) -> Plan | None:
    """The plan the upsert names, checked against its header (None without ``plan_id``)."""
    if header.plan_id is None:
        return None
    if plans is None:
        raise expired(header.plan_id)
    planned = plans.get(header.plan_id)
    reasons = planned.header_mismatches(header.selector.name, header.selector.id, header.mode, header.guard)
    if reasons:
        raise header_mismatch(reasons)
    return planned


def _planned_batches(
    planned: Plan, batches: Iterator[list[RawExample]], unchanged_taken: bool
) -> Iterator[list[RawExample]]:
    """The body's batches, every line checked against the plan (all refused lines named at
    once, in :class:`PlanMismatch`, and none written once one is), then the rest of the
    manifest as content-less entries: the needed ones the body left out and, unless
    ``unchanged_taken`` (the fast path), the unchanged ones."""
    given: set[str] = set()
    refused: list[Any] = []
    for batch in batches:
        found = planned.check_lines(batch)
        if found:
            refused += found
        given.update(map(itemgetter(1), batch))
        if not refused:
            yield batch
    if refused:
        raise PlanMismatch(refused)
    yield from planned.rest(given, with_unchanged=not unchanged_taken)


def _upsert(
    engine: sa.Engine, header: Header, batches: Iterator[list[RawExample]], plans: PlanStore | None
) -> dict[str, Any]:
    dataset_metadata = _dataset_metadata(header)
    version_metadata = (
        EMPTY_OBJECT
        if header.version_metadata is None
        else canonical_text(header.version_metadata, "$.version_metadata")
    )
    # Without SQLite's foreign key checks (a tenth of a million-row load's insert time): every
    # reference written is to the dataset row locked here, the version this transaction makes,
    # an example row it inserts, or one of the snapshot of the latest version, read under the
    # same write lock.
    with write_transaction(engine, check_references=False) as conn, dialect.bulk_write_cache(conn):
        dataset = _resolve(conn, header, create=not header.dry_run)
        latest = None if dataset is None else latest_version_id(conn, dataset.id)
        _check_expected(header, latest)
        planned = _take_plan(plans, header)
        # The fast path: the plan's base is the current state, its positions the plan's flags'.
        fast = planned is not None and planned.matches_base(
            None if dataset is None else dataset.id, None if dataset is None else dataset.created_at, latest
        )
        if planned is not None and fast:
            snapshot = _Snapshot(planned.base, planned.base_digest)
        else:
            snapshot = _snapshot(conn, dataset, latest)
        check = example_check(conn, dataset)
        stamp = now()
        writer = None
        if not header.dry_run:
            assert dataset is not None
            writer = VersionWriter(conn, dataset.id, header.version_description, version_metadata, stamp)
        sync = engine_upsert.Sync(
            snapshot.state,
            header.mode,
            keep_source_ids=header.dry_run,
            new_ids=None if writer is None else writer.ids.take,
        )
        if planned is not None and fast:
            sync.seen = bytearray(planned.unchanged)
            sync.counts["unchanged"] = planned.unchanged_count
            if header.dry_run:
                sync.source_ids["unchanged"] = planned.unchanged_source_ids()
        if planned is not None:
            batches = _planned_batches(planned, batches, unchanged_taken=fast)
        missing: list[IncomingExample] = []
        for batch in batches:
            step = _add(sync, batch)
            if writer is not None and step.missing_content:
                writer.flush()  # the content looked up may be in rows held back for a larger COPY
            lacking, taken = _take_held_content(conn, dataset, step)
            if check is not None and taken:
                # Content taken from an older revision is held to the schema as sent content is.
                check.add(
                    [(e.position, e.source_id, e.content_hash, e.input, e.output, e.metadata) for e in taken]
                )
            if lacking:
                # Every such example is named, so the rest is classified, but no more written.
                missing += [IncomingExample._make(e) for e in batch if e[1] in lacking and e[3] is None]
            if check is not None:
                check.add(batch)
            if writer is not None and not missing and (check is None or not check.total):
                writer.write(step)
        if missing:
            raise _without_content(header, latest, missing)
        if check is not None and (violations := check.refusal("the request")) is not None:
            raise violations
        deleted = _finish(sync, header, None if dataset is None else dataset.name)
        written = _Snapshot(sync.new_state()) if sync.changed else snapshot
        answer: dict[str, Any] = {
            "dataset_id": None if dataset is None else render_id(dataset.id),
            "dataset_name": header.selector.name if dataset is None else dataset.name,
            "version_id": render_id(latest),
            "previous_version_id": render_id(latest),
            "noop": not sync.changed,
            "dry_run": header.dry_run,
            **sync.counts,
            "digest": written.current_digest(),
        }
        if writer is None:
            answer["version_id"] = None if sync.changed else render_id(latest)
            answer.update({f"{name}_source_ids": ids for name, ids in sync.source_ids.items()})
            _tag(conn, header, dataset, None if sync.changed else latest, answer)
            return answer
        assert dataset is not None
        writer.delete(deleted)
        version_id = writer.finish(sync.counts, written.state.live)
        _tag(conn, header, dataset, latest if version_id is None else version_id, answer)
        _update_dataset(
            conn, header, dataset, dataset_metadata, stamp, version_written=version_id is not None
        )
        if planned is not None:
            # Committed next: a second upsert with it waits for the dataset's lock, then finds none.
            assert plans is not None
            plans.consume(planned)
        if version_id is None:
            return answer
        digests.store(conn, version_id, answer["digest"])
        answer["version_id"] = render_id(version_id)
        key = _snapshot_key(conn, dataset, version_id)
    _keep(key, written)  # committed: the next plan of this dataset starts from it
    # SQLite: a large write's WAL checkpointed now, while its client waits for this answer,
    # not during the client's next request.
    checkpoint_large_write(engine, sync.counts["created"] + sync.counts["updated"] + sync.counts["deleted"])
    return answer


def plan(
    engine: sa.Engine,
    header: Header,
    batches: Iterable[list[RawExample]] | NdjsonRequest,
    plans: PlanStore | None = None,
) -> dict[str, Any]:
    """Classify a manifest of ``(source_id, content_hash)`` without writing; the answer is
    schema ``PlanResult`` (``needed_source_ids``: the new and changed examples, whose content
    the upsert must carry). Refusals as :func:`upsert`'s, but for ``version_conflict`` and
    ``stale_manifest``. The plan is kept in ``plans`` under its ``plan_id`` (``None`` without
    ``plans``, or when it alone is over their memory bound).

    ``batches``: decoded examples, or an NDJSON request past its header, whose blocks the core
    decodes and classifies with no Python value per unchanged line (:meth:`NdjsonRequest.classify`)."""
    with read_transaction(engine) as conn:
        dataset = _find_dataset(conn, header)
        latest = None if dataset is None else latest_version_id(conn, dataset.id)
        snapshot = _snapshot(conn, dataset, latest)
        dataset_schema = current_schema(conn, dataset)
    sync = engine_upsert.Sync(snapshot.state, header.mode)

    def classify(pulled: Iterator[list[RawExample]]) -> None:
        for batch in pulled:
            _add(sync, batch)

    if isinstance(batches, NdjsonRequest):
        batches.classify(sync, _refuse_duplicates)
    else:
        # Decoding the next block overlaps the classification of this one, as in an upsert.
        _overlapped(batches, classify)
    dataset_name = header.selector.name if dataset is None else dataset.name
    assert dataset_name is not None
    _finish(sync, header, None if dataset is None else dataset.name)
    plan_id = None
    if plans is not None:
        state, unchanged = snapshot.state, sync.seen
        # The flags of the changed examples cleared: what stays flagged is unchanged.
        for position in map(state.positions.get, sync.changes.positions):
            if position is not None:
                unchanged[position] = 0
        plan_id = plans.keep(
            Plan(
                dataset_id=None if dataset is None else dataset.id,
                dataset_created_at=None if dataset is None else dataset.created_at,
                dataset_name=dataset_name,
                base_version_id=latest,
                mode=header.mode,
                guard=header.guard,
                base=state,
                base_digest=snapshot.current_digest(),
                unchanged=unchanged,
                unchanged_count=sync.counts["unchanged"],
                needed=sync.changes,
            )
        )
    return {
        "dataset_id": None if dataset is None else render_id(dataset.id),
        "dataset_name": dataset_name,
        "base_version_id": render_id(latest),
        "base_digest": snapshot.current_digest(),
        "needed_source_ids": sync.needed,
        "plan_id": plan_id,
        **sync.counts,
        "dataset_schema": dataset_schema,
    }
