"""The exception tree: classes defined in Python, raised by the compiled module."""

from __future__ import annotations

import doctest
import pickle

import pytest

import groundset
import groundset.errors
from groundset import GroundsetError, HashError, UnsupportedTypeError


def test_tree() -> None:
    assert issubclass(GroundsetError, Exception)
    assert issubclass(HashError, GroundsetError) and issubclass(HashError, ValueError)
    assert issubclass(UnsupportedTypeError, HashError) and issubclass(UnsupportedTypeError, TypeError)
    assert not issubclass(HashError, TypeError)
    assert groundset.HashError is groundset.errors.HashError


def test_the_compiled_module_raises_the_python_classes() -> None:
    with pytest.raises(ValueError) as value_error:
        groundset.hash_value(2**53 + 1)
    assert type(value_error.value) is groundset.errors.HashError
    with pytest.raises(TypeError) as type_error:
        groundset.hash_value({"when": object()})
    assert type(type_error.value) is groundset.errors.UnsupportedTypeError
    with pytest.raises(GroundsetError):
        groundset.canonicalize(float("nan"))


def test_attributes_of_an_error_from_a_value() -> None:
    with pytest.raises(HashError) as caught:
        groundset.canonicalize({"input": {"items": [0, 1, 2, 2**64 + 1]}})
    error = caught.value
    assert (error.code, error.path, error.line, error.column) == ("integer_not_exact", "$.input.items[3]", None, None)
    assert str(error).startswith("integer_not_exact at $.input.items[3]: integer 18446744073709551617 ")


def test_paths_quote_keys_that_are_not_identifiers() -> None:
    with pytest.raises(HashError) as caught:
        groundset.canonicalize({"a key": {"é": {"x.y": [None, float("inf")]}}})
    assert caught.value.path == '$["a key"]["é"]["x.y"][1]'


def test_errors_pickle_with_their_attributes() -> None:
    with pytest.raises(UnsupportedTypeError) as caught:
        groundset.hash_value([1, {2}])
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is UnsupportedTypeError
    assert (copy.code, copy.path, str(copy)) == ("unsupported_type", "$[1]", str(caught.value))


def test_public_api() -> None:
    assert sorted(groundset.__all__) == sorted(
        [
            "APIConnectionError",
            "APIError",
            "APITimeoutError",
            "AsyncClient",
            "AuthenticationError",
            "BATCH_SIZE",
            "BadRequestError",
            "Client",
            "Comparison",
            "ConflictError",
            "ContentTooLargeError",
            "DEFAULT_BASE_URL",
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
            "MAX_DEPTH",
            "MAX_NAME_CHARS",
            "MAX_REPORTED_ERRORS",
            "MAX_SAFE_INTEGER",
            "MAX_SOURCE_ID_CHARS",
            "NotFoundError",
            "PLAN_THRESHOLD",
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
    )
    for name in groundset.__all__:
        assert getattr(groundset, name) is not None
    assert groundset.MAX_DEPTH == 128
    assert (groundset.MAX_SOURCE_ID_CHARS, groundset.MAX_NAME_CHARS, groundset.MAX_REPORTED_ERRORS) == (512, 512, 100)
    assert groundset.MAX_SAFE_INTEGER == 2**53 - 1


def test_package_docstring_example() -> None:
    results = doctest.testmod(groundset)
    assert (results.failed, results.attempted) == (0, 2)
