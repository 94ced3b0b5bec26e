"""The experiment types: :class:`Experiment`, its :class:`ExperimentRun` and
:class:`ExperimentEvaluation` records (as the server takes and answers them), what an evaluator
may return (:class:`EvaluationResult`), and their presentation (``to_pandas``, ``summary_table``).

Public through :mod:`groundset.experiments` and :mod:`groundset`; nothing here talks to a server.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from groundset._format import counted, fixed
from groundset.types import Dataset, Example, ExperimentInfo, UpsertResult

if TYPE_CHECKING:
    import pandas

__all__ = [
    "DatasetArg",
    "EvaluationResult",
    "Experiment",
    "ExperimentArg",
    "ExperimentEvaluation",
    "ExperimentRun",
    "cost_lines",
    "dataframe",
    "local_summary",
]

DatasetArg = Union[UpsertResult, Dataset, Mapping[str, Any]]  # noqa: UP007 - runtime alias on 3.10
"""What names the dataset version of an experiment: an upsert's result, a dataset as read, or a
selector ``{"name" | "id", "version_id"? | "tag"?}`` (a version by id or by tag, else the latest)."""


ExperimentArg = Union["Experiment", ExperimentInfo, str, Mapping[str, Any]]
"""What names a stored experiment: an :class:`Experiment`, an :class:`~groundset.ExperimentInfo`,
its id, or a selector ``{"dataset": NAME | {"name" | "id": ...}, "experiment_name": ...,
"version_id"? | "tag"?: ..., "before"?: experiment}``: the latest experiment of that name on the
dataset (pinned to that version, by id or tag, if given; created before ``before`` if given)."""


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
    """One evaluator's verdict on one run (``error`` set when the evaluator raised).

    Attributes:
        start_time, end_time: ISO 8601 UTC, the wall clock around the evaluator's call.
        latency_ms: how long the call took, in milliseconds, by a monotonic clock.
        evaluator_version: the version :func:`~groundset.as_evaluator` gave the evaluator
            (``None`` without one); a rerun with ``reuse=`` copies an evaluation only when its
            name and version match.
    """

    name: str
    score: float | None
    label: str | None
    explanation: str | None
    metadata: dict[str, Any]
    error: str | None
    start_time: str
    end_time: str
    annotator_kind: str = "CODE"
    latency_ms: float | None = None
    evaluator_version: str | None = None
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
            "latency_ms": self.latency_ms,
            "evaluator_version": self.evaluator_version,
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
            latency_ms=data.get("latency_ms"),
            evaluator_version=data.get("evaluator_version"),
        )


@dataclass(slots=True, kw_only=True)
class ExperimentRun:
    """One call of the task on one example (one repetition), with its evaluations.

    Attributes:
        id: the server's id (``None`` in a dry run).
        example_id, source_id, content_hash: the example, and the content the task saw.
        output: what the task returned (``None`` if it raised).
        error: ``"ExceptionType: message"`` if the task raised or timed out, else ``None``.
        start_time, end_time: ISO 8601 UTC, the wall clock around the task's call.
        latency_ms: how long the call took, in milliseconds, by a monotonic clock.
        tokens_in, tokens_out, cost, currency: what the task reported through
            :meth:`TaskContext.report_usage` (``None`` when it did not).
        reused_from_run_id: the run of an earlier experiment this one was copied from by a rerun
            with ``reuse=`` (``None`` for a run the task made).
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
    latency_ms: float | None = None
    tokens_in: int | None = None
    tokens_out: int | None = None
    cost: float | None = None
    currency: str | None = None
    reused_from_run_id: str | None = None
    evaluations: list[ExperimentEvaluation] = field(default_factory=list)
    example: Example | None = field(default=None, repr=False)
    id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The run as the server takes it, with its evaluations (a reused run is copied by the
        server, never sent)."""
        return {
            "example_id": self.example_id,
            "repetition_number": self.repetition_number,
            "content_hash": self.content_hash,
            "output": self.output,
            "error": self.error,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "latency_ms": self.latency_ms,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "cost": self.cost,
            "currency": self.currency,
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
            latency_ms=data.get("latency_ms"),
            tokens_in=data.get("tokens_in"),
            tokens_out=data.get("tokens_out"),
            cost=data.get("cost"),
            currency=data.get("currency"),
            reused_from_run_id=data.get("reused_from_run_id"),
            evaluations=[ExperimentEvaluation.from_json(e) for e in data["evaluations"]],
            example=example,
        )


@dataclass(slots=True, kw_only=True)
class Experiment:
    """An experiment: its pinned dataset version, its runs and their evaluations.

    Attributes:
        id: the server's id (``None`` for a dry run, which stores nothing).
        dataset_id, version_id: the dataset version every run saw.
        task_version: the user's name for the task's code and prompt (``task_version=`` of
            :func:`run_experiment`), ``None`` when not given.
        selection: the part of the version it runs on (``selection=`` of
            :func:`run_experiment`, as the server stored it: source ids sorted, each once),
            ``None`` for every example of the version.
        runs: the runs of this call (of :func:`run_experiment`: with ``reuse=``, only those the
            task made) or all of them (when loaded, reused ones with ``reused_from_run_id``).
        summary: the server's summary (runs, errors, reused runs, mean score per evaluator,
            latency and usage), or one computed from ``runs`` for a dry run.
    """

    id: str | None
    dataset_id: str
    version_id: str
    name: str | None
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    repetitions: int = 1
    task_version: str | None = None
    selection: dict[str, Any] | None = None
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
            task_version=data.get("task_version"),
            selection=data.get("selection"),
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
            f"{counted(len(self.runs), 'run')}, {counted(sum(run.error is not None for run in self.runs), 'error')}>"
        )

    def to_pandas(self) -> pandas.DataFrame:
        """One row per run: ``run_id``, ``example_id``, ``source_id``, ``repetition_number``,
        ``input``, ``expected``, ``output``, ``error``, ``start_time``, ``end_time``, ``content_hash``,
        ``latency_ms``, ``tokens_in``, ``tokens_out``, ``cost``, ``currency``, ``reused`` (bool: copied
        from an earlier experiment by ``reuse=``), and for each evaluator ``<name>.score``,
        ``<name>.label``, ``<name>.explanation``, ``<name>.error``, ``<name>.latency_ms``,
        ``<name>.evaluator_version``. Needs pandas (``groundset[pandas]``)."""
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
                "latency_ms": run.latency_ms,
                "tokens_in": run.tokens_in,
                "tokens_out": run.tokens_out,
                "cost": run.cost,
                "currency": run.currency,
                "reused": run.reused_from_run_id is not None,
            }
            by_name = {evaluation.name: evaluation for evaluation in run.evaluations}
            for name in names:
                found = by_name.get(name)
                for part in EVALUATION_COLUMNS:
                    row[f"{name}.{part}"] = None if found is None else getattr(found, part)
            rows.append(row)
        return dataframe(rows, "Experiment.to_pandas")

    def summary_table(self) -> str:
        """The summary as text: runs and errors, the selection, reused runs, latency (p50, p95,
        ms), usage totals, mean score per evaluator, ids."""
        s = self.summary
        head = "dry run (nothing stored)" if self.dry_run else f"experiment {self.id}"
        task = "" if self.task_version is None else f" task_version {self.task_version!r}"
        lines = [
            f"{head} {self.name!r}: dataset {self.dataset_id} version {self.version_id}{task}",
            f"runs {s.get('runs', 0)} of {s.get('expected_runs', 0)}, errors {s.get('errored_runs', 0)}, "
            f"incomplete {s.get('incomplete_runs', 0)}",
        ]
        if self.selection is not None:
            lines.append(selection_line(self.selection))
        reused = s.get("reused_runs", 0)
        if reused:
            lines.append(
                f"reused {reused} of {counted(s.get('runs', 0), 'run')} (the task ran {s.get('runs', 0) - reused})"
            )
        lines += cost_lines(s.get("latency_ms"), s.get("usage"))
        evaluators = s.get("evaluations", [])
        if evaluators:
            width = max(9, *(len(e["name"]) for e in evaluators))
            lines.append(f"{'evaluator':<{width}}  {'count':>6}  {'errors':>6}  {'mean score':>10}")
            for e in evaluators:
                mean = fixed(e["mean_score"], 4)
                lines.append(f"{e['name']:<{width}}  {e['count']:>6}  {e['errors']:>6}  {mean:>10}")
        return "\n".join(lines)


def selection_line(selection: Mapping[str, Any]) -> str:
    """``selection: 3 source ids`` or ``selection: metadata lang in ["en","fr"] and split eq
    "test"`` (values as compact JSON), as the TypeScript SDK prints it."""
    if "source_ids" in selection:
        count = len(selection["source_ids"])
        return f"selection: {count} source id{'' if count == 1 else 's'}"
    conditions = [
        f"{key} {test} {json.dumps(value, ensure_ascii=False, separators=(',', ':'))}"
        for key, condition in selection.get("metadata", {}).items()
        for test, value in condition.items()
    ]
    return "selection: metadata " + " and ".join(conditions)


def dataframe(rows: list[dict[str, Any]], what: str) -> pandas.DataFrame:
    """A DataFrame of ``rows``; :class:`ImportError` naming ``what`` without pandas."""
    try:
        import pandas
    except ImportError as error:
        raise ImportError(f"{what} needs pandas: pip install 'groundset[pandas]'") from error
    frame: pandas.DataFrame = pandas.DataFrame(rows)
    return frame


EVALUATION_COLUMNS = ("score", "label", "explanation", "error", "latency_ms", "evaluator_version")


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{fixed(value, 1, grouping=True)} ms"


def cost_lines(latency: Mapping[str, Any] | None, usage: Mapping[str, Any] | None) -> list[str]:
    """Latency (p50, p95) and usage totals as lines of a summary; none for what was not measured."""
    lines = []
    if latency and latency.get("count"):
        lines.append(
            f"latency p50 {_ms(latency['p50'])}, p95 {_ms(latency['p95'])} ({counted(latency['count'], 'run')})"
        )
    if usage and (usage.get("runs_with_tokens") or usage.get("costs")):
        parts = [f"tokens in {usage['tokens_in']:,}, out {usage['tokens_out']:,}"]
        parts += [f"cost {cost['amount']:.6g} {cost['currency'] or '(no currency)'}" for cost in usage["costs"]]
        lines.append("usage " + ", ".join(parts))
    return lines


def _quantiles(ordered: Sequence[float]) -> tuple[float | None, float | None]:
    """p50 and p95 as the server computes them (linear between the closest ranks)."""
    if len(ordered) < 2:
        return (ordered[0], ordered[0]) if ordered else (None, None)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return cuts[49], cuts[94]


def _local_costs(runs: Sequence[ExperimentRun]) -> dict[str, Any]:
    latencies = sorted(run.latency_ms for run in runs if run.latency_ms is not None)
    p50, p95 = _quantiles(latencies)
    by_currency: dict[str | None, tuple[float, int]] = {}
    for run in runs:
        if run.cost is not None:
            amount, count = by_currency.get(run.currency, (0.0, 0))
            by_currency[run.currency] = (amount + run.cost, count + 1)
    return {
        "latency_ms": {
            "count": len(latencies),
            "p50": p50,
            "p95": p95,
            "mean": math.fsum(latencies) / len(latencies) if latencies else None,
        },
        "usage": {
            "tokens_in": sum(run.tokens_in or 0 for run in runs),
            "tokens_out": sum(run.tokens_out or 0 for run in runs),
            "runs_with_tokens": sum(run.tokens_in is not None or run.tokens_out is not None for run in runs),
            "costs": [
                {"currency": currency, "amount": amount, "runs": count}
                for currency, (amount, count) in sorted(
                    by_currency.items(), key=lambda i: (i[0] is not None, i[0] or "")
                )
            ],
        },
    }


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
        "reused_runs": 0,
        "evaluations": evaluators,
        **_local_costs(runs),
    }
