"""groundset_core.example_lines: the NDJSON lines of an upsert or plan for a block of examples,
in one call of the core, byte for byte the core's ``canonicalize`` of each line's object as the
SDK wrote them one by one before (``Prepared.entry``, the flat selection, a file's texts), for
structured and flat records, records that leave the fast path, the fixtures' examples and
generated values of every kind; and its refusals."""

from __future__ import annotations

import importlib.util
import json
import random
from collections import OrderedDict
from pathlib import Path
from typing import Any

import groundset_core
import pytest
from groundset_core import canonicalize, example_lines

from groundset._upsert import Prepared
from test_prepare_examples import VALUES, Frozen, Number, Text, structured
from test_stream import AWKWARD_IDS, args_of, old_body

ROOT = Path(__file__).resolve().parents[2]


def entry_line(source_id: str, content_hash: str, content: Any | None) -> bytes:
    """The line as the SDK wrote it before: ``canonicalize`` of the entry (``Prepared.entry``)."""
    entry: dict[str, Any] = {"source_id": source_id, "content_hash": content_hash}
    if content is not None:
        entry.update(input=content["input"], output=content.get("output"), metadata=content.get("metadata"))
    return canonicalize(entry) + b"\n"


def fake_hashes(count: int) -> list[str]:
    return [f"{n:064x}" for n in range(count)]


def generated_values(count: int, seed: int) -> list[Any]:
    """Values of every kind from the differential test's generator (escapes, non-ASCII member
    names in UTF-16 order, numbers at the edges, nesting), those inside the hash domain."""
    spec = importlib.util.spec_from_file_location("generate_values", ROOT / "fixtures/differential/generate_values.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [case["value"] for case in module.cases(count, seed) if "expect_error" not in case]


def in_domain(record: dict[str, Any]) -> bool:
    try:
        groundset_core.example_hash(record["input"], record.get("output"), record.get("metadata"))
    except groundset_core.HashError:
        return False
    return True


@pytest.mark.parametrize("count", [1, 300, 2_100])
def test_structured_records_are_their_entries_canonical_json(count: int) -> None:
    records = structured(count)
    for n, record in enumerate(records):
        if n % 7 == 3 and isinstance(record, dict):
            record["output"] = None if n % 2 else {}
    ids = [f"id-{n}" if n >= len(AWKWARD_IDS) else AWKWARD_IDS[n] for n in range(count)]
    hashes = fake_hashes(count)
    expected = [entry_line(ids[n], hashes[n], records[n]) for n in range(count)]
    assert example_lines(ids, hashes, records) == b"".join(expected)
    # Rows in any order, repeated, and a tuple of records (read through the sequence protocol).
    rows = [count - 1, 0, count // 2, 0]
    assert example_lines(ids, hashes, tuple(records), rows=rows) == b"".join(expected[row] for row in rows)
    needed = set(ids[::3])
    bare = [entry_line(ids[n], hashes[n], None) for n in range(count)]
    mixed = [expected[n] if ids[n] in needed else bare[n] for n in range(count)]
    assert example_lines(ids, hashes, records, needed=needed) == b"".join(mixed)
    assert example_lines(ids, hashes) == b"".join(bare)
    assert example_lines(ids, hashes, records, rows=range(0)) == b""


@pytest.mark.parametrize(
    ("input_keys", "metadata_keys"),
    [(None, ["m"]), (["q", "r", "q"], []), (None, None)],
    ids=["rest", "listed", "no-m"],
)
def test_flat_records_are_their_selections_canonical_json(
    input_keys: list[str] | None, metadata_keys: list[str] | None
) -> None:
    records: list[Any] = [
        {"id": f"f{n}", "q": VALUES[n % len(VALUES)], "r": n, "o": "x", "m": {"n": n}} for n in range(2_500)
    ]
    records[5] = Frozen({"id": "fz", "q": 1, "r": 2, "o": 3, "m": 4})
    records[6] = {"id": "f6", "q": 1, "r": 2, "o": 3, "m": [], "extra": [1]}
    records[7] = OrderedDict([("id", "f7"), ("q", "é"), ("r", 1), ("o", 2), ("m", 3)])
    options: dict[str, Any] = {"input_keys": input_keys, "output_keys": ["o"], "metadata_keys": metadata_keys}
    prepared = args_of(name="d", examples=records, source_id_key="id", **options).prepare()
    pairs = zip(prepared.source_ids, prepared.hashes, strict=True)
    expected = [entry_line(s, h, prepared.contents[n]) for n, (s, h) in enumerate(pairs)]
    lines = example_lines(prepared.source_ids, prepared.hashes, records, flat=True, source_id_key="id", **options)
    assert lines == b"".join(expected)
    assert prepared.lines(range(2_500)) == lines


def generated_records() -> list[dict[str, Any]]:
    """Records of generated values of every kind (inside the hash domain), then the fixtures'."""
    values = generated_values(3_000, seed=19)
    random.Random(19).shuffle(values)
    records: list[dict[str, Any]] = []
    for n, value in enumerate(values):
        record: dict[str, Any] = {"input": {"v": value, "n": n}}
        if n % 3 == 0:
            record["output"] = {"w": value}
        if n % 4 == 1:
            record["metadata"] = {"k": [value, {"é": n}]} if n % 8 == 1 else None
        if in_domain(record):
            records.append(record)
    for path in sorted((ROOT / "fixtures/examples").glob("*.jsonl")):
        records.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(records) > 2_500
    return records


def test_generated_values_and_the_fixtures_examples() -> None:
    records = generated_records()
    values = generated_values(3_000, seed=19)
    ids, hashes = [f"g{n}" for n in range(len(records))], fake_hashes(len(records))
    expected = b"".join(entry_line(ids[n], hashes[n], record) for n, record in enumerate(records))
    assert example_lines(ids, hashes, records) == expected
    # Bare lines of awkward ids: each is the id's canonical JSON string.
    awkward = [*AWKWARD_IDS, *(str(v) for v in values if isinstance(v, str))][:2_000]
    assert example_lines(awkward, fake_hashes(len(awkward))) == b"".join(
        entry_line(s, h, None) for s, h in zip(awkward, fake_hashes(len(awkward)), strict=True)
    )


def test_values_off_the_fast_path_are_written_as_canonicalize_writes_them() -> None:
    records: list[Any] = [
        {"input": {"big": 2**53 + 2}},
        {"input": {Text("k"): Text("v")}, "output": {"n": Number.SEVEN}},
        {"input": OrderedDict([("z", 1), ("a", 2)]), "metadata": OrderedDict()},
        Frozen({"input": {"v": (1, 2.5)}, "output": None}),
        {"input": {"t": (1, [2, ()]), "f": -0.0, "e": 1e21, "s": 5e-324}},
    ]
    ids, hashes = [f"x{n}" for n in range(len(records))], fake_hashes(len(records))
    assert example_lines(ids, hashes, records) == b"".join(
        entry_line(ids[n], hashes[n], record) for n, record in enumerate(records)
    )


def test_a_records_own_methods_run_between_lines_not_inside_one() -> None:
    """A mapping read through its methods may change the other records: each line is the record
    as it is when its line is written (as when the SDK wrote them one by one)."""
    records: list[Any] = [{"input": {"text": f"text {n} " * 8}} for n in range(600)]

    class Vandal(Frozen):
        def __getitem__(self, key: str) -> Any:
            for record in records:
                if isinstance(record, dict):
                    record["input"] = {"text": "changed"}
            return super().__getitem__(key)

    records[300] = Vandal({"input": {"text": "vandal"}})
    ids, hashes = [f"v{n}" for n in range(600)], fake_hashes(600)
    written = example_lines(ids, hashes, records).splitlines(keepends=True)
    assert written[:300] == [entry_line(ids[n], hashes[n], {"input": {"text": f"text {n} " * 8}}) for n in range(300)]
    assert written[300] == entry_line("v300", hashes[300], {"input": {"text": "vandal"}})
    assert written[301:] == [entry_line(ids[n], hashes[n], {"input": {"text": "changed"}}) for n in range(301, 600)]


def test_a_files_texts_are_written_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "examples.jsonl"
    rows = [{"id": s, "input": {"q": s, "n": n / 3}, "output": {"a": "é"}} for n, s in enumerate(AWKWARD_IDS * 300)]
    for n, row in enumerate(rows):
        row["id"] = f"{row['id']}-{n}"
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    prepared = args_of(name="d", path=path, source_id_key="id").prepare()
    assert prepared.texts is not None
    expected = b"".join(
        entry_line(
            record[2],
            record[3],
            {
                "input": json.loads(record[4] or "null"),
                "output": json.loads(record[5] or "null"),
                "metadata": json.loads(record[6] or "null"),
            },
        )
        for record in prepared.texts
    )
    lines = example_lines(prepared.source_ids, prepared.hashes, prepared.texts, texts=True)
    assert lines == expected
    assert prepared.lines(range(len(rows))) == lines


def test_refusals_name_what_is_wrong() -> None:
    ids, hashes = ["a", "b"], fake_hashes(2)
    records: list[dict[str, Any]] = [{"input": {}}, {"input": {}}]
    with pytest.raises(ValueError, match="2 source ids, 1 hashes"):
        example_lines(ids, hashes[:1], records)
    with pytest.raises(IndexError, match="row 2 is out of range"):
        example_lines(ids, hashes, records, rows=[0, 2])
    with pytest.raises(IndexError):
        example_lines(ids, hashes, records[:1])
    with pytest.raises(TypeError, match=r"hashes\[1\] must be a str, not int"):
        example_lines(ids, [hashes[0], 7])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="flat= applies to records given as values"):
        example_lines(ids, hashes, records, texts=True, flat=True)
    with pytest.raises(TypeError, match=r"records\[1\] has no content"):
        example_lines(
            ids,
            hashes,
            [(1, 0, "a", hashes[0], "{}", "{}", "{}"), (2, 1, "b", hashes[1], None, None, None)],
            texts=True,
        )
    with pytest.raises(KeyError):
        example_lines(ids, hashes, [{"input": {}}, Frozen({"output": {}})])
    with pytest.raises(groundset_core.HashError) as caught:
        example_lines(ids, hashes, [{"input": {}}, {"input": {"x": float("nan")}}])
    assert caught.value.code == "non_finite_number"


def test_prepared_lines_of_the_examples_given(tmp_path: Path) -> None:
    records = structured(500)
    prepared: Prepared = args_of(name="d", examples=records, source_id_key="id").prepare()
    needed = set(prepared.source_ids[::5])
    expected = [
        entry_line(s, h, records[n] if s in needed else None)
        for n, (s, h) in enumerate(zip(prepared.source_ids, prepared.hashes, strict=True))
    ]
    assert prepared.lines(range(500), needed) == b"".join(expected)


@pytest.mark.parametrize("every", [1, 3], ids=["initial", "some"])
def test_the_upsert_body_of_generated_and_fixture_examples_is_the_one_sent_before(every: int) -> None:
    records = [{**record, "id": f"r{n}"} for n, record in enumerate(generated_records())]
    prepared = args_of(name="d", examples=records, source_id_key="id").prepare()
    header = {"dataset": {"name": "d"}, "mode": "merge"}
    needed = set(prepared.source_ids[::every])
    assert b"".join(prepared.ndjson(header, needed)()) == old_body(header, prepared, needed)
    assert b"".join(prepared.plan_body()()) == old_body(header, prepared, None)
