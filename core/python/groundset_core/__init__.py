"""groundset-core: the native core of groundset for Python, and its public API.

This package is to the ``groundset`` SDK and to the ``groundset-server`` what ``pydantic-core``
is to ``pydantic``: one compiled module (``groundset_core._native``, Rust through pyo3, built
from the crates ``canonhash``, ``groundset-records`` and ``groundset-schema``) behind this documented, stub-checked
API, with no dependencies of its own. The SDK re-exports these names (``groundset.canonicalize``
is ``groundset_core.canonicalize``); the server imports them from here, so that a server
install pulls in neither the SDK's HTTP client nor its CLI. ``_native`` itself is private:
import from ``groundset_core``.

Hashing (RFC 8785 canonical JSON, SHA-256; see docs/hashing.md):

- :func:`canonicalize` (value -> canonical UTF-8 bytes), :func:`hash_value` (-> 64 lowercase
  hex digits), :func:`example_hash` (the content hash of ``{"input", "metadata", "output"}``),
  :func:`hash_examples` and :func:`hash_examples_collect` (many examples, on two threads),
  :func:`manifest_digest` (a dataset version's digest from ``(source_id, content_hash)`` pairs),
  :func:`manifest_digest_packed` (the same from source ids and 32-byte digests, compact),
  :func:`manifest_digest_ordered` (the same of a server's packed state, with the order that sorts
  it, so that the next version's digest costs a merge rather than a sort);
  :func:`prepare_examples` (an upsert's records in one pass: selection, source ids and their
  uniqueness, hashes and the manifest digest, every bad record listed);
  :func:`example_lines` (the NDJSON lines of an upsert or plan for a block of examples, with
  or without content, as UTF-8 bytes in one call).

Records:

- :func:`read_file` (the one reader of JSONL, JSON and CSV files, without the GIL) and
  :func:`read_hashes` (its source ids and content hashes only),
  :func:`hash_jsonl`, :func:`source_id` (the one source-id rule);
- :func:`decode_ndjson_records`, :func:`decode_request_json` and
  :func:`canonicalize_ndjson_line`: the example records of an upsert or plan request, decoded,
  canonicalized and hash-checked from the request's bytes (the server's request path);
  :func:`classify_manifest`: a plan's NDJSON block decoded and classified against a dataset's
  packed state (source id index, 32-byte digests, deleted flags) without a Python value per
  unchanged line; :func:`copy_binary_rows`: rows of PostgreSQL's binary ``COPY`` format from
  columns of Python values, in one pass (the server's bulk inserts); :func:`count_newlines`
  (the line feeds of a block, where the next block's line numbers start).

Schemas (JSON Schema draft 2020-12, the ``jsonschema`` Rust crate; see docs/schemas.md):

- :class:`SchemaValidator` ``(input=None, output=None, metadata=None)``: a dataset's schemas,
  checked against the 2020-12 meta-schema (:class:`InvalidSchemaError` lists every problem);
  ``.validate(input, output, metadata)`` gives every violation of one example as ``(path,
  schema_path, message)`` (``path`` the JSONPath in the example such as ``$.input.question``,
  ``schema_path`` the JSON Pointer of the keyword in ``{"input": ..., "output": ...,
  "metadata": ...}`` such as ``/input/properties/question/type``), ``.validate_texts(...)`` the
  same for many examples as canonical JSON texts, on all cores. An absent output or metadata is
  validated as ``{}`` (what it hashes as); ``format`` is an annotation only (2020-12's default);
  references stay inside the schema, nothing is fetched.

Limits: :data:`MAX_DEPTH`, :data:`MAX_SOURCE_ID_CHARS`, :data:`MAX_SAFE_INTEGER` (2^53 - 1, RFC
7493 section 2.2), :data:`MAX_NAME_CHARS`, :data:`MAX_REPORTED_ERRORS`.

Errors: values outside the hash domain and bad records raise :class:`HashError` (a
``ValueError``; :class:`UnsupportedTypeError`, also a ``TypeError``, for a Python type with no
JSON form) with the core's stable ``code``, the JSONPath ``path``, and ``line`` and ``column``
when the value came from text. Both derive from :class:`GroundsetError`, the root of every
groundset error, which the SDK's own errors share.

>>> import groundset_core
>>> groundset_core.canonicalize({"b": 1, "a": [1.0, "é"]}).decode()
'{"a":[1,"é"],"b":1}'
"""

from __future__ import annotations

from groundset_core._native import (
    MAX_DEPTH,
    MAX_NAME_CHARS,
    MAX_REPORTED_ERRORS,
    MAX_SAFE_INTEGER,
    MAX_SOURCE_ID_CHARS,
    SchemaValidator,
    __version__,
    canonicalize,
    canonicalize_ndjson_line,
    classify_manifest,
    copy_binary_rows,
    count_newlines,
    decode_ndjson_records,
    decode_request_json,
    example_hash,
    example_lines,
    hash_examples,
    hash_examples_collect,
    hash_jsonl,
    hash_value,
    manifest_digest,
    manifest_digest_ordered,
    manifest_digest_packed,
    prepare_examples,
    read_file,
    read_hashes,
    source_id,
)
from groundset_core.errors import GroundsetError, HashError, InvalidSchemaError, UnsupportedTypeError

ReadRecord = tuple[int, int, str, str, str | None, str | None, str | None]
"""A record of :func:`read_file`: ``(line, index, source_id, content_hash, input, output,
metadata)``, the content as canonical JSON text (``None`` when not asked for)."""
ReadIssue = tuple[int, int, str | None, HashError]
"""A bad record of :func:`read_file`: ``(line, index, source_id or None, HashError)``."""
DecodedRecord = tuple[int, str, str, str | None, str | None, str | None]
"""A request record: ``(position, source_id, content_hash, input, output, metadata)``, the
position the NDJSON line (1-based) or the ``examples`` index (0-based), the content as canonical
JSON text, or ``None`` for a hash-only record."""
RecordFailure = tuple[int | None, str | None, HashError]
"""A refused request record: ``(line or None, source_id or None, HashError)``."""

__all__ = [
    "MAX_DEPTH",
    "MAX_NAME_CHARS",
    "MAX_REPORTED_ERRORS",
    "MAX_SAFE_INTEGER",
    "MAX_SOURCE_ID_CHARS",
    "DecodedRecord",
    "GroundsetError",
    "HashError",
    "InvalidSchemaError",
    "ReadIssue",
    "ReadRecord",
    "RecordFailure",
    "SchemaValidator",
    "UnsupportedTypeError",
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
