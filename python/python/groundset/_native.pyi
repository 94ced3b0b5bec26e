"""Typed stub of the compiled module ``groundset._native`` (Rust, pyo3); use the re-exports
of ``groundset`` instead of importing it directly."""

import os
from collections.abc import Iterable, Mapping
from typing import Any, Final

__all__ = [
    "MAX_DEPTH",
    "__version__",
    "canonicalize",
    "example_hash",
    "hash_examples",
    "hash_jsonl",
    "hash_value",
    "manifest_digest",
]

__version__: Final[str]
MAX_DEPTH: Final[int]

def canonicalize(value: Any) -> bytes:
    """The RFC 8785 (JCS) canonical JSON of ``value``, as UTF-8 bytes."""

def hash_value(value: Any) -> str:
    """The SHA-256 (64 lowercase hex digits) of the RFC 8785 canonical JSON of ``value``."""

def example_hash(input: Any, output: Any = None, metadata: Any = None) -> str:
    """The content hash of one example; a missing or ``None`` output or metadata counts as ``{}``."""

def hash_examples(examples: Iterable[Mapping[str, Any]]) -> list[str]:
    """The content hashes of many examples (mappings with ``input`` and optional ``output``,
    ``metadata``), in order; converted and hashed on two threads."""

def manifest_digest(entries: Iterable[tuple[str, str] | list[str]]) -> str:
    """The digest of a dataset version from its ``(source_id, content_hash)`` pairs, in any order."""

def hash_jsonl(
    path: str | os.PathLike[str],
    *,
    id_key: str = "id",
    threads: int | None = None,
) -> list[tuple[str, str]]:
    """``(source_id, content_hash)`` for every record of a JSONL file, hashed without the GIL."""
