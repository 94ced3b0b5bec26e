"""The one writer of an upsert's rows: versions, example rows and revisions.

The engine (:mod:`groundset_server.engine.upsert`) says what changes; this module alone knows
how that is stored: the revision rows and their kinds (``CREATE``, ``PATCH``, ``DELETE``), the
example rows' current-state columns, the version row and its counts.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.tables import CREATE, DELETE, PATCH
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.engine.upsert import IncomingExample, Step

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
    f"INSERT INTO dataset_example_revisions ({', '.join(REVISION_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(REVISION_COLUMNS))})"
)
EXAMPLE_COLUMNS = (
    "id",
    "dataset_id",
    "source_id",
    "created_at",
    "current_content_hash",
    "current_version_id",
    "is_deleted",
)
UPDATE_CURRENT = (
    "UPDATE dataset_examples SET current_content_hash = ?, current_version_id = ?, is_deleted = ? "
    "WHERE id = ?"
)


_ROW = itemgetter(0)
_EXAMPLE = itemgetter(1)
_SOURCE_ID, _CONTENT_HASH, _INPUT, _OUTPUT, _METADATA = (itemgetter(i) for i in range(1, 6))


def revision_columns(
    pairs: list[tuple[int, IncomingExample]], version_id: int, kind: str, now: str
) -> list[dialect.Column]:
    """The revision rows of ``(example id, example)`` pairs as columns (:data:`REVISION_COLUMNS`),
    for :func:`groundset_server.db.dialect.insert_columns`: built at C level (``map``), so a
    million-example load makes no Python-level call per row."""
    examples = list(map(_EXAMPLE, pairs))
    return [
        list(map(_ROW, pairs)),
        dialect.Same(version_id),
        *(list(map(part, examples)) for part in (_INPUT, _OUTPUT, _METADATA, _CONTENT_HASH)),
        dialect.Same(kind),
        dialect.Same(now),
    ]


def _kinds(step: Step) -> tuple[tuple[str, list[tuple[int, IncomingExample]]], ...]:
    """A ``CREATE`` for each new or revived example, a ``PATCH`` for each changed one."""
    return ((CREATE, step.created + step.revived), (PATCH, step.updated))


def revision_rows(step: Step, version_id: int, now: str) -> list[tuple[Any, ...]]:
    """The revision rows of a batch as tuples (columns as :data:`REVISION_COLUMNS`)."""
    rows: list[tuple[Any, ...]] = []
    for kind, pairs in _kinds(step):
        rows.extend(dialect.column_rows(revision_columns(pairs, version_id, kind, now), len(pairs)))
    return rows


def delete_rows(deleted: list[tuple[int, str]], version_id: int, now: str) -> list[tuple[Any, ...]]:
    """The ``DELETE`` revision rows of the examples ``(example id, source id)`` a mirror deletes."""
    return [(example_id, version_id, None, None, None, None, DELETE, now) for example_id, _ in deleted]


class VersionWriter:
    """Writes an upsert's rows batch by batch into the open transaction. The version row is
    created with the first change (an upsert that changes nothing writes nothing) and gets its
    counts at the end. :attr:`ids` gives the engine the ids of new example rows."""

    def __init__(
        self, conn: sa.Connection, dataset_id: int, description: str | None, metadata: str, stamp: str
    ) -> None:
        self.conn = conn
        self.dataset_id = dataset_id
        self.description = description
        self.metadata = metadata
        self.stamp = stamp
        self.version_id: int | None = None
        self.ids = dialect.ReservedIds(conn, "dataset_examples")
        self.examples = dialect.BulkInsert(conn, "dataset_examples", EXAMPLE_COLUMNS)
        self.revisions = dialect.BulkInsert(conn, "dataset_example_revisions", REVISION_COLUMNS)

    def flush(self) -> None:
        """Write the rows held back for a larger ``COPY`` (:class:`~groundset_server.db.dialect.BulkInsert`):
        before anything reads the example rows or revisions in the transaction."""
        self.examples.flush()
        self.revisions.flush()

    def _version(self) -> int:
        if self.version_id is None:
            self.version_id = self.conn.execute(
                sa.insert(versions)
                .values(
                    dataset_id=self.dataset_id,
                    description=self.description,
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

    def write(self, step: Step) -> None:
        if not step.changed:
            return
        version_id = self._version()
        if step.created:
            examples = list(map(_EXAMPLE, step.created))
            self.examples.add(
                [
                    list(map(_ROW, step.created)),
                    dialect.Same(self.dataset_id),
                    list(map(_SOURCE_ID, examples)),
                    dialect.Same(self.stamp),
                    list(map(_CONTENT_HASH, examples)),
                    dialect.Same(version_id),
                    dialect.Same(False),
                ],
            )
        for kind, pairs in _kinds(step):
            self.revisions.add(revision_columns(pairs, version_id, kind, self.stamp))
        existing = step.revived + step.updated
        dialect.bulk(
            self.conn, UPDATE_CURRENT, [(e.content_hash, version_id, False, row) for row, e in existing]
        )

    def delete(self, deleted: list[tuple[int, str]]) -> None:
        if not deleted:
            return
        version_id = self._version()
        dialect.bulk(self.conn, INSERT_REVISION, delete_rows(deleted, version_id, self.stamp))
        dialect.bulk(
            self.conn, UPDATE_CURRENT, [(None, version_id, True, example_id) for example_id, _ in deleted]
        )

    def finish(self, counts: dict[str, int], example_count: int) -> int | None:
        """The rows held back written, and the version's counts; its id, or ``None`` when nothing
        changed."""
        self.flush()
        if self.version_id is not None:
            self.conn.execute(
                sa.update(versions)
                .where(versions.c.id == self.version_id)
                .values(
                    example_count=example_count,
                    created_count=counts["created"],
                    updated_count=counts["updated"],
                    deleted_count=counts["deleted"],
                )
            )
        return self.version_id
