"""Every case of the repository's golden vectors (fixtures/hash-vectors.json)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

import groundset
from support import expect_error, load_vectors

VECTORS = load_vectors()


def named(cases: list[dict[str, Any]]) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("case", cases, ids=[case["name"] for case in cases])


def test_the_vectors_are_all_there() -> None:
    assert VECTORS["max_depth"] == groundset.MAX_DEPTH == 128
    for section in ("values", "examples", "manifests", "invalid", "invalid_examples"):
        assert len(VECTORS[section]) >= 4, section


@named(VECTORS["values"])
def test_value(case: dict[str, Any]) -> None:
    canonical = case["canonical"].encode("utf-8")
    assert groundset.canonicalize(case["value"]) == canonical
    assert groundset.hash_value(case["value"]) == case["sha256"]
    assert hashlib.sha256(canonical).hexdigest() == case["sha256"]


@named(VECTORS["examples"])
def test_example(case: dict[str, Any]) -> None:
    parts: dict[str, Any] = {name: case[name] for name in ("output", "metadata") if name in case}
    assert groundset.example_hash(case["input"], **parts) == case["sha256"]
    assert hashlib.sha256(case["canonical"].encode("utf-8")).hexdigest() == case["sha256"]


def test_examples_as_one_batch() -> None:
    cases = VECTORS["examples"]
    assert groundset.hash_examples(cases) == [case["sha256"] for case in cases]


@named(VECTORS["invalid_examples"])
def test_invalid_example(case: dict[str, Any]) -> None:
    parts: dict[str, Any] = {name: case[name] for name in ("output", "metadata") if name in case}
    expect_error(lambda: groundset.example_hash(case["input"], **parts), code=case["code"], path=case["path"])
    # The same error in a batch, with the item's index in front of the path.
    batch: list[dict[str, Any]] = [{"input": {}}, {"input": case["input"], **parts}]
    expect_error(lambda: groundset.hash_examples(batch), code=case["code"], path="$[1]" + case["path"][1:])


@named(VECTORS["manifests"])
def test_manifest(case: dict[str, Any]) -> None:
    assert groundset.manifest_digest(case["entries"]) == case["sha256"]
    assert groundset.manifest_digest([tuple(entry) for entry in reversed(case["entries"])]) == case["sha256"]
    assert hashlib.sha256(case["canonical"].encode("utf-8")).hexdigest() == case["sha256"]


# Invalid JSON texts that Python's json module reads into a value (1e400 becomes inf, "\ud800" a
# str with a lone surrogate, 9007199254740993 an int) must fail on that value with the same code
# and path. Syntax errors and duplicate names have no Python value to try.
TEXT_ONLY = {"invalid_json", "duplicate_key"}


@named([case for case in VECTORS["invalid"] if case["code"] not in TEXT_ONLY])
def test_invalid_text_read_by_python(case: dict[str, Any]) -> None:
    value = json.loads(case["json"])
    expect_error(lambda: groundset.canonicalize(value), code=case["code"], path=case["path"])
    expect_error(lambda: groundset.hash_value(value), code=case["code"], path=case["path"])
