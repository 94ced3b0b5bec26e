"""Versions and what they hold: versions, examples (a page or an NDJSON stream), manifests and
diffs. A version's content is read through :func:`.queries.example_set_query` (a page
through :func:`.queries.example_set_page`), so every read of an old version sees it as it was;
a diff reads only the examples revised between its two versions, each at its revision there."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import groundset_core
import orjson
import sqlalchemy as sa

from groundset_server.db.dialect import is_sqlite
from groundset_server.db.engine import read_transaction
from groundset_server.db.tables import DELETE
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_version_digests as version_digests
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.services.errors import Invalid
from groundset_server.services.queries import (
    EXAMPLE_COLUMNS,
    dataset_by_id,
    example_json,
    example_page,
    example_set_page,
    page,
    pairs_at,
    resolve_version,
    version_for,
)
from groundset_server.services.tags import tags_of
from groundset_server.services.values import json_value, parse_id, render_id

EXPORT_PAGE = 5000
"""Examples read per short read transaction of an NDJSON export."""

MAX_SOURCE_IDS = 1000
"""The most source ids one read of examples may name (``source_id`` repeated)."""
MAX_QUERY_CHARS = 1000
"""The longest text search (``q``) over examples, in characters."""


@dataclass(frozen=True)
class ExampleSearch:
    """Which of a version's examples a read keeps: ``source_ids``, only those (exact);
    ``text``, those whose source id, input, output or metadata contains it (letter case
    ignored: ASCII letters on SQLite, every letter on PostgreSQL). The content is matched as its
    stored canonical JSON text (RFC 8785), so a search also finds member names, and text with
    quotes or control characters is matched both as given and as a JSON string escapes it."""

    source_ids: list[str] | None = None
    text: str | None = None

    def conditions(self, engine: sa.Engine) -> list[sa.ColumnElement[bool]]:
        """The SQL conditions, on the examples and their revisions (refusals: ``invalid_text``
        for U+0000 in a source id, ``too_many_source_ids``, ``query_too_long``)."""
        where: list[sa.ColumnElement[bool]] = []
        if self.source_ids is not None:
            if len(self.source_ids) > MAX_SOURCE_IDS:
                raise Invalid(
                    "too_many_source_ids",
                    f"name at most {MAX_SOURCE_IDS} source ids in one read (got {len(self.source_ids)})",
                    parameter="source_id",
                )
            for source_id in self.source_ids:
                if "\x00" in source_id:
                    raise Invalid(
                        "invalid_text",
                        "the query parameter `source_id` must not contain U+0000",
                        parameter="source_id",
                    )
            where.append(examples.c.source_id.in_(self.source_ids))
        if self.text:
            if len(self.text) > MAX_QUERY_CHARS:
                raise Invalid(
                    "query_too_long",
                    f"a search holds at most {MAX_QUERY_CHARS} characters (got {len(self.text)})",
                    parameter="q",
                )
            # The canonical JSON writes quotes, backslashes and control characters escaped
            # (U+0000 too, which PostgreSQL's text could not hold as it is).
            try:
                escaped = orjson.dumps(self.text).decode("utf-8")[1:-1]
            except orjson.JSONEncodeError:
                raise Invalid(
                    "lone_surrogate", "the query parameter `q` holds a lone surrogate", parameter="q"
                ) from None
            patterns = {escaped} if "\x00" in self.text else {self.text, escaped}
            columns = (examples.c.source_id, revisions.c.input, revisions.c.output, revisions.c.metadata)
            # SQLite's LIKE ignores ASCII case itself: twice as fast as ILIKE's lower() on both
            # sides (0.5 s against 1.0 s over 200,000 revisions of 1.4 KB).
            like = "like" if is_sqlite(engine) else "ilike"
            where.append(
                sa.or_(
                    *(
                        getattr(column, like)(f"%{_like_escape(pattern)}%", escape="\\")
                        for pattern in sorted(patterns)
                        for column in columns
                    )
                )
            )
        return where


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def version_json(row: sa.Row[Any], digest: str, tags: list[str]) -> dict[str, Any]:
    """A version as answered (schema ``Version``)."""
    return {
        "id": render_id(row.id),
        "dataset_id": render_id(row.dataset_id),
        "description": row.description,
        "metadata": json_value(row.metadata),
        "created_at": row.created_at,
        "example_count": row.example_count,
        "created": row.created_count,
        "updated": row.updated_count,
        "deleted": row.deleted_count,
        "digest": digest,
        "tags": tags,
    }


def list_versions(engine: sa.Engine, dataset_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """Versions newest first (schema ``VersionPage``), each with its digest (:func:`digests_of`)."""
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        query = sa.select(versions).where(versions.c.dataset_id == dataset.id)
        rows, next_cursor = page(conn, query, versions.c.id, cursor, limit, newest_first=True)
        tags = tags_of(conn, dataset.id, [row.id for row in rows])
        found = digests_of(conn, dataset.id, [row.id for row in rows])
        data = [version_json(row, found[row.id], tags.get(row.id, [])) for row in rows]
    return {"data": data, "next_cursor": next_cursor}


def digests_of(conn: sa.Connection, dataset_id: int, version_ids: list[int]) -> dict[int, str]:
    """Each version's digest: the stored one (written with the version since migration 0009,
    one indexed read), else computed from its pairs (a version made before it)."""
    stored = dict(
        conn.execute(
            sa.select(version_digests.c.version_id, version_digests.c.digest).where(
                version_digests.c.version_id.in_(version_ids)
            )
        ).all()
    )
    return {
        version: stored.get(version) or groundset_core.manifest_digest(pairs_at(conn, dataset_id, version))
        for version in version_ids
    }


def get_version(engine: sa.Engine, dataset_id: str, version_id: str) -> dict[str, Any]:
    """One version (schema ``Version``); ``dataset_not_found``, ``version_not_found``."""
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        version = version_for(conn, dataset.id, version_id)
        row = conn.execute(sa.select(versions).where(versions.c.id == version)).one()
        digest = digests_of(conn, dataset.id, [row.id])[row.id]
        return version_json(row, digest, tags_of(conn, dataset.id, [row.id]).get(row.id, []))


def examples_page(
    engine: sa.Engine,
    dataset_id: str,
    version_id: str | None,
    cursor: str | None,
    limit: int,
    tag: str | None = None,
    search: ExampleSearch | None = None,
) -> dict[str, Any]:
    """The examples of a version (by id or ``tag``, the latest by default) by id after
    ``cursor``, those ``search`` keeps (schema ``ExamplePage``, the stored content spliced in
    as orjson fragments)."""
    where = [] if search is None else search.conditions(engine)
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        version = resolve_version(conn, dataset.id, version_id, tag)
        if version is None:
            return {"dataset_id": render_id(dataset.id), "version_id": None, "data": [], "next_cursor": None}
        rows, next_cursor = example_page(conn, dataset.id, version, EXAMPLE_COLUMNS, cursor, limit, where)
    return {
        "dataset_id": render_id(dataset.id),
        "version_id": render_id(version),
        "data": [example_json(row) for row in rows],
        "next_cursor": next_cursor,
    }


def examples_ndjson(
    engine: sa.Engine,
    dataset_id: str,
    version_id: str | None,
    cursor: str | None,
    limit: int | None,
    tag: str | None = None,
    search: ExampleSearch | None = None,
) -> Iterator[bytes]:
    """The examples of the version (by id or ``tag``) after ``cursor`` (at most ``limit``),
    those ``search`` keeps, as NDJSON lines (each an ``Example``), read in pages of
    :data:`EXPORT_PAGE`, each in its own short read transaction (the version pins the content).
    Refusals come before the first line."""
    where = [] if search is None else search.conditions(engine)
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        version = resolve_version(conn, dataset.id, version_id, tag)
    last = None if cursor is None else parse_id(cursor, "cursor")
    if version is None:
        return iter(())

    def lines(last: int | None) -> Iterator[bytes]:
        left = limit
        while left is None or left > 0:
            size = EXPORT_PAGE if left is None else min(EXPORT_PAGE, left)
            with read_transaction(engine) as conn:
                query = example_set_page(conn, dataset.id, version, EXAMPLE_COLUMNS, last, size, where)
                rows = conn.execute(query).all()
            if not rows:
                return
            yield b"".join(orjson.dumps(example_json(row)) + b"\n" for row in rows)
            last = rows[-1].id
            left = None if left is None else left - len(rows)

    return lines(last)


def manifest(
    engine: sa.Engine, dataset_id: str, version_id: str | None, tag: str | None = None
) -> dict[str, Any]:
    """Every ``[source_id, content_hash]`` of a version (by id or ``tag``, the latest by
    default), sorted as the digest sorts them (UTF-16 code units, RFC 8785), with the digest
    (schema ``Manifest``)."""
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        version = resolve_version(conn, dataset.id, version_id, tag)
        pairs = pairs_at(conn, dataset.id, version)
    pairs.sort(key=lambda pair: pair[0].encode("utf-16-be"))
    return {
        "dataset_id": render_id(dataset.id),
        "version_id": render_id(version),
        "digest": groundset_core.manifest_digest(pairs),
        "examples": pairs,
    }


def diff(
    engine: sa.Engine,
    dataset_id: str,
    source: tuple[str | None, str | None],
    target: tuple[str | None, str | None],
) -> dict[str, Any]:
    """The source ids created, updated and deleted from one version to another (schema
    ``Diff``), each given as ``(version_id, tag)``, one of the two (``version_and_tag`` for
    both, ``invalid_request`` for neither)."""
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        before_id = _diff_side(conn, dataset.id, "from", source)
        after_id = _diff_side(conn, dataset.id, "to", target)
        before, after_ = _changed_pairs(conn, dataset.id, before_id, after_id)
        found = digests_of(conn, dataset.id, sorted({before_id, after_id}))
    return {
        "dataset_id": render_id(dataset.id),
        "from_version_id": render_id(before_id),
        "to_version_id": render_id(after_id),
        "created": sorted(s for s in after_ if s not in before),
        "updated": sorted(s for s, h in after_.items() if s in before and before[s] != h),
        "deleted": sorted(s for s in before if s not in after_),
        "from_digest": found[before_id],
        "to_digest": found[after_id],
    }


def _changed_pairs(
    conn: sa.Connection, dataset_id: int, first: int, second: int
) -> tuple[dict[str, str], dict[str, str]]:
    """The ``source_id -> content_hash`` pairs at ``first`` and at ``second`` of the examples
    that may differ between them: those with a revision after the older version, up to the
    newer (an example without one holds the same content at both). Read through the revisions'
    version index, so a diff of 1% of 100,000 examples reads about 1,000 examples, not all of
    both versions."""
    low, high = sorted((first, second))
    touched = (
        sa.select(revisions.c.example_id)
        .join(examples, examples.c.id == revisions.c.example_id)
        .where(examples.c.dataset_id == dataset_id)
        .where(revisions.c.version_id > low, revisions.c.version_id <= high)
    )
    earlier = revisions.alias("earlier")

    def at(version: int) -> dict[str, str]:
        # Each touched example's revision at or before the version, by the revisions' primary
        # key; a correlated max, which PostgreSQL walks per example (the CASE join of
        # example_set_query made it join every revision of the dataset: 1.1 s at 50,000).
        revision_at = (
            sa.select(sa.func.max(earlier.c.version_id))
            .where(earlier.c.example_id == examples.c.id, earlier.c.version_id <= version)
            .scalar_subquery()
        )
        query = (
            sa.select(examples.c.source_id, revisions.c.content_hash)
            .select_from(examples)
            .join(
                revisions,
                sa.and_(revisions.c.example_id == examples.c.id, revisions.c.version_id == revision_at),
            )
            .where(examples.c.id.in_(touched), revisions.c.revision_kind != DELETE)
        )
        return {source_id: hash_ for source_id, hash_ in conn.execute(query)}

    return at(first), at(second)


def _diff_side(conn: sa.Connection, dataset_id: int, side: str, given: tuple[str | None, str | None]) -> int:
    names = (f"{side}_version_id", f"{side}_tag")
    if given == (None, None):
        raise Invalid(
            "invalid_request",
            f"give `{names[0]}` or `{names[1]}`: the diff needs both of its versions",
            parameter=names[0],
        )
    version = resolve_version(conn, dataset_id, *given, names=names)
    assert version is not None
    return version
