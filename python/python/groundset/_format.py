"""How numbers are printed in tables and summaries (the CLI's and the SDK's), in one place so
a summary, a listing and a comparison show the same value the same way."""

from __future__ import annotations

FIXED_LIMIT = 1e15
"""Beyond this magnitude fixed notation would print digits a double does not hold (a mean of
1.7e308 as 309 digits): :func:`fixed` falls back to :func:`number`'s ``1.7e+308``."""


def number(value: float | None, *, sign: bool = False) -> str:
    """``value`` to 4 significant digits (``0.5``, ``1.7e+308``), with ``+`` before a positive
    one when ``sign``; ``-`` for ``None``. Never ``-0``: a value that shows as zero is zero."""
    if value is None:
        return "-"
    text = f"{value:{'+' if sign else ''}.4g}"
    return _unsigned_zero(text, sign)


def fixed(value: float | None, places: int, *, sign: bool = False, grouping: bool = False) -> str:
    """``value`` with ``places`` decimals (``0.5000``; ``1,234.5`` with ``grouping``), or as
    :func:`number` when its magnitude is ``FIXED_LIMIT`` or more (or not finite); ``-`` for
    ``None``. Never ``-0.0``: a value that rounds to zero shows as zero (``+0.0`` with ``sign``)."""
    if value is None:
        return "-"
    if not abs(value) < FIXED_LIMIT:
        return number(value, sign=sign)
    text = f"{value:{'+' if sign else ''}{',' if grouping else ''}.{places}f}"
    return _unsigned_zero(text, sign)


def _unsigned_zero(text: str, sign: bool) -> str:
    if text.startswith("-") and not any(c in "123456789" for c in text.split("e")[0]):
        return ("+" if sign else "") + text[1:]
    return text


def counted(count: int, noun: str) -> str:
    """``1 example``, ``2 examples``, ``1,000 runs``: a count (grouped) with its noun in the plural
    unless it is 1."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


SHOWN_CHARS = 80
"""The most characters of a caller's value a message repeats (:func:`shown`)."""


def shown(value: str) -> str:
    """``value`` as a message quotes it (``repr``): whole up to :data:`SHOWN_CHARS` characters,
    else its first ones, "…" and its length, so a 100 KB name is not printed back whole."""
    if len(value) <= SHOWN_CHARS:
        return repr(value)
    return f"{value[: SHOWN_CHARS // 2]!r}… ({len(value)} characters)"
