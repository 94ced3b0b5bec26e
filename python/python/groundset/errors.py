"""The exceptions of the groundset SDK: one tree under :class:`GroundsetError`.

The compiled module (``groundset._native``) raises :class:`HashError` and
:class:`UnsupportedTypeError` with the stable ``code`` of the Rust core (``canonhash``), the
JSONPath of the offending value, and the line and column when the value came from text.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GroundsetError", "HashError", "UnsupportedTypeError"]


class GroundsetError(Exception):
    """The root of every error the groundset SDK raises."""


class HashError(GroundsetError, ValueError):
    """A value outside the hash domain: NaN, an inexact integer, a lone surrogate, nesting too deep...

    Attributes:
        code: the core's stable reason, such as ``"integer_not_exact"`` or ``"not_an_object"``.
        path: the JSONPath of the offending value, such as ``"$.input.items[3]"``.
        line: the 1-based line in the source text (``hash_jsonl``), else ``None``.
        column: the 1-based column in that line, else ``None``.
    """

    code: str
    path: str
    line: int | None
    column: int | None

    def __init__(
        self,
        message: str,
        *,
        code: str = "unknown",
        path: str = "$",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.path = path
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only attributes survive pickling (multiprocessing, concurrent.futures).
        return (type(self), self.args, self.__dict__)


class UnsupportedTypeError(HashError, TypeError):
    """A value of a Python type that has no JSON form (``code`` ``"unsupported_type"``), or a dict
    key that is not a ``str`` (``code`` ``"non_string_key"``)."""
