"""``upsert_dataset``: records to examples, identities, one batch of hashes, and the protocol.

A small sync sends everything in one JSON request. A large one first sends the digest of its whole
manifest alone (``manifest_digest``): when the dataset's latest version has that digest the server
answers the no-op in that one request. Otherwise (409 ``digest_differs``) it sends the manifest
(``[source_id, content_hash]`` pairs) to ``/v1/datasets/upsert/plan`` (unless the dataset does not
exist yet: then every content at once), then one NDJSON upsert naming the plan's ``plan_id`` and
carrying only the examples the server asked for, with their content: the server holds the rest of
the manifest. From ``STREAM_THRESHOLD`` records a lookup by name comes first, and a new dataset's
upload goes on while its records are hashed (:func:`upload_new`). Without a ``plan_id`` (the
server kept none), or when the server no longer holds the plan (409 ``plan_expired``: expired,
evicted, or planned on another server process), the upsert sends the whole manifest once, with
content-less entries for the others. Either is unguarded: the server takes the content it already
holds by hash from any revision of the dataset, and names what it lacks (``stale_manifest``),
which is sent again with its content in the whole manifest.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from itertools import compress
from typing import TYPE_CHECKING, Any, overload

from groundset_core import (
    MAX_REPORTED_ERRORS,
    canonicalize,
    example_lines,
    manifest_digest,
    prepare_examples,
    source_id,
)

# STREAM_THRESHOLD and STREAM_CHUNK: see contract/sdk.json (the TypeScript SDK's are the same).
from groundset._constants import PLAN_EXPIRED, PLAN_THRESHOLD, PROGRESS_THRESHOLD, STREAM_CHUNK, STREAM_THRESHOLD
from groundset._format import shown as shown_text
from groundset._http import NDJSON, Call, Op, json_call
from groundset._read import FileFormat, Record, check_parts, read_checked
from groundset._schemas import SCHEMA_VIOLATION, DatasetSchema, check_examples, validator_of, violations_from_problem
from groundset._stream import LINES_PER_BLOCK, Body, plan_body, upsert_body
from groundset.errors import ConflictError, ExampleError, HashError, RecordIssue, ValidationError
from groundset.types import UpsertResult

if TYPE_CHECKING:
    import pandas

__all__ = [
    "GUARD_CODES",
    "PLAN_THRESHOLD",
    "STREAM_CHUNK",
    "STREAM_THRESHOLD",
    "Prepared",
    "UpsertArgs",
    "guard_message",
    "upload_new",
    "upsert",
]


@dataclass(slots=True, kw_only=True)
class UpsertArgs:
    """The keyword arguments of ``upsert_dataset``, checked."""

    name: str | None
    dataset_id: str | None
    examples: Iterable[Mapping[str, Any]] | None
    dataframe: pandas.DataFrame | None
    path: str | os.PathLike[str] | None
    format: FileFormat | None
    threads: int | None
    source_id_key: str | None
    source_id: Callable[[Mapping[str, Any]], str | int] | None
    input_keys: Iterable[str] | None
    output_keys: Iterable[str] | None
    metadata_keys: Iterable[str] | None
    mode: str
    description: str | None
    metadata: Mapping[str, Any] | None
    version_description: str | None
    version_metadata: Mapping[str, Any] | None
    dry_run: bool
    expected_version_id: str | None
    allow_empty: bool
    max_deletes: int | None
    progress: bool | None
    tag: str | None = None
    move_tag: bool = False
    validate: bool = True
    _listed: Sequence[Mapping[str, Any]] | None = dataclasses.field(default=None, repr=False)

    @classmethod
    def from_call(cls, arguments: Mapping[str, Any]) -> UpsertArgs:
        """The arguments from the ``locals()`` of the method (``self`` left out), checked."""
        args = cls(**{field.name: arguments[field.name] for field in fields(cls) if field.name in arguments})
        args.check()
        return args

    def check(self) -> None:
        """Raises ``ValueError`` or ``TypeError`` for arguments that cannot go together."""
        from groundset._ops import check_selector, check_tag

        check_selector(self.name, self.dataset_id)
        given = [name for name in ("examples", "dataframe", "path") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of examples=, dataframe= and path= (given: {', '.join(given) or 'none'})"
            )
        for label in ("format", "threads"):
            if getattr(self, label) is not None and self.path is None:
                raise ValueError(f"{label}= goes with path=")
        if self.threads is not None and (type(self.threads) is not int or self.threads < 0):
            raise ValueError(f"threads= must be None or an int of 0 or more, not {self.threads!r}")
        if self.source_id_key is not None and not isinstance(self.source_id_key, str):
            if callable(self.source_id_key):
                raise TypeError(
                    "source_id_key= takes the name of the member holding the id (a str); "
                    "for a function of the record, pass source_id= instead"
                )
            raise TypeError(f"source_id_key= must be a str, not {_describe(self.source_id_key)}")
        if self.source_id_key is not None and self.source_id is not None:
            raise ValueError("give at most one of source_id_key= and source_id=")
        if self.source_id is not None and self.path is not None:
            raise ValueError("path= takes source_id_key=, not source_id= (the file is read by the core)")
        if self.source_id is not None and not callable(self.source_id):
            raise TypeError("source_id= must be a function from a record to its source id (a str)")
        if self.mode not in ("merge", "mirror"):
            raise ValueError(f"mode= must be 'merge' or 'mirror', not {self.mode!r}")
        if type(self.allow_empty) is not bool:
            raise TypeError(f"allow_empty= must be True or False, not {_describe(self.allow_empty)}")
        if self.max_deletes is not None and type(self.max_deletes) is not int:
            raise TypeError(f"max_deletes= must be an int or None, not {_describe(self.max_deletes)}")
        if self.max_deletes is not None and self.max_deletes < 0:
            raise ValueError(f"max_deletes= must be 0 or more, not {self.max_deletes}")
        if self.mode == "merge" and (self.allow_empty or self.max_deletes is not None):
            option = "allow_empty=True" if self.allow_empty else f"max_deletes={self.max_deletes}"
            raise ValueError(f"{option} applies to mode='mirror' only (a merge never deletes examples)")
        if self.tag is not None:
            check_tag(self.tag)
        if type(self.move_tag) is not bool:
            raise TypeError(f"move_tag= must be True or False, not {_describe(self.move_tag)}")
        if type(self.validate) is not bool:
            raise TypeError(f"validate= must be True or False, not {_describe(self.validate)}")
        if self.move_tag and self.tag is None:
            raise ValueError("move_tag=True goes with tag=")
        for label in ("input_keys", "output_keys", "metadata_keys"):
            keys = getattr(self, label)
            if isinstance(keys, str):
                raise TypeError(f"{label}= must be a list of keys, not the string {keys!r}")
            if keys is not None:
                setattr(self, label, list(keys))
        check_parts({f"{label}=": getattr(self, label) for label in ("input_keys", "output_keys", "metadata_keys")})

    def records(self) -> Iterable[Mapping[str, Any]]:
        """The records given: ``examples``, or the rows of ``dataframe`` with plain Python values."""
        if self.dataframe is not None:
            return dataframe_records(self.dataframe)
        assert self.examples is not None
        if isinstance(self.examples, Mapping):
            raise TypeError("examples= must be an iterable of mappings, not one mapping")
        if isinstance(self.examples, (str, bytes, os.PathLike)):
            # A string iterates as its characters: a file's path would be one bad record each.
            given = shown_text(os.fsdecode(self.examples))
            raise TypeError(f"examples= takes records, not the path {given}: to read a file, pass path={given}")
        if _is_dataframe(self.examples):
            # Iterating a DataFrame gives its column names: every "record" would be a string.
            raise TypeError("examples= got a pandas DataFrame; pass it as dataframe= (its rows are the records)")
        return self.examples

    def prepare(self) -> Prepared:
        """Selects, identifies and hashes every example (the CPU work, before any request): one
        pass of the core (``prepare_examples``) over the records, which also checks that source
        ids by ``source_id_key`` are unique and computes the manifest digest; a ``source_id=``
        function is called here, per record.

        Raises one :class:`ExampleError` listing every bad record (up to 100, then a count)."""
        if self.path is not None:
            return self.prepare_file(self.path)
        records = self.sequence()
        show = self.shows_progress(len(records))
        flat = self.is_flat()
        bar = _bar(len(records), "hash", show)
        try:
            hashes, keyed_ids, found, hash_found, more, duplicates, digest = prepare_examples(
                records,
                flat=flat,
                input_keys=None if self.input_keys is None else list(self.input_keys),
                output_keys=None if self.output_keys is None else list(self.output_keys),
                metadata_keys=None if self.metadata_keys is None else list(self.metadata_keys),
                source_id_key=self.source_id_key,
                any_members=self.source_id is not None,
                max_errors=MAX_REPORTED_ERRORS,
                progress=None if bar is None else bar.update,
                progress_step=max(10_000, len(records) // 20),
            )
        finally:
            if bar is not None:
                bar.close()
        # Within a row, issues keep the order the SDK has always listed them in: the record's
        # own, its source id's, its content's, then a repeated source id.
        issues = [_issue(*issue) for issue in found]
        hash_issues = [_issue(*issue) for issue in hash_found]
        contents: Sequence[Mapping[str, Any]] = _FlatContents(self, records) if flat else records
        if self.source_id is not None:
            ids = self.identities(records, issues)
            issues.extend(
                issue if ids[issue.row] == "" else dataclasses.replace(issue, source_id=ids[issue.row])
                for issue in hash_issues
            )
            _check_unique(ids, issues, "$")
        elif keyed_ids is None:
            issues.extend(hash_issues)
            contents, ids, hashes = _unique(contents, hashes, hashes)
        else:
            ids = keyed_ids
            issues.extend(hash_issues)
            issues.extend(_issue(*issue) for issue in duplicates)
        if issues:
            issues.sort(key=lambda issue: issue.row)
            kept = issues[:MAX_REPORTED_ERRORS]
            raise ExampleError.from_issues(kept, len(issues) - len(kept) + more)
        return Prepared(
            args=self, source_ids=ids, hashes=hashes, contents=contents, progress=show, manifest_digest=digest
        )

    def sequence(self) -> Sequence[Mapping[str, Any]]:
        """:meth:`records` as a sequence, made once (a DataFrame's rows are converted once)."""
        if self._listed is None:
            records = self.records()
            self._listed = records if isinstance(records, Sequence) else list(records)
        return self._listed

    def shows_progress(self, count: int) -> bool:
        """Whether progress bars show for ``count`` examples: when asked, else on a terminal
        from :data:`PROGRESS_THRESHOLD` examples."""
        show = self.progress if self.progress is not None else _stderr_is_terminal()
        return bool(show) and (self.progress is True or count >= PROGRESS_THRESHOLD)

    def streams(self) -> bool:
        """Whether a new dataset's upload may start while its examples are hashed: Python
        records (not a file, whose core reader hashes on its own threads) with ids by
        ``source_id_key``, selected by name, without ``expected_version_id``, and at least
        :data:`STREAM_THRESHOLD` of them."""
        return (
            self.path is None
            and self.name is not None
            and self.source_id_key is not None
            and self.source_id is None
            and self.expected_version_id is None
            and len(self.sequence()) >= STREAM_THRESHOLD
        )

    def prepare_file(self, path: str | os.PathLike[str]) -> Prepared:
        """The examples of a file, read and hashed by the core: their content stays canonical
        JSON text, never Python values."""
        records = read_checked(
            path,
            format=self.format,
            source_id_key=self.source_id_key,
            input_keys=self.input_keys,
            output_keys=self.output_keys,
            metadata_keys=self.metadata_keys,
            threads=self.threads,
            with_content=True,
        )
        show = bool(self.progress if self.progress is not None else _stderr_is_terminal())
        show = show and (self.progress is True or len(records) >= PROGRESS_THRESHOLD)
        return Prepared(
            args=self,
            source_ids=[record[2] for record in records],
            hashes=[record[3] for record in records],
            contents=(),
            texts=records,
            progress=show,
        )

    def flat_content(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The example of a flat record, ``{"input", "output", "metadata"}``, its members picked
        by the key lists (the input: every member not named elsewhere, when not given)."""
        output_keys = self.output_keys or ()
        metadata_keys = self.metadata_keys or ()
        input_keys = self.input_keys
        if input_keys is None:
            taken = {*output_keys, *metadata_keys, self.source_id_key}
            input_keys = [key for key in record if key not in taken]
        return {
            "input": {key: record[key] for key in input_keys},
            "output": {key: record[key] for key in output_keys},
            "metadata": {key: record[key] for key in metadata_keys},
        }

    def is_flat(self) -> bool:
        """Whether the records are flat (a key list is given, or a DataFrame whose columns are not
        the structured ones) rather than structured."""
        if self.input_keys is not None or self.output_keys is not None or self.metadata_keys is not None:
            return True
        return self.dataframe is not None and not _structured_columns(self.dataframe, self.source_id_key)

    def identities(self, records: Sequence[Mapping[str, Any]], issues: list[RecordIssue]) -> list[str]:
        """The source id of every record by the ``source_id=`` function, checked by the core's
        rule (``""`` for a record without a valid one, and an issue)."""
        function = self.source_id
        assert function is not None
        return [_source_id_from(row, function, record, issues) for row, record in enumerate(records)]

    def header(self) -> dict[str, Any]:
        """The upsert request without its examples."""
        header: dict[str, Any] = {"dataset": self.selector(), "mode": self.mode, "dry_run": self.dry_run}
        optional = {
            "description": self.description,
            "metadata": self.metadata,
            "version_description": self.version_description,
            "version_metadata": self.version_metadata,
            "expected_version_id": self.expected_version_id,
            "tag": self.tag,
        }
        header.update((key, value) for key, value in optional.items() if value is not None)
        if self.move_tag:
            header["move_tag"] = True
        header.update(self.guard())
        return header

    def guard(self) -> dict[str, Any]:
        """The mirror guard's members of an upsert or plan request, when not their defaults."""
        guard: dict[str, Any] = {}
        if self.allow_empty:
            guard["allow_empty"] = True
        if self.max_deletes is not None:
            guard["max_deletes"] = self.max_deletes
        return guard

    def selector(self) -> dict[str, str]:
        """The ``dataset`` member of a request."""
        return {"name": self.name} if self.name is not None else {"id": str(self.dataset_id)}


@dataclass(slots=True, kw_only=True)
class Prepared:
    """The examples ready to send: parallel lists of source ids, hashes and contents."""

    args: UpsertArgs
    source_ids: list[str]
    hashes: list[str]
    contents: Sequence[Mapping[str, Any]]
    progress: bool
    texts: Sequence[Record] | None = None
    """The core's records of a file (``path=``): their content as canonical JSON texts."""
    manifest_digest: str | None = None
    """The digest of the manifest when the core computed it already (``prepare_examples``)."""

    def entry(self, index: int, with_content: bool) -> dict[str, Any]:
        """The wire form of one example given as Python values, with or without its content."""
        entry: dict[str, Any] = {"source_id": self.source_ids[index], "content_hash": self.hashes[index]}
        if with_content:
            content = self.contents[index]
            entry["input"] = content["input"]
            entry["output"] = content.get("output")
            entry["metadata"] = content.get("metadata")
        return entry

    def lines(self, rows: Sequence[int], needed: Container[str] | None = None) -> bytes:
        """The NDJSON lines (each ending in a newline) of the examples at ``rows``, in order, as
        the upsert sends them: with content, unless ``needed`` is given and lacks the source id.
        Written by the core in one call (``example_lines``), byte for byte ``canonicalize`` of
        :meth:`entry` (a file's records: their canonical texts, as they are)."""
        args, records, flat = self.args, self.texts if self.texts is not None else self.contents, False
        if isinstance(records, _FlatContents):
            # The records themselves and the key lists: the core selects the members (no dict
            # of each example is made).
            records, flat = records.records, True
        return example_lines(
            self.source_ids,
            self.hashes,
            records,
            rows=rows,
            needed=needed,
            texts=self.texts is not None,
            flat=flat,
            input_keys=None if args.input_keys is None else list(args.input_keys),
            output_keys=None if args.output_keys is None else list(args.output_keys),
            metadata_keys=None if args.metadata_keys is None else list(args.metadata_keys),
            source_id_key=args.source_id_key,
        )

    def digest(self) -> str:
        """The digest of the whole manifest (``manifest_digest`` of every ``(source_id,
        content_hash)``: SHA-256 of their RFC 8785 JSON sorted by source id), the digest of the
        version that holds exactly these examples, as ``groundset hash --digest`` prints it."""
        if self.manifest_digest is not None:
            return self.manifest_digest
        # Streamed to the core pair by pair: no list of a million tuples first.
        return manifest_digest(zip(self.source_ids, self.hashes, strict=True))

    def plan_body(self) -> Body:
        """The NDJSON plan request, streamed: the header, then every ``{source_id, content_hash}``."""
        # The plan carries the mirror guard so that a refusal comes before any content is sent.
        header = {"dataset": self.args.selector(), "mode": self.args.mode, **self.args.guard()}
        return plan_body(header, self)

    def needed_ndjson(self, header: Mapping[str, Any], needed: set[str]) -> Body:
        """The NDJSON upsert by ``plan_id``, streamed: the header, then only the examples in
        ``needed``, each with its content; a fresh generator on each call."""
        ids = self.source_ids
        rows = list(compress(range(len(ids)), map(needed.__contains__, ids)))

        def chunks() -> Iterator[bytes]:
            bar = _bar(len(rows), "upload", self.progress)
            yield canonicalize(header) + b"\n"
            for start in range(0, len(rows), LINES_PER_BLOCK):
                block = rows[start : start + LINES_PER_BLOCK]
                yield self.lines(block)
                if bar is not None:
                    bar.update(len(block))
            if bar is not None:
                bar.close()

        return chunks

    def ndjson(self, header: Mapping[str, Any], needed: set[str]) -> Body:
        """The NDJSON upsert, streamed: the header, then every example, with content only if the
        server needs it; a fresh generator on each call (a retry sends it again)."""

        def chunks() -> Iterator[bytes]:
            bar = _bar(len(self.source_ids), "upload", self.progress)
            yield from upsert_body(header, self, needed, None if bar is None else bar.update)()
            if bar is not None:
                bar.close()

        return chunks


def upsert(prepared: Prepared) -> Op[UpsertResult]:
    """The upsert operation: one request for a small sync, plan then NDJSON for a large one.
    The mirror guard's refusals say what to pass in Python (``allow_empty=True``). Examples
    that violate the dataset's JSON Schema raise :class:`ExampleError` ``schema_violation``:
    found by the server in a one-request sync (nothing written), or here, with ``validate``,
    against the schema the plan of a large sync carries, before anything is uploaded."""
    return (yield from _mapped(_upsert(prepared), prepared.texts, prepared.args.path))


def _mapped(
    op: Op[UpsertResult], texts: Sequence[Record] | None, path: str | os.PathLike[str] | None
) -> Op[UpsertResult]:
    """``op`` with the server's schema violations and mirror guard refusals raised in Python's words."""
    try:
        return (yield from op)
    except ValidationError as error:
        if error.code != SCHEMA_VIOLATION:
            raise
        raise violations_from_problem(error.problem, texts, path) from None
    except ConflictError as error:
        if error.code not in GUARD_CODES:
            raise
        message = guard_message(error.problem, error.code, "allow_empty=True", "max_deletes")
        raise ConflictError(
            message,
            status=error.status,
            code=error.code,
            problem=error.problem,
            request_id=error.request_id,
            request=error.request,
        ) from None


GUARD_CODES = ("mirror_would_empty", "max_deletes_exceeded")
DIGEST_DIFFERS = "digest_differs"
"""The 409 of an upsert by ``manifest_digest`` whose digest is not the latest version's."""


def guard_message(problem: Mapping[str, Any], code: str, allow_empty: str, max_deletes: str, sep: str = "=") -> str:
    """The mirror guard's refusal (``code`` in :data:`GUARD_CODES`) in the words of one
    interface: ``allow_empty`` and ``max_deletes`` are its spellings of the two options
    (``"allow_empty=True"``, ``"max_deletes"``; ``sep`` joins an option to its value)."""
    ids = [str(known) for known in problem.get("source_ids") or []]
    deleted = int(problem.get("deleted", len(ids)))
    shown = min(len(ids), 5)
    listed = ", ".join(ids[:shown]) + (f" and {deleted - shown} more" if deleted > shown else "")
    examples = _plural(deleted, "example")
    if code == "mirror_would_empty":
        return (
            f"the mirror would delete all {examples} of the dataset ({listed}) and leave it empty; "
            f"nothing was written. Pass {allow_empty} if that is meant"
        )
    return (
        f"the mirror would delete {examples} ({listed}), more than {max_deletes}{sep}{problem.get('max_deletes')}; "
        f"nothing was written. Raise {max_deletes} if that is meant"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _upsert(prepared: Prepared) -> Op[UpsertResult]:
    args = prepared.args
    header = args.header()
    count = len(prepared.source_ids)
    if count <= PLAN_THRESHOLD and prepared.texts is None:
        body = {**header, "examples": [prepared.entry(index, True) for index in range(count)]}
        answer = yield json_call("POST", "/v1/datasets/upsert", json=body)
        return UpsertResult.from_json(answer)
    if count <= PLAN_THRESHOLD:
        # A file's examples are canonical texts already: one NDJSON request with every content.
        everything = set(prepared.source_ids)
        call = Call("POST", "/v1/datasets/upsert", body=prepared.ndjson(header, everything), content_type=NDJSON)
        answer = yield call
        return UpsertResult.from_json(answer)
    # First the digest of the whole manifest alone: when the dataset's latest version has it,
    # the server answers the no-op (tag and dataset fields applied) in this one round trip.
    try:
        answer = yield json_call("POST", "/v1/datasets/upsert", json={**header, "manifest_digest": prepared.digest()})
    except ConflictError as error:
        if error.code != DIGEST_DIFFERS:
            raise
        # A dataset that does not exist yet needs every content: no plan, but the same guard.
        fresh = error.problem.get("dataset_id") is None
    else:
        result = UpsertResult.from_json(answer)
        if result.dry_run and result.unchanged_source_ids is None:
            # The server does not list them (that would read every example): they are all ours.
            result = dataclasses.replace(result, unchanged_source_ids=list(prepared.source_ids))
        return result
    if fresh:
        needed = set(prepared.source_ids)
    else:
        plan = yield Call("POST", "/v1/datasets/upsert/plan", body=prepared.plan_body(), content_type=NDJSON)
        base, needed = plan["base_version_id"], set(plan["needed_source_ids"])
        if args.validate and plan.get("dataset_schema") is not None:
            validator = validator_of(DatasetSchema.from_json(plan["dataset_schema"]))
            check_examples(validator, prepared.source_ids, prepared.contents, prepared.texts, prepared.args.path)
        if _already_matches(plan, args):
            return UpsertResult(
                dataset_id=plan["dataset_id"],
                dataset_name=plan["dataset_name"],
                version_id=base,
                previous_version_id=base,
                noop=True,
                dry_run=False,
                created=0,
                updated=0,
                unchanged=plan["unchanged"],
                deleted=0,
                digest=plan["base_digest"],
            )
        plan_id = plan.get("plan_id")
        if plan_id is not None:
            # Only the needed lines: the server holds the rest of the manifest under plan_id.
            call = Call(
                "POST",
                "/v1/datasets/upsert",
                body=prepared.needed_ndjson({**header, "plan_id": plan_id}, needed),
                content_type=NDJSON,
            )
            try:
                answer = yield call
            except ConflictError as error:
                if error.code == PLAN_EXPIRED:
                    # This server process no longer holds the plan: the whole manifest, once.
                    pass
                else:
                    needed = _with_lacking(error, args, needed)
            else:
                return UpsertResult.from_json(answer)
    # No guard of the plan's version: the server takes the content a content-less entry leaves
    # out from whatever revision of the dataset holds its hash, so a write committed between the
    # plan and the upsert is no reason to fail (the last writer wins). Only the caller's own
    # expected_version_id guards the upsert.
    while True:
        call = Call("POST", "/v1/datasets/upsert", body=prepared.ndjson(header, needed), content_type=NDJSON)
        try:
            answer = yield call
        except ConflictError as error:
            needed = _with_lacking(error, args, needed)
            continue
        return UpsertResult.from_json(answer)


def upload_new(args: UpsertArgs) -> Op[UpsertResult | None]:
    """A new dataset's upload, sent while its examples are hashed; ``None`` (after one ``GET``)
    when the dataset exists or :meth:`UpsertArgs.streams` says no (no request): then prepare
    and :func:`upsert` as usual.

    The NDJSON body's examples leave a chunk (:data:`STREAM_CHUNK`) at a time, each hashed and
    checked just before: the server decodes and writes the first while the client hashes the
    next. A bad record found in a later chunk stops the sending; the rest is still hashed, and
    :class:`ExampleError` lists every bad record (as :meth:`UpsertArgs.prepare` would) while the
    body is cut off before its end, so the server, which commits only a whole body, writes
    nothing. A dataset made between the ``GET`` and the upload is synced as any upload with
    every content is (merge or mirror against it)."""
    if not args.streams():
        return None
    found = yield json_call("GET", "/v1/datasets", params={"name": str(args.name), "limit": 1})
    if found["data"]:
        return None
    hashing = _Hashing(args)
    call = Call("POST", "/v1/datasets/upsert", body=hashing.body(args.header()), content_type=NDJSON)
    answer = yield from _mapped(_single(call), None, None)
    return answer


def _single(call: Call) -> Op[UpsertResult]:
    answer = yield call
    return UpsertResult.from_json(answer)


class _Hashing:
    """The examples of :func:`upload_new`, hashed a chunk at a time as the body asks for them
    (kept for a retry of the body, which sends them again without hashing them again)."""

    def __init__(self, args: UpsertArgs) -> None:
        self.args = args
        self.records = args.sequence()
        self.flat = args.is_flat()
        self.source_ids: list[str] = []
        self.hashes: list[str] = []
        self.issues: list[RecordIssue] = []
        self.more = 0
        self.seen: set[str] = set()
        # Each source id's first row, made once a repeat shows (the set alone finds none).
        self.first: dict[str, int] | None = None
        self.progress = args.shows_progress(len(self.records))

    def keys(self) -> dict[str, Any]:
        args = self.args
        return {
            "flat": self.flat,
            "input_keys": None if args.input_keys is None else list(args.input_keys),
            "output_keys": None if args.output_keys is None else list(args.output_keys),
            "metadata_keys": None if args.metadata_keys is None else list(args.metadata_keys),
            "source_id_key": args.source_id_key,
        }

    def hash_next(self) -> None:
        """Hash the next chunk: its ids, hashes and bad records, every row counted from the first."""
        start = len(self.hashes)
        chunk = self.records[start : start + STREAM_CHUNK]
        hashes, ids, found, hash_found, more, _, _ = prepare_examples(
            chunk, any_members=False, max_errors=MAX_REPORTED_ERRORS, **self.keys()
        )
        assert ids is not None  # streams() asks for source_id_key
        for issue in (*found, *hash_found):
            self.issues.append(dataclasses.replace(_issue(*issue), row=issue[0] + start))
        self.more += more
        if self.first is None:
            before = len(self.seen)
            self.seen.update(ids)
            if len(self.seen) - before != len(ids):
                # The earlier chunks had no repeat: each id is there once.
                self.first = {known: row for row, known in enumerate(self.source_ids) if known}
                self.seen.clear()
        if self.first is not None:
            # Named against the first row, as the core names a repeat within one call (its own
            # list knows this chunk only).
            self.issues.extend(_repeats(self.first, ids, start, _key_path(str(self.args.source_id_key))))
        self.source_ids.extend(ids)
        self.hashes.extend(hashes)

    def body(self, header: Mapping[str, Any]) -> Body:
        def blocks() -> Iterator[bytes]:
            bar = _bar(len(self.records), "upload", self.progress)
            yield canonicalize(header) + b"\n"
            for start in range(0, len(self.records), STREAM_CHUNK):
                if start == len(self.hashes):
                    self.hash_next()
                if self.issues:
                    continue  # nothing more is sent; every bad record is still found
                stop = min(start + STREAM_CHUNK, len(self.records))
                for block in range(start, stop, LINES_PER_BLOCK):
                    rows = range(block, min(block + LINES_PER_BLOCK, stop))
                    yield example_lines(self.source_ids, self.hashes, self.records, rows=rows, **self.keys())
                    if bar is not None:
                        bar.update(len(rows))
            if bar is not None:
                bar.close()
            if self.issues:
                # Raised before the body's end: the server sees it cut off and writes nothing.
                issues = sorted(self.issues, key=lambda issue: issue.row)
                kept = issues[:MAX_REPORTED_ERRORS]
                raise ExampleError.from_issues(kept, len(issues) - len(kept) + self.more)

        return blocks


def _key_path(key: str) -> str:
    """The JSONPath of the source id's member as the core writes it (``$.id``, ``$["a b"]``):
    the path of its ``duplicate_source_id`` in two records of one id."""
    twice = [{key: "x"}, {key: "x"}]
    duplicates = prepare_examples(twice, flat=True, input_keys=[], source_id_key=key)[5]
    return str(duplicates[0][2])


def _repeats(first: dict[str, int], ids: list[str], start: int, path: str) -> list[RecordIssue]:
    """A ``duplicate_source_id`` issue (at ``path``) for each of ``ids`` (rows from ``start``)
    that an earlier row has: one in ``first`` (each source id's first row, to which the others
    of ``ids`` are added) or before it in ``ids``; ``""`` (no valid id) is no id."""
    issues: list[RecordIssue] = []
    for row, known in enumerate(ids, start):
        if known == "":
            continue
        if known in first:
            # Quoted as JSON, as the core (and the TypeScript SDK) quote a source id.
            message = f"the source id {json.dumps(known, ensure_ascii=False)} is also the id of row {first[known]}"
            issues.append(RecordIssue(row=row, code="duplicate_source_id", path=path, message=message, source_id=known))
        else:
            first[known] = row
    return issues


def _with_lacking(error: ConflictError, args: UpsertArgs, needed: set[str]) -> set[str]:
    """``needed`` with the source ids of a ``stale_manifest`` refusal: the dataset holds no
    content under some hashes sent without it (it was deleted and made again since the plan),
    and it lists them, to send again with content. Any other refusal is raised."""
    lacking = error.problem.get("needed_source_ids") if error.code == "stale_manifest" else None
    if not lacking or args.expected_version_id is not None or needed.issuperset(lacking):
        raise error
    return needed | set(lacking)


def _already_matches(plan: Mapping[str, Any], args: UpsertArgs) -> bool:
    """Whether the plan shows the dataset already holds exactly these examples, so that the
    content-less upsert would change nothing: no version, no dataset description or metadata
    to update, and no tag to set."""
    return (
        plan["base_version_id"] is not None
        and not plan["needed_source_ids"]
        and plan["deleted"] == 0
        and not args.dry_run
        and args.description is None
        and args.metadata is None
        and args.expected_version_id in (None, plan["base_version_id"])
        and args.tag is None
    )


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _bar(total: int, label: str, show: bool) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="ex", unit_scale=True, file=sys.stderr, leave=False)


def _issue(row: int, code: str, path: str, message: str, source_id: str | None) -> RecordIssue:
    """A bad record as the core's ``prepare_examples`` reports it."""
    return RecordIssue(row=row, code=code, path=path, message=message, source_id=source_id)


class _FlatContents(Sequence[Mapping[str, Any]]):
    """The examples of flat records, each made when it is read: an upload reads only those
    whose content the server lacks, and an unchanged re-sync none."""

    __slots__ = ("_args", "records")

    def __init__(self, args: UpsertArgs, records: Sequence[Mapping[str, Any]]) -> None:
        self._args = args
        self.records = records

    def __len__(self) -> int:
        return len(self.records)

    @overload
    def __getitem__(self, index: int) -> Mapping[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Mapping[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> Mapping[str, Any] | Sequence[Mapping[str, Any]]:
        if isinstance(index, slice):
            return [self[row] for row in range(*index.indices(len(self)))]
        return self._args.flat_content(self.records[index])


def _source_id_from(
    row: int, function: Callable[[Mapping[str, Any]], str | int], record: Mapping[str, Any], issues: list[RecordIssue]
) -> str:
    if not isinstance(record, Mapping):
        return ""  # reported as not_a_mapping
    try:
        value = function(record)
    except Exception as error:
        # The caller's function failed: say on which record, its error as the cause.
        message = f"row {row}: invalid_source_id at $: source_id= raised {type(error).__name__}: {error}"
        raise ExampleError(message, code="invalid_source_id", row=row) from error
    try:
        return source_id(value)
    except HashError as error:
        message = f"source_id= returned {_describe(value)}: {error.reason}"
        issues.append(RecordIssue(row=row, code=error.code, path="$", message=message))
        return ""


def _describe(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def _check_unique(ids: list[str], issues: list[RecordIssue], path: str) -> None:
    """A source id given to two records is an issue of the later one."""
    if len(set(ids)) != len(ids):
        issues.extend(_repeats({}, ids, 0, path))


def _unique(
    contents: Sequence[Mapping[str, Any]], ids: list[str], hashes: list[str]
) -> tuple[Sequence[Mapping[str, Any]], list[str], list[str]]:
    """Identical examples (same content hash, the identity here) once each."""
    if len(set(ids)) == len(ids):
        return contents, ids, hashes
    first = {source_id: index for index, source_id in reversed(list(enumerate(ids)))}
    keep = sorted(first.values())
    return [contents[i] for i in keep], [ids[i] for i in keep], [hashes[i] for i in keep]


def _is_dataframe(value: object) -> bool:
    return any(cls.__name__ == "DataFrame" and cls.__module__.startswith("pandas") for cls in type(value).__mro__)


def _structured_columns(frame: pandas.DataFrame, id_key: str | None) -> bool:
    """Whether a DataFrame holds structured records: an ``input`` column, and no column other
    than ``input``, ``output``, ``metadata`` and the id key. A table of plain columns (the
    usual frame) is flat, its input every column not named elsewhere."""
    columns = set(frame.columns)
    return "input" in columns and columns <= {"input", "output", "metadata", id_key}


def dataframe_records(frame: pandas.DataFrame) -> list[dict[str, Any]]:
    """The rows of a DataFrame as records of plain Python values: numpy scalars and arrays become
    numbers and lists, NaN, NA and NaT become ``None``. Column names must be strings."""
    for column in frame.columns:
        if not isinstance(column, str):
            raise ExampleError(
                f"column {column!r}: DataFrame column names must be strings", code="non_string_key", row=0
            )
    # A record keeps one value per name: a repeated column would silently lose all but its last,
    # so it is refused as a CSV header repeating a name is (the same code and words).
    first: dict[str, int] = {}
    again: dict[str, list[int]] = {}
    for number, column in enumerate(frame.columns, start=1):
        if column in first:
            again.setdefault(column, []).append(number)
        first.setdefault(column, number)
    if again:
        # One issue per name however often it comes back, as the CSV reader says it.
        repeats = [
            f"column {numbers[0]} ({json.dumps(name)}) repeats the name of column {first[name]}"
            if len(numbers) == 1
            else f"columns {', '.join(map(str, numbers[:-1]))} and {numbers[-1]} ({json.dumps(name)}) "
            f"repeat the name of column {first[name]}"
            for name, numbers in again.items()
        ]
        raise ExampleError("; ".join(repeats), code="invalid_header", row=0)
    records: list[dict[str, Any]] = frame.to_dict(orient="records")  # type: ignore[assignment]
    for record in records:
        for key, value in record.items():
            if type(value) not in _PLAIN:
                record[key] = _plain(value)
    return records


_PLAIN = frozenset({str, int, bool})


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return _plain(value.tolist())
    if _is_missing(value):
        return None
    return value


def _is_missing(value: Any) -> bool:
    try:
        import pandas
    except ImportError:  # pragma: no cover - a DataFrame implies pandas
        return False
    try:
        return bool(pandas.isna(value))
    except (TypeError, ValueError):
        return False
