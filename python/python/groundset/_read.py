"""Files of examples, read by the Rust core (``canonhash``): ``hash_file`` and ``read_examples``.

The core reads JSONL, JSON and CSV by the rules of docs/hashing.md (a leading BOM skipped, CRLF
accepted, CSV cells of any length, dotted CSV headers nested, a member name twice refused, one
source-id rule), on all cores without the GIL, so that ``groundset hash``, ``upsert_dataset(path=)``,
the TypeScript SDK and the server give one file the same source ids and content hashes.
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import groundset_core

from groundset.errors import ExampleError, HashError, RecordIssue

__all__ = ["FileFormat", "check_parts", "hash_file", "hash_jsonl", "read_checked", "read_examples"]

FileFormat = Literal["jsonl", "ndjson", "json", "csv"]
"""The formats of a file of examples; ``None`` where one is taken means: from its extension."""

Record = tuple[int, int, str, str, "str | None", "str | None", "str | None"]


def _keys(label: str, keys: Iterable[str] | None) -> list[str] | None:
    if isinstance(keys, str):
        raise TypeError(f"{label}= must be a list of keys, not the string {keys!r}")
    return None if keys is None else list(keys)


def check_parts(parts: Mapping[str, Sequence[str] | None]) -> None:
    """``ValueError`` when one key is named for two parts (``{"input_keys=": [...], ...}``):
    the field would be copied into both, which is never what a table's column means."""
    seen: dict[str, str] = {}
    for label, keys in parts.items():
        for key in keys or ():
            if seen.get(key, label) != label:
                raise ValueError(f"the key {key!r} is named in both {seen[key]} and {label}; a field goes in one part")
            seen[key] = label


def _parts(
    input_keys: Iterable[str] | None, output_keys: Iterable[str] | None, metadata_keys: Iterable[str] | None
) -> tuple[list[str] | None, list[str] | None, list[str] | None]:
    """The input, output and metadata key lists as the core takes them, checked."""
    parts = {
        "input_keys=": _keys("input_keys", input_keys),
        "output_keys=": _keys("output_keys", output_keys),
        "metadata_keys=": _keys("metadata_keys", metadata_keys),
    }
    check_parts(parts)
    return parts["input_keys="], parts["output_keys="], parts["metadata_keys="]


_UNREADABLE: dict[type[OSError], type[HashError]] = {}


def _unreadable(path: str | os.PathLike[str], error: OSError) -> HashError:
    """``HashError`` (``io_error`` at ``$``): ``cannot open PATH: REASON (os error N)``, the
    words of the TypeScript SDK's HashError (the Rust reader's) for the same file. It is also an
    instance of the system's error class (``FileNotFoundError``, ``PermissionError``...) with its
    ``errno``, ``strerror`` and ``filename``, so ``except OSError`` code holds too."""
    kind = type(error)
    if kind not in _UNREADABLE:
        _UNREADABLE[kind] = type("UnreadableFile", (HashError, kind), {"__str__": ValueError.__str__})
    reason = f"cannot open {os.fspath(path)}: {error.strerror or error}"
    if error.errno is not None:
        reason += f" (os error {error.errno})"
    unreadable = _UNREADABLE[kind](f"io_error at $: {reason}", code="io_error", path="$", reason=reason)
    assert isinstance(unreadable, OSError)
    unreadable.errno, unreadable.strerror, unreadable.filename = error.errno, error.strerror, os.fspath(path)
    return unreadable


@contextlib.contextmanager
def _reading(path: str | os.PathLike[str]) -> Iterator[None]:
    try:
        yield
    except HashError:
        raise
    except OSError as error:
        raise _unreadable(path, error) from None


def _raise_issues(path: str | os.PathLike[str], issues: list[groundset_core.ReadIssue], more: int) -> None:
    if issues:
        raise ExampleError.from_issues([_issue(*issue) for issue in issues], more, file=os.fspath(path))


def read_checked(
    path: str | os.PathLike[str],
    *,
    format: FileFormat | None,
    source_id_key: str | None,
    input_keys: Iterable[str] | None,
    output_keys: Iterable[str] | None,
    metadata_keys: Iterable[str] | None,
    threads: int | None = None,
    with_content: bool,
) -> list[Record]:
    """The records of a file as the core's tuples ``(line, index, source_id, content_hash,
    input, output, metadata)`` (canonical JSON texts, or ``None`` without content); raises one
    :class:`ExampleError` listing every bad record."""
    inputs, outputs, metadata = _parts(input_keys, output_keys, metadata_keys)
    with _reading(path):
        records, issues, more = groundset_core.read_file(
            path,
            format=format,
            id_key=source_id_key,
            input_keys=inputs,
            output_keys=outputs,
            metadata_keys=metadata,
            with_content=with_content,
            threads=threads,
        )
    _raise_issues(path, issues, more)
    return records


def _issue(line: int, index: int, source_id: str | None, error: HashError) -> RecordIssue:
    # The column of a JSON syntax error inside the record's line, as the TypeScript SDK gives it:
    # a CSV cell's error is located in its message (at column 1), other codes at their object.
    located = error.code == "invalid_json" and error.line == line and (error.column or 0) > 1
    column = error.column if located else None
    return RecordIssue(
        row=index,
        code=error.code,
        path=error.path,
        message=error.reason,
        line=line,
        source_id=source_id,
        column=column,
    )


def hash_jsonl(
    path: str | os.PathLike[str],
    *,
    source_id_key: str | None = None,
    threads: int | None = None,
    id_key: str | None = None,
) -> list[tuple[str, str]]:
    """``(source_id, content_hash)`` of every record of a JSONL file of structured records, in
    file order, read by the core on ``threads`` threads (``None`` or 0: every core) without the
    GIL. The source id is required, in the member ``source_id_key`` (default ``"id"``), named as
    :func:`hash_file` names it; ``id_key`` is its deprecated former name here.

    Raises:
        HashError: the first bad record (its ``code``, ``path`` and ``line``); :func:`hash_file`
            reports every one.
        HashError: ``io_error`` when the file cannot be read (also an ``OSError`` with the
            system's ``errno``; the TypeScript SDK raises the same HashError).
        TypeError: ``id_key`` and ``source_id_key`` naming different keys.
    """
    if id_key is not None:
        warnings.warn(
            "hash_jsonl(id_key=) is deprecated: name the key source_id_key=, as hash_file does",
            DeprecationWarning,
            stacklevel=2,
        )
        if source_id_key is not None and source_id_key != id_key:
            raise TypeError("give source_id_key= only (id_key= is its deprecated former name)")
    key = source_id_key if source_id_key is not None else id_key if id_key is not None else "id"
    with _reading(path):
        return groundset_core.hash_jsonl(path, id_key=key, threads=threads)


def hash_file(
    path: str | os.PathLike[str],
    *,
    format: FileFormat | None = None,
    source_id_key: str | None = None,
    input_keys: Iterable[str] | None = None,
    output_keys: Iterable[str] | None = None,
    metadata_keys: Iterable[str] | None = None,
    threads: int | None = None,
) -> list[tuple[str, str]]:
    """``(source_id, content_hash)`` for every example of a JSONL, JSON or CSV file, in file
    order, read and hashed by the core on all cores without the GIL: the pairs
    ``upsert_dataset(path=...)`` sends, so ``manifest_digest`` of them is the digest the server
    reports after that upsert.

    Args:
        path: the file. JSONL (``.jsonl``, ``.ndjson``): one object per line. JSON: an array of
            objects, or an object whose ``examples`` is one. CSV: a header row (dotted names such
            as ``input.question`` nest), one record per row, every value a string but in a
            ``….:json`` column, whose cells are JSON text (an empty one: absent).
        format: ``"jsonl"``, ``"json"`` or ``"csv"``; ``None`` takes it from the extension.
        source_id_key: the member holding each record's source id (a string, or an integer of
            magnitude at most 2^53 - 1, the RFC 7493 range: ``7`` and ``7.0`` both give ``"7"``).
            ``None``: the content hash is the source id, and identical records count once.
        input_keys, output_keys, metadata_keys: flat records: the members forming each part
            (the input defaults to every member not named elsewhere, less the id). Without
            them, records are structured (``{"input": {...}, "output": ..., "metadata": ...}``).
        threads: worker threads; ``None`` or 0 uses every core.

    Raises:
        ExampleError: one error listing every bad record (``.errors``, up to 100, then
            ``.more_errors``), each with its line, JSON path, code and source id.
        HashError: ``io_error`` when the file cannot be read (``cannot open PATH: REASON (os error
            N)``, also an ``OSError`` with the system's ``errno``, as the TypeScript SDK's
            HashError) or its format is unknown.
    """
    inputs, outputs, metadata = _parts(input_keys, output_keys, metadata_keys)
    with _reading(path):
        pairs, issues, more = groundset_core.read_hashes(
            path,
            format=format,
            id_key=source_id_key,
            input_keys=inputs,
            output_keys=outputs,
            metadata_keys=metadata,
            threads=threads,
        )
    _raise_issues(path, issues, more)
    return pairs


def read_examples(
    path: str | os.PathLike[str],
    *,
    format: FileFormat | None = None,
    source_id_key: str | None = None,
    input_keys: Iterable[str] | None = None,
    output_keys: Iterable[str] | None = None,
    metadata_keys: Iterable[str] | None = None,
    threads: int | None = None,
) -> list[dict[str, Any]]:
    """The examples of a file as :func:`hash_file` reads them, each a plain dict
    ``{"source_id", "content_hash", "input", "output", "metadata"}`` with the parts as JSON
    values (``output`` and ``metadata`` are ``{}`` when absent). The arguments and errors are
    those of :func:`hash_file`; use it to look at what a file holds, or to edit the records
    before ``upsert_dataset(examples=...)`` (``upsert_dataset(path=...)`` is faster for a file
    as it is, since it never builds these values).
    """
    records = read_checked(
        path,
        format=format,
        source_id_key=source_id_key,
        input_keys=input_keys,
        output_keys=output_keys,
        metadata_keys=metadata_keys,
        threads=threads,
        with_content=True,
    )
    return [_example(record) for record in records]


def _example(record: Sequence[Any]) -> dict[str, Any]:
    _line, _index, source_id, content_hash, input, output, metadata = record
    return {
        "source_id": source_id,
        "content_hash": content_hash,
        "input": json.loads(input),
        "output": json.loads(output),
        "metadata": json.loads(metadata),
    }
