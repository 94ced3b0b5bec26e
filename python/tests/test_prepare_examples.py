"""groundset_core.prepare_examples: the records of upsert_dataset(examples=...) in one pass of
the core (selection, source ids, uniqueness, hashes on the tape pipeline, manifest digest).
Every result is checked against the one-value functions (example_hash, source_id,
manifest_digest); errors against the messages the SDK has always given."""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

import groundset_core
import pytest

import groundset
from groundset._upsert import UpsertArgs


class Text(str):
    pass


class Number(enum.IntEnum):
    SEVEN = 7


class Frozen(Mapping[str, Any]):
    """A mapping that is not a dict: read through its Python methods."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


VALUES: list[Any] = [
    "",
    'é 量子 😀 \u2028 \x00 \x1f " \\ /',
    0,
    -(2**53),
    1.5,
    -0.0,
    5e-324,
    1e21,
    True,
    None,
    [],
    (),
    {},
    [1, [2, {"a": ()}]],
    {"b": 1, "a": 2, "": 3, "aa": 4, "A": 5},
    {"\U0001f600": 1, "\uff61": 2, "é": 3, "e": 4},
    # These leave the fast path for the converter.
    2**53 + 2,
    Text("sub"),
    {Text("k"): 1},
    Number.SEVEN,
    OrderedDict([("z", 1), ("a", 2)]),
]


def structured(count: int) -> list[Any]:
    records: list[Any] = [
        {
            "id": f"g{n}" if n % 3 else n,
            "input": {"i": n, "v": VALUES[n % len(VALUES)]},
            "metadata": None if n % 5 else {"m": VALUES[(n * 7) % len(VALUES)]},
        }
        for n in range(count)
    ]
    records[count // 2] = Frozen({"id": "frozen", "input": {"v": 1}, "output": {"o": ()}})
    records[count // 3] = {"id": "\U0001f600é", "input": {"v": 2}}
    records[count // 4] = {"id": "\uff61", "input": {"v": 3}}
    return records


@pytest.mark.parametrize("count", [10, 256, 257, 3000])
def test_structured_records_against_the_one_value_functions(count: int) -> None:
    records = structured(count)
    hashes, ids, issues, hash_issues, more, duplicates, digest = groundset_core.prepare_examples(
        records, source_id_key="id"
    )
    assert (issues, hash_issues, more, duplicates) == ([], [], 0, [])
    assert hashes == [groundset.example_hash(r["input"], r.get("output"), r.get("metadata")) for r in records]
    assert ids == [groundset_core.source_id(r["id"]) for r in records]
    assert digest == groundset.manifest_digest(zip(ids, hashes, strict=True))
    assert type(ids[1]) is str


@pytest.mark.parametrize("input_keys", [None, ["q", "r", "q"]])
def test_flat_records_against_the_one_value_functions(input_keys: list[str] | None) -> None:
    records: list[Any] = [{"id": f"f{n}", "q": VALUES[n % len(VALUES)], "r": n, "o": "x"} for n in range(700)]
    records[5] = Frozen({"id": "fz", "q": 1, "r": 2, "o": 3})
    records[6] = {"id": "f6", "q": 1, "r": 2, "o": 3, "extra": [1]}
    hashes, ids, *problems, digest = groundset_core.prepare_examples(
        records, flat=True, input_keys=input_keys, output_keys=["o"], source_id_key="id"
    )
    assert problems == [[], [], 0, []]
    picked = input_keys or ["q", "r", "extra"]
    expected = [groundset.example_hash({k: r[k] for k in picked if k in r}, {"o": r["o"]}, {}) for r in records]
    assert hashes == expected
    assert digest == groundset.manifest_digest(zip(ids or [], hashes, strict=True))


def test_a_record_running_python_code_cannot_change_what_is_being_hashed() -> None:
    """The tapes of earlier records borrow their strings: before a record's own methods run
    (which here replace, and so free, every string of the records before it), those tapes are
    hashed."""
    records: list[Any] = [{"id": f"r{n}", "input": {"text": f"text number {n} " * 5}} for n in range(600)]
    expected = [groundset.example_hash(r["input"]) for r in records]

    class Vandal(Frozen):
        def __getitem__(self, key: str) -> Any:
            for record in records[:500]:
                if isinstance(record, dict):
                    record["input"] = {"text": "changed " + "x" * 100}
            return super().__getitem__(key)

    records[500] = Vandal({"id": "v", "input": {"text": "vandal"}})
    expected[500] = groundset.example_hash({"text": "vandal"})
    hashes, *_ = groundset_core.prepare_examples(records, source_id_key="id")
    assert hashes == expected


def test_a_generator_that_reuses_its_dict_is_hashed_item_by_item() -> None:
    def rows() -> Iterator[dict[str, Any]]:
        row: dict[str, Any] = {}
        for n in range(1000):
            row["input"] = {"n": n, "text": f"row {n}"}
            yield row

    expected = [groundset.example_hash({"n": n, "text": f"row {n}"}) for n in range(1000)]
    assert groundset.hash_examples(rows()) == expected


def test_progress_is_told_every_step_and_at_the_end() -> None:
    told: list[int] = []
    records = [{"input": {"n": n}} for n in range(2500)]
    groundset_core.prepare_examples(records, progress=told.append, progress_step=1000)
    assert told == [1000, 1000, 500]


def upsert_error(records: list[Any], **options: Any) -> groundset.ExampleError:
    fields: dict[str, Any] = dict.fromkeys(UpsertArgs.__dataclass_fields__)
    fields.update(move_tag=False, validate=True, name="d", examples=records, mode="merge", dry_run=False)
    fields.update(allow_empty=False, progress=False, **options)
    with pytest.raises(groundset.ExampleError) as caught:
        UpsertArgs.from_call(fields).prepare()
    return caught.value


def test_issues_of_one_row_keep_their_order_and_words() -> None:
    records: list[Any] = [{"id": f"r{n}", "q": n, "a": "x"} for n in range(300)]
    records[1] = Frozen({"id": "f1", "q": 1})
    records[2] = {"id": 'é\n"', "q": 2, "a": 1}
    records[3] = ["not", "a", "mapping"]
    records[4] = {"id": 'é\n"', "q": float("nan"), "a": 1}
    records[5] = {"id": 2**60, "q": {1: 2}, "a": 1}
    error = upsert_error(records, source_id_key="id", input_keys=["q"], output_keys=["a"])
    assert [str(issue.describe()) for issue in error.errors] == [
        "row 1: missing_key at $.a: no key 'a' (named in output_keys); the record has ['id', 'q']",
        "row 3: not_a_mapping at $: an example must be a mapping (such as a dict), not list",
        'row 4: non_finite_number at $.input.q [source id é\n"]: NaN is not a finite number; JSON has no NaN or '
        "Infinity",
        'row 4: duplicate_source_id at $.id [source id é\n"]: the source id "é\\n\\"" is also the id of row 2',
        "row 5: invalid_source_id at $.id: the integer 1152921504606846976 is beyond the source-id range of "
        "±9007199254740991 (2^53 - 1); write it as a string",
        "row 5: non_string_key at $.input.q: dict key 1 of Python type int is not a str; JSON member names are strings",
    ]
