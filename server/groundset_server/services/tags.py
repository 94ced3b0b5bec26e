"""Version tags: a name per dataset for one of its versions ("baseline", "release-2026-11"),
created, moved (only when asked) and deleted, each change an event of the tag's history.

Every write locks the dataset's row first (as an upsert does), so the changes to one dataset's
tags are serialized and a tag's check and its write see the same state. :func:`apply_tag` is
the one place a tag is set, for ``PUT .../tags/{tag}`` and for an upsert's ``tag``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.engine import read_transaction, write_transaction
from groundset_server.db.tables import TAG_CREATED, TAG_DELETED, TAG_MOVED, version_tag_events, version_tags
from groundset_server.services.errors import Conflict, NotFound
from groundset_server.services.queries import checked_tag, dataset_by_id, version_for
from groundset_server.services.values import now, render_id

TAG_PARAMETER = {"parameter": "tag"}
"""Where a refused tag of these routes is: their path parameter ``tag``."""


def tag_json(row: Any) -> dict[str, Any]:
    """A tag as answered (schema ``Tag``)."""
    return {
        "name": row.name,
        "version_id": render_id(row.version_id),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def _tag_row(conn: sa.Connection, dataset_id: int, tag: str) -> sa.Row[Any] | None:
    return conn.execute(
        sa.select(version_tags).where(version_tags.c.dataset_id == dataset_id, version_tags.c.name == tag)
    ).first()


def tag_change(conn: sa.Connection, dataset_id: int | None, tag: str, version: int | None) -> str:
    """What pointing ``tag`` at ``version`` does (``None``: a version not written yet, as in a
    dry run): ``created``, ``moved`` or ``unchanged`` (schema ``UpsertResult.tag_change``)."""
    current = None if dataset_id is None else _tag_row(conn, dataset_id, tag)
    if current is None:
        return "created"
    return "unchanged" if current.version_id == version else "moved"


def _not_found(dataset_id: int, tag: str) -> NotFound:
    return NotFound("tag_not_found", f"dataset {dataset_id} has no tag {tag!r}", tag=tag)


def _event(
    conn: sa.Connection,
    dataset_id: int,
    tag: str,
    action: str,
    versions: tuple[int | None, int | None],
    at: str,
) -> None:
    """Record a change of the tag: ``versions`` is (where it points now, where it pointed)."""
    version, previous = versions
    conn.execute(
        sa.insert(version_tag_events).values(
            dataset_id=dataset_id,
            tag=tag,
            action=action,
            version_id=version,
            previous_version_id=previous,
            at=at,
        )
    )


def apply_tag(
    conn: sa.Connection,
    dataset_id: int | None,
    tag: str,
    version: int | None,
    *,
    move: bool,
    move_name: str,
    write: bool = True,
) -> tuple[dict[str, Any] | None, bool]:
    """Point the dataset's ``tag`` at ``version`` in the caller's transaction (which holds the
    dataset's lock); ``write`` False checks the same and writes nothing (a dry run, whose new
    version is ``None``, as is a dataset not created yet). Answers the tag as it is then
    (schema ``Tag``; ``None`` without ``write``) and whether it was created.

    A new tag is ``created``; one on another version is ``moved`` only with ``move`` (else 409
    ``tag_exists`` with the members ``tag`` and ``version_id``, where it points now; the detail
    names the request's ``move_name``); one already there is left as it is (no event)."""
    current = None if dataset_id is None else _tag_row(conn, dataset_id, tag)
    if current is not None and current.version_id != version and not move:
        raise Conflict(
            "tag_exists",
            f"the tag {tag!r} of dataset {dataset_id} points at version {current.version_id}; "
            f"send `{move_name}: true` to move it",
            tag=tag,
            version_id=render_id(current.version_id),
        )
    if not write:
        return None, current is None
    assert dataset_id is not None and version is not None
    if current is not None and current.version_id == version:
        return tag_json(current), False
    stamp = now()
    if current is None:
        conn.execute(
            sa.insert(version_tags).values(
                dataset_id=dataset_id, name=tag, version_id=version, created_at=stamp, updated_at=stamp
            )
        )
        _event(conn, dataset_id, tag, TAG_CREATED, (version, None), stamp)
    else:
        conn.execute(
            sa.update(version_tags)
            .where(version_tags.c.dataset_id == dataset_id, version_tags.c.name == tag)
            .values(version_id=version, updated_at=stamp)
        )
        _event(conn, dataset_id, tag, TAG_MOVED, (version, current.version_id), stamp)
    row = _tag_row(conn, dataset_id, tag)
    return tag_json(row), current is None


def set_tag(
    engine: sa.Engine, dataset_id: str, tag: str, version_id: str, move: bool
) -> tuple[dict[str, Any], bool]:
    """``PUT .../tags/{tag}``: the tag (schema ``Tag``) and whether it was created.
    ``invalid_tag``, ``dataset_not_found``, ``version_not_found``, ``tag_exists``."""
    checked_tag(tag, TAG_PARAMETER, new=True)
    with write_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id, lock=True)
        version = version_for(conn, dataset.id, version_id)
        answer, created = apply_tag(conn, dataset.id, tag, version, move=move, move_name="move")
    assert answer is not None
    return answer, created


def get_tag(engine: sa.Engine, dataset_id: str, tag: str) -> dict[str, Any]:
    """One tag (schema ``Tag``); ``invalid_tag``, ``dataset_not_found``, ``tag_not_found``."""
    checked_tag(tag, TAG_PARAMETER)
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        row = _tag_row(conn, dataset.id, tag)
    if row is None:
        raise _not_found(dataset.id, tag)
    return tag_json(row)


def delete_tag(engine: sa.Engine, dataset_id: str, tag: str) -> None:
    """Delete the tag (its history stays, with the event ``deleted``); ``tag_not_found``."""
    checked_tag(tag, TAG_PARAMETER)
    with write_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id, lock=True)
        row = _tag_row(conn, dataset.id, tag)
        if row is None:
            raise _not_found(dataset.id, tag)
        conn.execute(
            sa.delete(version_tags).where(version_tags.c.dataset_id == dataset.id, version_tags.c.name == tag)
        )
        _event(conn, dataset.id, tag, TAG_DELETED, (None, row.version_id), now())


def list_tags(engine: sa.Engine, dataset_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """The dataset's tags by name in code point order after the name ``cursor`` (schema
    ``TagPage``: ``next_cursor`` is the page's last name)."""
    if cursor is not None:
        checked_tag(cursor, {"parameter": "cursor"})
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        name = dialect.code_point_order(conn, version_tags.c.name)
        query = sa.select(version_tags).where(version_tags.c.dataset_id == dataset.id)
        if cursor is not None:
            query = query.where(name > cursor)
        rows = conn.execute(query.order_by(name).limit(limit + 1)).all()
    next_cursor = rows[limit - 1].name if len(rows) > limit else None
    return {"data": [tag_json(row) for row in rows[:limit]], "next_cursor": next_cursor}


def tag_history(engine: sa.Engine, dataset_id: str, tag: str) -> dict[str, Any]:
    """Every change of the tag, oldest first (schema ``TagHistory``), a deleted tag's too;
    ``tag_not_found`` only for a tag the dataset never had."""
    checked_tag(tag, TAG_PARAMETER)
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        rows = conn.execute(
            sa.select(version_tag_events)
            .where(version_tag_events.c.dataset_id == dataset.id, version_tag_events.c.tag == tag)
            .order_by(version_tag_events.c.id)
        ).all()
    if not rows:
        raise _not_found(dataset.id, tag)
    return {
        "data": [
            {
                "action": row.action,
                "version_id": render_id(row.version_id),
                "previous_version_id": render_id(row.previous_version_id),
                "at": row.at,
            }
            for row in rows
        ]
    }


def tags_of(conn: sa.Connection, dataset_id: int, version_ids: list[int]) -> dict[int, list[str]]:
    """The tags on each of the dataset's ``version_ids`` (sorted by code point; a version
    without tags is absent)."""
    found: dict[int, list[str]] = {}
    if not version_ids:
        return found
    rows = conn.execute(
        sa.select(version_tags.c.version_id, version_tags.c.name).where(
            version_tags.c.dataset_id == dataset_id, version_tags.c.version_id.in_(version_ids)
        )
    )
    for version, name in rows:
        found.setdefault(version, []).append(name)
    for names in found.values():
        names.sort()
    return found
