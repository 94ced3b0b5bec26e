"""Values between the wire and the tables: ids, times, and JSON as canonical text.

- Ids are integers in the tables and decimal strings on the wire (:func:`parse_id`,
  :func:`render_id`).
- Times are ISO 8601 UTC strings with microseconds and ``Z`` (:func:`now`, :func:`timestamp`).
- JSON values (metadata, input, output) are stored as their RFC 8785 canonical text
  (:func:`canonical_text`, the one place a client value becomes that text) and answered as it
  is stored (:func:`fragment`, :func:`json_value`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import groundset_core
import orjson

from groundset_server.services.errors import Invalid

EMPTY_OBJECT = "{}"
"""The canonical text stored for metadata that was not given."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def timestamp(value: datetime | None) -> str:
    """A client's time as the server writes its own (UTC, microseconds, ``Z``); a time without
    a zone is taken as UTC; ``None`` is now."""
    if value is None:
        return now()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_id(value: str | None, what: str) -> int:
    """The id ``value`` names (``what``: dataset, version, cursor, ...): a decimal string of at
    most 18 digits, else :class:`Invalid` ``invalid_id`` with the member ``{what}_id``. A
    well-formed id that names nothing is the caller's ``NotFound``."""
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 18:
        article = "an" if what[0] in "aeiou" else "a"
        raise Invalid("invalid_id", f"`{value}` is not {article} {what} id", **{f"{what}_id": value})
    return int(value)


def render_id(value: int | None) -> str | None:
    return None if value is None else str(value)


def fragment(text: str | None) -> orjson.Fragment | None:
    """Stored canonical JSON text, written into an orjson answer as it is (no parse)."""
    return None if text is None else orjson.Fragment(text)


def json_value(text: str) -> Any:
    """Stored canonical JSON text as a value, for an answer its response model checks."""
    return orjson.loads(text)


def canonical_text(value: Any, path: str) -> str:
    """``value``'s RFC 8785 canonical JSON text, or :class:`Invalid` with the hash domain's code
    (``non_finite_number``, ``integer_not_exact``, ...), ``path`` the JSON path of the refused
    member in the request (``path`` of ``value`` followed by the path within it) and a detail
    that starts with that path."""
    try:
        return groundset_core.canonicalize(value).decode("utf-8")
    except groundset_core.HashError as error:
        inner = str(getattr(error, "path", "") or "$")
        where = path + inner[1:]
        reason = str(error).removeprefix(f"{error.code} at {inner}: ")
        raise Invalid(str(error.code), f"{where}: {reason}", path=where) from None
