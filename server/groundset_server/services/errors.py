"""The services' refusals, as exceptions that know nothing of HTTP.

A service raises one of :class:`Invalid`, :class:`NotFound` or :class:`Conflict` with a stable
``code``, a ``detail`` for people and the members that say what and where; the edge renders
it as an RFC 9457 problem (:func:`groundset_server.problems.domain_problem`: 422, 404, 409).
:class:`DuplicateSourceIds` carries the examples themselves, because where they are is said
differently for a JSON body (a JSON path) and for NDJSON (a line), which only the edge knows.
Raised inside a transaction, any of them rolls it back: nothing is written.
"""

from __future__ import annotations

from typing import Any

from groundset_server.engine.upsert import IncomingExample


class DomainError(Exception):
    """A refusal: stable ``code``, ``detail``, and ``members`` (JSON values) that locate it."""

    def __init__(self, code: str, detail: str, **members: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.members = members


class Invalid(DomainError):
    """The request names or holds something the rules refuse (HTTP 422)."""


class NotFound(DomainError):
    """The request names a dataset, version or experiment that does not exist (HTTP 404)."""


class Conflict(DomainError):
    """The request disagrees with the stored state, which it leaves as it was (HTTP 409)."""


class DuplicateSourceIds(Invalid):
    """Examples of one request whose source id came earlier in it (``duplicate_source_id``);
    ``examples`` in request order, each with its ``position`` (line or index)."""

    def __init__(self, examples: list[IncomingExample]) -> None:
        super().__init__(
            "duplicate_source_id",
            f"{len(examples)} source_id(s) appear more than once",
            source_ids=[e.source_id for e in examples],
        )
        self.examples = examples
