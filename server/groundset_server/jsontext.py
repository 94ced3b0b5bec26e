"""Strict JSON text parsing for request bodies.

orjson is the fast path. It is not exact everywhere the hash domain needs it (it turns integers
beyond 64 bits into doubles and refuses lone-surrogate escapes), so a document it refuses, or
one with a run of 20 or more digits, is read again by the standard library's parser, which
keeps integers exact and strings as written; the native hasher then refuses whatever is outside
its domain with its own error code.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from groundset_server.problems import Problem

_CLASSES = bytes(
    48 if chr(i).isdigit() and i < 128 else 97 if (chr(i).isalpha() and i < 128) or i == 34 else 32
    for i in range(256)
)
_RUN = b"0" * 20


def has_long_digit_run(text: bytes) -> bool:
    """Whether ``text`` may hold an integer of 20 or more digits (which orjson may round): a run
    of 20 digits that does not follow a letter, digit or quote (so hex digests in strings do
    not count; a false alarm only costs the slower exact parser)."""
    classes = text.translate(_CLASSES)
    return classes.startswith(_RUN) or classes.find(b" " + _RUN) >= 0


def _reject_constant(name: str) -> Any:
    raise Problem(422, "non_finite_number", f"{name} is not a finite number; JSON has no {name}")


def _exact(text: bytes, line: int | None) -> Any:
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError as error:
        where = line if line is not None else text[: error.start].count(b"\n") + 1
        raise Problem(400, "invalid_json", f"the body is not UTF-8: {error}", line=where) from None
    try:
        return json.loads(decoded, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        where = error.lineno if line is None else line
        raise Problem(
            400,
            "invalid_json",
            f"malformed JSON: {error.msg} (line {where}, column {error.colno})",
            line=where,
            column=error.colno,
        ) from None


def loads(text: bytes, line: int | None = None, checked: bool = False) -> Any:
    """Parse one JSON document; ``line`` is the NDJSON line number used in errors; ``checked``
    says the caller already knows the text has no run of 20 digits."""
    if checked or not has_long_digit_run(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return _exact(text, line)


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)
