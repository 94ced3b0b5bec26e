"""The exceptions the native core raises, and the root of every groundset error.

:class:`GroundsetError` is defined here, not in the SDK, so that one class is the root of the
core's errors and of the SDK's (``groundset.errors`` re-exports it and derives its client
errors from it): ``except groundset.GroundsetError`` catches a :class:`HashError` raised by the
core as well, whether the core was called through the SDK or, as the server does, directly.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GroundsetError", "HashError", "InvalidSchemaError", "UnsupportedTypeError"]


class GroundsetError(Exception):
    """The root of every error the groundset core and SDK raise."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only attributes survive pickling (multiprocessing, concurrent.futures): rebuilt
        # without calling __init__, whose required keywords are not in ``args``.
        return (_rebuild, (type(self), self.args), self.__dict__)


def _rebuild(cls: type[GroundsetError], args: tuple[Any, ...]) -> GroundsetError:
    error = cls.__new__(cls)
    error.args = args
    return error


class HashError(GroundsetError, ValueError):
    """A value outside the hash domain: NaN, an inexact integer, a lone surrogate, nesting too deep...

    Attributes:
        code: the core's stable reason, such as ``"integer_not_exact"`` or ``"not_an_object"``.
        path: the JSONPath of the offending value, such as ``"$.input.items[3]"``.
        line: the 1-based line in the source text (``hash_jsonl``), else ``None``.
        column: the 1-based column in that line, else ``None``.
        row: the 0-based index of the record in the examples given to ``upsert_dataset``
            (then ``path`` is relative to that example), else ``None``.
        reason: the message alone, without the code, path and position the message starts with.
    """

    code: str
    path: str
    line: int | None
    column: int | None
    row: int | None
    reason: str

    def __init__(
        self,
        message: str,
        *,
        code: str = "unknown",
        path: str = "$",
        line: int | None = None,
        column: int | None = None,
        row: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.path = path
        self.line = line
        self.column = column
        self.row = row
        self.reason = message if reason is None else reason


class UnsupportedTypeError(HashError, TypeError):
    """A value of a Python type that has no JSON form (``code`` ``"unsupported_type"``), or a dict
    key that is not a ``str`` (``code`` ``"non_string_key"``)."""


class InvalidSchemaError(GroundsetError, ValueError):
    """A schema given to :class:`groundset_core.SchemaValidator` that is not a valid JSON Schema
    draft 2020-12 schema (checked against the 2020-12 meta-schema; a ``$schema`` naming another
    dialect, or a ``$ref`` leaving the schema, is refused too).

    Attributes:
        issues: every problem as ``(part, path, message)``: the part (``"input"``, ``"output"``
            or ``"metadata"``), the JSONPath of the offending value inside the schema document
            ``{"input": ..., "output": ..., "metadata": ...}`` (``"$.input.properties.q.type"``)
            and the meta-schema's message.
    """

    issues: list[tuple[str, str, str]]

    def __init__(self, message: str, *, issues: list[tuple[str, str, str]] | None = None) -> None:
        super().__init__(message)
        self.issues = [] if issues is None else list(issues)
