"""Which of an experiment's runs a read keeps and in which order: by error, by an evaluator's
score range, by source id, sorted by source id, latency or score (the web UI's runs table, at
100,000 runs a page at a time).

Applied on top of :func:`groundset_server.services.experiments.list_runs`'s read of the runs
(extra WHERE and ORDER BY, nothing else), and paged by keyset: a sorted page's cursor holds the
last row's sort value and run id, so each page costs the same however deep."""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson
import sqlalchemy as sa

from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import experiment_evaluations as evaluations
from groundset_server.db.tables import experiment_runs as runs
from groundset_server.services.errors import Invalid
from groundset_server.services.values import parse_id, render_id

ErrorFilter = Literal["only", "none"]
RunSort = Literal["id", "-id", "source_id", "-source_id", "latency_ms", "-latency_ms", "score", "-score"]

MAX_SOURCE_IDS = 1000
"""The most source ids one read of runs may name (``source_id`` repeated), as for examples."""


@dataclass(frozen=True)
class RunFilters:
    """``errors``: ``only`` the runs with an error, or ``none`` of them; ``evaluator`` with
    ``min_score`` / ``max_score`` (inclusive): only the runs that evaluator scored in that
    range; ``source_ids``: only the runs of these examples (exact); ``sort``: ``id`` (the
    order they were stored, the default), ``source_id``, ``latency_ms`` or ``score`` (the
    ``evaluator``'s), ``-`` before it for descending. Runs with no value for the sort (no
    latency, no score) come last either way; ties go by run id."""

    errors: ErrorFilter | None = None
    evaluator: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    source_ids: Sequence[str] | None = None
    sort: RunSort = "id"

    @property
    def plain(self) -> bool:
        """Nothing asked beyond the stored order."""
        return self == NO_FILTERS

    def check(self) -> None:
        """422 ``evaluator_required`` (a score bound or sort without ``evaluator``),
        ``invalid_score`` (not finite), ``invalid_score_range`` (min above max),
        ``too_many_source_ids``, ``invalid_text`` (U+0000 in a name or source id)."""
        needs_evaluator = [
            name
            for name, given in (
                ("min_score", self.min_score is not None),
                ("max_score", self.max_score is not None),
                (f"sort={self.sort}", self.sort.lstrip("-") == "score"),
            )
            if given
        ]
        if needs_evaluator and self.evaluator is None:
            verb = "needs" if len(needs_evaluator) == 1 else "need"
            raise Invalid(
                "evaluator_required",
                f"{' and '.join(needs_evaluator)} {verb} `evaluator`: the name of the evaluator whose scores "
                "they read",
                parameter="evaluator",
            )
        for name, value in (("min_score", self.min_score), ("max_score", self.max_score)):
            if value is not None and not math.isfinite(value):
                raise Invalid(
                    "invalid_score", f"`{name}` must be a finite number (got {value})", parameter=name
                )
        if self.min_score is not None and self.max_score is not None and self.min_score > self.max_score:
            raise Invalid(
                "invalid_score_range",
                f"min_score {self.min_score} is above max_score {self.max_score}: no score is in that range",
                parameter="min_score",
            )
        if self.source_ids is not None and len(self.source_ids) > MAX_SOURCE_IDS:
            raise Invalid(
                "too_many_source_ids",
                f"name at most {MAX_SOURCE_IDS} source ids in one read (got {len(self.source_ids)})",
                parameter="source_id",
            )
        for name, values in (("evaluator", [self.evaluator or ""]), ("source_id", self.source_ids or [])):
            if any("\x00" in value for value in values):
                raise Invalid(
                    "invalid_text", f"the query parameter `{name}` must not contain U+0000", parameter=name
                )


NO_FILTERS = RunFilters()


def filtered_page(
    conn: sa.Connection,
    query: sa.Select[Any],
    dataset_id: int,
    filters: RunFilters,
    cursor: str | None,
    limit: int,
) -> tuple[list[sa.Row[Any]], str | None]:
    """A page of ``query`` (the runs of an experiment on ``dataset_id``, joined to their
    examples) kept and ordered by ``filters``, after ``cursor``, and the next page's cursor
    (None on the last). 422
    ``invalid_cursor`` for a cursor that is not one of this sort's, ``unknown_evaluator`` for
    an ``evaluator`` none of the experiment's runs has (as a comparison refuses it)."""
    filters.check()
    if filters.evaluator is not None:
        _check_evaluator(conn, query, filters.evaluator)
    if filters.errors == "only":
        query = query.where(runs.c.error.is_not(None))
    elif filters.errors == "none":
        query = query.where(runs.c.error.is_(None))
    if filters.source_ids is not None:
        # The examples first, by their (dataset, source id) key, then their runs by the runs'
        # (experiment, example) key: a join filtered on source id scanned every run (0.2 s at
        # 100,000 runs on SQLite, 4 ms this way).
        picked = examples.alias("picked")
        query = query.where(
            runs.c.example_id.in_(
                sa.select(picked.c.id).where(
                    picked.c.dataset_id == dataset_id, picked.c.source_id.in_(list(filters.source_ids))
                )
            )
        )
    descending = filters.sort.startswith("-")
    key = filters.sort.lstrip("-")
    scored = None
    if filters.evaluator is not None and (
        key == "score" or filters.min_score is not None or filters.max_score is not None
    ):
        # One evaluation per (run, name) (a unique constraint): the outer join keeps one row per run.
        scored = evaluations.alias("scored")
        query = query.outerjoin(
            scored, sa.and_(scored.c.run_id == runs.c.id, scored.c.name == filters.evaluator)
        )
        if filters.min_score is not None:
            query = query.where(scored.c.score >= filters.min_score)
        if filters.max_score is not None:
            query = query.where(scored.c.score <= filters.max_score)
    if key == "id":
        last = None if cursor is None else parse_id(cursor, "cursor")
        if last is not None:
            query = query.where(runs.c.id < last if descending else runs.c.id > last)
        query = query.order_by(runs.c.id.desc() if descending else runs.c.id)
        rows = conn.execute(query.limit(limit + 1)).all()
        if len(rows) <= limit:
            return list(rows), None
        return list(rows[:limit]), render_id(rows[limit - 1].id)
    column: Any = {"source_id": examples.c.source_id, "latency_ms": runs.c.latency_ms}.get(key)
    if column is None:
        assert scored is not None
        column = scored.c.score
    if cursor is not None:
        value, last_id = _parse_cursor(cursor, filters.sort)
        if value is None:
            query = query.where(column.is_(None), runs.c.id > last_id)
        else:
            beyond = column < value if descending else column > value
            query = query.where(
                sa.or_(beyond, sa.and_(column == value, runs.c.id > last_id), column.is_(None))
            )
    query = query.order_by(column.is_(None), column.desc() if descending else column, runs.c.id)
    rows = conn.execute(query.add_columns(column.label("sort_value")).limit(limit + 1)).all()
    if len(rows) <= limit:
        return list(rows), None
    last_row = rows[limit - 1]
    return list(rows[:limit]), _cursor(filters.sort, last_row.sort_value, last_row.id)


def _check_evaluator(conn: sa.Connection, query: sa.Select[Any], name: str) -> None:
    """422 ``unknown_evaluator`` naming the evaluators the runs of ``query`` have: a misspelt
    name would otherwise read as "no run scored in that range", an empty page."""
    of_experiment = query.with_only_columns(runs.c.id).scalar_subquery()
    named = sa.select(evaluations.c.run_id).where(evaluations.c.run_id.in_(of_experiment))
    # The name's first evaluation ends the look (the (run_id, name) key); only a refusal lists them all.
    if conn.execute(named.where(evaluations.c.name == name).limit(1)).first() is not None:
        return
    names = (
        conn.execute(
            sa.select(evaluations.c.name)
            .where(evaluations.c.run_id.in_(of_experiment))
            .distinct()
            .order_by(evaluations.c.name)
        )
        .scalars()
        .all()
    )
    raise Invalid(
        "unknown_evaluator",
        f"no run of the experiment has the evaluator `{name}` (it has: {', '.join(names) or 'none'})",
        parameter="evaluator",
    )


def _cursor(sort: str, value: Any, run_id: int) -> str:
    text = orjson.dumps([sort, value, run_id])
    return base64.urlsafe_b64encode(text).decode("ascii").rstrip("=")


def _parse_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    refusal = Invalid(
        "invalid_cursor",
        f"`{cursor[:100]}` is not a cursor of a page of runs sorted by {sort}: take `next_cursor` of "
        "the page before, read with the same sort",
        parameter="cursor",
    )
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise refusal from None
    if not (isinstance(decoded, list) and len(decoded) == 3 and decoded[0] == sort):
        raise refusal
    value, run_id = decoded[1], decoded[2]
    expected = str if sort.lstrip("-") == "source_id" else (int, float)
    if (
        not isinstance(run_id, int)
        or isinstance(run_id, bool)
        or not 0 <= run_id < 10**18
        or (value is not None and (isinstance(value, bool) or not isinstance(value, expected)))
    ):
        raise refusal
    return value, run_id
