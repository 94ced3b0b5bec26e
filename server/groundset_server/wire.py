"""Reading upsert and plan requests (JSON or NDJSON) into a validated header and examples.

The examples are decoded by the native core (``groundset_core``, its public API) straight from the request
text: shape checked, content canonicalized, hash recomputed and compared, duplicate member
names refused, on all cores without the GIL; the server gets canonical text to store, as UTF-8
``bytes`` (what the databases store), and never builds the content as Python values."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import groundset_core
import orjson

from groundset_server.engine.upsert import MirrorGuard, Mode, RawExample, Step, Sync
from groundset_server.problems import MAX_LISTED, MAX_REPORTED_ERRORS, Problem
from groundset_server.schemas import PlanRequest, UpsertRequest
from groundset_server.validation import check_model, shape_refusal, short_path

MAX_SOURCE_ID = 512
NDJSON = "application/x-ndjson"
BOM = b"\xef\xbb\xbf"
"""A UTF-8 byte-order mark, skipped at the start of a body as every reader of the project does."""
_INDEX = re.compile(r"\$\.examples\[(\d+)\]")


@dataclass(slots=True)
class Selector:
    name: str | None
    id: str | None


@dataclass(slots=True)
class Header:
    selector: Selector
    mode: Mode
    dry_run: bool
    expected_version_id: str | None
    has_expected_version: bool
    description: str | None
    metadata: Any
    version_description: str | None
    version_metadata: Any
    guard: MirrorGuard
    raw: dict[str, Any]
    tag: str | None = None
    """An upsert's version tag (``UpsertRequest.tag``); never a plan's."""
    move_tag: bool = False
    manifest_digest: str | None = None
    """An upsert's ``manifest_digest``, sent instead of its examples; never a plan's."""
    plan_id: str | None = None
    """An upsert's ``plan_id``: its body carries only the plan's needed examples; never a plan's."""


def is_ndjson(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in (NDJSON, "application/jsonl")


def _optional_str(header: dict[str, Any], key: str) -> str | None:
    value = header.get(key)
    if value is not None and not isinstance(value, str):
        raise Problem(422, "invalid_request", f"`{key}` must be a string", field=key)
    return value


def _optional_object(header: dict[str, Any], key: str) -> Any:
    value = header.get(key)
    if value is not None and not isinstance(value, dict):
        raise Problem(422, "not_an_object", f"`{key}` must be a JSON object", field=key)
    return value


def _flag(header: dict[str, Any], key: str) -> bool:
    value = header.get(key, False)
    if not isinstance(value, bool):
        raise Problem(422, "invalid_request", f"`{key}` must be a boolean", field=key)
    return value


def _guard(header: dict[str, Any]) -> MirrorGuard:
    allow_empty = _flag(header, "allow_empty")
    max_deletes = header.get("max_deletes")
    if max_deletes is not None and (type(max_deletes) is not int or max_deletes < 0):
        raise Problem(
            422, "invalid_request", "`max_deletes` must be an integer >= 0 or null", field="max_deletes"
        )
    return MirrorGuard(allow_empty, max_deletes)


def parse_header(header: Any, with_content: bool) -> Header:
    """The header of an upsert (``with_content``) or plan request: the body without its examples.

    The request model is the authority (unknown members: ``unknown_field``; names with U+0000:
    ``invalid_text``); the checks below give its other refusals their own codes."""
    if not isinstance(header, dict):
        raise Problem(422, "invalid_request", "the request must be a JSON object")
    # The examples are read apart from the header, by the core.
    refused = check_model(UpsertRequest if with_content else PlanRequest, {**header, "examples": []})
    if refused is not None and refused.code != "invalid_request":
        raise refused
    selector = header.get("dataset")
    if not isinstance(selector, dict):
        raise Problem(422, "invalid_selector", "`dataset` must be an object with `name` or `id`")
    name, id_ = selector.get("name"), selector.get("id")
    if (name is None) == (id_ is None):
        raise Problem(422, "invalid_selector", "`dataset` must have exactly one of `name` and `id`")
    if name is not None and (not isinstance(name, str) or not name or len(name) > MAX_SOURCE_ID):
        raise Problem(
            422,
            "invalid_selector",
            f"`dataset.name` must be a non-empty string of at most {MAX_SOURCE_ID} characters",
        )
    if name is not None and name.isspace():
        # A name of blanks alone is invisible in every listing and cannot be told apart from
        # another of a different count of them; a dataset made so before stays reachable by id.
        raise Problem(422, "invalid_selector", f"`dataset.name` must not be only whitespace, not {name!r}")
    shape = None if name is None else shape_refusal(name, "`dataset.name`")
    if shape is not None:
        raise Problem(422, "invalid_selector", f"{shape}: {name!r}")
    if id_ is not None and not isinstance(id_, str):
        raise Problem(422, "invalid_selector", "`dataset.id` must be a string")
    mode = header.get("mode", "merge")
    if mode not in ("merge", "mirror"):
        raise Problem(422, "invalid_mode", "`mode` must be `merge` or `mirror`")
    dry_run = _flag(header, "dry_run")
    parsed = Header(
        selector=Selector(name, id_),
        mode=mode,
        dry_run=dry_run,
        expected_version_id=_optional_str(header, "expected_version_id"),
        has_expected_version="expected_version_id" in header,
        description=_optional_str(header, "description"),
        metadata=_optional_object(header, "metadata"),
        version_description=_optional_str(header, "version_description"),
        version_metadata=_optional_object(header, "version_metadata"),
        guard=_guard(header),
        raw=header,
        tag=_optional_str(header, "tag") if with_content else None,
        move_tag=_flag(header, "move_tag"),
        manifest_digest=_optional_str(header, "manifest_digest") if with_content else None,
        plan_id=_optional_str(header, "plan_id") if with_content else None,
    )
    if parsed.plan_id is not None and parsed.manifest_digest is not None:
        raise Problem(
            422,
            "invalid_request",
            "`plan_id` and `manifest_digest` do not go together: the digest stands for the whole "
            "manifest, the plan for the part its body leaves out",
            field="plan_id",
        )
    if refused is not None:
        raise refused
    return parsed


@dataclass(slots=True)
class RecordFailures:
    """The refused examples of one request, gathered across its blocks: the first
    :data:`MAX_REPORTED_ERRORS` (100) listed, the rest counted, so a body of any size is refused
    with every bad record it holds (up to that bound) in one answer."""

    first: groundset_core.HashError | None = None
    listed: list[dict[str, Any]] = field(default_factory=list)
    more: int = 0
    source_ids: list[str] = field(default_factory=list)

    def add(self, failures: list[groundset_core.RecordFailure]) -> None:
        for _, source_id, error in failures:
            if self.first is None:
                self.first = error
            if source_id and len(self.source_ids) < MAX_LISTED:
                self.source_ids.append(source_id)
            if len(self.listed) < MAX_REPORTED_ERRORS:
                self.listed.append(_record_error(source_id, error))
            else:
                self.more += 1

    def problem(self) -> Problem | None:
        """The refusal of the whole request, or None when no example was refused: the first
        failure's code (so a client that reads ``code`` sees what it always saw), ``line``,
        ``column`` and ``path``; ``errors`` (schema ``RecordError``), ``more_errors``, and
        ``source_ids``: the first ten of the refused examples'."""
        first = self.first
        if first is None:
            return None
        count = len(self.listed) + self.more
        return _hash_problem(
            first,
            f"{count} example{'' if count == 1 else 's'} refused; the first: {first}",
            source_ids=self.source_ids,
            errors=self.listed,
            more_errors=self.more,
        )


def _record_error(source_id: str | None, error: groundset_core.HashError) -> dict[str, Any]:
    """One refused example: ``code``, ``path`` (in the JSON body, or in the NDJSON line),
    ``detail``, ``line`` (NDJSON) or ``index`` (in the JSON body's ``examples``), and
    ``source_id`` as the record spells it, when it is a string."""
    item: dict[str, Any] = {"code": error.code, "path": error.path, "detail": error.reason}
    if error.line is not None:
        item["line"] = error.line
    index = _INDEX.match(error.path)
    if index is not None:
        item["index"] = int(index.group(1))
    if source_id:
        item["source_id"] = source_id
    return item


def _hash_problem(
    error: groundset_core.HashError, detail: str, source_ids: list[str] | None = None, **members: Any
) -> Problem:
    return Problem(
        400 if error.code == "invalid_json" else 422,
        error.code,
        detail.replace(error.path, short_path(error.path), 1),
        source_ids=source_ids or None,
        line=error.line,
        column=error.column,
        path=error.path,
        **members,
    )


def decode_json_body(body: bytes, with_content: bool) -> tuple[Header, list[RawExample]]:
    """The header and examples of a JSON request body (read whole: the NDJSON path streams)."""
    if body.startswith(BOM):
        body = body[len(BOM) :]
    try:
        header_text, decoded = groundset_core.decode_request_json(
            body, with_content=with_content, max_source_id_chars=MAX_SOURCE_ID, content_bytes=True
        )
    except groundset_core.HashError as error:
        raise _hash_problem(error, str(error)) from None
    header = parse_header(orjson.loads(header_text), with_content)
    if header.manifest_digest is not None:
        if "examples" in header.raw or decoded is not None:
            raise digest_with_examples()
        return header, []
    if decoded is None:
        if "examples" in header.raw:
            raise Problem(422, "invalid_request", "`examples` must be an array", field="examples")
        # Taken as empty, a mirror without `examples` (misspelt, say) would delete every example.
        raise Problem(
            422,
            "missing_examples",
            "the body has no `examples` member (send `[]` for none)",
            path="$.examples",
        )
    records, failed = decoded
    failures = RecordFailures()
    failures.add(failed)
    refused = failures.problem()
    if refused is not None:
        raise refused
    return header, records


def digest_with_examples() -> Problem:
    """The refusal of an upsert that sends both ``manifest_digest`` and examples."""
    return Problem(
        422,
        "invalid_request",
        "`manifest_digest` is sent instead of the examples, not with them: send the digest alone "
        "(a no-op is answered at once, else 409 `digest_differs`), or the examples without it",
        field="manifest_digest",
    )


class NdjsonRequest:
    """An NDJSON request read from blocks of bytes as they arrive: the header line, then the
    examples in batches of whole lines (one batch per block), so memory is bounded by the
    block size whatever the body's."""

    def __init__(self, blocks: Iterable[bytes], with_content: bool) -> None:
        self.blocks = iter(blocks)
        self.with_content = with_content
        self.pending = bytearray()
        self.next_line = 1
        """The number of the first line in ``pending``."""
        self.ended = False

    def _more(self) -> bool:
        block = next(self.blocks, None)
        if block is None:
            self.ended = True
            return False
        self.pending += block
        return True

    def header(self) -> Header:
        while True:
            newline = self.pending.find(b"\n")
            if newline < 0 and self._more():
                continue
            end = len(self.pending) if newline < 0 else newline + 1
            line, number = bytes(self.pending[:end]), self.next_line
            del self.pending[:end]
            if number == 1 and line.startswith(BOM):
                line = line[len(BOM) :]
            self.next_line += 1
            if line.strip():
                break
            if newline < 0:
                raise Problem(
                    400, "invalid_ndjson", "the body is empty: the first line must be the header", line=1
                )
        try:
            value = orjson.loads(groundset_core.canonicalize_ndjson_line(line, number))
        except groundset_core.HashError as error:
            raise _hash_problem(error, str(error)) from None
        if not isinstance(value, dict):
            raise Problem(400, "invalid_ndjson", "the first line must be the header object", line=number)
        if "examples" in value:
            raise Problem(400, "invalid_ndjson", "the NDJSON header must not hold `examples`", line=number)
        try:
            return parse_header(value, self.with_content)
        except Problem as problem:
            problem.extra.setdefault("line", number)
            raise

    def _blocks(self) -> Iterator[tuple[bytes, int]]:
        """The body after the header in blocks of whole lines, each with its first line's number.

        A block read is cut after its last line feed: the part before it, joined to the line
        begun in the blocks before, is given without another copy (a million-example body is
        ~1 GB), the rest begins the next."""
        # The line begun: a bytearray, so a line longer than many blocks grows in place.
        begun, self.pending = self.pending, bytearray()
        while begun or not self.ended:
            block = None if self.ended else next(self.blocks, None)
            if block is None:
                self.ended = True
                complete, begun = bytes(begun), bytearray()
            else:
                last_newline = block.rfind(b"\n")
                if last_newline < 0:
                    begun += block
                    continue
                end = last_newline + 1
                if begun:
                    complete = b"".join((begun, memoryview(block)[:end]))
                else:
                    complete = block if end == len(block) else block[:end]
                begun = bytearray(memoryview(block)[end:])
            if not complete:
                continue
            first_line = self.next_line
            self.next_line += groundset_core.count_newlines(complete)
            yield complete, first_line

    def batches(self) -> Iterator[list[RawExample]]:
        """The examples of the lines after the header, one batch per block read.

        Once a record is refused no batch is given any more (nothing more is written), but the
        rest of the body is still decoded, to list every refused record; the refusal
        (:meth:`RecordFailures.problem`) is raised after the last block, before the consumer
        can commit."""
        failures = RecordFailures()
        for complete, first_line in self._blocks():
            records, failed = groundset_core.decode_ndjson_records(
                complete,
                first_line=first_line,
                with_content=self.with_content,
                max_source_id_chars=MAX_SOURCE_ID,
                content_bytes=True,
            )
            failures.add(failed)
            if failures.first is None:
                yield records
        refused = failures.problem()
        if refused is not None:
            raise refused

    def classify(self, sync: Sync, on_duplicates: Callable[[Step], None]) -> None:
        """A plan's lines after the header classified by ``sync`` a block at a time
        (:meth:`Sync.add_lines`: decoded and classified by the core, no Python value per
        unchanged line). ``on_duplicates`` gets the step of a block that holds a repeated source
        id (it raises the refusal). As :meth:`batches`, once a line is refused nothing more is
        classified but every refused line of the body is listed, in the refusal raised after
        the last block."""
        failures = RecordFailures()
        for complete, first_line in self._blocks():
            if failures.first is None:
                failed, step = sync.add_lines(complete, first_line, MAX_SOURCE_ID)
                if step is not None:
                    on_duplicates(step)
            else:
                _, failed = groundset_core.decode_ndjson_records(
                    complete, first_line=first_line, with_content=False, max_source_id_chars=MAX_SOURCE_ID
                )
            failures.add(failed)
        refused = failures.problem()
        if refused is not None:
            raise refused
