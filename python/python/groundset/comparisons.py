"""Comparisons of two experiments on one dataset (any two of its versions), example by example:
what got better, what got worse, and whether a change came from the application or the data.

>>> comparison = groundset.compare_experiments(base="12", head=experiment)  # doctest: +SKIP
>>> comparison.regressed, comparison.counts.changed  # doctest: +SKIP
>>> print(comparison.table())  # doctest: +SKIP

The server aligns the runs by source id over the two versions' example sets and classes each
example ``only_base`` (removed since), ``only_head`` (added since), ``same_content`` (equal
content hash) or ``changed`` (edited between the versions); repetitions are aggregated (runs,
errors, mean score per evaluator). An evaluator regresses on an example when its score drops by
its threshold or more (default: any drop of a boolean evaluator, 0.1 of a numeric one), or its
error rate rises; a run error rate higher in head is a regression too, and so is an example
with a successful base run and no successful head run (``missing_run``), with or without
evaluators. The verdict counts the like-for-like (``same_content``) examples, and the
``changed`` ones with ``include_changed``; when none of those could be compared (none is in
both versions, or neither side has a successful run on them), :attr:`Comparison.comparable` is
false and ``verdict.not_comparable`` says why: a gate must not read "no regression" as a pass
there.

The types mirror the server's ``Comparison`` schema (openapi.json), member for member, except that
the examples of every page are in :attr:`Comparison.examples` (the server's ``data``).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from groundset import _experiment_api as api
from groundset._bridge import AnyClient, arun_op, run_op
from groundset._experiment_types import ExperimentArg, dataframe
from groundset._format import counted, number
from groundset._http import Op
from groundset.client import Client

if TYPE_CHECKING:
    import pandas

__all__ = [
    "ONLY",
    "AllMeans",
    "CompareExperimentsOnly",
    "ComparedEvaluator",
    "ComparedExample",
    "ComparedExperiment",
    "ComparedScore",
    "Comparison",
    "ComparisonCounts",
    "CostDelta",
    "CostDeltas",
    "CostTotal",
    "Latency",
    "LatencyDelta",
    "LikeForLike",
    "NotComparable",
    "SideMean",
    "SideRuns",
    "Usage",
    "Verdict",
    "acompare_experiments",
    "compare_experiments",
]

Status = Literal["only_base", "only_head", "same_content", "changed"]
CompareExperimentsOnly = Literal[
    "regressions",
    "improvements",
    "new_errors",
    "missing_runs",
    "output_changed",
    "only_base",
    "only_head",
    "same_content",
    "changed",
]
ONLY: tuple[str, ...] = typing.get_args(CompareExperimentsOnly)
"""The values of ``only=``: the examples to list (the aggregates always cover every example)."""


@functools.cache
def _plan(cls: Any) -> tuple[tuple[str, Any, bool], ...]:
    """(field, what builds its value, has a default) of a dataclass of this module."""
    hints = typing.get_type_hints(cls)
    plan = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        builder: Any = None
        if dataclasses.is_dataclass(hint):
            builder = hint
        else:
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            if typing.get_origin(hint) is list and args and dataclasses.is_dataclass(args[0]):
                builder = ("list", args[0])
            elif len(args) == 1 and dataclasses.is_dataclass(args[0]):
                builder = ("optional", args[0])
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        plan.append((f.name, builder, has_default))
    return tuple(plan)


def _build(cls: Any, data: Mapping[str, Any]) -> Any:
    """A dataclass of this module from the server's JSON; members it does not know are ignored,
    members it lacks take the field's default (a server before them)."""
    values: dict[str, Any] = {}
    for name, builder, has_default in _plan(cls):
        if name not in data:
            if has_default:
                continue
            raise ValueError(f"the server's {cls.__name__} has no {name!r}")
        value = data[name]
        if builder is None or value is None:
            values[name] = value
        elif isinstance(builder, tuple):
            kind, inner = builder
            values[name] = [_build(inner, item) for item in value] if kind == "list" else _build(inner, value)
        else:
            values[name] = _build(builder, value)
    return cls(**values)


@dataclass(frozen=True, slots=True, kw_only=True)
class Latency:
    """Run latencies in milliseconds: ``count`` runs with one, their ``p50``, ``p95`` (linear
    interpolation between closest ranks) and ``mean`` (``None`` without any)."""

    count: int
    p50: float | None
    p95: float | None
    mean: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CostTotal:
    """The cost of the runs that gave one in ``currency`` (``None``: given without one)."""

    currency: str | None
    amount: float
    runs: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Usage:
    """Usage totals of an experiment's runs (errored runs included)."""

    tokens_in: int
    tokens_out: int
    runs_with_tokens: int
    costs: list[CostTotal]


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparedExperiment:
    """One side of a comparison: the experiment and what its runs cost."""

    id: str
    name: str | None
    version_id: str
    task_version: str | None
    repetitions: int
    example_count: int
    runs: int
    errored_runs: int
    latency_ms: Latency
    usage: Usage
    reused_runs: int = 0
    selection: dict[str, Any] | None = None
    """The selection the experiment was created with (``None``: every example of its version)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SideMean:
    """The mean over the examples of their mean score, and how many examples have a score."""

    mean: float | None
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AllMeans:
    """An evaluator's means over every example of each side's version; ``delta`` = head - base."""

    base: SideMean
    head: SideMean
    delta: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class LikeForLike:
    """An evaluator's means over the ``count`` same-content examples scored on both sides."""

    base_mean: float | None
    head_mean: float | None
    delta: float | None
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparedEvaluator:
    """One evaluator's aggregates: ``kind`` (``"boolean"`` when every score is 0 or 1,
    ``"label"`` when it gave labels and no score (its means are ``None``), else ``"numeric"``),
    the ``threshold`` applied (``None`` for a label evaluator: a label has no order), the means,
    and the regressions, improvements and new errors among the examples of the verdict's scope;
    ``missing``: of the regressions, examples base scored and head did not (no successful run,
    no evaluation, only errors); ``labels_changed``: a label evaluator's examples of the scope
    labelled on both sides, with another label in head (not regressions; ``None`` for a scored
    evaluator)."""

    name: str
    kind: Literal["boolean", "numeric", "label"]
    threshold: float | None
    all: AllMeans
    like_for_like: LikeForLike
    regressions: int
    improvements: int
    new_errors: int
    missing: int = 0
    labels_changed: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyDelta:
    """Head minus base of the latency figures (``None`` when a side has none), in milliseconds."""

    p50: float | None
    p95: float | None
    mean: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CostDelta:
    """Head minus base of the cost in one currency (a side without it counts 0)."""

    currency: str | None
    amount: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CostDeltas:
    """Head minus base: latency, tokens and costs."""

    latency_ms: LatencyDelta
    tokens_in: int
    tokens_out: int
    costs: list[CostDelta]


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparisonCounts:
    """Examples of either version per class, with changed outputs, new run errors and missing
    runs (of both versions, a successful base run and no successful head run)."""

    examples: int
    only_base: int
    only_head: int
    same_content: int
    changed: int
    output_changed: int
    new_run_errors: int
    missing_runs: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class NotComparable:
    """Why a comparison compared nothing: ``code`` ``"no_examples_in_scope"`` (no example of
    both versions in the verdict's scope: none kept its content and ``include_changed`` is
    false, or the versions share none) or ``"no_successful_runs"`` (neither side has a
    successful run on those examples); ``detail`` says it with the figures."""

    code: Literal["no_examples_in_scope", "no_successful_runs"]
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What a CI gate reads: ``regressed`` when some example of the ``scope`` (``same_content``,
    and ``changed`` with ``include_changed``) regressed; ``comparable`` false (and
    ``not_comparable`` saying why) when nothing could be compared, where "no regression" means
    nothing. ``missing_runs``: examples of the scope with a successful base run and no
    successful head run (no run, or only errors), regressions with or without evaluators."""

    regressed: bool
    scope: list[Status]
    regressions: dict[str, int]
    new_run_errors: int
    regressed_examples: int
    improved_examples: int
    comparable: bool = True
    not_comparable: NotComparable | None = None
    missing_runs: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class SideRuns:
    """One side's runs of an example: how many, how many errored."""

    runs: int
    errors: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparedScore:
    """One evaluator on one example: mean scores over the repetitions, ``delta`` = head - base,
    ``change`` by the threshold (``None`` when a side has no score and no new error);
    ``missing``: base has a score and head none on an example of both versions (no successful
    run, no evaluation, only errors), a regression (``change`` ``"regression"``);
    ``base_label``, ``head_label``: each side's label (of the repetitions' labels the most
    frequent, on a tie the least by code point; ``None`` without one)."""

    name: str
    base: float | None
    head: float | None
    delta: float | None
    change: Literal["regression", "improvement", "steady"] | None
    base_errors: int
    head_errors: int
    new_error: bool
    missing: bool = False
    base_label: str | None = None
    head_label: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ComparedExample:
    """One example of either version, aligned by source id.

    Attributes:
        status: ``only_base``, ``only_head``, ``same_content`` or ``changed``.
        base, head: each side's runs (``None`` when the example is not in that side's version).
        output_changed: the sets of distinct outputs of the sides' successful runs differ
            (canonical JSON, RFC 8785); ``None`` when a side has none.
        missing_run: in both versions, base has a successful run and head none (no run, or
            only errors): a regression, with or without evaluators.
        regression, improvement: in the verdict's scope, and some evaluator regressed (or a new
            run error, a missing run) / improved.
        scores: per evaluator either side has, by name.
    """

    example_id: str
    source_id: str
    status: Status
    base_content_hash: str | None
    head_content_hash: str | None
    base: SideRuns | None
    head: SideRuns | None
    output_changed: bool | None
    new_run_error: bool
    regression: bool
    improvement: bool
    scores: list[ComparedScore]
    missing_run: bool = False


SCORE_PARTS = ("base", "head", "delta", "change", "base_label", "head_label")


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """Two experiments compared example by example (the server's ``Comparison``).

    Attributes:
        dataset_id: the dataset both experiments are on.
        base, head: the two experiments, with their runs, latency and usage.
        counts: examples per class.
        evaluators: per evaluator (by name): kind, threshold, means on all and like-for-like
            examples, regressions and improvements.
        deltas: head minus base of latency, tokens and costs.
        verdict: the CI verdict; :attr:`regressed` is its ``regressed``, :attr:`comparable` its
            ``comparable``.
        examples: the examples fetched (every one, or those ``only=`` kept), by example id.
        selections_differ: the two experiments were created with different selections (one
            with none counts): an example outside a side's selection is absent on that side
            (``only_base`` or ``only_head``), not a regression.
    """

    dataset_id: str
    base: ComparedExperiment
    head: ComparedExperiment
    counts: ComparisonCounts
    evaluators: list[ComparedEvaluator]
    deltas: CostDeltas
    verdict: Verdict
    examples: list[ComparedExample]
    selections_differ: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        """The comparison from the server's JSON (its ``data`` as :attr:`examples`)."""
        comparison: Comparison = _build(cls, {**data, "examples": data["data"]})
        return comparison

    @property
    def regressed(self) -> bool:
        """Whether the head regressed beyond the thresholds (``verdict.regressed``): what a CI
        gate fails on."""
        return self.verdict.regressed

    @property
    def comparable(self) -> bool:
        """Whether anything could be compared (``verdict.comparable``): false when no example of
        both versions is in the verdict's scope or neither side has a successful run on those
        (``verdict.not_comparable`` says which). A CI gate fails then too: ``regressed`` false
        means nothing there (``groundset compare --fail-on-regression`` exits 2)."""
        return self.verdict.comparable

    def __repr__(self) -> str:
        what = "regressed" if self.regressed else "no regression" if self.comparable else "nothing compared"
        return (
            f"<Comparison base {self.base.id} -> head {self.head.id} on dataset {self.dataset_id}: {what}, "
            f"{counted(self.counts.examples, 'example')} ({self.counts.same_content} same, "
            f"{self.counts.changed} changed, {self.counts.only_head} added, {self.counts.only_base} removed)>"
        )

    def regressions(self) -> list[tuple[ComparedExample, str, ComparedScore | None]]:
        """(example, evaluator name, score) of every regression among :attr:`examples`, by example:
        a score that dropped or a new evaluation error, and a new run error or a missing run
        (named ``"(run)"``, without a score)."""
        found: list[tuple[ComparedExample, str, ComparedScore | None]] = []
        for example in self.examples:
            if not example.regression:
                continue
            if example.new_run_error or example.missing_run:
                found.append((example, "(run)", None))
            found += [(example, s.name, s) for s in example.scores if s.change == "regression" or s.new_error]
        return found

    def table(self, limit: int | None = None) -> str:
        """The regressed examples as a text table: source id, class, evaluator, base, head,
        delta (``limit`` rows at most, then a line saying how many more); a line saying there is
        none when nothing regressed."""
        rows = [
            (example.source_id, example.status, name, *_score_cells(score, example))
            for example, name, score in self.regressions()
        ]
        if not rows:
            return "no regressed example"
        shown = rows if limit is None else rows[:limit]
        header = ("source id", "class", "evaluator", "base", "head", "delta")
        widths = [max(len(header[i]), *(len(row[i]) for row in shown)) for i in range(len(header))]
        right = {3, 4, 5}

        def line(cells: Sequence[str]) -> str:
            return "  ".join(
                cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(cells)
            ).rstrip()

        lines = [line(header), line(["-" * width for width in widths]), *(line(row) for row in shown)]
        if len(shown) < len(rows):
            lines.append(f"... and {len(rows) - len(shown)} more")
        return "\n".join(lines)

    def to_pandas(self) -> pandas.DataFrame:
        """One row per example: ``example_id``, ``source_id``, ``status``, ``base_content_hash``,
        ``head_content_hash``, ``base_runs``, ``base_errors``, ``head_runs``, ``head_errors``,
        ``output_changed``, ``new_run_error``, ``missing_run``, ``regression``, ``improvement``, and for each
        evaluator ``<name>.base``, ``<name>.head``, ``<name>.delta``, ``<name>.change``. Needs
        pandas (``groundset[pandas]``)."""
        names = [evaluator.name for evaluator in self.evaluators]
        rows = []
        for example in self.examples:
            row: dict[str, Any] = {
                "example_id": example.example_id,
                "source_id": example.source_id,
                "status": example.status,
                "base_content_hash": example.base_content_hash,
                "head_content_hash": example.head_content_hash,
                "base_runs": None if example.base is None else example.base.runs,
                "base_errors": None if example.base is None else example.base.errors,
                "head_runs": None if example.head is None else example.head.runs,
                "head_errors": None if example.head is None else example.head.errors,
                "output_changed": example.output_changed,
                "new_run_error": example.new_run_error,
                "missing_run": example.missing_run,
                "regression": example.regression,
                "improvement": example.improvement,
            }
            by_name = {score.name: score for score in example.scores}
            for name in names:
                found = by_name.get(name)
                for part in SCORE_PARTS:
                    row[f"{name}.{part}"] = None if found is None else getattr(found, part)
            rows.append(row)
        return dataframe(rows, "Comparison.to_pandas")


def _score_cells(score: ComparedScore | None, example: ComparedExample) -> tuple[str, str, str]:
    if score is None:
        # A run row: head's runs errored, or there is none (a missing run).
        return "-", "error" if example.new_run_error else "missing", "-"
    # A label evaluator's cells are its labels.
    base = number(score.base) if score.base is not None or score.base_label is None else score.base_label
    head = number(score.head) if score.head is not None or score.head_label is None else score.head_label
    if score.new_error and score.head is None:
        head = "error"
    if score.missing and not score.new_error:
        head = "missing"
    return base, head, number(score.delta, sign=True)


# ---------------------------------------------------------------- the functions


def threshold_values(thresholds: float | Mapping[str, float] | None) -> list[str]:
    """The server's ``threshold`` values: ``"0.2"`` for every evaluator, ``"NAME:0.2"`` for one.

    Raises :class:`TypeError` for what is not a number or a mapping of numbers, :class:`ValueError`
    for a number that is not finite and >= 0."""
    if thresholds is None:
        return []
    items: list[tuple[str | None, Any]]
    items = list(thresholds.items()) if isinstance(thresholds, Mapping) else [(None, thresholds)]
    values = []
    for name, value in items:
        where = "thresholds=" if name is None else f"thresholds[{name!r}]"
        if name is not None and (not isinstance(name, str) or not name):
            raise TypeError(f"thresholds= maps evaluator names (non-empty str) to numbers, not the key {name!r}")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise TypeError(f"{where} must be a number (or a mapping evaluator name -> number), not {value!r}")
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"{where} must be a finite number >= 0, not {value!r}")
        values.append(repr(float(value)) if name is None else f"{name}:{float(value)!r}")
    return values


def only_values(only: str | Sequence[str] | None) -> list[str]:
    """``only=`` checked: some of :data:`ONLY` (a str is one value); :class:`ValueError` otherwise."""
    if only is None:
        return []
    values = [only] if isinstance(only, str) else list(only)
    unknown = [value for value in values if value not in ONLY]
    if unknown:
        raise ValueError(f"only= takes some of {', '.join(ONLY)}; not {', '.join(map(repr, unknown))}")
    return values


def compare_op(
    base: ExperimentArg,
    head: ExperimentArg,
    *,
    thresholds: float | Mapping[str, float] | None = None,
    include_changed: bool = False,
    only: str | Sequence[str] | None = None,
    max_examples: int | None = None,
) -> Op[dict[str, Any]]:
    """The comparison as the server's JSON with every page's examples in ``data`` (what
    ``groundset compare --json`` prints); the arguments of :func:`compare_experiments`."""
    threshold = threshold_values(thresholds)
    kept = only_values(only)
    if not isinstance(include_changed, bool):
        raise TypeError(f"include_changed= must be a bool, not {include_changed!r}")
    base_id = yield from api.experiment_id(base, "base")
    head_id = yield from api.experiment_id(head, "head")
    return (
        yield from api.compare(
            base_id,
            head_id,
            thresholds=threshold,
            include_changed=include_changed,
            only=kept,
            max_examples=max_examples,
        )
    )


def _comparison(
    base: ExperimentArg,
    head: ExperimentArg,
    thresholds: float | Mapping[str, float] | None,
    include_changed: bool,
    only: str | Sequence[str] | None,
) -> Op[Comparison]:
    data = yield from compare_op(base, head, thresholds=thresholds, include_changed=include_changed, only=only)
    return Comparison.from_json(data)


def compare_experiments(
    *,
    base: ExperimentArg,
    head: ExperimentArg,
    thresholds: float | Mapping[str, float] | None = None,
    include_changed: bool = False,
    only: str | Sequence[str] | None = None,
    client: Client | None = None,
) -> Comparison:
    """Compare two experiments on one dataset (on any two of its versions), example by example.

    Args:
        base, head: each an :class:`~groundset.Experiment`, an :class:`~groundset.ExperimentInfo`,
            an experiment id, or a selector ``{"dataset": NAME | {"name" | "id": ...},
            "experiment_name": ..., "version_id"?: ..., "before"?: experiment}`` naming the latest
            experiment of that name (on that version; created before ``before``).
        thresholds: the drop of an example's mean score that counts as a regression (the rise an
            improvement): a number for every evaluator, or a mapping evaluator name -> number;
            default: any drop of a boolean evaluator, 0.1 of a numeric one.
        include_changed: the verdict counts the examples edited between the versions too
            (default: like for like, the ``same_content`` examples only).
        only: list only these examples (some of :data:`ONLY`, such as ``["regressions"]``); the
            aggregates always cover every example. Default: every example, all pages fetched
            (10,000 per request).
        client: the server's client (default: a new one from ``GROUNDSET_BASE_URL``).

    Returns:
        A :class:`Comparison`; ``.regressed`` is the CI verdict, ``.table()`` the regressed
        examples as text.

    Raises:
        NotFoundError: an experiment is missing, or a selector found none (``experiment_not_found``).
        ValidationError: the experiments are on different datasets
            (``experiments_on_different_datasets``), base and head are one experiment
            (``compare_with_itself``), a threshold names no evaluator of either
            (``unknown_evaluator``).
        TypeError, ValueError: a bad argument, before anything is sent.

    >>> comparison = compare_experiments(  # doctest: +SKIP
    ...     base={"dataset": "qa", "experiment_name": "nightly", "before": experiment}, head=experiment
    ... )
    >>> if comparison.regressed:  # doctest: +SKIP
    ...     print(comparison.table())
    """
    return run_op(client, _comparison(base, head, thresholds, include_changed, only), "compare_experiments")


async def acompare_experiments(
    *,
    base: ExperimentArg,
    head: ExperimentArg,
    thresholds: float | Mapping[str, float] | None = None,
    include_changed: bool = False,
    only: str | Sequence[str] | None = None,
    client: AnyClient | None = None,
) -> Comparison:
    """Async :func:`compare_experiments` (a blocking :class:`~groundset.Client` runs in a worker thread)."""
    return await arun_op(client, _comparison(base, head, thresholds, include_changed, only))
