"""hash_jsonl: the core's parallel JSONL hashing, its errors, and the GIL."""

from __future__ import annotations

import functools
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import groundset
from support import expect_error, typical_examples

BIG_FILE_MB = 30


def write_jsonl(path: Path, records: list[Any], *, blank_lines: bool = False) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            if blank_lines:
                out.write("  \n")
    return path


def expected_pairs(records: list[dict[str, Any]], id_key: str = "id") -> list[tuple[str, str]]:
    return [(str(r[id_key]), groundset.example_hash(r["input"], r.get("output"), r.get("metadata"))) for r in records]


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, str]]]:
    """About 30 MB of typical records (several of the core's 8 MB read chunks) and their hashes."""
    base = typical_examples(500)
    hashes = [pair[1] for pair in expected_pairs(base)]
    path = tmp_path_factory.mktemp("jsonl") / "big.jsonl"
    expected: list[tuple[str, str]] = []
    written = 0
    with path.open("w", encoding="utf-8") as out:
        while written < BIG_FILE_MB * 1_000_000:
            for record, content_hash in zip(base, hashes, strict=True):
                source_id = f"big-{len(expected)}"
                line = json.dumps(dict(record, id=source_id), ensure_ascii=False) + "\n"
                out.write(line)
                written += len(line.encode("utf-8"))
                expected.append((source_id, content_hash))
    return path, expected


def test_matches_example_hash(tmp_path: Path) -> None:
    records = typical_examples(400)
    path = write_jsonl(tmp_path / "examples.jsonl", records, blank_lines=True)
    pairs = groundset.hash_jsonl(path)
    assert pairs == expected_pairs(records)
    assert all(type(pair) is tuple for pair in pairs)
    assert groundset.hash_jsonl(str(path)) == pairs


def test_id_key_integer_ids_and_optional_parts(tmp_path: Path) -> None:
    records: list[dict[str, Any]] = [
        {"key": 7, "input": {"q": "é"}},
        {"key": "b", "input": {"q": 1}, "output": None, "metadata": {"m": [1.0, -0.0]}},
        {"key": -(2**53 - 1), "input": {}, "output": {"a": "x"}},
    ]
    path = write_jsonl(tmp_path / "keys.jsonl", records)
    assert groundset.hash_jsonl(path, source_id_key="key") == expected_pairs(records, "key")
    assert groundset.hash_jsonl(path, source_id_key="key")[0][0] == "7"
    # The name hash_file takes; id_key, the former name here, still works and warns.
    assert groundset.hash_jsonl(path, source_id_key="key") == groundset.hash_file(path, source_id_key="key")
    with pytest.warns(DeprecationWarning, match="name the key source_id_key="):
        assert groundset.hash_jsonl(path, id_key="key") == expected_pairs(records, "key")
    with pytest.raises(TypeError, match="give source_id_key= only"), pytest.warns(DeprecationWarning):
        groundset.hash_jsonl(path, source_id_key="key", id_key="id")

    # With another id key, an "id" member is outside the record: refused, not silently left out of the hash.
    records[0]["id"] = "other"
    write_jsonl(path, records)
    error = expect_error(lambda: groundset.hash_jsonl(path, source_id_key="key"), code="unknown_field", path="$.id")
    assert error.line == 1 and 'the id key "key"' in str(error)


def test_threads_give_the_same_result(big_file: tuple[Path, list[tuple[str, str]]]) -> None:
    path, expected = big_file
    one = groundset.hash_jsonl(path, threads=1)
    assert one == expected
    assert groundset.hash_jsonl(path, threads=2) == one
    assert groundset.hash_jsonl(path) == one


def test_first_bad_line_is_raised_with_its_line(tmp_path: Path) -> None:
    lines = [
        '{"id": "a", "input": {"q": 1}}',
        "",
        '{"id": "b", "input": {"v": [1, 12345678901234567890]}}',
        "not json",
        '{"id": "c", "input": []}',
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for threads in (1, 2):
        error = expect_error(
            functools.partial(groundset.hash_jsonl, path, threads=threads),
            code="integer_not_exact",
            path="$.input.v[1]",
        )
        assert (error.line, error.column) == (3, 32)
        assert "line 3" in str(error)


@pytest.mark.parametrize(
    ("line", "code", "path"),
    [
        ("{'id': 1}", "invalid_json", "$"),
        ('{"input": {}}', "missing_source_id", "$.id"),
        ('{"id": 1.5, "input": {}}', "invalid_source_id", "$.id"),
        ('{"id": "x"}', "not_an_object", "$.input"),
        ('{"id": "x", "input": {"n": 1e400}}', "non_finite_number", "$.input.n"),
        ('{"id": "x", "input": {"a": 1, "a": 2}}', "duplicate_key", "$.input.a"),
        ('{"id": "x", "input": {"s": "\\ud800"}}', "lone_surrogate", "$.input.s"),
        ("[1]", "not_an_object", "$"),
    ],
)
def test_line_errors(tmp_path: Path, line: str, code: str, path: str) -> None:
    file = tmp_path / "one.jsonl"
    file.write_text('{"id": "ok", "input": {}}\n\n' + line + "\n", encoding="utf-8")
    error = expect_error(lambda: groundset.hash_jsonl(file), code=code, path=path)
    assert error.line == 3 and error.column is not None and error.column >= 1


def test_missing_file_and_directory_raise_os_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(FileNotFoundError) as not_found:
        groundset.hash_jsonl(str(missing))
    assert not_found.value.filename == str(missing)
    assert "No such file" in str(not_found.value)
    with pytest.raises(IsADirectoryError):
        groundset.hash_jsonl(tmp_path)


def test_threads_must_not_be_negative(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "one.jsonl", [{"id": 1, "input": {}}])
    with pytest.raises(ValueError, match="threads"):
        groundset.hash_jsonl(path, threads=-1)
    assert groundset.hash_jsonl(path, threads=0) == groundset.hash_jsonl(path)


def test_releases_the_gil(big_file: tuple[Path, list[tuple[str, str]]]) -> None:
    """Another Python thread keeps running while hash_jsonl hashes a large file."""
    path, expected = big_file
    ticks: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    try:
        time.sleep(0.05)
        start = time.perf_counter()
        pairs = groundset.hash_jsonl(path, threads=1)
        end = time.perf_counter()
    finally:
        stop.set()
        ticker.join()
    assert pairs == expected
    duration = end - start
    assert duration > 0.02, "the file is too small to tell"
    # A thread that needs the GIL for every tick could not tick at all while the call held it.
    middle = [t for t in ticks if start + duration / 10 < t < end - duration / 10]
    assert len(middle) >= 5, f"{len(middle)} ticks during {duration:.3f} s of hashing"
