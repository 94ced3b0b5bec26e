"""groundset: versioned datasets of evaluation examples, synced by content hash.

>>> client = groundset.Client()  # doctest: +SKIP
>>> client.upsert_dataset(name="qa", examples=rows, source_id_key="id")  # doctest: +SKIP

Every hash is the SHA-256 of the RFC 8785 (JCS) canonical JSON of a value, computed by the
same Rust core (``canonhash``) that the server and the TypeScript SDK use, so one example has
one hash everywhere. Values outside JSON are refused, never rounded or replaced: see
:class:`HashError`.

>>> import groundset
>>> groundset.canonicalize({"b": 1, "a": [1.0, "é"]}).decode()
'{"a":[1,"é"],"b":1}'
"""

from __future__ import annotations

from groundset_core import (
    MAX_DEPTH,
    MAX_NAME_CHARS,
    MAX_REPORTED_ERRORS,
    MAX_SAFE_INTEGER,
    MAX_SOURCE_ID_CHARS,
    __version__,
    canonicalize,
    example_hash,
    hash_examples,
    hash_value,
    manifest_digest,
    source_id,
)

from groundset._constants import DEFAULT_BASE_URL, PLAN_THRESHOLD
from groundset._export import ExportResult, export_dataset
from groundset._read import hash_file, hash_jsonl, read_examples
from groundset._schemas import DatasetSchema
from groundset.client import AsyncClient, Client
from groundset.comparisons import Comparison, acompare_experiments, compare_experiments
from groundset.errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ContentTooLargeError,
    ExampleError,
    GroundsetError,
    HashError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RecordIssue,
    UnsupportedMediaTypeError,
    UnsupportedTypeError,
    ValidationError,
)
from groundset.experiments import (
    BATCH_SIZE,
    EvaluationResult,
    Experiment,
    ExperimentEvaluation,
    ExperimentRun,
    TaskContext,
    aevaluate_experiment,
    aload_experiment,
    aresume_experiment,
    arun_experiment,
    as_evaluator,
    evaluate_experiment,
    load_experiment,
    resume_experiment,
    run_experiment,
)
from groundset.types import Dataset, DatasetInfo, Diff, Example, ExperimentInfo, Tag, TagEvent, UpsertResult, Version

__all__ = [
    "BATCH_SIZE",
    "DEFAULT_BASE_URL",
    "MAX_DEPTH",
    "MAX_NAME_CHARS",
    "MAX_REPORTED_ERRORS",
    "MAX_SAFE_INTEGER",
    "MAX_SOURCE_ID_CHARS",
    "PLAN_THRESHOLD",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "Comparison",
    "ConflictError",
    "ContentTooLargeError",
    "Dataset",
    "DatasetInfo",
    "DatasetSchema",
    "Diff",
    "EvaluationResult",
    "Example",
    "ExampleError",
    "Experiment",
    "ExperimentEvaluation",
    "ExperimentInfo",
    "ExperimentRun",
    "ExportResult",
    "GroundsetError",
    "HashError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RecordIssue",
    "Tag",
    "TagEvent",
    "TaskContext",
    "UnsupportedMediaTypeError",
    "UnsupportedTypeError",
    "UpsertResult",
    "ValidationError",
    "Version",
    "__version__",
    "acompare_experiments",
    "aevaluate_experiment",
    "aload_experiment",
    "aresume_experiment",
    "arun_experiment",
    "as_evaluator",
    "canonicalize",
    "compare_experiments",
    "evaluate_experiment",
    "example_hash",
    "export_dataset",
    "hash_examples",
    "hash_file",
    "hash_jsonl",
    "hash_value",
    "load_experiment",
    "manifest_digest",
    "read_examples",
    "resume_experiment",
    "run_experiment",
    "source_id",
]
