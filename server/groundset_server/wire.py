"""Reading upsert and plan requests (JSON or NDJSON) into validated header and examples."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import groundset
import orjson

from groundset_server import jsontext
from groundset_server.engine.upsert import IncomingExample, Mode
from groundset_server.problems import Problem

MAX_SOURCE_ID = 512
_HASH = re.compile(r"[0-9a-f]{64}")
_PATH_INDEX = re.compile(r"^\$\[(\d+)\]")
NDJSON = "application/x-ndjson"


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


def parse_header(header: Any) -> Header:
    if not isinstance(header, dict):
        raise Problem(422, "invalid_request", "the request must be a JSON object")
    selector = header.get("dataset")
    if not isinstance(selector, dict):
        raise Problem(422, "invalid_selector", "`dataset` must be an object with `name` or `id`")
    name, id_ = selector.get("name"), selector.get("id")
    if (name is None) == (id_ is None):
        raise Problem(422, "invalid_selector", "`dataset` must have exactly one of `name` and `id`")
    if name is not None and (not isinstance(name, str) or not name or len(name) > MAX_SOURCE_ID):
        raise Problem(422, "invalid_selector", "`dataset.name` must be a non-empty string of at most 512")
    if id_ is not None and not isinstance(id_, str):
        raise Problem(422, "invalid_selector", "`dataset.id` must be a string")
    mode = header.get("mode", "merge")
    if mode not in ("merge", "mirror"):
        raise Problem(422, "invalid_mode", "`mode` must be `merge` or `mirror`")
    dry_run = header.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise Problem(422, "invalid_request", "`dry_run` must be a boolean", field="dry_run")
    return Header(
        selector=Selector(name, id_),
        mode=mode,
        dry_run=dry_run,
        expected_version_id=_optional_str(header, "expected_version_id"),
        has_expected_version="expected_version_id" in header,
        description=_optional_str(header, "description"),
        metadata=_optional_object(header, "metadata"),
        version_description=_optional_str(header, "version_description"),
        version_metadata=_optional_object(header, "version_metadata"),
    )


class _Errors:
    """Offending examples grouped by code; the first code found is the one answered."""

    def __init__(self) -> None:
        self.by_code: dict[str, tuple[str, list[str], int | None]] = {}

    def add(self, code: str, detail: str, source_id: Any, line: int | None) -> None:
        entry = self.by_code.setdefault(code, (detail, [], line))
        if len(entry[1]) < 10:
            entry[1].append(source_id if isinstance(source_id, str) else repr(source_id))

    def raise_first(self) -> None:
        for code, (detail, ids, line) in self.by_code.items():
            raise Problem(422, code, detail, source_ids=ids, line=line)


def parse_example(
    raw: Any, line: int | None, errors: _Errors, content_allowed: bool
) -> IncomingExample | None:
    if not isinstance(raw, dict):
        errors.add("invalid_example", "every example must be a JSON object", None, line)
        return None
    source_id = raw.get("source_id")
    if not isinstance(source_id, str) or not source_id or len(source_id) > MAX_SOURCE_ID:
        errors.add(
            "invalid_source_id",
            "a source_id must be a non-empty string of at most 512 characters",
            source_id,
            line,
        )
        return None
    content_hash = raw.get("content_hash")
    if not isinstance(content_hash, str) or _HASH.fullmatch(content_hash) is None:
        errors.add("invalid_content_hash", "a content_hash must be 64 lowercase hex digits", source_id, line)
        return None
    has_content = "input" in raw
    if not content_allowed:
        has_content = False
    elif not has_content and (raw.get("output") is not None or raw.get("metadata") is not None):
        errors.add("missing_input", "an example with output or metadata needs its input", source_id, line)
        return None
    if has_content:
        for key in ("input", "output", "metadata"):
            value = raw.get(key)
            if not isinstance(value, dict) and not (key != "input" and value is None):
                errors.add("not_an_object", f"an example's {key} must be a JSON object", source_id, line)
                return None
    return IncomingExample(
        source_id=source_id,
        content_hash=content_hash,
        input=raw.get("input"),
        output=raw.get("output"),
        metadata=raw.get("metadata"),
        has_content=has_content,
        line=line,
    )


def _fast(raw: Any, line: int | None, content_allowed: bool) -> IncomingExample | None:
    """The fast path for a plainly valid example; None sends it to :func:`parse_example`, which
    also names what is wrong."""
    if type(raw) is not dict:
        return None
    source_id = raw.get("source_id")
    content_hash = raw.get("content_hash")
    if not (
        type(source_id) is str
        and 0 < len(source_id) <= MAX_SOURCE_ID
        and type(content_hash) is str
        and _HASH.fullmatch(content_hash) is not None
    ):
        return None
    input_ = raw.get("input")
    if input_ is None or not content_allowed:
        if "input" in raw or "output" in raw or "metadata" in raw:
            return None
        return IncomingExample(source_id, content_hash, None, None, None, False, line)
    output = raw.get("output")
    metadata = raw.get("metadata")
    if (
        type(input_) is dict
        and (output is None or type(output) is dict)
        and (metadata is None or type(metadata) is dict)
    ):
        return IncomingExample(source_id, content_hash, input_, output, metadata, True, line)
    return None


_NEWLINE_TO_COMMA = bytes(44 if i == 10 else i for i in range(256))


def _read_ndjson(body: bytes) -> tuple[int, Any, list[tuple[int, Any]]]:
    """The header's line number and value, and ``(line number, value)`` of every other line.

    The usual body (no blank lines, no integer of 20 digits) is read by one parser call on the
    lines joined into an array, without splitting it; any other body, or one with an error, is
    read line by line, which names the line at fault."""
    end = len(body)
    while end and body[end - 1] in b" \t\r\n":
        end -= 1
    newline = body.find(b"\n", 0, end)
    if newline > 0 and body[:newline].strip() and not jsontext.has_long_digit_run(body):
        # One copy: newlines become commas, the header's newline "[", the end "]".
        joined = bytearray(body.translate(_NEWLINE_TO_COMMA))
        del joined[end:]
        joined[newline] = 0x5B
        joined.append(0x5D)
        try:
            header = orjson.loads(body[:newline])
            values = orjson.loads(memoryview(joined)[newline:])
        except orjson.JSONDecodeError:
            values = None
        del joined
        if values is not None and len(values) == body.count(b"\n", newline + 1, end) + 1:
            return 1, header, list(enumerate(values, start=2))
    lines = [(n, text) for n, text in enumerate(body.split(b"\n"), start=1) if text.strip()]
    if not lines:
        raise Problem(400, "invalid_ndjson", "the body is empty: the first line must be the header", line=1)
    first_line, first_text = lines[0]
    header = jsontext.loads(first_text, line=first_line)
    return first_line, header, [(number, jsontext.loads(text, line=number)) for number, text in lines[1:]]


def parse_body(
    body: bytes, content_type: str | None, content_allowed: bool
) -> tuple[Header, list[IncomingExample]]:
    """The header and the structurally valid examples of a request body."""
    errors = _Errors()
    examples: list[IncomingExample] = []
    if is_ndjson(content_type):
        header_line, header, numbered = _read_ndjson(body)
        if not isinstance(header, dict):
            raise Problem(400, "invalid_ndjson", "the first line must be the header object", line=header_line)
        if "examples" in header:
            raise Problem(
                400, "invalid_ndjson", "the NDJSON header must not hold `examples`", line=header_line
            )
        parsed = parse_header(header)
        for number, value in numbered:
            example = _fast(value, number, content_allowed) or parse_example(
                value, number, errors, content_allowed
            )
            if example is not None:
                examples.append(example)
    else:
        header = jsontext.loads(body)
        parsed = parse_header(header)
        raw_examples = header.get("examples", [])
        if not isinstance(raw_examples, list):
            raise Problem(422, "invalid_request", "`examples` must be an array", field="examples")
        for raw in raw_examples:
            example = _fast(raw, None, content_allowed) or parse_example(raw, None, errors, content_allowed)
            if example is not None:
                examples.append(example)
    errors.raise_first()
    seen: set[str] = set()
    duplicates: list[str] = []
    for example in examples:
        if example.source_id in seen:
            duplicates.append(example.source_id)
        seen.add(example.source_id)
    if duplicates:
        line = next(e.line for e in examples if e.source_id == duplicates[0])
        raise Problem(
            422,
            "duplicate_source_id",
            f"{len(duplicates)} source_id(s) appear more than once",
            source_ids=duplicates,
            line=line,
        )
    return parsed, examples


def hash_error(error: groundset.HashError, source_ids: list[str], lines: list[int | None]) -> Problem:
    path = str(getattr(error, "path", "") or "")
    match = _PATH_INDEX.match(path)
    index = int(match.group(1)) if match else None
    ids = [source_ids[index]] if index is not None and index < len(source_ids) else None
    line = lines[index] if index is not None and index < len(lines) else None
    inner = "$" + path[match.end() :] if match else path
    return Problem(422, str(error.code), str(error), source_ids=ids, path=inner or None, line=line)


def verify_hashes(examples: list[IncomingExample]) -> None:
    """Recompute every content-bearing example's hash with the native hasher (one batch call)."""
    with_content = [e for e in examples if e.has_content]
    if not with_content:
        return
    try:
        hashes = groundset.hash_examples(
            [{"input": e.input, "output": e.output, "metadata": e.metadata} for e in with_content]
        )
    except groundset.HashError as error:
        raise hash_error(error, [e.source_id for e in with_content], [e.line for e in with_content]) from None
    mismatched = [e for e, h in zip(with_content, hashes, strict=True) if e.content_hash != h]
    if mismatched:
        raise Problem(
            422,
            "hash_mismatch",
            f"{len(mismatched)} example(s) do not hash to their content_hash",
            source_ids=[e.source_id for e in mismatched],
            line=mismatched[0].line,
        )


def canonical_text(value: Any, field: str) -> str:
    try:
        return groundset.canonicalize(value).decode("utf-8")
    except groundset.HashError as error:
        raise Problem(422, str(error.code), f"`{field}`: {error}", field=field) from None
