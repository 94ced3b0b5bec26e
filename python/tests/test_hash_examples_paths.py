"""hash_examples writes plain examples' canonical JSON straight from their objects, and converts
the others (subclasses, large integers, errors) the general way: both give the same bytes."""

from __future__ import annotations

import enum
import hashlib
from collections import OrderedDict
from typing import Any

import pytest

import groundset
from support import expect_error


class Text(str):
    pass


class Number(enum.IntEnum):
    SEVEN = 7


# Values written by the fast path (exact types) and values that leave it (for the converter).
PLAIN: list[Any] = [
    "",
    "ascii",
    'é 量子 😀 \u2028 \x00 \x1f " \\ /',
    0,
    -1,
    2**53,
    -(2**53),
    1.5,
    -0.0,
    5e-324,
    1e21,
    1e308,
    0.1 + 0.2,
    True,
    False,
    None,
    [],
    (),
    {},
    [1, [2, [3, {"a": ()}]]],
    ("tuple", 1),
    {"b": 1, "a": 2, "": 3, "aa": 4, "A": 5},
    {"\U0001f600": 1, "\uff61": 2, "é": 3, "e": 4},
]
UNUSUAL: list[Any] = [
    2**53 + 2,
    -(2**60),
    2**1000,
    Text("sub"),
    {Text("k"): 1},
    Number.SEVEN,
    OrderedDict([("z", 1), ("a", 2)]),
    [Text("x"), 1],
]


def canonical(value: Any) -> str:
    return hashlib.sha256(groundset.canonicalize(value)).hexdigest()


@pytest.mark.parametrize("value", PLAIN + UNUSUAL, ids=repr)
def test_each_value_hashes_as_the_converter_hashes_it(value: Any) -> None:
    for part in ("input", "output", "metadata"):
        example: dict[str, Any] = {"input": {"x": 0}, part: {"v": value}}
        expected = canonical({"input": {"x": 0}, "metadata": {}, "output": {}} | {part: {"v": value}})
        assert groundset.hash_examples([example]) == [expected], part
        assert groundset.example_hash(**example) == expected


def test_batches_mixing_both_paths_keep_item_order() -> None:
    values = PLAIN + UNUSUAL
    # Over several batches of 256, so that the pipeline's hand-over is crossed.
    items: list[dict[str, Any]] = [{"input": {"i": index, "v": values[index % len(values)]}} for index in range(2000)]
    items[700] = {"input": {"i": 700}, "output": None, "metadata": None}
    items[1300] = {"input": {"i": 1300}, "output": {"o": Text("t")}}
    expected = [groundset.example_hash(item["input"], item.get("output"), item.get("metadata")) for item in items]
    assert groundset.hash_examples(items) == expected


@pytest.mark.parametrize(
    ("bad", "code", "path"),
    [
        ({"v": "\ud800"}, "lone_surrogate", "$[1].input.v"),
        ({"v": [float("nan")]}, "non_finite_number", "$[1].input.v[0]"),
        ({"v": {1: 2}}, "non_string_key", "$[1].input.v"),
        ({"v": 2**1025}, "integer_not_exact", "$[1].input.v"),
        ({"v": {"s": {1, 2}}}, "unsupported_type", "$[1].input.v.s"),
    ],
)
def test_an_example_the_fast_path_leaves_is_reported_by_the_converter(bad: Any, code: str, path: str) -> None:
    items = [{"input": {"ok": 1}}, {"input": bad}, {"input": {"ok": 2}}]
    unsupported = code in ("non_string_key", "unsupported_type")
    cls = groundset.UnsupportedTypeError if unsupported else groundset.HashError
    expect_error(lambda: groundset.hash_examples(items), code=code, path=path, cls=cls)


def test_depth_limit_is_the_converters() -> None:
    deep: Any = 1
    for _ in range(126):
        deep = [deep]
    # input object (1) + "v" list nesting: 127 containers below the example object.
    assert groundset.hash_examples([{"input": {"v": deep}}]) == [groundset.example_hash({"v": deep})]
    path = "$[0].input.v" + "[0]" * 126
    expect_error(lambda: groundset.hash_examples([{"input": {"v": [deep]}}]), code="depth_exceeded", path=path)
