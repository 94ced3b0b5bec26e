"""The NDJSON bodies of a large sync, produced lazily in bounded blocks.

A million examples make a plan body of about 80 MB and an upsert body of a gigabyte: neither is
ever held whole, and no second copy of the contents is made. Each block of
:data:`LINES_PER_BLOCK` examples is written when the HTTP client asks for it, and a body is a
function returning a fresh iterator of blocks (a retry sends it again).

Every block is written by the core in one call (``groundset_core.example_lines``), byte for byte
the core's ``canonicalize`` of each line: a line with content (``{"content_hash", "input",
"metadata", "output", "source_id"}``) from the example's Python values, walked once more (its
canonical JSON was hashed, not kept: keeping it would hold a second copy of every content), or
from a file's canonical texts; a line without (``{"content_hash", "source_id"}``, the plan's and
the upsert's lines for examples the server holds) from the source ids and hashes alone.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from typing import Any, Protocol

from groundset_core import canonicalize, example_lines

__all__ = ["LINES_PER_BLOCK", "Body", "Examples", "bare_block", "plan_body", "upsert_body"]

LINES_PER_BLOCK = 2_000
"""Examples per block handed to the HTTP client: about 2 MB of content lines, 160 KB bare."""

Body = Callable[[], Iterator[bytes]]
"""An NDJSON body: a function returning its blocks, anew for each attempt."""


class Examples(Protocol):
    """What the bodies read of the prepared examples (:class:`groundset._upsert.Prepared`)."""

    source_ids: list[str]
    hashes: list[str]

    def lines(self, rows: Sequence[int], needed: Container[str] | None = None) -> bytes:
        """The NDJSON lines of the examples at ``rows``, each ending in a newline: with content,
        unless ``needed`` is given and lacks the example's source id."""
        ...


def bare_block(source_ids: list[str], hashes: list[str]) -> bytes:
    """``{"content_hash": h, "source_id": s}`` for each pair, as canonical NDJSON lines (each
    ending in a newline), byte for byte what ``canonicalize`` writes for each object.

    Raises ``TypeError`` for an item that is not a ``str`` (``prepare`` leaves valid source ids
    and hashes of 64 lowercase hex digits)."""
    return example_lines(source_ids, hashes)


def plan_body(header: Mapping[str, Any], examples: Examples) -> Body:
    """The NDJSON plan request: ``header``, then every example without content."""

    def blocks() -> Iterator[bytes]:
        yield canonicalize(header) + b"\n"
        ids, hashes = examples.source_ids, examples.hashes
        for start in range(0, len(ids), LINES_PER_BLOCK):
            yield example_lines(ids, hashes, rows=range(start, min(start + LINES_PER_BLOCK, len(ids))))

    return blocks


def upsert_body(
    header: Mapping[str, Any], examples: Examples, needed: set[str], advance: Callable[[int], object] | None = None
) -> Body:
    """The NDJSON upsert: ``header``, then every example, with its content if its source id is
    in ``needed``; ``advance(n)`` is called after each block of ``n`` examples (a progress bar)."""

    def blocks() -> Iterator[bytes]:
        yield canonicalize(header) + b"\n"
        ids = examples.source_ids
        # Every content (a new dataset's upload): no lookup of each id.
        wanted = None if len(needed) >= len(ids) else needed
        for start in range(0, len(ids), LINES_PER_BLOCK):
            stop = min(start + LINES_PER_BLOCK, len(ids))
            yield examples.lines(range(start, stop), wanted)
            if advance is not None:
                advance(stop - start)

    return blocks
