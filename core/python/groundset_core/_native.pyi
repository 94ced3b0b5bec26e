"""Typed stub of the compiled module ``groundset_core._native`` (Rust, pyo3), checked by
``stubtest`` (``just core::lint``); import the public names of ``groundset_core`` instead."""

import os
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any, Final, final

from groundset_core.errors import HashError

__all__ = [
    "MAX_DEPTH",
    "MAX_NAME_CHARS",
    "MAX_REPORTED_ERRORS",
    "MAX_SAFE_INTEGER",
    "MAX_SOURCE_ID_CHARS",
    "SchemaValidator",
    "__version__",
    "canonicalize",
    "canonicalize_ndjson_line",
    "classify_manifest",
    "copy_binary_rows",
    "count_newlines",
    "decode_ndjson_records",
    "decode_request_json",
    "example_hash",
    "example_lines",
    "hash_examples",
    "hash_examples_collect",
    "hash_jsonl",
    "hash_value",
    "manifest_digest",
    "manifest_digest_ordered",
    "manifest_digest_packed",
    "prepare_examples",
    "read_file",
    "read_hashes",
    "source_id",
]

__version__: Final[str]
MAX_DEPTH: Final[int]
MAX_SOURCE_ID_CHARS: Final[int]
"""The longest source id, in Unicode scalar values (512)."""
MAX_SAFE_INTEGER: Final[int]
"""The largest magnitude of a numeric source id: 2^53 - 1 (RFC 7493 section 2.2)."""
MAX_NAME_CHARS: Final[int]
"""The longest dataset, experiment or evaluator name or tag, in Unicode scalar values (512)."""
MAX_REPORTED_ERRORS: Final[int]
"""How many bad records an error lists one by one (100); the rest are counted."""

def canonicalize(value: Any) -> bytes:
    """The RFC 8785 (JCS) canonical JSON of ``value``, as UTF-8 bytes."""

def hash_value(value: Any) -> str:
    """The SHA-256 (64 lowercase hex digits) of the RFC 8785 canonical JSON of ``value``."""

def example_hash(input: Any, output: Any = None, metadata: Any = None) -> str:
    """The content hash of one example; a missing or ``None`` output or metadata counts as ``{}``."""

def hash_examples(examples: Iterable[Mapping[str, Any]]) -> list[str]:
    """The content hashes of many examples (mappings with ``input`` and optional ``output``,
    ``metadata``), in order; converted and hashed on two threads. Members other than the three
    parts are neither read nor checked (``hash_examples_collect(..., structured=True)`` applies
    the structured-record rule that refuses them)."""

def hash_examples_collect(
    examples: Iterable[Mapping[str, Any]],
    *,
    max_errors: int = 100,
    structured: bool = False,
    id_key: str | None = None,
    any_members: bool = False,
) -> tuple[list[str], list[tuple[int, HashError]], int]:
    """As ``hash_examples``, reporting every bad item: ``(hashes, problems, more)``, a bad item's
    hash ``""``, ``problems`` the first ``max_errors`` ``(index, HashError)``, ``more`` the rest.

    With ``structured``, the items are structured records and the member rule of files applies
    first: a record without ``input`` is ``not_an_object`` at ``$.input`` naming its members;
    a member other than ``input``, ``output``, ``metadata`` and ``id_key`` is ``unknown_field``
    (at the first such member, naming each with the member it likely misspells), unless
    ``any_members`` (a source-id function reads the others)."""

def manifest_digest(entries: Iterable[tuple[str, str] | list[str]]) -> str:
    """The digest of a dataset version from its ``(source_id, content_hash)`` pairs, in any order."""

def manifest_digest_packed(
    source_ids: Sequence[str], digests: bytes | bytearray, deleted: bytes | bytearray | None = None
) -> str:
    """:func:`manifest_digest` of ``source_ids`` whose content hashes are given as the 32 bytes of
    SHA-256 each spells, concatenated in the same order (``digests``, 32 bytes per source id);
    the entries whose byte in ``deleted`` (one per source id) is not 0 are left out. Computed
    without the GIL; ``ValueError`` when the lengths disagree."""

def manifest_digest_ordered(
    source_ids: Sequence[str], digests: bytearray, deleted: bytearray, order: bytes | None = None
) -> tuple[str, bytes]:
    """:func:`manifest_digest_packed` of a dataset's packed state (``source_ids`` by position,
    ``digests`` 32 bytes and ``deleted`` a flag byte per position), and the positions sorted as
    the digest sorts the source ids (4 bytes each, little-endian). Given back as ``order`` for a
    state that holds the same source ids at the same positions and maybe more after them, only
    the ones added are sorted and merged in: a re-sync that changes a few examples of a million
    costs a merge, not a sort. The digest is the same with or without ``order``. ``ValueError``
    when the lengths disagree, or ``order`` is not each of the positions ``0..m`` once for some
    ``m`` at most ``len(source_ids)``. Sorted and hashed without the GIL."""

# A bad record of `prepare_examples`: `(row, code, path, message, source_id)`.
_Issue = tuple[int, str, str, str, str | None]

def prepare_examples(
    records: Sequence[Any],
    *,
    flat: bool = False,
    input_keys: list[str] | None = None,
    output_keys: list[str] | None = None,
    metadata_keys: list[str] | None = None,
    source_id_key: str | None = None,
    any_members: bool = False,
    max_errors: int = 100,
    progress: Callable[[int], object] | None = None,
    progress_step: int = 10_000,
) -> tuple[list[str], list[str] | None, list[_Issue], list[_Issue], int, list[_Issue], str | None]:
    """The records of ``upsert_dataset(examples=...)`` prepared in one pass: ``(hashes,
    source_ids, issues, hash_issues, more, duplicates, digest)``.

    Each record must be a ``Mapping`` (else ``not_a_mapping`` at ``$``). With ``flat``, its
    example is ``{"input": {k: record[k] for k in input_keys}, "output": ..., "metadata": ...}``
    (``input_keys=None``: every member not named in the other lists nor ``source_id_key``; a
    key the record lacks is ``missing_key`` at its path); otherwise the record is the example
    and the structured member rule applies (see :func:`hash_examples_collect`; ``id_key`` is
    ``source_id_key``). With ``source_id_key``, the member's value is the source id by
    :func:`source_id`'s rule (``missing_source_id``, or the rule's code, at the key's path),
    ``source_ids`` lists them (``""`` for a record without a valid one), ``duplicates`` lists
    every record whose source id an earlier one has (``duplicate_source_id``, naming that row),
    and ``digest`` is :func:`manifest_digest` of the records when no record has a problem;
    without it, ``source_ids`` and ``digest`` are ``None``.

    ``hashes`` holds the content hash of every record (``""`` for a bad one); ``issues`` the
    records' own problems and their source ids' (in row order), ``hash_issues`` the first
    ``max_errors`` records whose content is outside the hash domain (paths inside the example,
    such as ``$.input.v[1]``), ``more`` how many more there were. Hashed on two threads; the
    calling thread holds the GIL until the hashing is done, except while a record's own Python
    methods or ``progress`` run. ``progress(n)`` is called after every ``progress_step`` records
    (``n`` of them) and after the last. A Python error of a record's methods is raised."""

def example_lines(
    source_ids: list[str],
    hashes: list[str],
    records: Sequence[Any] | None = None,
    *,
    rows: Iterable[int] | None = None,
    needed: Container[str] | None = None,
    texts: bool = False,
    flat: bool = False,
    input_keys: list[str] | None = None,
    output_keys: list[str] | None = None,
    metadata_keys: list[str] | None = None,
    source_id_key: str | None = None,
) -> bytes:
    """The NDJSON lines of an upsert or plan request for the examples at ``rows`` (default:
    all), in that order, as one ``bytes`` of UTF-8, each line canonical JSON (RFC 8785) ending in
    ``\n``, byte for byte :func:`canonicalize` of each line's object.

    ``source_ids[row]`` and ``hashes[row]`` are the example's source id and content hash (``str``;
    lists of equal length, as :func:`prepare_examples` leaves them). A line without content is
    ``{"content_hash": h, "source_id": s}``: every line when ``records`` is ``None``, else the
    lines of the rows whose source id ``needed`` lacks (when given). A line with content adds
    ``input``, ``metadata`` and ``output`` from ``records[row]``:

    - a structured record (a mapping): ``record["input"]``, ``record.get("metadata")``,
      ``record.get("output")`` (``null`` when missing or ``None``);
    - with ``flat``: :func:`prepare_examples`'s selection by ``input_keys``, ``output_keys``,
      ``metadata_keys`` and ``source_id_key`` (each part an object);
    - with ``texts``: a record of :func:`read_file` read with content, its canonical texts
      written as they are.

    Exact ``dict``, ``list``, ``tuple``, ``str``, ``int``, ``float``, ``bool`` and ``None`` are
    read directly under the GIL; any other record is read through its own methods and
    canonicalized as :func:`canonicalize` does. Raises ``ValueError`` (lists of different
    lengths, ``texts`` with ``flat``), ``IndexError`` (a row out of range), ``TypeError`` (an id
    or hash not a ``str``, a text record without content), :class:`HashError` for content outside
    the hash domain (which :func:`prepare_examples` refuses first), and a record's own Python
    errors (``KeyError``)."""

def hash_jsonl(
    path: str | os.PathLike[str],
    *,
    id_key: str = "id",
    threads: int | None = None,
) -> list[tuple[str, str]]:
    """``(source_id, content_hash)`` for every record of a JSONL file, hashed without the GIL;
    the first bad record is raised as its ``HashError``."""

# The core's record reader: records as `(line, index, source_id, content_hash, input, output,
# metadata)` with canonical JSON text (or None without content), problems as
# `(line, index, source_id, HashError)`, and the count of problems beyond `max_errors`.
_ReadRecord = tuple[int, int, str, str, str | None, str | None, str | None]
_ReadIssue = tuple[int, int, str | None, HashError]

def read_file(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    id_key: str | None = None,
    input_keys: list[str] | None = None,
    output_keys: list[str] | None = None,
    metadata_keys: list[str] | None = None,
    with_content: bool = True,
    threads: int | None = None,
    max_errors: int = 100,
) -> tuple[list[_ReadRecord], list[_ReadIssue], int]:
    """Reads every record of a JSONL, JSON or CSV file with the core, without the GIL."""

def read_hashes(
    path: str | os.PathLike[str],
    *,
    format: str | None = None,
    id_key: str | None = None,
    input_keys: list[str] | None = None,
    output_keys: list[str] | None = None,
    metadata_keys: list[str] | None = None,
    threads: int | None = None,
    max_errors: int = 100,
) -> tuple[list[tuple[str, str]], list[_ReadIssue], int]:
    """``(source_id, content_hash)`` of every record of a file as :func:`read_file` reads it,
    with its problems and the count of problems beyond ``max_errors``."""

def source_id(value: object) -> str:
    """The source id a str, int or float stands for, by the core's one rule; else ``HashError``
    ``invalid_source_id``."""

# The server's request decoding (public as ``groundset_core.decode_request_json`` etc.): records come back as
# `(position, source_id, content_hash, input, output, metadata)` with canonical JSON text
# (`str`, or UTF-8 `bytes` with `content_bytes=True`), refused ones as `(line, source_id, HashError)`.
_Record = tuple[int, str, str, Any, Any, Any]
_Failure = tuple[int | None, str | None, HashError]

def decode_ndjson_records(
    data: bytes,
    *,
    first_line: int = 1,
    with_content: bool = True,
    max_source_id_chars: int = 512,
    content_bytes: bool = False,
) -> tuple[list[_Record], list[_Failure]]:
    """Decodes the example records of an NDJSON block of complete lines, on all cores; the
    content as UTF-8 ``bytes`` with ``content_bytes``."""

def decode_request_json(
    data: bytes,
    *,
    with_content: bool = True,
    max_source_id_chars: int = 512,
    content_bytes: bool = False,
) -> tuple[str, tuple[list[_Record], list[_Failure]] | None]:
    """Decodes a JSON request body: its header's canonical text and its `examples` records; the
    content as UTF-8 ``bytes`` with ``content_bytes``."""

def canonicalize_ndjson_line(data: bytes, line: int) -> str:
    """The canonical JSON text of one NDJSON line that is not a record."""

def copy_binary_rows(columns: list[Any], kinds: list[str], count: int) -> bytes:
    """``count`` rows of PostgreSQL's binary ``COPY`` format (per row its 16-bit field count,
    then each field's 32-bit length and bytes, big-endian; without the body's signature and
    trailer) from ``columns``, whose types are ``kinds`` (``int4``, ``int8``, ``bool``, ``text``
    or ``varchar``), in one pass. Each column is a ``list`` of a value per row (``int``; ``bool``
    or ``int`` for ``bool``; ``str`` or UTF-8 ``bytes`` for text, anything else as its
    ``str()``), or a 1-tuple of the value of every row.

    Raises ``ValueError`` for a list not ``count`` long, another column type, or as many columns
    as kinds not given; ``OverflowError`` for an ``int4`` out of its range; ``TypeError`` for a
    column that is neither a list nor a 1-tuple."""

def count_newlines(data: bytes) -> int:
    """The number of line feeds (``\\n``) in ``data``, found by a SIMD search."""

def classify_manifest(
    data: bytes,
    *,
    first_line: int,
    keys: list[str],
    positions: dict[str, int],
    hashes: bytearray,
    deleted: bytearray,
    seen: bytearray,
    needed: dict[str, int],
    max_source_id_chars: int = 512,
) -> tuple[list[_Failure], tuple[list[str], list[int], bytes, int, int, int] | None]:
    """Decodes a plan's NDJSON block of complete lines (content-less records, the first line
    numbered ``first_line``) and classifies it against a dataset's packed state, making no
    Python value for an unchanged line.

    The state: ``keys`` (its source ids by position), ``positions`` (source id to position;
    a line that follows the one at position ``p`` and is ``keys[p + 1]`` is found without a
    lookup, as a re-sync sends its examples in the order of the last), ``hashes`` (32-byte SHA-256 digests, one
    per position, concatenated), ``deleted`` (a flag byte per position); ``seen`` (a flag byte
    per position: the request already held it) and ``needed`` (the request's new and changed
    source ids so far) are the request's.

    Gives ``(failures, None)`` when a line is refused: every refused line of the block as
    :func:`decode_ndjson_records` refuses it (``(line, source_id, HashError)``), nothing
    classified. ``([], None)`` when the block holds a source id twice or one of ``seen`` or
    ``needed``: nothing classified (decode it and classify it one by one to name them).
    Otherwise ``([], (source_ids, base_positions, digests, created, revived, unchanged))``: the
    block's new source ids (``created`` of them, in line order), then its revived ones
    (``revived``: deleted in the state), then the changed ones, each set in ``seen``;
    ``base_positions`` the positions of the revived and changed ones, ``digests`` the 32 bytes of
    each source id's ``content_hash``; ``unchanged`` how many lines held the state's hash
    (flagged in ``seen``). ``ValueError`` when the state's lengths disagree.

    The line's reading runs without the GIL; the state's buffers are read in place, with it."""

@final
class SchemaValidator:
    """The JSON Schema (draft 2020-12) check of examples, one schema per part (``None``: any
    value); raises ``InvalidSchemaError`` listing every problem of every part."""

    def __new__(cls, input: Any = None, output: Any = None, metadata: Any = None) -> SchemaValidator: ...
    @property
    def is_empty(self) -> bool:
        """Whether no part has a schema."""

    def validate(self, input: Any, output: Any = None, metadata: Any = None) -> list[tuple[str, str, str]]:
        """Every violation of one example as ``(path, schema_path, message)``; an absent part is
        validated as ``{}``."""

    def validate_texts(
        self, examples: list[tuple[str | bytes, str | bytes | None, str | bytes | None]]
    ) -> list[tuple[int, str, str, str]]:
        """Every violation of many examples given as JSON texts (``str`` or UTF-8 ``bytes``), on
        all cores without the GIL: ``(index, path, schema_path, message)`` in the examples' order."""
