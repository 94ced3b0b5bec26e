"""How Python objects map to JSON values, and the Python-specific values that are refused."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import hashlib
import types
from typing import Any

import numpy as np
import pytest
import rfc8785

import groundset
from groundset import UnsupportedTypeError
from support import expect_error, typical_examples


def canonical(value: Any) -> str:
    return groundset.canonicalize(value).decode("utf-8")


def test_returns_bytes_and_lowercase_hex() -> None:
    value = {"b": 1, "a": [1.0, "é"]}
    assert type(groundset.canonicalize(value)) is bytes
    assert groundset.canonicalize(value) == '{"a":[1,"é"],"b":1}'.encode()
    digest = groundset.hash_value(value)
    assert digest == hashlib.sha256('{"a":[1,"é"],"b":1}'.encode()).hexdigest()
    assert len(digest) == 64 and digest == digest.lower()


def test_typical_examples_match_an_independent_implementation() -> None:
    for record in typical_examples(300):
        assert groundset.canonicalize(record) == rfc8785.dumps(record)


# --- bool, int, float ---------------------------------------------------------------------


def test_bool_is_not_an_int() -> None:
    assert canonical([True, False, 1, 0]) == "[true,false,1,0]"
    assert groundset.hash_value(True) != groundset.hash_value(1)
    assert groundset.hash_value({"k": False}) != groundset.hash_value({"k": 0})


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0, "0"),
        (-1, "-1"),
        (2**53, "9007199254740992"),
        (-(2**53), "-9007199254740992"),
        (2**53 + 2, "9007199254740994"),
        (-(2**63), "-9223372036854776000"),
        (2**63, "9223372036854776000"),
        (2**64, "18446744073709552000"),
        (-(2**127), "-1.7014118346046923e+38"),
        (2**127, "1.7014118346046923e+38"),
        (2**200, "1.6069380442589903e+60"),
        (-(2**200), "-1.6069380442589903e+60"),
        (2**1023, "8.98846567431158e+307"),
        (10**22, "1e+22"),
    ],
    ids=repr,
)
def test_exact_integers(number: int, text: str) -> None:
    assert canonical(number) == text
    assert canonical(number) == canonical(float(number))


@pytest.mark.parametrize(
    "number",
    [
        2**53 + 1,
        -(2**53) - 1,
        2**63 - 1,  # the largest i64
        -(2**63) + 1,
        2**64 + 1,  # past i64, inside i128
        2**127 - 1,  # the largest i128
        -(2**127) - 1,  # just past i128
        10**40 + 1,
        10**23 + 1,
        2**200 + 1,
        2**1024,  # float() raises OverflowError
        -(2**1024),
        2**1024 + 1,
        10**400,
        10**5000,  # str() refuses more than 4300 digits
    ],
    ids=lambda n: f"{'-' if n < 0 else ''}{abs(n).bit_length()}bits",
)
def test_inexact_integers_are_refused(number: int) -> None:
    error = expect_error(lambda: groundset.canonicalize({"n": [number]}), code="integer_not_exact", path="$.n[0]")
    assert isinstance(error, ValueError)
    assert not isinstance(error, TypeError)


def test_int_subclasses_are_ints_whatever_their_methods_say() -> None:
    class Sneaky(int):
        def __str__(self) -> str:
            return "666"

        __repr__ = __str__

        def __index__(self) -> int:
            return 666

        def __int__(self) -> int:
            return 666

        def __float__(self) -> float:
            return 666.0

    class Color(enum.IntEnum):
        RED = 1

    assert canonical([Sneaky(5), Sneaky(2**64), Sneaky(2**200), Color.RED]) == canonical([5, 2**64, 2**200, 1])
    expect_error(lambda: groundset.canonicalize(Sneaky(2**53 + 1)), code="integer_not_exact", path="$")


def test_float_subclasses() -> None:
    class Temperature(float):
        def __repr__(self) -> str:
            return "hot"

    assert canonical([np.float64(0.1), Temperature(1.5), np.float64(1e21), np.float64(-0.0)]) == "[0.1,1.5,1e+21,0]"
    assert groundset.hash_value(np.float64(2.5)) == groundset.hash_value(2.5)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), float("-inf"), np.float64("nan"), np.float64("inf")])
def test_non_finite_floats_are_refused(number: float) -> None:
    error = expect_error(
        lambda: groundset.canonicalize({"a": [1, {"b b": number}]}),
        code="non_finite_number",
        path='$.a[1]["b b"]',
    )
    assert isinstance(error, ValueError)


# --- containers and strings ----------------------------------------------------------------


def test_dict_subclasses_are_objects() -> None:
    class Record(dict[str, Any]):
        def items(self) -> Any:
            raise AssertionError("the walk reads the dict itself")

    expected = canonical({"a": 1, "b": [2]})
    assert canonical(collections.OrderedDict([("b", [2]), ("a", 1)])) == expected
    assert canonical(collections.defaultdict(list, {"b": [2], "a": 1})) == expected
    assert canonical(Record(b=[2], a=1)) == expected
    assert canonical(collections.Counter({"b": 2, "a": 1})) == '{"a":1,"b":2}'


def test_lists_tuples_and_their_subclasses_are_arrays() -> None:
    Point = collections.namedtuple("Point", ["x", "y"])

    class Items(list[Any]):
        pass

    assert canonical((1, (2, ["x"]), ())) == '[1,[2,["x"]],[]]'
    assert canonical({"p": Point(1, 2), "i": Items([3])}) == '{"i":[3],"p":[1,2]}'
    assert groundset.hash_value((1, 2)) == groundset.hash_value([1, 2])


def test_str_subclasses_as_keys_and_values() -> None:
    class Name(str):
        def __str__(self) -> str:
            return "other"

    assert canonical({Name("k"): Name("é")}) == '{"k":"é"}'


def test_keys_sort_by_utf16_code_units() -> None:
    # By code point U+E000 < U+10000; by UTF-16 units 0xD800 (the astral's high half) < 0xE000.
    value = {"\ue000": 1, "\U00010000": 2, "a": 3, "\r": 4, "é": 5, "😀": 6, "\uffff": 7}
    assert canonical(value) == '{"\\r":4,"a":3,"é":5,"𐀀":2,"😀":6,"\ue000":1,"\uffff":7}'


def test_strings_are_escaped_minimally() -> None:
    assert canonical('\u0000\b\t\n\f\r"\\/\u007f\u2028é😀') == '"\\u0000\\b\\t\\n\\f\\r\\"\\\\/\u007f\u2028é😀"'


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ("\ud800", "$"),
        (["ok", "a\udc00b"], "$[1]"),
        ({"input": {"text": "\ud83d"}}, "$.input.text"),
        ({"k": ["\ude00\ud83d"]}, "$.k[0]"),
        ({"\ud800": 1}, "$"),  # a key: its object's path, as no JSONPath can name it
    ],
)
def test_lone_surrogates_are_refused(value: Any, path: str) -> None:
    error = expect_error(lambda: groundset.canonicalize(value), code="lone_surrogate", path=path)
    assert "surrogate" in str(error)


def test_surrogate_code_points_never_pair_in_python() -> None:
    # In JSON text "\ud83d\ude00" is one character; a Python str of those two code points is two
    # lone halves (Python itself refuses to encode it), so it is refused, naming the first.
    assert canonical("\U0001f600") == '"😀"'
    error = expect_error(lambda: groundset.canonicalize(["\ud83d\ude00"]), code="lone_surrogate", path="$[0]")
    assert "U+D83D at index 0" in str(error)


# --- types outside JSON ------------------------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    y: int


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        ({1, 2}, "set"),
        (frozenset(), "frozenset"),
        (b"bytes", "bytes"),
        (bytearray(b"x"), "bytearray"),
        (decimal.Decimal("1.5"), "decimal.Decimal"),
        (datetime.datetime(2026, 1, 1), "datetime.datetime"),
        (datetime.date(2026, 1, 1), "datetime.date"),
        (np.int64(3), "numpy.int64"),
        (np.float32(1.5), "numpy.float32"),
        (np.array([1, 2]), "numpy.ndarray"),
        (Point(1, 2), "Point"),
        (object(), "object"),
        (1j, "complex"),
        (range(3), "range"),
        (types.MappingProxyType({"a": 1}), "mappingproxy"),
        (iter([1]), "list_iterator"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str) else v,
)
def test_unsupported_types_name_path_and_type(value: Any, type_name: str) -> None:
    error = expect_error(
        lambda: groundset.canonicalize({"input": {"items": [value]}}),
        code="unsupported_type",
        path="$.input.items[0]",
        cls=UnsupportedTypeError,
    )
    assert type_name in str(error)
    assert isinstance(error, TypeError) and isinstance(error, ValueError)
    expect_error(lambda: groundset.hash_value(value), code="unsupported_type", path="$", cls=UnsupportedTypeError)


@pytest.mark.parametrize(
    ("key", "type_name"), [(1, "int"), (None, "NoneType"), (b"k", "bytes"), (("a",), "tuple"), (1.5, "float")]
)
def test_non_string_keys_are_refused_not_coerced(key: Any, type_name: str) -> None:
    error = expect_error(
        lambda: groundset.canonicalize({"a": [{"ok": 1, key: 2}]}),
        code="non_string_key",
        path="$.a[0]",
        cls=UnsupportedTypeError,
    )
    assert type_name in str(error) and repr(key) in str(error)


# --- depth ---------------------------------------------------------------------------


def nested_lists(levels: int) -> Any:
    value: Any = None
    for _ in range(levels):
        value = [value]
    return value


def test_depth_limit_is_128_containers() -> None:
    assert canonical(nested_lists(128)) == "[" * 128 + "null" + "]" * 128
    expect_error(lambda: groundset.canonicalize(nested_lists(129)), code="depth_exceeded", path="$" + "[0]" * 128)
    deep_dict: Any = {}
    for _ in range(128):
        deep_dict = {"k": deep_dict}
    expect_error(lambda: groundset.hash_value(deep_dict), code="depth_exceeded", path="$" + ".k" * 128)
    assert groundset.hash_value(deep_dict["k"]) == hashlib.sha256(canonical(deep_dict["k"]).encode()).hexdigest()


def test_hostile_depth_stops_at_the_limit() -> None:
    # 100,000 levels would overflow the stack of a walk that did not stop at the limit.
    expect_error(lambda: groundset.hash_value(nested_lists(100_000)), code="depth_exceeded", path="$" + "[0]" * 128)
    mixed: Any = "leaf"
    for level in range(100_000):
        mixed = {"a": mixed} if level % 2 else (mixed,)
    # The outermost level (99,999) is a dict, the next a tuple, and so on: 128 steps down.
    expect_error(lambda: groundset.canonicalize(mixed), code="depth_exceeded", path="$" + ".a[0]" * 64)


def test_self_referencing_containers() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    expect_error(lambda: groundset.canonicalize(loop), code="depth_exceeded", path="$" + "[1]" * 128)
    cycle: dict[str, Any] = {}
    cycle["self"] = cycle
    expect_error(lambda: groundset.hash_value(cycle), code="depth_exceeded", path="$" + ".self" * 128)
