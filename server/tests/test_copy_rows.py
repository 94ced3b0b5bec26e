"""The core's writing of PostgreSQL's binary COPY rows (``groundset_core.copy_binary_rows``) and
an NDJSON body's cut into blocks of whole lines (``wire.NdjsonRequest``, its line numbers counted
by ``groundset_core.count_newlines``): the same bytes and line numbers as PostgreSQL's documented
format and a body read in one block give, whatever the values and the cuts. Rows written this
way into real databases: tests/test_bulk.py."""

from __future__ import annotations

import itertools
import random
import struct
from typing import Any

import groundset_core
import pytest

from groundset_server.db import dialect
from groundset_server.wire import NdjsonRequest

TEXTS = ["", "plain", "tab\there", "line\nbreak", "back\\slash", "é😀", "\u0000", "x" * 3000]


def documented(columns: list[Any], kinds: list[str], count: int) -> bytes:
    """PostgreSQL's binary COPY rows, field by field as its manual gives them ("COPY", "Binary
    Format"): per row a 16-bit field count, then each field's 32-bit length and bytes."""
    out = bytearray()
    for row in range(count):
        out += struct.pack(">h", len(columns))
        for column, kind in zip(columns, kinds, strict=True):
            value = column.value if isinstance(column, dialect.Same) else column[row]
            if kind == "int4":
                out += struct.pack(">ii", 4, value)
            elif kind == "int8":
                out += struct.pack(">iq", 8, value)
            elif kind == "bool":
                out += struct.pack(">ib", 1, bool(value))
            else:
                data = value if isinstance(value, bytes) else str(value).encode()
                out += struct.pack(">i", len(data)) + data
    return bytes(out)


def random_column(rng: random.Random, kind: str, count: int) -> Any:
    def value() -> Any:
        if kind == "int4":
            return rng.randint(-(2**31), 2**31 - 1)
        if kind == "int8":
            return rng.randint(-(2**63), 2**63 - 1)
        if kind == "bool":
            return rng.choice([True, False, 0, 1])
        text = rng.choice(TEXTS) + str(rng.randint(0, 9))
        return rng.choice([text, text.encode(), rng.randint(0, 99)])

    if rng.random() < 0.25:
        return dialect.Same(value())
    return [value() for _ in range(count)]


@pytest.mark.parametrize("seed", range(30))
def test_rows_are_the_documented_format(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.choice([0, 1, 2, 17, 300])
    kinds = [rng.choice(["int4", "int8", "bool", "text", "varchar"]) for _ in range(rng.randint(1, 9))]
    columns = [random_column(rng, kind, count) for kind in kinds]
    expected = documented(columns, kinds, count)
    assert groundset_core.copy_binary_rows(columns, kinds, count) == expected
    # The server's own entry: columns that are other sequences than lists are taken too.
    tuples = [column if isinstance(column, dialect.Same) else tuple(column) for column in columns]
    assert dialect._binary_rows(tuples, kinds, count) == expected


def test_refusals_name_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="a column of 2 values for 3 rows"):
        groundset_core.copy_binary_rows([[1, 2]], ["int4"], 3)
    with pytest.raises(ValueError, match='no binary form for column type "jsonb"'):
        groundset_core.copy_binary_rows([[1]], ["jsonb"], 1)
    with pytest.raises(ValueError, match="2 columns but 1 kinds"):
        groundset_core.copy_binary_rows([[1], [2]], ["int4"], 1)
    with pytest.raises(OverflowError, match="2147483648 is out of int4's range"):
        groundset_core.copy_binary_rows([[2**31]], ["int4"], 1)
    with pytest.raises(TypeError, match="a list of a value per row or a 1-tuple"):
        groundset_core.copy_binary_rows([{1}], ["int4"], 1)
    with pytest.raises(TypeError):
        groundset_core.copy_binary_rows([["1"]], ["int8"], 1)


@pytest.mark.parametrize("seed", range(10))
def test_count_newlines_counts_every_line_feed(seed: int) -> None:
    rng = random.Random(seed)
    data = bytes(rng.choice(b"\n\rab\x00\xff") for _ in range(rng.randint(0, 5000)))
    assert groundset_core.count_newlines(data) == data.count(b"\n")


def _lines(rng: random.Random) -> bytes:
    lines = []
    for n in range(rng.randint(0, 60)):
        hashed = groundset_core.example_hash({"q": "é" * rng.randint(0, 40), "n": n})
        line = b'{"source_id":"s%d","content_hash":"%s"}' % (n, hashed.encode())
        lines.append(rng.choice([line, line, line, b"", b"   "]))
    body = b"\n".join(lines)
    return body + rng.choice([b"", b"\n", b"\n\n"])


@pytest.mark.parametrize("seed", range(40))
def test_blocks_cut_anywhere_give_the_lines_and_numbers_of_one_block(seed: int) -> None:
    rng = random.Random(seed)
    header = b'{"dataset":{"name":"a"},"mode":"merge"}\n'
    body = header + _lines(rng)
    cuts = sorted(rng.sample(range(1, len(body)), min(len(body) - 1, rng.randint(0, 12))))
    blocks = [body[start:end] for start, end in zip([0, *cuts], [*cuts, len(body)], strict=True)]

    def decoded(parts: list[bytes]) -> tuple[list[Any], bytes]:
        request = NdjsonRequest(parts, with_content=False)
        request.header()
        given = list(request._blocks())
        # Each block is whole lines, and numbered where it starts.
        for (block, first), following in itertools.pairwise(given):
            assert block.endswith(b"\n") and following[1] == first + block.count(b"\n")
        again = NdjsonRequest(parts, with_content=False)
        again.header()
        records = [record for batch in again.batches() for record in batch]
        return records, b"".join(block for block, _ in given)

    whole, whole_text = decoded([body])
    cut, cut_text = decoded(blocks)
    assert cut == whole and cut_text == whole_text == body[len(header) :]
