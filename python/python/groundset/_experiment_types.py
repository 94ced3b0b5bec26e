"""The experiment types: :class:`Experiment`, its :class:`ExperimentRun` and
:class:`ExperimentEvaluation` records (as the server takes and answers them), what an evaluator
may return (:class:`EvaluationResult`), and their presentation (``to_pandas``, ``summary_table``).

Public through :mod:`groundset.experiments` and :mod:`groundset`; nothing here talks to a server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from groundset.types import Dataset, Example, UpsertResult

if TYPE_CHECKING:
    import pandas

__all__ = [
    "DatasetArg",
    "EvaluationResult",
    "Experiment",
    "ExperimentEvaluation",
    "ExperimentRun",
    "local_summary",
]

DatasetArg = Union[UpsertResult, Dataset, Mapping[str, Any]]  # noqa: UP007 - runtime alias on 3.10
"""What names the dataset version of an experiment: an upsert's result, a dataset as read, or a
selector ``{"name" | "id", "version_id"?}``."""


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """What an evaluator may return when a bool, a number or a label is not enough.

    >>> def judged(output, expected):  # doctest: +SKIP
    ...     return EvaluationResult(score=0.5, label="partial", explanation="one of two facts")
    """

    score: float | None = None
    label: str | None = None
    explanation: str | None = None
    metadata: Mapping[str, Any] | None = None


@dataclass(slots=True, kw_only=True)
class ExperimentEvaluation:
    """One evaluator's verdict on one run (``error`` set when the evaluator raised)."""

    name: str
    score: float | None
    label: str | None
    explanation: str | None
    metadata: dict[str, Any]
    error: str | None
    start_time: str
    end_time: str
    annotator_kind: str = "CODE"
    id: str | None = None
    run_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The evaluation as the server takes it (without the run id)."""
        return {
            "name": self.name,
            "score": self.score,
            "label": self.label,
            "explanation": self.explanation,
            "metadata": self.metadata,
            "error": self.error,
            "annotator_kind": self.annotator_kind,
            "start_time": self.start_time,
            "end_time": self.end_time,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExperimentEvaluation:
        """The evaluation from the server's JSON."""
        return cls(
            id=data["id"],
            run_id=data["run_id"],
            name=data["name"],
            score=data["score"],
            label=data["label"],
            explanation=data["explanation"],
            metadata=data["metadata"],
            error=data["error"],
            annotator_kind=data["annotator_kind"],
            start_time=data["start_time"],
            end_time=data["end_time"],
        )


@dataclass(slots=True, kw_only=True)
class ExperimentRun:
    """One call of the task on one example (one repetition), with its evaluations.

    Attributes:
        id: the server's id (``None`` in a dry run).
        example_id, source_id, content_hash: the example, and the content the task saw.
        output: what the task returned (``None`` if it raised).
        error: ``"ExceptionType: message"`` if the task raised or timed out, else ``None``.
        example: the example itself, when known.
    """

    example_id: str
    source_id: str
    content_hash: str
    repetition_number: int
    output: Any
    error: str | None
    start_time: str
    end_time: str
    evaluations: list[ExperimentEvaluation] = field(default_factory=list)
    example: Example | None = field(default=None, repr=False)
    id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The run as the server takes it, with its evaluations."""
        return {
            "example_id": self.example_id,
            "repetition_number": self.repetition_number,
            "content_hash": self.content_hash,
            "output": self.output,
            "error": self.error,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "evaluations": [evaluation.to_json() for evaluation in self.evaluations],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], example: Example | None) -> ExperimentRun:
        """The run from the server's JSON."""
        return cls(
            id=data["id"],
            example_id=data["example_id"],
            source_id=data["source_id"],
            content_hash=data["content_hash"],
            repetition_number=data["repetition_number"],
            output=data["output"],
            error=data["error"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            evaluations=[ExperimentEvaluation.from_json(e) for e in data["evaluations"]],
            example=example,
        )


@dataclass(slots=True, kw_only=True)
class Experiment:
    """An experiment: its pinned dataset version, its runs and their evaluations.

    Attributes:
        id: the server's id (``None`` for a dry run, which stores nothing).
        dataset_id, version_id: the dataset version every run saw.
        runs: the runs of this call (of :func:`run_experiment`) or all of them (when loaded).
        summary: the server's summary (runs, errors, mean score per evaluator), or one computed
            from ``runs`` for a dry run.
    """

    id: str | None
    dataset_id: str
    version_id: str
    name: str | None
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    repetitions: int = 1
    dry_run: bool = False
    runs: list[ExperimentRun] = field(default_factory=list, repr=False)
    summary: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], runs: list[ExperimentRun]) -> Experiment:
        """The experiment from the server's JSON (``GET /v1/experiments/{id}``), with ``runs``."""
        return cls(
            id=data["id"],
            dataset_id=data["dataset_id"],
            version_id=data["version_id"],
            name=data["name"],
            description=data["description"],
            metadata=data["metadata"],
            repetitions=data["repetitions"],
            runs=runs,
            summary=data["summary"],
        )

    @property
    def evaluations(self) -> list[ExperimentEvaluation]:
        """Every evaluation of every run."""
        return [evaluation for run in self.runs for evaluation in run.evaluations]

    def __repr__(self) -> str:
        what = "dry run" if self.dry_run else f"experiment {self.id}"
        return (
            f"<Experiment {what} {self.name!r} on dataset {self.dataset_id} version {self.version_id}: "
            f"{len(self.runs)} runs, {sum(run.error is not None for run in self.runs)} errors>"
        )

    def to_pandas(self) -> pandas.DataFrame:
        """One row per run: ``run_id``, ``example_id``, ``source_id``, ``repetition_number``,
        ``input``, ``expected``, ``output``, ``error``, ``start_time``, ``end_time``, ``content_hash``,
        and for each evaluator ``<name>.score``, ``<name>.label``, ``<name>.explanation``,
        ``<name>.error``. Needs pandas (``groundset[pandas]``)."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError("Experiment.to_pandas needs pandas: pip install 'groundset[pandas]'") from error
        names = sorted({evaluation.name for evaluation in self.evaluations})
        rows = []
        for run in self.runs:
            row: dict[str, Any] = {
                "run_id": run.id,
                "example_id": run.example_id,
                "source_id": run.source_id,
                "repetition_number": run.repetition_number,
                "input": None if run.example is None else run.example.input,
                "expected": None if run.example is None else run.example.output,
                "output": run.output,
                "error": run.error,
                "start_time": run.start_time,
                "end_time": run.end_time,
                "content_hash": run.content_hash,
            }
            by_name = {evaluation.name: evaluation for evaluation in run.evaluations}
            for name in names:
                found = by_name.get(name)
                for part in ("score", "label", "explanation", "error"):
                    row[f"{name}.{part}"] = None if found is None else getattr(found, part)
            rows.append(row)
        frame: pandas.DataFrame = pandas.DataFrame(rows)
        return frame

    def summary_table(self) -> str:
        """The summary as text: runs and errors, mean score per evaluator, ids."""
        s = self.summary
        head = "dry run (nothing stored)" if self.dry_run else f"experiment {self.id}"
        lines = [
            f"{head} {self.name!r}: dataset {self.dataset_id} version {self.version_id}",
            f"runs {s.get('runs', 0)} of {s.get('expected_runs', 0)}, errors {s.get('errored_runs', 0)}, "
            f"incomplete {s.get('incomplete_runs', 0)}",
        ]
        evaluators = s.get("evaluations", [])
        if evaluators:
            width = max(9, *(len(e["name"]) for e in evaluators))
            lines.append(f"{'evaluator':<{width}}  {'count':>6}  {'errors':>6}  {'mean score':>10}")
            for e in evaluators:
                mean = "-" if e["mean_score"] is None else f"{e['mean_score']:.4f}"
                lines.append(f"{e['name']:<{width}}  {e['count']:>6}  {e['errors']:>6}  {mean:>10}")
        return "\n".join(lines)


def local_summary(runs: Sequence[ExperimentRun], expected_runs: int) -> dict[str, Any]:
    """The server's summary, computed from runs held here (a dry run)."""
    errors = sum(run.error is not None for run in runs)
    by_name: dict[str, list[ExperimentEvaluation]] = {}
    for run in runs:
        for evaluation in run.evaluations:
            by_name.setdefault(evaluation.name, []).append(evaluation)
    evaluators = []
    for name in sorted(by_name):
        scores = [e.score for e in by_name[name] if e.score is not None]
        evaluators.append(
            {
                "name": name,
                "count": len(by_name[name]),
                "errors": sum(e.error is not None for e in by_name[name]),
                "scored": len(scores),
                "mean_score": sum(scores) / len(scores) if scores else None,
            }
        )
    return {
        "expected_runs": expected_runs,
        "runs": len(runs),
        "successful_runs": len(runs) - errors,
        "errored_runs": errors,
        "incomplete_runs": expected_runs - (len(runs) - errors),
        "evaluations": evaluators,
        # A dry run records no latency or usage yet: the server's empty figures.
        "latency_ms": {"count": 0, "p50": None, "p95": None, "mean": None},
        "usage": {"tokens_in": 0, "tokens_out": 0, "runs_with_tokens": 0, "costs": []},
    }
