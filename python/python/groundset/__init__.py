"""groundset: content hashes of evaluation examples.

Every hash is the SHA-256 of the RFC 8785 (JCS) canonical JSON of a value, computed by the
same Rust core (``canonhash``) that the server and the TypeScript SDK use, so one example has
one hash everywhere. Values outside JSON are refused, never rounded or replaced: see
:class:`HashError`.

>>> import groundset
>>> groundset.canonicalize({"b": 1, "a": [1.0, "é"]}).decode()
'{"a":[1,"é"],"b":1}'
"""

from __future__ import annotations

from groundset._native import (
    MAX_DEPTH,
    __version__,
    canonicalize,
    example_hash,
    hash_examples,
    hash_jsonl,
    hash_value,
    manifest_digest,
)
from groundset.errors import GroundsetError, HashError, UnsupportedTypeError

__all__ = [
    "MAX_DEPTH",
    "GroundsetError",
    "HashError",
    "UnsupportedTypeError",
    "__version__",
    "canonicalize",
    "example_hash",
    "hash_examples",
    "hash_jsonl",
    "hash_value",
    "manifest_digest",
]
