"""The NDJSON bodies of a large sync, produced lazily in bounded blocks.

A million examples make a plan body of about 80 MB and an upsert body of a gigabyte: neither is
ever held whole, and no second copy of the contents is made. Each block of
:data:`LINES_PER_BLOCK` examples is written when the HTTP client asks for it, and a body is a
function returning a fresh iterator of blocks (a retry sends it again).

Lines without content (``{"content_hash", "source_id"}``, the plan's and the upsert's lines for
examples the server holds) are written from the source ids and hashes, which ``prepare`` has
checked already: a block of ids goes to the core's ``canonicalize`` once, and when it finds no
character to escape in any of them (the usual case) each id is its own canonical text in
quotes; otherwise each line is the core's canonical JSON. A content line is the core's
canonical JSON of the example (Python values) or the core reader's canonical texts (a file).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

from groundset_core import canonicalize

__all__ = ["LINES_PER_BLOCK", "Body", "Examples", "bare_block", "plan_body", "upsert_body"]

LINES_PER_BLOCK = 2_000
"""Examples per block handed to the HTTP client: about 2 MB of content lines, 160 KB bare."""

Body = Callable[[], Iterator[bytes]]
"""An NDJSON body: a function returning its blocks, anew for each attempt."""


class Examples(Protocol):
    """What the bodies read of the prepared examples (:class:`groundset._upsert.Prepared`)."""

    source_ids: list[str]
    hashes: list[str]

    def content_line(self, index: int) -> bytes:
        """The example at ``index`` with its content, as one canonical JSON line (no newline)."""
        ...


def bare_block(source_ids: Sequence[str], hashes: Sequence[str]) -> bytes:
    """``{"content_hash": h, "source_id": s}`` for each pair, as canonical NDJSON lines (each
    ending in a newline), byte for byte what ``canonicalize`` writes for each object.

    The ids must be valid source ids and the hashes 64 lowercase hex digits (as ``prepare``
    leaves them): a hash is written as it is, and an id is never refused here."""
    return ("\n".join(_bare_lines(source_ids, hashes)) + "\n").encode() if source_ids else b""


def _bare_lines(source_ids: Sequence[str], hashes: Sequence[str]) -> list[str]:
    quoted = '","'.join(source_ids)
    if canonicalize(list(source_ids)) == f'["{quoted}"]'.encode():
        # The core wrote every id as itself in quotes (a longer array would mean an escape).
        return [f'{{"content_hash":"{h}","source_id":"{s}"}}' for s, h in zip(source_ids, hashes, strict=True)]
    return [canonicalize({"content_hash": h, "source_id": s}).decode() for s, h in zip(source_ids, hashes, strict=True)]


def plan_body(header: Mapping[str, Any], examples: Examples) -> Body:
    """The NDJSON plan request: ``header``, then every example without content."""

    def blocks() -> Iterator[bytes]:
        yield canonicalize(header) + b"\n"
        ids, hashes = examples.source_ids, examples.hashes
        for start in range(0, len(ids), LINES_PER_BLOCK):
            stop = start + LINES_PER_BLOCK
            yield bare_block(ids[start:stop], hashes[start:stop])

    return blocks


def upsert_body(
    header: Mapping[str, Any], examples: Examples, needed: set[str], advance: Callable[[int], object] | None = None
) -> Body:
    """The NDJSON upsert: ``header``, then every example, with its content if its source id is
    in ``needed``; ``advance(n)`` is called after each block of ``n`` examples (a progress bar)."""

    def blocks() -> Iterator[bytes]:
        yield canonicalize(header) + b"\n"
        ids = examples.source_ids
        everything = len(needed) >= len(ids)
        for start in range(0, len(ids), LINES_PER_BLOCK):
            stop = min(start + LINES_PER_BLOCK, len(ids))
            if everything:
                yield b"".join(examples.content_line(index) + b"\n" for index in range(start, stop))
            else:
                yield _mixed_block(examples, needed, start, stop)
            if advance is not None:
                advance(stop - start)

    return blocks


def _mixed_block(examples: Examples, needed: set[str], start: int, stop: int) -> bytes:
    """The lines of examples ``start`` to ``stop``: content lines for the needed ones, bare
    lines for the others."""
    ids = examples.source_ids[start:stop]
    lines = _bare_lines(ids, examples.hashes[start:stop])
    for offset, source_id in enumerate(ids):
        if source_id in needed:
            lines[offset] = examples.content_line(start + offset).decode()
    return ("\n".join(lines) + "\n").encode()
