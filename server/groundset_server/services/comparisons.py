"""The comparison of two experiments on one dataset (a base and a head, on any two versions).

Examples are aligned by source id (one dataset: one example row per source id) over the two
pinned versions' example sets; each is classed `only_base`, `only_head`, `same_content` (equal
content hash at both versions) or `changed` (edited between them). A side's repetitions are
aggregated per example: runs, errored runs, the set of distinct outputs of its successful runs,
and per evaluator the mean score over the repetitions that have one.

Per evaluator and example, `delta` is head minus base; it is a regression when it drops by the
evaluator's threshold or more, an improvement when it rises by as much (within 1e-9, so that
0.3 - 0.2 counts as 0.1). Thresholds: a value given for the evaluator, else the one given for
all, else 0 for a boolean evaluator (every score either experiment holds is 0 or 1: any drop
counts) and 0.1 for a numeric one. An evaluation error rate higher in head than in base is a
regression of that evaluator, a run error rate higher in head a regression of the example.

The verdict counts regressions on `same_content` examples (like for like), and on `changed`
ones too when asked; an example's `regression` and `improvement` flags follow the same scope.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlalchemy as sa

from groundset_server.db.engine import read_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import experiment_evaluations as evaluations
from groundset_server.db.tables import experiment_runs as runs
from groundset_server.services.costs import Costs, costs, deltas
from groundset_server.services.errors import Invalid
from groundset_server.services.experiments import experiment_row
from groundset_server.services.queries import example_set_query
from groundset_server.services.values import parse_id, render_id

TOLERANCE = 1e-9
NUMERIC_THRESHOLD = 0.1
"""The default threshold of a numeric evaluator; a boolean one's is 0 (any drop)."""

Status = Literal["only_base", "only_head", "same_content", "changed"]
STATUSES: tuple[Status, ...] = ("only_base", "only_head", "same_content", "changed")
Only = Literal[
    "regressions",
    "improvements",
    "new_errors",
    "output_changed",
    "only_base",
    "only_head",
    "same_content",
    "changed",
]


@dataclass
class Thresholds:
    """The caller's thresholds: ``default`` for every evaluator, ``evaluators`` per name."""

    default: float | None = None
    evaluators: dict[str, float] = field(default_factory=dict)


def _threshold_value(text: str, given: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise Invalid(
            "invalid_threshold",
            f"the threshold `{given}` is not a finite number >= 0 (give `0.1` for every evaluator, "
            "`NAME:0.1` for one)",
            parameter="threshold",
        )
    return value


def parse_thresholds(values: Iterable[str]) -> Thresholds:
    """``threshold`` query values: ``0.1`` for every evaluator, ``NAME:0.1`` for the evaluator
    NAME (split at the last ``:``, so a name may hold one); 422 ``invalid_threshold`` for a
    value that is not a finite number >= 0 or a second value for the same target."""
    thresholds = Thresholds()
    for given in values:
        name, colon, number = given.rpartition(":")
        value = _threshold_value(number, given)
        if not colon:
            if thresholds.default is not None:
                raise Invalid(
                    "invalid_threshold",
                    "two thresholds for every evaluator were given",
                    parameter="threshold",
                )
            thresholds.default = value
        elif name in thresholds.evaluators:
            raise Invalid(
                "invalid_threshold",
                f"two thresholds were given for the evaluator `{name}`",
                parameter="threshold",
            )
        else:
            thresholds.evaluators[name] = value
    return thresholds


@dataclass(slots=True)
class Tally:
    """One example's runs on one side."""

    runs: int = 0
    errors: int = 0
    outputs: set[str | None] = field(default_factory=set)
    """The distinct canonical outputs of its successful runs (None: the JSON null)."""


@dataclass(slots=True)
class Scores:
    """One evaluator on one example on one side, over its repetitions."""

    mean: float | None
    scored: int
    errors: int
    count: int


@dataclass
class Side:
    row: sa.Row[Any]
    hashes: dict[int, str]
    """Example id -> content hash at the experiment's version."""
    tallies: dict[int, Tally]
    scores: dict[str, dict[int, Scores]]
    """Evaluator name -> example id -> its scores."""
    non_boolean: set[str]
    """Evaluators with a score other than 0 and 1."""
    costs: Costs

    def experiment(self) -> dict[str, Any]:
        row = self.row
        return {
            "id": render_id(row.id),
            "name": row.name,
            "version_id": render_id(row.dataset_version_id),
            "task_version": row.task_version,
            "repetitions": row.repetitions,
            "example_count": row.example_count,
            "runs": sum(tally.runs for tally in self.tallies.values()),
            "errored_runs": sum(tally.errors for tally in self.tallies.values()),
            **self.costs.summary(),
        }


def _side(conn: sa.Connection, row: sa.Row[Any], hashes: dict[int, str] | None) -> Side:
    if hashes is None:
        query = example_set_query(
            conn, row.dataset_id, row.dataset_version_id, [examples.c.id, revisions.c.content_hash]
        )
        hashes = {example_id: content_hash for example_id, content_hash in conn.execute(query)}
    tallies: dict[int, Tally] = {}
    for example_id, errored, output in conn.execute(
        sa.select(runs.c.example_id, runs.c.error.is_not(None), runs.c.output).where(
            runs.c.experiment_id == row.id
        )
    ):
        tally = tallies.get(example_id)
        if tally is None:
            tally = tallies[example_id] = Tally()
        tally.runs += 1
        if errored:
            tally.errors += 1
        else:
            tally.outputs.add(output)
    scores: dict[str, dict[int, Scores]] = {}
    non_boolean: set[str] = set()
    for example_id, name, mean, scored, errors, count, other in conn.execute(
        sa.select(
            runs.c.example_id,
            evaluations.c.name,
            sa.func.avg(evaluations.c.score),
            sa.func.count(evaluations.c.score),
            sa.func.count(evaluations.c.error),
            sa.func.count(),
            sa.func.count(evaluations.c.score).filter(evaluations.c.score.not_in([0.0, 1.0])),
        )
        .join(runs, runs.c.id == evaluations.c.run_id)
        .where(runs.c.experiment_id == row.id)
        .group_by(runs.c.example_id, evaluations.c.name)
    ):
        scores.setdefault(name, {})[example_id] = Scores(
            None if mean is None else float(mean), scored, errors, count
        )
        if other:
            non_boolean.add(name)
    return Side(row, hashes, tallies, scores, non_boolean, costs(conn, row.id))


def _mean(values: list[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def _difference(head: float | None, base: float | None) -> float | None:
    return None if head is None or base is None else head - base


def _rate_rose(head_errors: int, head_count: int, base_errors: int, base_count: int) -> bool:
    """Head's error rate above base's (both with something to rate)."""
    return base_count > 0 and head_count > 0 and head_errors * base_count > base_errors * head_count


@dataclass
class Evaluator:
    name: str
    kind: Literal["boolean", "numeric"]
    threshold: float
    base: list[float] = field(default_factory=list)
    head: list[float] = field(default_factory=list)
    like_base: list[float] = field(default_factory=list)
    like_head: list[float] = field(default_factory=list)
    regressions: int = 0
    improvements: int = 0
    new_errors: int = 0

    def answer(self) -> dict[str, Any]:
        base, head = _mean(self.base), _mean(self.head)
        like_base, like_head = _mean(self.like_base), _mean(self.like_head)
        return {
            "name": self.name,
            "kind": self.kind,
            "threshold": self.threshold,
            "all": {
                "base": {"mean": base, "count": len(self.base)},
                "head": {"mean": head, "count": len(self.head)},
                "delta": _difference(head, base),
            },
            "like_for_like": {
                "base_mean": like_base,
                "head_mean": like_head,
                "delta": _difference(like_head, like_base),
                "count": len(self.like_base),
            },
            "regressions": self.regressions,
            "improvements": self.improvements,
            "new_errors": self.new_errors,
        }


@dataclass(slots=True)
class Outcome:
    """One aligned example: its class, what moved, and the per-evaluator rows of its answer."""

    example_id: int
    status: Status
    output_changed: bool | None = None
    new_run_error: bool = False
    regression: bool = False
    improvement: bool = False
    scores: list[dict[str, Any]] = field(default_factory=list)

    def matches(self, only: set[str]) -> bool:
        return (
            self.status in only
            or ("regressions" in only and self.regression)
            or ("improvements" in only and self.improvement)
            or ("output_changed" in only and bool(self.output_changed))
            or ("new_errors" in only and (self.new_run_error or any(s["new_error"] for s in self.scores)))
        )


def _change(delta: float | None, threshold: float, new_error: bool) -> str | None:
    if new_error:
        return "regression"
    if delta is None:
        return None
    if delta < 0 and -delta >= threshold - TOLERANCE:
        return "regression"
    if delta > 0 and delta >= threshold - TOLERANCE:
        return "improvement"
    return "steady"


def _score_row(name: str, evaluator: Evaluator, base: Scores | None, head: Scores | None) -> dict[str, Any]:
    base_mean = None if base is None else base.mean
    head_mean = None if head is None else head.mean
    delta = _difference(head_mean, base_mean)
    new_error = (
        base is not None and head is not None and _rate_rose(head.errors, head.count, base.errors, base.count)
    )
    return {
        "name": name,
        "base": base_mean,
        "head": head_mean,
        "delta": delta,
        "change": _change(delta, evaluator.threshold, new_error),
        "base_errors": 0 if base is None else base.errors,
        "head_errors": 0 if head is None else head.errors,
        "new_error": new_error,
    }


def _evaluators(base: Side, head: Side, thresholds: Thresholds) -> dict[str, Evaluator]:
    names = sorted(set(base.scores) | set(head.scores))
    unknown = sorted(set(thresholds.evaluators) - set(names))
    if unknown:
        raise Invalid(
            "unknown_evaluator",
            f"a threshold names the evaluator `{unknown[0]}`, which neither experiment has "
            f"(they have: {', '.join(names) or 'none'})",
            parameter="threshold",
        )
    found: dict[str, Evaluator] = {}
    for name in names:
        scored = any(s.scored for side in (base, head) for s in side.scores.get(name, {}).values())
        boolean = scored and name not in base.non_boolean and name not in head.non_boolean
        default = thresholds.default
        if default is None:
            default = 0.0 if boolean else NUMERIC_THRESHOLD
        found[name] = Evaluator(
            name, "boolean" if boolean else "numeric", thresholds.evaluators.get(name, default)
        )
        for side, means in ((base, found[name].base), (head, found[name].head)):
            means.extend(s.mean for s in side.scores.get(name, {}).values() if s.mean is not None)
    return found


def _outcomes(base: Side, head: Side, evaluators: dict[str, Evaluator], scope: set[str]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    empty: dict[int, Scores] = {}
    score_maps = [
        (name, evaluator, base.scores.get(name, empty), head.scores.get(name, empty))
        for name, evaluator in evaluators.items()
    ]
    for example_id in sorted(base.hashes.keys() | head.hashes.keys()):
        base_hash, head_hash = base.hashes.get(example_id), head.hashes.get(example_id)
        if base_hash is None or head_hash is None:
            # One side only: its scores are shown, nothing is compared.
            outcome = Outcome(example_id, "only_head" if base_hash is None else "only_base")
            outcomes.append(outcome)
            for name, evaluator, base_scores, head_scores in score_maps:
                base_score, head_score = base_scores.get(example_id), head_scores.get(example_id)
                if base_score is not None or head_score is not None:
                    outcome.scores.append(_score_row(name, evaluator, base_score, head_score))
            continue
        outcome = Outcome(example_id, "same_content" if base_hash == head_hash else "changed")
        outcomes.append(outcome)
        in_scope = outcome.status in scope
        base_tally, head_tally = base.tallies.get(example_id), head.tallies.get(example_id)
        if base_tally is not None and head_tally is not None:
            if base_tally.outputs and head_tally.outputs:
                outcome.output_changed = base_tally.outputs != head_tally.outputs
            outcome.new_run_error = _rate_rose(
                head_tally.errors, head_tally.runs, base_tally.errors, base_tally.runs
            )
        regression = outcome.new_run_error
        improvement = False
        for name, evaluator, base_scores, head_scores in score_maps:
            base_score, head_score = base_scores.get(example_id), head_scores.get(example_id)
            if base_score is None and head_score is None:
                continue
            row = _score_row(name, evaluator, base_score, head_score)
            outcome.scores.append(row)
            if outcome.status == "same_content" and row["delta"] is not None:
                evaluator.like_base.append(row["base"])
                evaluator.like_head.append(row["head"])
            if in_scope:
                evaluator.regressions += row["change"] == "regression"
                evaluator.improvements += row["change"] == "improvement"
                evaluator.new_errors += row["new_error"]
            regression = regression or row["change"] == "regression"
            improvement = improvement or row["change"] == "improvement"
        outcome.regression = in_scope and regression
        outcome.improvement = in_scope and improvement
    return outcomes


def _example_answer(outcome: Outcome, source_id: str, base: Side, head: Side) -> dict[str, Any]:
    def side(tally_side: Side) -> dict[str, Any] | None:
        if outcome.example_id not in tally_side.hashes:
            return None
        tally = tally_side.tallies.get(outcome.example_id) or Tally()
        return {"runs": tally.runs, "errors": tally.errors}

    return {
        "example_id": render_id(outcome.example_id),
        "source_id": source_id,
        "status": outcome.status,
        "base_content_hash": base.hashes.get(outcome.example_id),
        "head_content_hash": head.hashes.get(outcome.example_id),
        "base": side(base),
        "head": side(head),
        "output_changed": outcome.output_changed,
        "new_run_error": outcome.new_run_error,
        "regression": outcome.regression,
        "improvement": outcome.improvement,
        "scores": outcome.scores,
    }


def compare(
    engine: sa.Engine,
    base_id: str,
    head_id: str,
    *,
    thresholds: Thresholds,
    include_changed: bool = False,
    only: Iterable[str] = (),
    cursor: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    """The comparison of the experiments ``base_id`` and ``head_id`` (schema ``Comparison``):
    the aggregates whole, the examples (``only`` those matching one of the filters, if any) a
    page of ``limit`` at a time by example id after ``cursor``. 404 ``experiment_not_found``;
    422 ``experiments_on_different_datasets``, ``invalid_threshold``, ``unknown_evaluator``,
    ``invalid_id``."""
    last = None if cursor is None else parse_id(cursor, "cursor")
    wanted = set(only)
    with read_transaction(engine) as conn:
        base_row = experiment_row(conn, base_id)
        head_row = experiment_row(conn, head_id)
        if base_row.dataset_id != head_row.dataset_id:
            raise Invalid(
                "experiments_on_different_datasets",
                f"experiment {base_row.id} is on dataset {base_row.dataset_id} and experiment "
                f"{head_row.id} on dataset {head_row.dataset_id}: only experiments on one dataset "
                "(any versions of it) compare",
                base_dataset_id=render_id(base_row.dataset_id),
                head_dataset_id=render_id(head_row.dataset_id),
            )
        base = _side(conn, base_row, None)
        same_version = head_row.dataset_version_id == base_row.dataset_version_id
        head = _side(conn, head_row, base.hashes if same_version else None)
        evaluators = _evaluators(base, head, thresholds)
        scope = {"same_content", "changed"} if include_changed else {"same_content"}
        outcomes = _outcomes(base, head, evaluators, scope)
        selected = [o for o in outcomes if o.matches(wanted)] if wanted else outcomes
        start = 0 if last is None else bisect.bisect_right([o.example_id for o in selected], last)
        shown = selected[start : start + limit]
        next_cursor = render_id(shown[-1].example_id) if start + limit < len(selected) else None
        source_ids: dict[int, str] = {}
        if shown:
            source_ids = {
                example_id: source_id
                for example_id, source_id in conn.execute(
                    sa.select(examples.c.id, examples.c.source_id).where(
                        examples.c.id.in_([o.example_id for o in shown])
                    )
                )
            }
    counts = {status: 0 for status in STATUSES}
    for outcome in outcomes:
        counts[outcome.status] += 1
    in_scope = [o for o in outcomes if o.status in scope]
    answers = [evaluator.answer() for evaluator in evaluators.values()]
    new_run_errors = sum(o.new_run_error for o in in_scope)
    regressions = {evaluator.name: evaluator.regressions for evaluator in evaluators.values()}
    return {
        "dataset_id": render_id(base_row.dataset_id),
        "base": base.experiment(),
        "head": head.experiment(),
        "counts": {
            "examples": len(outcomes),
            **counts,
            "output_changed": sum(bool(o.output_changed) for o in outcomes),
            "new_run_errors": sum(o.new_run_error for o in outcomes),
        },
        "evaluators": answers,
        "deltas": deltas(base.costs, head.costs),
        "verdict": {
            "regressed": new_run_errors > 0 or any(regressions.values()),
            "scope": sorted(scope, key=STATUSES.index),
            "regressions": regressions,
            "new_run_errors": new_run_errors,
            "regressed_examples": sum(o.regression for o in in_scope),
            "improved_examples": sum(o.improvement for o in in_scope),
        },
        "data": [_example_answer(o, source_ids[o.example_id], base, head) for o in shown],
        "next_cursor": next_cursor,
    }
