"""A dataset's JSON Schemas (draft 2020-12) for ``input``, ``output`` and ``metadata``: set,
read, delete, their history, and the check of examples against them.

The validator is the core's (``groundset_core.SchemaValidator``, the ``jsonschema`` Rust crate),
the same the SDKs run before uploading, so the server and a local check give the same issues.
Each change is a row of ``dataset_schemas``; the newest row is the schema. Every write locks
the dataset's row first, as an upsert does: a schema change and an upsert of the same dataset
are serialized, so an upsert is checked against the schema it commits beside.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import groundset_core
import orjson
import sqlalchemy as sa

from groundset_server.db.engine import read_transaction, write_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_schemas
from groundset_server.engine.upsert import RawExample
from groundset_server.services.errors import Invalid, NotFound, SchemaViolations, Violation
from groundset_server.services.queries import dataset_by_id, example_set_page, latest_version_id
from groundset_server.services.values import canonical_text, fragment, now

MAX_LISTED = groundset_core.MAX_REPORTED_ERRORS
"""How many violations a refusal lists (100); the rest are counted."""
PAGE = 5000
"""How many stored examples a schema change checks at a time (bounded memory)."""

SchemaTexts = tuple[str | None, str | None, str | None]
PARTS = ("input", "output", "metadata")


@lru_cache(maxsize=64)
def validator_for(texts: SchemaTexts) -> groundset_core.SchemaValidator:
    """The compiled validator of stored schema texts (compiling costs more than checking a few
    examples; the cache is keyed by the texts, so a changed schema is a new entry)."""
    return groundset_core.SchemaValidator(*(None if t is None else orjson.loads(t) for t in texts))


def _latest_row(conn: sa.Connection, dataset_id: int) -> sa.Row[Any] | None:
    return conn.execute(
        sa.select(dataset_schemas)
        .where(dataset_schemas.c.dataset_id == dataset_id)
        .order_by(dataset_schemas.c.id.desc())
        .limit(1)
    ).first()


def _texts(row: sa.Row[Any] | None) -> SchemaTexts | None:
    if row is None:
        return None
    texts = (row.input_schema, row.output_schema, row.metadata_schema)
    return None if texts == (None, None, None) else texts


class ExampleCheck:
    """Collects the violations of an upsert's examples, batch by batch: every one counted, the
    first :data:`MAX_LISTED` kept; a hash-only example (no content) is not checked."""

    def __init__(self, validator: groundset_core.SchemaValidator) -> None:
        self.validator = validator
        self.violations: list[Violation] = []
        self.total = 0

    def add(self, batch: list[RawExample]) -> None:
        with_content = [e for e in batch if e[3] is not None]
        found = self.validator.validate_texts([(e[3], e[4], e[5]) for e in with_content])  # type: ignore[misc]
        self._keep(found, [(e[0], e[1]) for e in with_content])

    def _keep(self, found: list[tuple[int, str, str, str]], where: list[tuple[int | None, str]]) -> None:
        self.total += len(found)
        room = MAX_LISTED - len(self.violations)
        for index, path, schema_path, message in found[: max(room, 0)]:
            position, source_id = where[index]
            self.violations.append(Violation(position, source_id, path, schema_path, message))

    def refusal(self, what: str) -> SchemaViolations | None:
        return SchemaViolations(self.violations, self.total, what) if self.total else None


def example_check(conn: sa.Connection, dataset: sa.Row[Any] | None) -> ExampleCheck | None:
    """The check of an upsert's examples against the dataset's schema; ``None`` (nothing to
    check, nothing paid but this one indexed read) without a dataset or a schema."""
    texts = None if dataset is None else _texts(_latest_row(conn, dataset.id))
    return None if texts is None else ExampleCheck(validator_for(texts))


def current_schema(conn: sa.Connection, dataset: sa.Row[Any] | None) -> dict[str, Any] | None:
    """The dataset's schema as answered (``DatasetSchema``), ``None`` without one: a plan
    carries it, so that an SDK checks its examples before uploading them, with no request more."""
    row = None if dataset is None else _latest_row(conn, dataset.id)
    return None if row is None or _texts(row) is None else schema_json(row)


def _check_latest(conn: sa.Connection, dataset_id: int, validator: groundset_core.SchemaValidator) -> None:
    """Refuse a schema the latest version's examples violate, a page of them at a time."""
    latest = latest_version_id(conn, dataset_id)
    if latest is None or validator.is_empty:
        return
    check = ExampleCheck(validator)
    columns = [
        examples.c.id,
        examples.c.source_id,
        revisions.c.input,
        revisions.c.output,
        revisions.c.metadata,
    ]
    last = None
    while True:
        rows = conn.execute(example_set_page(conn, dataset_id, latest, columns, last, PAGE)).all()
        if not rows:
            break
        found = validator.validate_texts([(r.input, r.output, r.metadata) for r in rows])
        check._keep(found, [(None, r.source_id) for r in rows])
        last = rows[-1].id
    refusal = check.refusal(f"the examples of version {latest} (send `force: true` to set it anyway)")
    if refusal is not None:
        raise refusal


def _compiled(parts: dict[str, Any]) -> tuple[SchemaTexts, groundset_core.SchemaValidator]:
    texts = tuple(None if parts[p] is None else canonical_text(parts[p], f"$.{p}") for p in PARTS)
    try:
        validator = groundset_core.SchemaValidator(*(parts[p] for p in PARTS))
    except groundset_core.InvalidSchemaError as error:
        first = error.issues[0]
        raise Invalid(
            "invalid_schema",
            "not a valid JSON Schema (draft 2020-12): "
            + "; ".join(f"{path}: {message}" for _, path, message in error.issues),
            path=first[1],
            errors=[
                {"loc": ["body", part], "code": "invalid_schema", "msg": message, "path": path}
                for part, path, message in error.issues[:MAX_LISTED]
            ],
        ) from None
    return (texts[0], texts[1], texts[2]), validator


def schema_json(row: sa.Row[Any]) -> dict[str, Any]:
    """A schema as answered (schema ``DatasetSchema``), the stored texts spliced in."""
    return {
        "input": fragment(row.input_schema),
        "output": fragment(row.output_schema),
        "metadata": fragment(row.metadata_schema),
        "updated_at": row.created_at,
        "forced": bool(row.forced),
    }


def _store(conn: sa.Connection, dataset_id: int, texts: SchemaTexts, forced: bool) -> sa.Row[Any]:
    conn.execute(
        sa.insert(dataset_schemas).values(
            dataset_id=dataset_id,
            input_schema=texts[0],
            output_schema=texts[1],
            metadata_schema=texts[2],
            forced=forced,
            created_at=now(),
        )
    )
    row = _latest_row(conn, dataset_id)
    assert row is not None
    return row


def set_schema(engine: sa.Engine, dataset_id: str, parts: dict[str, Any], force: bool) -> dict[str, Any]:
    """``PUT .../schema``: check the schemas (``invalid_schema``), then the latest version's
    examples against them (``schema_violation`` unless ``force``), then store them. 422
    ``empty_schema`` when every part is null: that is a deletion, ``DELETE .../schema``."""
    if all(parts.get(part) is None for part in ("input", "output", "metadata")):
        raise Invalid(
            "empty_schema",
            "the schema sets none of `input`, `output` and `metadata`: give at least one, or remove "
            f"the dataset's schema with DELETE /v1/datasets/{dataset_id}/schema",
        )
    texts, validator = _compiled(parts)
    with write_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id, lock=True)
        forced = False
        if force:
            try:
                _check_latest(conn, dataset.id, validator)
            except SchemaViolations:
                forced = True
        else:
            _check_latest(conn, dataset.id, validator)
        return schema_json(_store(conn, dataset.id, texts, forced))


def get_schema(engine: sa.Engine, dataset_id: str) -> dict[str, Any]:
    """The dataset's schema; 404 ``schema_not_found`` when it has none (never set, or deleted)."""
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        row = _latest_row(conn, dataset.id)
    if _texts(row) is None:
        raise _not_found(dataset.id)
    assert row is not None
    return schema_json(row)


def _not_found(dataset_id: int) -> NotFound:
    return NotFound("schema_not_found", f"dataset {dataset_id} has no schema", dataset_id=str(dataset_id))


def delete_schema(engine: sa.Engine, dataset_id: str) -> None:
    """Delete the schema: a row of three nulls in its history; ``schema_not_found``."""
    with write_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id, lock=True)
        if _texts(_latest_row(conn, dataset.id)) is None:
            raise _not_found(dataset.id)
        _store(conn, dataset.id, (None, None, None), False)


def schema_history(engine: sa.Engine, dataset_id: str) -> dict[str, Any]:
    """Every change of the schema, newest first (schema ``SchemaHistory``); empty when never set."""
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        rows = conn.execute(
            sa.select(dataset_schemas)
            .where(dataset_schemas.c.dataset_id == dataset.id)
            .order_by(dataset_schemas.c.id.desc())
        ).all()
    return {"data": [schema_json(row) for row in rows]}
