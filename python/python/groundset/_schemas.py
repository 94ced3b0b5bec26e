"""A dataset's JSON Schemas (draft 2020-12) and the local check of examples against them
before upload (see :mod:`groundset._http` for how operations work).

The check is the core's (``groundset_core.SchemaValidator``, the ``jsonschema`` Rust crate),
the one the server runs on every upsert, so a local refusal lists the same issues (path in the
example, schema path, message) as the server's ``schema_violation`` would.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from groundset_core import MAX_REPORTED_ERRORS, SchemaValidator

from groundset._http import Call, Op, json_call, segment
from groundset._ops import dataset_json
from groundset.errors import ExampleError, NotFoundError, RecordIssue

__all__ = [
    "SCHEMA_VIOLATION",
    "DatasetSchema",
    "check_examples",
    "delete_schema",
    "get_schema",
    "set_schema",
    "violations_from_problem",
]

SCHEMA_VIOLATION = "schema_violation"


@dataclass(frozen=True, slots=True, kw_only=True)
class DatasetSchema:
    """A dataset's JSON Schemas (draft 2020-12), one per part of an example.

    Attributes:
        input, output, metadata: each part's schema (a JSON object or a boolean, as parsed
            JSON), ``None`` when that part has none. An absent output or metadata is checked
            as ``{}``; ``format`` is an annotation only; references stay inside the schema.
        updated_at: when it was set; ISO 8601 UTC.
        forced: whether it was set with ``force=True`` over examples that violate it.
    """

    input: Any
    output: Any
    metadata: Any
    updated_at: str
    forced: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DatasetSchema:
        return cls(
            input=data.get("input"),
            output=data.get("output"),
            metadata=data.get("metadata"),
            updated_at=data["updated_at"],
            forced=bool(data["forced"]),
        )


def validator_of(schema: DatasetSchema) -> SchemaValidator:
    """The core's validator of a dataset's schemas."""
    return SchemaValidator(schema.input, schema.output, schema.metadata)


def _schema_path(dataset: dict[str, Any]) -> str:
    return f"/v1/datasets/{segment(dataset['id'])}/schema"


def set_schema(name: str | None, dataset_id: str | None, parts: dict[str, Any], force: bool) -> Op[DatasetSchema]:
    """Set the dataset's schemas (``None`` for a part: no schema for it)."""
    if type(force) is not bool:
        raise TypeError(f"force= must be True or False, not {force!r}")
    # Checked here first, with the server's validator: a bad schema is named before sending.
    SchemaValidator(parts["input"], parts["output"], parts["metadata"])
    dataset = yield from dataset_json(name, dataset_id)
    found = yield json_call("PUT", _schema_path(dataset), json={**parts, "force": force})
    return DatasetSchema.from_json(found)


def _current(dataset: dict[str, Any]) -> Op[DatasetSchema | None]:
    try:
        found = yield Call("GET", _schema_path(dataset))
    except NotFoundError as error:
        if error.code == "schema_not_found":
            return None
        raise
    return DatasetSchema.from_json(found)


def get_schema(name: str | None, dataset_id: str | None) -> Op[DatasetSchema | None]:
    """The dataset's schemas, ``None`` when it has none."""
    dataset = yield from dataset_json(name, dataset_id)
    return (yield from _current(dataset))


def delete_schema(name: str | None, dataset_id: str | None) -> Op[None]:
    """Remove the dataset's schemas (recorded in its schema history)."""
    dataset = yield from dataset_json(name, dataset_id)
    yield json_call("DELETE", _schema_path(dataset), expect="none")


def check_examples(
    validator: SchemaValidator,
    source_ids: Sequence[str],
    contents: Sequence[Mapping[str, Any]],
    texts: Sequence[tuple[Any, ...]] | None,
    file: str | os.PathLike[str] | None = None,
) -> None:
    """Raise :class:`ExampleError` (code ``schema_violation``) listing every violation of the
    examples (up to :data:`groundset.MAX_REPORTED_ERRORS`, then a count), as the server would:
    ``row`` the example's index, ``line`` its line in a file, ``path`` inside the example
    (``$.input.question``), ``schema_path`` the keyword's JSON Pointer; the message names a
    file's records ``FILE:LINE:`` as the reader's errors do."""
    if validator.is_empty:
        return
    issues: list[RecordIssue] = []
    if texts is not None:
        # A file's records: (line, index, source_id, hash, input, output, metadata) texts.
        found = validator.validate_texts([(t[4], t[5], t[6]) for t in texts])
        lines: list[int | None] = [t[0] for t in texts]
    else:
        found = [
            (row, *violation)
            for row, content in enumerate(contents)
            for violation in validator.validate(content["input"], content.get("output"), content.get("metadata"))
        ]
        lines = [None] * len(contents)
    for row, path, schema_path, message in found:
        issues.append(
            RecordIssue(
                row=row,
                code=SCHEMA_VIOLATION,
                path=path,
                message=message,
                line=lines[row],
                source_id=source_ids[row],
                schema_path=schema_path,
            )
        )
    if issues:
        kept = issues[:MAX_REPORTED_ERRORS]
        raise ExampleError.from_issues(kept, len(issues) - len(kept), file=_name(file))


def violations_from_problem(
    problem: Mapping[str, Any], texts: Sequence[tuple[Any, ...]] | None, file: str | os.PathLike[str] | None = None
) -> ExampleError:
    """The server's ``schema_violation`` refusal of a one-request sync as the
    :class:`ExampleError` the local check raises: the same issues, each ``path`` within the
    example, ``row`` its index, ``line`` its line in ``file`` (named ``FILE:LINE:``)."""
    issues = []
    for entry in problem.get("errors") or []:
        path, line = str(entry["path"]), None
        if entry.get("index") is not None:
            row = int(entry["index"])
            path = "$" + path.split("]", 1)[1]
        else:
            # The request's NDJSON line: the header is line 1, example i is line i + 2.
            row = int(entry["line"]) - 2
            line = None if texts is None else int(texts[row][0])
        issues.append(
            RecordIssue(
                row=row,
                code=SCHEMA_VIOLATION,
                path=path,
                message=str(entry["detail"]),
                line=line,
                source_id=entry.get("source_id"),
                schema_path=entry.get("schema_path"),
            )
        )
    return ExampleError.from_issues(issues, int(problem.get("more_errors") or 0), file=_name(file))


def _name(file: str | os.PathLike[str] | None) -> str | None:
    return None if file is None else os.fspath(file)
