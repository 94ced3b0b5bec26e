"""Queries every resource shares: a dataset and its versions by id or tag
(:func:`resolve_version`, the one resolver of a request's version), the example set as of a
version, an example as answered, and paging by id (written once, for every list route).

Everything here runs on a connection the caller's transaction holds
(:mod:`groundset_server.db.engine`); refusals are :mod:`groundset_server.services.errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.tables import DELETE, datasets, version_tags
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.services.errors import Invalid, NotFound
from groundset_server.services.values import fragment, parse_id, render_id
from groundset_server.validation import new_tag_refusal, tag_refusal


def latest_version_id(conn: sa.Connection, dataset_id: int) -> int | None:
    value = conn.execute(
        sa.select(sa.func.max(versions.c.id)).where(versions.c.dataset_id == dataset_id)
    ).scalar_one_or_none()
    return None if value is None else int(value)


def dataset_row(conn: sa.Connection, dataset_id: int, lock: bool = False) -> sa.Row[Any]:
    """The dataset's row (locked for the transaction with ``lock``), else ``dataset_not_found``."""
    query = sa.select(datasets).where(datasets.c.id == dataset_id)
    row = conn.execute(dialect.for_update(conn, query) if lock else query).first()
    if row is None:
        raise NotFound("dataset_not_found", f"no dataset has the id {dataset_id}", dataset_id=str(dataset_id))
    return row


def dataset_by_id(conn: sa.Connection, dataset_id: str, lock: bool = False) -> sa.Row[Any]:
    """:func:`dataset_row` of an id as the client wrote it (``invalid_id`` if malformed)."""
    return dataset_row(conn, parse_id(dataset_id, "dataset"), lock)


def version_for(conn: sa.Connection, dataset_id: int, version_id: str | None) -> int | None:
    """The version to read: the given one (which must belong to the dataset, else
    ``version_not_found``) or the latest (``None`` for a dataset without versions)."""
    if version_id is None:
        return latest_version_id(conn, dataset_id)
    wanted = parse_id(version_id, "version")
    found = conn.execute(
        sa.select(versions.c.id).where(versions.c.id == wanted, versions.c.dataset_id == dataset_id)
    ).first()
    if found is None:
        # Named as the caller named it (a version id of another dataset is a common slip).
        name = conn.execute(
            sa.select(datasets.c.name).where(datasets.c.id == dataset_id)
        ).scalar_one_or_none()
        raise NotFound(
            "version_not_found",
            f"dataset {name!r} ({dataset_id}) has no version {version_id}",
            version_id=version_id,
        )
    return wanted


def checked_tag(tag: str, where: dict[str, str], *, new: bool = False) -> str:
    """``tag`` when it may name a tag (:func:`~groundset_server.validation.tag_refusal`; a
    ``new`` one being set: ``new_tag_refusal``), else :class:`Invalid` ``invalid_tag``
    (``invalid_text``, ``lone_surrogate``) with the members ``where`` (``{"parameter": "tag"}``,
    ``{"path": "$.tag"}``), which name it."""
    refusal = (new_tag_refusal if new else tag_refusal)(tag)
    if refusal is not None:
        code, reason = refusal
        raise Invalid(code, f"`{next(iter(where.values()))}`: {reason}", **where)
    return tag


def tag_target(conn: sa.Connection, dataset_id: int, tag: str) -> int | None:
    """The version the dataset's tag points at, None when it has no such tag."""
    found = conn.execute(
        sa.select(version_tags.c.version_id).where(
            version_tags.c.dataset_id == dataset_id, version_tags.c.name == tag
        )
    ).scalar_one_or_none()
    return None if found is None else int(found)


def resolve_version(
    conn: sa.Connection,
    dataset_id: int,
    version_id: str | None,
    tag: str | None,
    *,
    names: tuple[str, str] = ("version_id", "tag"),
    in_body: bool = False,
) -> int | None:
    """The version a request names by id or by tag, or the latest when it names neither
    (``None`` for a dataset without versions): the one resolver of every route that takes a
    version. ``names``: the request's names of the two (``from_version_id``, ``from_tag``),
    given as ``parameter`` (a query's) or, ``in_body``, as ``path`` (``$.tag``) in a refusal.

    Refusals: ``version_and_tag`` (422, both given), ``invalid_tag`` (422), ``invalid_id``,
    ``version_not_found`` (404), ``tag_not_found`` (404, member ``tag``)."""
    if tag is None:
        return version_for(conn, dataset_id, version_id)
    version_name, tag_name = names
    where = {"path": f"$.{tag_name}"} if in_body else {"parameter": tag_name}
    if version_id is not None:
        raise Invalid(
            "version_and_tag",
            f"`{version_name}` and `{tag_name}` both name a version: give one of them",
            **where,
        )
    found = tag_target(conn, dataset_id, checked_tag(tag, where))
    if found is None:
        raise NotFound("tag_not_found", f"dataset {dataset_id} has no tag {tag!r}", tag=tag)
    return found


def example_set_query(
    conn: sa.Connection, dataset_id: int, version_id: int, columns: list[Any]
) -> sa.Select[Any]:
    """Per example of the dataset, its latest revision at or before ``version_id``, unless a DELETE.

    One statement, right whatever commits while it runs or before it: an example whose current
    revision is at or before the version is read from the current state without a look-back
    (every example when the version is the latest), the others look back through their
    revisions. (Asking first whether the version is the latest and then reading the current
    state took two statements, and under PostgreSQL's READ COMMITTED a write transaction saw a
    sync committed between them: the next version's content.) For the whole set or the examples
    a condition picks; a page is :func:`example_set_page`."""
    r2 = revisions.alias("r2")
    at_or_before = (
        sa.select(sa.func.max(r2.c.version_id))
        .where(r2.c.example_id == examples.c.id, r2.c.version_id <= version_id)
        .scalar_subquery()
    )
    revision_at = sa.case(
        (examples.c.current_version_id <= version_id, examples.c.current_version_id), else_=at_or_before
    )
    return (
        sa.select(*columns)
        .select_from(examples)
        .join(
            revisions,
            sa.and_(revisions.c.example_id == examples.c.id, revisions.c.version_id == revision_at),
        )
        .where(examples.c.dataset_id == dataset_id, revisions.c.revision_kind != DELETE)
    )


def example_set_page(
    conn: sa.Connection,
    dataset_id: int,
    version_id: int,
    columns: list[Any],
    last: int | None,
    limit: int,
    where: Sequence[sa.ColumnElement[bool]] = (),
) -> sa.Select[Any]:
    """:func:`example_set_query`'s rows by example id, at most ``limit`` after the example id
    ``last`` (keyset paging), in one statement as right whatever commits meanwhile; ``where``:
    conditions on the example and its revision at the version (a search).

    Written for the page: a revision at or before the version with no later one at or before
    it, every table bounded by ``last``. The whole set's join on a ``CASE`` is estimated by
    PostgreSQL at 1/200 of its rows, so under a ``LIMIT`` it hash-joined every revision of the
    dataset and sorted them (0.1 to 0.2 s a page of 100 at 100,000 examples, about 1 s a page of
    5,000 at 1,000,000: scripts/bench_paging.py). This form is estimated right and
    walks the examples and their revisions in id order, stopping at the limit (2 ms, 30 ms); a
    bound on the examples alone left the revisions' index walked from its start for a merge
    join (0.3 s half way through 1,000,000)."""
    if where:
        # A search reads examples until the page fills, all of them for a rare text: the
        # current-state form tests one revision per example instead of each revision up to the
        # version (at 100,000 examples with two versions each, 0.4 s against 0.9 s on SQLite).
        search = example_set_query(conn, dataset_id, version_id, columns).where(*where)
        if last is not None:
            search = search.where(examples.c.id > last)
        return search.order_by(examples.c.id).limit(limit)
    later = revisions.alias("later")
    superseded = sa.exists().where(
        later.c.example_id == examples.c.id,
        later.c.version_id > revisions.c.version_id,
        later.c.version_id <= version_id,
    )
    query = (
        sa.select(*columns)
        .select_from(examples)
        .join(
            revisions,
            sa.and_(revisions.c.example_id == examples.c.id, revisions.c.version_id <= version_id),
        )
        .where(examples.c.dataset_id == dataset_id, revisions.c.revision_kind != DELETE)
    )
    if last is not None:
        query = query.where(examples.c.id > last, revisions.c.example_id > last)
        superseded = superseded.where(later.c.example_id > last)
    return query.where(sa.not_(superseded)).order_by(examples.c.id).limit(limit)


def pairs_at(conn: sa.Connection, dataset_id: int, version_id: int | None) -> list[tuple[str, str]]:
    """The ``(source_id, content_hash)`` pairs of the version (none for ``None``), unordered."""
    if version_id is None:
        return []
    query = example_set_query(conn, dataset_id, version_id, [examples.c.source_id, revisions.c.content_hash])
    return [(source_id, hash_) for source_id, hash_ in conn.execute(query)]


EXAMPLE_COLUMNS = [
    examples.c.id,
    examples.c.source_id,
    revisions.c.content_hash,
    revisions.c.input,
    revisions.c.output,
    revisions.c.metadata,
    revisions.c.version_id,
]
"""The columns :func:`example_json` reads (with :func:`example_set_query`)."""


def example_json(row: sa.Row[Any]) -> dict[str, Any]:
    """An example as answered (schema ``Example``), its stored content spliced in as it is."""
    return {
        "id": render_id(row.id),
        "source_id": row.source_id,
        "content_hash": row.content_hash,
        "input": fragment(row.input),
        "output": fragment(row.output),
        "metadata": fragment(row.metadata),
        "version_id": render_id(row.version_id),
    }


def after(query: sa.Select[Any], key: Any, last: int | None, limit: int, newest_first: bool = False) -> Any:
    """``query`` ordered by the id column ``key`` and cut to at most ``limit`` rows after the
    id ``last`` (keyset paging: each page costs the same, however deep)."""
    query = query.order_by(key.desc() if newest_first else key).limit(limit)
    if last is not None:
        query = query.where(key < last if newest_first else key > last)
    return query


def page(
    conn: sa.Connection,
    query: sa.Select[Any],
    key: Any,
    cursor: str | None,
    limit: int,
    newest_first: bool = False,
) -> tuple[list[sa.Row[Any]], str | None]:
    """One page of ``query`` by the id column ``key`` after ``cursor`` (``invalid_id`` if
    malformed), and the cursor of the next page (``None`` on the last)."""
    last = None if cursor is None else parse_id(cursor, "cursor")
    return _cut(conn.execute(after(query, key, last, limit + 1, newest_first)).all(), limit)


def example_page(
    conn: sa.Connection,
    dataset_id: int,
    version_id: int,
    columns: list[Any],
    cursor: str | None,
    limit: int,
    where: Sequence[sa.ColumnElement[bool]] = (),
) -> tuple[list[sa.Row[Any]], str | None]:
    """:func:`page` of the version's examples (:func:`example_set_page`; ``columns`` with
    ``examples.c.id``)."""
    last = None if cursor is None else parse_id(cursor, "cursor")
    query = example_set_page(conn, dataset_id, version_id, columns, last, limit + 1, where)
    rows = conn.execute(query).all()
    return _cut(rows, limit)


def _cut(rows: Sequence[sa.Row[Any]], limit: int) -> tuple[list[sa.Row[Any]], str | None]:
    """A page of ``limit + 1`` rows read: its first ``limit`` and the next page's cursor."""
    if len(rows) <= limit:
        return list(rows), None
    return list(rows[:limit]), render_id(rows[limit - 1].id)
