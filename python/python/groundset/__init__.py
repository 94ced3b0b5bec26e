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

import importlib
from typing import TYPE_CHECKING, Any

from groundset_core import (
    MAX_DEPTH,
    MAX_NAME_CHARS,
    MAX_REPORTED_ERRORS,
    MAX_SAFE_INTEGER,
    MAX_SOURCE_ID_CHARS,
    GroundsetError,
    HashError,
    UnsupportedTypeError,
    __version__,
    canonicalize,
    example_hash,
    hash_examples,
    hash_value,
    manifest_digest,
    source_id,
)

from groundset._constants import DEFAULT_BASE_URL, PLAN_THRESHOLD

# The rest is imported at first use (PEP 562), so that ``import groundset`` costs the native core
# only: the clients bring httpx, the experiments anyio, a CLI typer and rich, ``to_pandas()``
# pandas, progress bars tqdm; a CI job that only hashes never pays for them.
_LAZY: dict[str, tuple[str, ...]] = {
    "groundset._export": ("ExportResult", "export_dataset"),
    "groundset._read": ("hash_file", "hash_jsonl", "read_examples"),
    "groundset._schemas": ("DatasetSchema",),
    "groundset.client": ("AsyncClient", "Client"),
    "groundset.comparisons": ("Comparison", "acompare_experiments", "compare_experiments"),
    "groundset.errors": (
        "APIConnectionError",
        "APIError",
        "APITimeoutError",
        "AuthenticationError",
        "BadRequestError",
        "ConflictError",
        "ContentTooLargeError",
        "ExampleError",
        "InternalServerError",
        "NotFoundError",
        "PermissionDeniedError",
        "RateLimitError",
        "RecordIssue",
        "UnsupportedMediaTypeError",
        "ValidationError",
    ),
    "groundset.experiments": (
        "BATCH_SIZE",
        "EvaluationResult",
        "Experiment",
        "ExperimentEvaluation",
        "ExperimentRun",
        "TaskContext",
        "aevaluate_experiment",
        "aload_experiment",
        "aresume_experiment",
        "arun_experiment",
        "as_evaluator",
        "evaluate_experiment",
        "load_experiment",
        "resume_experiment",
        "run_experiment",
    ),
    "groundset.types": (
        "Dataset",
        "DatasetInfo",
        "Diff",
        "Example",
        "ExperimentInfo",
        "Tag",
        "TagEvent",
        "UpsertResult",
        "Version",
    ),
}
_MODULE_OF = {name: module for module, names in _LAZY.items() for name in names}
# ``groundset.client`` and the like, for code that reaches them as attributes of the package.
_SUBMODULES = frozenset({"cli", "client", "comparisons", "errors", "experiments", "types"})

if TYPE_CHECKING:
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
        InternalServerError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        RecordIssue,
        UnsupportedMediaTypeError,
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
    from groundset.types import (
        Dataset,
        DatasetInfo,
        Diff,
        Example,
        ExperimentInfo,
        Tag,
        TagEvent,
        UpsertResult,
        Version,
    )


# Hidden from type checkers, which would otherwise accept any misspelt name as Any.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """A public name of the package, imported from its module at first use (PEP 562)."""
        module = _MODULE_OF.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module), name)
            # Kept, so that the next use is a plain attribute lookup.
            globals()[name] = value
            return value
        if name in _SUBMODULES:
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # The public names and the module's dunders: not the helpers this file imports (Any,
    # TYPE_CHECKING, importlib, annotations) nor its private tables.
    return sorted({*(name for name in globals() if name.startswith("__")), *__all__, *_SUBMODULES})


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
