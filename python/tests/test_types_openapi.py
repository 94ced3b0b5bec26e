"""The SDK's types against the server's OpenAPI document (``server/openapi.json``): each
dataclass has exactly the fields of the schema it is built from, required where the schema
requires them (no default) and optional (a default) where it does not, so the document, the
TypeScript types generated from it and these classes cannot drift apart unnoticed."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import groundset

SCHEMAS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "server/openapi.json").read_text(encoding="utf-8")
)["components"]["schemas"]

# Each type and the schema it is built from; the schema members it leaves out on purpose.
BUILT_FROM: list[tuple[type, str, set[str]]] = [
    (groundset.UpsertResult, "UpsertResult", set()),
    (groundset.Example, "Example", set()),
    (groundset.DatasetInfo, "Dataset", set()),
    (groundset.Version, "Version", set()),
    (groundset.Diff, "Diff", set()),
    # Listed without the summary, which load_experiment reads (the TypeScript ExperimentInfo omits it too).
    (groundset.ExperimentInfo, "Experiment", {"summary"}),
]


def shape(cls: type) -> dict[str, bool]:
    """Each field of a dataclass and whether it is required (has no default)."""
    return {
        field.name: field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        for field in dataclasses.fields(cls)
    }


@pytest.mark.parametrize(("cls", "schema", "left_out"), BUILT_FROM, ids=[schema for _, schema, _ in BUILT_FROM])
def test_type_matches_its_schema(cls: type, schema: str, left_out: set[str]) -> None:
    declared = SCHEMAS[schema]
    required = set(declared.get("required", []))
    expected = {name: name in required for name in declared["properties"] if name not in left_out}
    assert shape(cls) == expected


def test_dataset_is_the_dataset_schema_at_one_version() -> None:
    """``Dataset`` is built from the ``Dataset`` schema (id, name, description, metadata), the
    ``Version`` schema's digest, and the examples of that version."""
    fields = shape(groundset.Dataset)
    dataset, version = SCHEMAS["Dataset"], SCHEMAS["Version"]
    for name in ("id", "name", "description", "metadata"):
        assert name in dataset["properties"] and name in dataset["required"] and fields.pop(name)
    assert "digest" in version["required"] and fields.pop("digest")
    assert fields == {"version_id": True, "examples": True}


def test_the_check_fails_on_drift() -> None:
    """A field the schema lacks, or a required member the type lacks, is a difference."""

    @dataclasses.dataclass
    class Drifted:
        id: str
        extra: int = 0

    declared = SCHEMAS["Diff"]
    expected = {name: name in declared["required"] for name in declared["properties"]}
    assert shape(Drifted) != expected
