"""The services' refusals, as exceptions that know nothing of HTTP.

A service raises one of :class:`Invalid`, :class:`NotFound` or :class:`Conflict` with a stable
``code``, a ``detail`` for people and the members that say what and where; the edge renders
it as an RFC 9457 problem (:func:`groundset_server.problems.domain_problem`: 422, 404, 409).
:class:`RecordRefusal` (:class:`DuplicateSourceIds`, :class:`MissingContent`) carries the
examples themselves, because where they are is said differently for a JSON body (a JSON path)
and for NDJSON (a line), which only the edge knows.
Raised inside a transaction, any of them rolls it back: nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from groundset_server.engine.upsert import IncomingExample


def counted(count: int, noun: str) -> str:
    """``1 example``, ``2 examples``: a count with its noun, in the plural unless it is 1."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


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


class RecordRefusal(Invalid):
    """Examples of one request refused for one reason, each with its ``position`` (line or
    index), in request order; ``member``: the member of each that is wrong (its JSON path)."""

    member = "source_id"

    def __init__(self, code: str, detail: str, examples: list[IncomingExample], **members: Any) -> None:
        super().__init__(code, detail, source_ids=[e.source_id for e in examples], **members)
        self.examples = examples

    def record_detail(self, example: IncomingExample) -> str:
        """What is wrong with ``example``, for its entry in the problem's ``errors``."""
        raise NotImplementedError

    def member_of(self, example: IncomingExample) -> str:
        """The member of ``example`` that is wrong (:attr:`member`, unless it varies)."""
        return self.member


class DuplicateSourceIds(RecordRefusal):
    """Examples whose source id came earlier in the request (``duplicate_source_id``)."""

    def __init__(self, examples: list[IncomingExample]) -> None:
        super().__init__(
            "duplicate_source_id",
            f"{counted(len(examples), 'source_id')} {'appears' if len(examples) == 1 else 'appear'} "
            "more than once",
            examples,
        )

    def record_detail(self, example: IncomingExample) -> str:
        return f"the source id {example.source_id!r} came earlier in the request"


class MissingContent(RecordRefusal):
    """New or changed examples sent without content (only a hash) where no plan can explain
    it: the dataset has no version yet, or it is at the version the request expected
    (``missing_content``)."""

    member = "input"

    def __init__(self, examples: list[IncomingExample], base: str | None) -> None:
        held = (
            "the dataset has no version yet to take their content from"
            if base is None
            else f"no revision of the dataset (at version {base}, the one the request expected) "
            "holds their content_hash"
        )
        super().__init__(
            "missing_content",
            f"{counted(len(examples), 'example')} came with a content_hash but no `input` (the first: "
            f"{examples[0].source_id!r}), and {held}: send their input",
            examples,
            base_version_id=base,
        )

    def record_detail(self, example: IncomingExample) -> str:
        return (
            f"the example {example.source_id!r} is new or changed and came without `input`: "
            "the server holds no content for it to keep"
        )


@dataclass(frozen=True)
class Violation:
    """One way an example fails the schema: ``position`` its line (NDJSON) or index (JSON body),
    ``None`` for a stored example; ``path`` in the example (``$.input.question``)."""

    position: int | None
    source_id: str
    path: str
    schema_path: str
    message: str


class SchemaViolations(Invalid):
    """Examples that fail the dataset's schema (422 ``schema_violation``): the first
    :data:`MAX_LISTED` violations, in example order, and how many there were."""

    def __init__(self, violations: list[Violation], total: int, what: str) -> None:
        first = violations[0]
        super().__init__(
            "schema_violation",
            f"{counted(total, 'violation')} of the dataset's JSON Schema in {what} (the first: "
            f"{first.source_id!r} at {first.path}: {first.message}); nothing was written",
        )
        self.violations = violations
        self.total = total

    def listing(self, json_body: bool | None) -> dict[str, Any]:
        """The problem's members: ``errors`` (schema ``RecordError`` with ``schema_path``; in a
        JSON body each ``path`` is within ``$.examples[i]``, with ``index``; in NDJSON within the
        line, with ``line``; a stored example's path is within the example), ``more_errors``,
        and the first one's ``path`` and ``line``."""
        listed = []
        for v in self.violations:
            entry: dict[str, Any] = {"code": "schema_violation", "path": v.path, "detail": v.message}
            if v.position is not None and json_body:
                entry["path"] = f"$.examples[{v.position}]{v.path[1:]}"
                entry["index"] = v.position
            elif v.position is not None:
                entry["line"] = v.position
            entry["source_id"] = v.source_id
            entry["schema_path"] = v.schema_path
            listed.append(entry)
        return {
            "path": listed[0]["path"],
            "line": listed[0].get("line"),
            "errors": listed,
            "more_errors": self.total - len(listed),
        }
