"""example_hash and hash_examples: the example object, the batch, and the errors of its items."""

from __future__ import annotations

import hashlib
import threading
import types
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

import groundset
from groundset import UnsupportedTypeError
from support import expect_error, typical_examples


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_example_object_and_defaults() -> None:
    expected = sha256('{"input":{"q":"2+2?"},"metadata":{},"output":{}}')
    assert groundset.example_hash({"q": "2+2?"}) == expected
    assert groundset.example_hash({"q": "2+2?"}, None, None) == expected
    assert groundset.example_hash({"q": "2+2?"}, {}, {}) == expected
    assert groundset.example_hash({"q": "2+2?"}, output=None, metadata={}) == expected
    full = groundset.example_hash({"q": 1}, {"a": 2.0}, {"m": [True]})
    assert full == sha256('{"input":{"q":1},"metadata":{"m":[true]},"output":{"a":2}}')
    assert full == groundset.hash_value({"output": {"a": 2}, "input": {"q": 1}, "metadata": {"m": [True]}})


@pytest.mark.parametrize(
    ("parts", "path"),
    [
        ({"input": [1]}, "$.input"),
        ({"input": (1,)}, "$.input"),
        ({"input": "text"}, "$.input"),
        ({"input": None}, "$.input"),
        ({"input": 3}, "$.input"),
        ({"input": {}, "output": "Paris"}, "$.output"),
        ({"input": {}, "metadata": False}, "$.metadata"),
        ({"input": {}, "metadata": [{"x": set()}]}, "$.metadata"),  # not an object before not JSON
    ],
)
def test_parts_must_be_objects(parts: dict[str, Any], path: str) -> None:
    expect_error(lambda: groundset.example_hash(**parts), code="not_an_object", path=path)


def test_errors_inside_parts_name_their_path() -> None:
    expect_error(
        lambda: groundset.example_hash({"items": [1, 2, 3, float("nan")]}),
        code="non_finite_number",
        path="$.input.items[3]",
    )
    expect_error(
        lambda: groundset.example_hash({}, {"a": {2**60 + 1}}),
        code="unsupported_type",
        path="$.output.a",
        cls=UnsupportedTypeError,
    )
    expect_error(
        lambda: groundset.example_hash({}, metadata={"n": 2**60 + 1}), code="integer_not_exact", path="$.metadata.n"
    )
    expect_error(
        lambda: groundset.example_hash(frozenset()), code="unsupported_type", path="$.input", cls=UnsupportedTypeError
    )


def test_input_may_nest_127_levels() -> None:
    value: Any = {}
    for _ in range(126):
        value = {"k": value}
    groundset.example_hash(value)  # input is 127 containers deep; with the example object, 128
    expect_error(lambda: groundset.example_hash({"k": value}), code="depth_exceeded", path="$.input" + ".k" * 127)
    assert groundset.hash_value({"k": value}) == groundset.hash_value({"k": value})  # a bare value may nest 128


# --- hash_examples -------------------------------------------------------------------


def test_batch_equals_one_by_one() -> None:
    records = typical_examples(3000)  # large enough to be split across threads
    one_by_one = [groundset.example_hash(r["input"], r["output"], r["metadata"]) for r in records]
    assert groundset.hash_examples(records) == one_by_one
    assert len(set(one_by_one)) == len(records)
    assert groundset.hash_examples(tuple(records)) == one_by_one
    assert groundset.hash_examples(iter(records)) == one_by_one
    assert groundset.hash_examples([]) == []


def test_batch_items_ignore_other_keys_and_default_output_and_metadata() -> None:
    items: list[dict[str, Any]] = [
        {"id": "a", "input": {"q": 1}},
        {"input": {"q": 1}, "output": None, "metadata": None, "extra": {1, 2}},
        {"input": {"q": 1}, "output": {}, "metadata": {}},
    ]
    assert groundset.hash_examples(items) == [groundset.example_hash({"q": 1})] * 3


def test_batch_items_may_be_any_mapping() -> None:
    class Record(Mapping[str, Any]):
        def __init__(self, **parts: Any) -> None:
            self.parts = parts

        def __getitem__(self, key: str) -> Any:
            return self.parts[key]

        def __iter__(self) -> Iterator[str]:
            return iter(self.parts)

        def __len__(self) -> int:
            return len(self.parts)

    items = [Record(input={"q": 1}, output={"a": 2}), types.MappingProxyType({"input": {"q": 1}})]
    assert groundset.hash_examples(items) == [
        groundset.example_hash({"q": 1}, {"a": 2}),
        groundset.example_hash({"q": 1}),
    ]


def test_batch_error_in_item_3_has_its_index() -> None:
    items: list[Any] = [{"input": {"q": i}} for i in range(6)]
    items[3] = {"input": {"items": [{1, 2}]}}
    error = expect_error(
        lambda: groundset.hash_examples(items),
        code="unsupported_type",
        path="$[3].input.items[0]",
        cls=UnsupportedTypeError,
    )
    assert "set" in str(error)
    items[3] = {"input": {"items": ["\udfff"]}}
    expect_error(lambda: groundset.hash_examples(items), code="lone_surrogate", path="$[3].input.items[0]")
    items[3] = {"output": {}}
    expect_error(lambda: groundset.hash_examples(items), code="not_an_object", path="$[3].input")
    items[3] = ["not", "a", "mapping"]
    expect_error(lambda: groundset.hash_examples(items), code="unsupported_type", path="$[3]", cls=UnsupportedTypeError)


def test_batch_reports_the_first_bad_item() -> None:
    items: list[Any] = [{"input": {}} for _ in range(300)]
    items[250] = {"input": {"bad": set()}}  # refused while converting
    items[200] = {"input": {"n": float("inf")}}
    items[100] = {"input": [1]}  # refused while hashing, without the GIL
    expect_error(lambda: groundset.hash_examples(items), code="not_an_object", path="$[100].input")
    items[100] = {"input": {}}
    expect_error(lambda: groundset.hash_examples(items), code="non_finite_number", path="$[200].input.n")
    items[200] = {"input": {}}
    expect_error(
        lambda: groundset.hash_examples(items),
        code="unsupported_type",
        path="$[250].input.bad",
        cls=UnsupportedTypeError,
    )


def test_batch_passes_on_errors_of_the_iterable() -> None:
    def records() -> Iterator[dict[str, Any]]:
        for index in range(1000):
            if index == 700:
                raise RuntimeError("the source failed")
            yield {"input": {"i": index}}

    with pytest.raises(RuntimeError, match="the source failed"):
        groundset.hash_examples(records())


def test_batch_hashes_the_values_of_the_call_while_another_thread_replaces_them() -> None:
    # Hashing runs on another thread, partly without the GIL. Another Python thread replaces (and so
    # frees) the strings meanwhile: the hashes must still be those of the values at the call.
    for _ in range(5):
        records = typical_examples(2000)
        expected = [groundset.example_hash(r["input"], r["output"], r["metadata"]) for r in records]
        go = threading.Event()

        def replace_strings(records: list[dict[str, Any]], go: threading.Event) -> None:
            go.wait()
            for index, record in enumerate(records):
                record["input"]["question"] = f"{index:08d}" * 13
                record["output"]["answer"] = f"{index:06d}" * 11

        replacer = threading.Thread(target=replace_strings, args=(records, go))
        replacer.start()
        go.set()  # the replacer can take the GIL only once hash_examples has converted and released it
        hashes = groundset.hash_examples(records)
        replacer.join()
        assert hashes == expected
        assert records[0]["input"]["question"] == "00000000" * 13
