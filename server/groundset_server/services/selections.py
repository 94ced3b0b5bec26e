"""Experiments on part of their version: a selection's examples, found once, and the clause every
query of an experiment's example set adds.

A selection is ``{"source_ids": [...]}`` (those examples; an id the version does not hold is
422 ``unknown_source_ids``) or ``{"metadata": {KEY: {"eq": V} | {"in": [V, ...]}}}`` (the
examples whose top-level metadata key ``KEY`` holds ``V``, or one of the values, for every key
given; an example without the key matches no condition on it). Values are compared by their
canonical JSON (RFC 8785, the core's): ``1`` and ``1.0`` are equal, ``true`` and ``1`` are not.
A selection that selects nothing is 422 ``empty_selection``.

The selected example ids are stored in ``experiment_examples`` when the experiment is created
(a version never changes, so they stay right); the selection itself is stored as canonical
text in ``experiments.selection``, the ids sorted and each once, so that two experiments with
the same selection hold the same text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import groundset_core
import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from groundset_server.db import dialect
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.db.tables import experiment_examples, experiments
from groundset_server.experiment_schemas import Selection
from groundset_server.services.errors import Invalid, counted
from groundset_server.services.queries import example_set_query
from groundset_server.services.values import canonical_text, render_id

MAX_UNKNOWN_LISTED = 100
"""The most unknown source ids a refusal lists (``unknown_count`` says how many there were)."""
ID_CHUNK = 5000
"""Source ids looked up per statement (under SQLite's bound-parameter limit)."""


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def stored_text(selection: Selection) -> str:
    """The selection's canonical JSON text as stored: ids sorted (code point order) and each
    once; a value outside the hash domain is 422 with its path under ``$.selection``."""
    wire: dict[str, Any]
    if selection.source_ids is not None:
        wire = {"source_ids": sorted(set(selection.source_ids))}
    else:
        assert selection.metadata is not None
        wire = {
            "metadata": {
                key: {"eq": condition.eq} if condition.in_ is None else {"in": condition.in_}
                for key, condition in selection.metadata.items()
            }
        }
    return canonical_text(wire, "$.selection")


def _by_source_ids(conn: sa.Connection, dataset_id: int, version_id: int, wanted: list[str]) -> list[int]:
    found: dict[str, int] = {}
    # PostgreSQL takes every id in one array parameter (`= ANY`, which the index serves); an IN
    # list of 5,000 parameters per statement cost it 1.4 s for 50,000 ids.
    chunks = _chunks(wanted, ID_CHUNK) if dialect.is_sqlite(conn) else iter([wanted])
    for chunk in chunks:
        among = (
            examples.c.source_id.in_(chunk)
            if dialect.is_sqlite(conn)
            else examples.c.source_id == sa.any_(sa.bindparam("source_ids", chunk, type_=ARRAY(sa.Text)))
        )
        query = example_set_query(conn, dataset_id, version_id, [examples.c.source_id, examples.c.id]).where(
            among
        )
        found.update((source_id, example_id) for source_id, example_id in conn.execute(query))
    unknown = [source_id for source_id in wanted if source_id not in found]
    if unknown:
        raise Invalid(
            "unknown_source_ids",
            f"{counted(len(unknown), 'source id')} of the selection {'is' if len(unknown) == 1 else 'are'} "
            f"not in version {version_id} of dataset "
            f"{dataset_id}; the first is {orjson.dumps(unknown[0]).decode()}",
            path="$.selection.source_ids",
            unknown_source_ids=unknown[:MAX_UNKNOWN_LISTED],
            unknown_count=len(unknown),
            version_id=render_id(version_id),
        )
    return sorted(found.values())


def _canonical(value: Any) -> bytes:
    return bytes(groundset_core.canonicalize(value))


def _sqlite_scalar(value: str | float) -> str | float:
    """``value`` as SQLite's ``json_extract`` gives it: ``true`` is 1; an int beyond 64 bits
    (exact as a double: the hash domain's) a real."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return float(value)
    return value


def _prefilter(conn: sa.Connection, key: str, values: list[Any]) -> sa.ColumnElement[bool]:
    """A condition in SQL that every example whose metadata ``key`` holds one of ``values``
    meets (and few others), so that only those rows reach the exact check by canonical text.

    PostgreSQL: jsonb equality, exact for canonical texts (a number is the shortest text of its
    double, so equal numbers have equal decimal values). SQLite: ``json_extract`` gives a
    string as text and a number as a number (``1`` = ``1.0``; ``true`` is ``1`` there: the
    check after tells them apart); an object or array only by its type. 100,000 examples: 0.95 s
    read and checked one by one, 0.3 s with this (SQLite, 10% selected)."""
    metadata = revisions.c.metadata
    if not dialect.is_sqlite(conn):
        held = sa.cast(metadata, JSONB).op("->", return_type=JSONB)(sa.literal(key, sa.Text))
        return held.in_([sa.cast(sa.literal(_canonical(value).decode(), sa.Text), JSONB) for value in values])
    if any(char in '"\\' or char < " " for char in key):
        # Escaped in the stored text, where SQLite's path compares the key as written: the
        # exact check alone decides.
        return sa.true()
    path = f'$."{key}"'
    kind = sa.func.json_type(metadata, path)
    scalars = [_sqlite_scalar(v) for v in values if isinstance(v, (str, int, float))]
    tests: list[sa.ColumnElement[bool]] = (
        [sa.func.json_extract(metadata, path).in_(scalars)] if scalars else []
    )
    if None in values:
        tests.append(kind == "null")
    containers = {"object" for v in values if isinstance(v, dict)} | {
        "array" for v in values if isinstance(v, list)
    }
    tests += [kind == container for container in sorted(containers)]
    return sa.or_(*tests)


def _by_metadata(conn: sa.Connection, dataset_id: int, version_id: int, selection: Selection) -> list[int]:
    assert selection.metadata is not None
    # Per key, the canonical texts it may hold; a stored value is canonical JSON too, so equal
    # texts are equal values (1 and 1.0 are both `1`).
    allowed = {
        key: {_canonical(value) for value in ([condition.eq] if condition.in_ is None else condition.in_)}
        for key, condition in selection.metadata.items()
    }
    chosen = []
    query = example_set_query(conn, dataset_id, version_id, [examples.c.id, revisions.c.metadata])
    values = {key: [c.eq] if c.in_ is None else c.in_ for key, c in selection.metadata.items()}
    query = query.where(*(_prefilter(conn, key, given) for key, given in values.items()))
    for example_id, text in conn.execute(query):
        metadata = orjson.loads(text) if text else {}
        if isinstance(metadata, dict) and all(
            key in metadata and _canonical(metadata[key]) in texts for key, texts in allowed.items()
        ):
            chosen.append(example_id)
    return sorted(chosen)


def select_examples(conn: sa.Connection, dataset_id: int, version_id: int, selection: Selection) -> list[int]:
    """The ids of the version's examples ``selection`` selects, sorted; 422
    ``unknown_source_ids`` (members ``unknown_source_ids``: the first
    :data:`MAX_UNKNOWN_LISTED` in the order given, ``unknown_count``) or ``empty_selection``."""
    if selection.source_ids is not None:
        chosen = _by_source_ids(conn, dataset_id, version_id, list(dict.fromkeys(selection.source_ids)))
    else:
        chosen = _by_metadata(conn, dataset_id, version_id, selection)
    if not chosen:
        raise Invalid(
            "empty_selection",
            f"the selection selects none of the examples of version {version_id} of dataset {dataset_id}",
            path="$.selection",
            version_id=render_id(version_id),
        )
    return chosen


def store(conn: sa.Connection, experiment_id: int, example_ids: list[int]) -> None:
    """Record the examples the experiment selected."""
    # The driver's bulk path (COPY on PostgreSQL): 100,000 rows of an ORM-less insert took seconds.
    dialect.bulk(
        conn,
        "INSERT INTO experiment_examples (experiment_id, example_id) VALUES (?, ?)",
        [(experiment_id, example_id) for example_id in example_ids],
    )


def selected_among(conn: sa.Connection, experiment_id: int, example_ids: Iterable[int]) -> set[int]:
    """Those of ``example_ids`` the experiment's selection selected."""
    return set(
        conn.execute(
            sa.select(experiment_examples.c.example_id).where(
                experiment_examples.c.experiment_id == experiment_id,
                experiment_examples.c.example_id.in_(sorted(example_ids)),
            )
        ).scalars()
    )


def example_count() -> sa.Label[int]:
    """The column ``example_count`` of a query of ``experiments`` joined with its version: the
    version's count, or the number of examples its selection selected."""
    selected = (
        sa.select(sa.func.count())
        .select_from(experiment_examples)
        .where(experiment_examples.c.experiment_id == experiments.c.id)
        .scalar_subquery()
    )
    return sa.case((experiments.c.selection.is_(None), versions.c.example_count), else_=selected).label(
        "example_count"
    )


def selected(experiment: sa.Row[Any], example_id: Any = examples.c.id) -> sa.ColumnElement[bool]:
    """True for the examples (``example_id``: a column of example ids) the experiment runs on:
    every one without a selection, the selected ones with one."""
    if experiment.selection is None:
        return sa.true()
    return sa.exists().where(
        experiment_examples.c.experiment_id == experiment.id, experiment_examples.c.example_id == example_id
    )


def experiment_example_set(
    conn: sa.Connection, experiment: sa.Row[Any], columns: list[Any]
) -> sa.Select[Any]:
    """:func:`~groundset_server.services.queries.example_set_query` of the experiment's version,
    restricted to the examples it runs on."""
    query = example_set_query(conn, experiment.dataset_id, experiment.dataset_version_id, columns)
    return query if experiment.selection is None else query.where(selected(experiment))


def selection_json(experiment: sa.Row[Any]) -> Any:
    """The experiment's selection as answered (``None``: the whole version)."""
    return None if experiment.selection is None else orjson.loads(experiment.selection)
