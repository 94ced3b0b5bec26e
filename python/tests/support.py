"""Helpers shared by the tests: the repository's golden vectors and error assertions."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import groundset

REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS_PATH = REPO_ROOT / "fixtures" / "hash-vectors.json"
GENERATOR_PATH = REPO_ROOT / "fixtures" / "bench" / "generate_examples.py"


def load_vectors() -> dict[str, Any]:
    """The golden vectors of fixtures/hash-vectors.json (read from the repository, never copied)."""
    loaded: dict[str, Any] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
    return loaded


def typical_examples(count: int) -> list[dict[str, Any]]:
    """``count`` typical example records from fixtures/bench/generate_examples.py."""
    spec = importlib.util.spec_from_file_location("generate_examples", GENERATOR_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    records: list[dict[str, Any]] = module.examples(count)
    return records


def expect_error(
    call: Callable[[], object],
    *,
    code: str,
    path: str,
    cls: type[groundset.HashError] = groundset.HashError,
) -> groundset.HashError:
    """Runs ``call``, which must raise exactly ``cls`` with this code and path (also in its message)."""
    with pytest.raises(groundset.HashError) as caught:
        call()
    error = caught.value
    assert type(error) is cls, f"{type(error).__name__} is not {cls.__name__}: {error}"
    assert (error.code, error.path) == (code, path), str(error)
    assert code in str(error) and path in str(error), str(error)
    return error
