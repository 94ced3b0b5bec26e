"""Cross-language differential test: Python and Node hash the same 12,000 seeded values.

Both SDKs call one Rust core, so their bytes and hashes must be identical; within the domain of
PyPI ``rfc8785`` they must also equal that independent oracle; and the values outside the hash
domain must fail in both languages with the same error code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import groundset
import pytest
import rfc8785

ROOT = Path(__file__).resolve().parents[2]
COUNT = 12_000


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate_values", ROOT / "fixtures/differential/generate_values.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if list(value) == ["$nonfinite"]:
            return float(value["$nonfinite"].replace("Infinity", "inf"))
        return {key: decode(item) for key, item in value.items()}
    return value


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(item) for item in value.values()), default=0)
    return 0


def for_oracle(value: Any) -> Any:
    """rfc8785 refuses Python ints beyond 2^53 - 1; as doubles they are the same JSON numbers."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return float(value) if abs(value) >= 2**53 else value
    if isinstance(value, list):
        return [for_oracle(item) for item in value]
    if isinstance(value, dict):
        return {key: for_oracle(item) for key, item in value.items()}
    return value


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    folder = tmp_path_factory.mktemp("parity")
    values_path, node_path = folder / "values.jsonl", folder / "node.json"
    example_cases_path = folder / "example_cases.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "fixtures/differential/generate_values.py"),
            "--count",
            str(COUNT),
            "--out",
            str(values_path),
        ],
        check=True,
    )
    cases = [json.loads(line) for line in values_path.read_text(encoding="utf-8").splitlines()]
    python_results = []
    for case in cases:
        value = decode(case["value"])
        try:
            python_results.append(
                {
                    "case": case["case"],
                    "canonical_hex": groundset.canonicalize(value).hex(),
                    "hash": groundset.hash_value(value),
                }
            )
        except groundset.HashError as error:
            python_results.append({"case": case["case"], "error": error.code})
    example_cases = [
        case["case"]
        for case, result in zip(cases, python_results, strict=True)
        if "error" not in result and isinstance(case["value"], dict) and depth(case["value"]) < 128
    ]
    example_cases_path.write_text(json.dumps(example_cases), encoding="utf-8")
    node_script = ROOT / "tests/parity/hash_values.mjs"
    subprocess.run(["node", str(node_script), str(values_path), str(example_cases_path), str(node_path)], check=True)
    node = json.loads(node_path.read_text(encoding="utf-8"))
    node["example_cases"] = example_cases
    return cases, python_results, node


def test_enough_values_in_and_out_of_the_domain(runs: Any) -> None:
    cases, _, _ = runs
    assert len(cases) >= 10_000
    invalid = [case for case in cases if "expect_error" in case]
    assert len(invalid) >= 300
    assert {case["expect_error"] for case in invalid} == {"lone_surrogate", "non_finite_number", "depth_exceeded"}


def test_python_and_node_produce_identical_bytes_and_hashes(runs: Any) -> None:
    _, python_results, node = runs
    assert len(node["results"]) == len(python_results)
    mismatches = [(p, n) for p, n in zip(python_results, node["results"], strict=True) if p != n]
    assert not mismatches, f"{len(mismatches)} cases differ; first: {mismatches[0]}"


def test_values_outside_the_domain_fail_with_the_expected_code(runs: Any) -> None:
    cases, python_results, _ = runs
    for case, result in zip(cases, python_results, strict=True):
        assert result.get("error") == case.get("expect_error"), (case["case"], result)


def test_in_domain_results_equal_the_independent_oracle(runs: Any) -> None:
    cases, python_results, _ = runs
    checked = 0
    for case, result in zip(cases, python_results, strict=True):
        if "error" in result:
            continue
        expected = rfc8785.dumps(for_oracle(decode(case["value"])))
        assert result["canonical_hex"] == expected.hex(), case["case"]
        assert result["hash"] == hashlib.sha256(expected).hexdigest(), case["case"]
        checked += 1
    assert checked >= 10_000


def test_example_hashes_agree(runs: Any) -> None:
    cases, _, node = runs
    by_case = {case["case"]: case for case in cases}
    inputs = [decode(by_case[number]["value"]) for number in node["example_cases"]]
    assert len(inputs) > 1_000
    assert groundset.hash_examples([{"input": value} for value in inputs]) == node["example_hashes"]
