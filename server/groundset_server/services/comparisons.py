"""The comparison of two experiments on one dataset (a base and a head, on any two versions).

Examples are aligned by source id (one dataset: one example row per source id) over the two
pinned versions' example sets (an experiment with a selection: the examples it selected; one
outside it is absent on that side, and `selections_differ` says the two were selected apart);
each is classed `only_base`, `only_head`, `same_content` (equal content hash at both versions)
or `changed` (edited between them). A side's repetitions are aggregated per example: runs,
errored runs, the set of distinct outputs of its successful runs, and per evaluator the mean
score over the repetitions that have one.

Per evaluator and example, `delta` is head minus base; it is a regression when it drops by the
evaluator's threshold or more, an improvement when it rises by as much (within 1e-9, so that
0.3 - 0.2 counts as 0.1). Thresholds: a value given for the evaluator, else the one given for
all, else 0 for a boolean evaluator (every score either experiment holds is 0 or 1: any drop
counts) and 0.1 for a numeric one. An evaluation error rate higher in head than in base is a
regression of that evaluator, a run error rate higher in head a regression of the example (lower:
an improvement). An example of both versions that base scored for an evaluator and head did not
(no successful run, no evaluation, only errors) is a regression of that evaluator (`missing`):
a gate must not pass a head that produced nothing. Its twin for runs, with or without
evaluators: an example of both versions with a successful base run and no successful head run
(no run, or only errors) is a regression (`missing_run`). Means of finite scores are finite
(:mod:`means`).

When nothing could be compared (no example of both versions in the verdict's scope, or no
successful base run on those: the base errored throughout or never ran), the verdict is
`comparable: false` with `not_comparable` saying why (`no_examples_in_scope`,
`no_successful_runs`): "no regression" would be vacuous there, and a CI gate fails as it does
when the comparison cannot be made.

The verdict counts regressions on `same_content` examples (like for like), and on `changed`
ones too when asked; an example's `regression` and `improvement` flags follow the same scope.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from math import ldexp
from typing import Any, Literal, NamedTuple

import orjson
import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.engine import read_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import experiment_runs as runs
from groundset_server.services import selections
from groundset_server.services.cache import Kept
from groundset_server.services.costs import Costs, RunCounts, deltas
from groundset_server.services.costs import tallies as tallies_of
from groundset_server.services.errors import Invalid
from groundset_server.services.experiments import experiment_row
from groundset_server.services.means import SCALE_BITS, SCALED_SCORE_SUM, clamp, mean
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
    "missing_runs",
    "output_changed",
    "only_base",
    "only_head",
    "same_content",
    "changed",
]
Order = Literal["example_id", "regressions_first"]
"""The order of a comparison's examples: by example id, or the regressions first (each part by
example id), the order a reader triages them in."""


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


# One example's runs on one side, a row of a grouped scan: (example id, runs, errored runs,
# successful runs, the least and the greatest canonical output text of its successful runs
# (`null` for the JSON null; equal when they all answered the same), its content hash). A
# comparison keeps its first three.
Tally = tuple[Any, ...]
RUNS, ERRORS, SUCCESSES, LEAST, GREATEST, HASH = 1, 2, 3, 4, 5, 6

# One evaluator on one example on one side, over its repetitions, a row of a grouped scan:
# (example id, name, sum of the scores scaled by 2^-64 (means.SCALED_SCORE_SUM), scores,
# errors, evaluations, scores other than 0 and 1, labels).
SUM, NON_BOOLEAN, LABELED = 2, 6, 7
# What a comparison keeps of it: (the mean score or None, scores, errors, evaluations); the mean
# computed once per example and side.
Scores = tuple[Any, ...]
MEAN, SCORED, EVALUATION_ERRORS, EVALUATIONS = 0, 1, 2, 3

# Plain driver SQL read as the driver's tuples (dialect.driver_rows): a row per example.
RUN_TALLIES = (
    "SELECT example_id, count(*), count(error), count(*) FILTER (WHERE error IS NULL), "
    "min(coalesce(output, 'null')) FILTER (WHERE error IS NULL), "
    "max(coalesce(output, 'null')) FILTER (WHERE error IS NULL), min(content_hash) "
    "FROM experiment_runs WHERE experiment_id = ? GROUP BY example_id"
)
# The same rows for an experiment of one repetition (one run per example, its unique key),
# without grouping: 7 times cheaper on SQLite at 100,000 runs.
RUN_ROWS = (
    "SELECT example_id, 1, CASE WHEN error IS NULL THEN 0 ELSE 1 END, "
    "CASE WHEN error IS NULL THEN 1 ELSE 0 END, "
    "CASE WHEN error IS NULL THEN coalesce(output, 'null') END, "
    "CASE WHEN error IS NULL THEN coalesce(output, 'null') END, content_hash "
    "FROM experiment_runs WHERE experiment_id = ?"
)
EVALUATION_TALLIES = (
    "SELECT r.example_id, e.name, "
    + SCALED_SCORE_SUM.format(column="e.score")
    + ", count(e.score),  count(e.error), count(*), "
    "count(e.score) FILTER (WHERE e.score NOT IN (0.0, 1.0)), count(e.label) "
    "FROM experiment_evaluations e JOIN experiment_runs r ON r.id = e.run_id "
    "WHERE r.experiment_id = ? GROUP BY r.example_id, e.name"
)
# The same rows for an experiment of one repetition, without grouping: one run per example
# (its unique key) and one evaluation per (run, name) make each group one row, and SQLite's
# grouping sorted them all first (6 times the join's cost at 100,000 runs).
EVALUATION_ROWS = (
    "SELECT r.example_id, e.name, e.score / 18446744073709551616.0, "
    "CASE WHEN e.score IS NULL THEN 0 ELSE 1 END, CASE WHEN e.error IS NULL THEN 0 ELSE 1 END, 1, "
    "CASE WHEN e.score NOT IN (0.0, 1.0) THEN 1 ELSE 0 END, CASE WHEN e.label IS NULL THEN 0 ELSE 1 END "
    "FROM experiment_evaluations e JOIN experiment_runs r ON r.id = e.run_id "
    "WHERE r.experiment_id = ?"
)

# The labels per example and evaluator, read only for a side with some label: (example id,
# name, label, evaluations with it).
LABEL_COUNTS = (
    "SELECT r.example_id, e.name, e.label, count(*) "
    "FROM experiment_evaluations e JOIN experiment_runs r ON r.id = e.run_id "
    "WHERE r.experiment_id = ? AND e.label IS NOT NULL GROUP BY r.example_id, e.name, e.label"
)


def _mean_of(scores: Scores | None) -> float | None:
    return None if scores is None else scores[MEAN]


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
    labeled: set[str]
    """Evaluators with a label."""
    labels: dict[str, dict[int, str]]
    """Evaluator name -> example id -> its label: of its repetitions' labels the most frequent
    (on a tie, the least by code point)."""
    costs: Costs
    counts: RunCounts
    output_sets: dict[int, set[str]] | None = None
    """The distinct outputs per example, read only when some example answered differently in
    its repetitions."""

    def experiment(self) -> dict[str, Any]:
        row = self.row
        return {
            "id": render_id(row.id),
            "name": row.name,
            "version_id": render_id(row.dataset_version_id),
            "task_version": row.task_version,
            "repetitions": row.repetitions,
            "example_count": row.example_count,
            "selection": selections.selection_json(row),
            "runs": self.counts.runs,
            "errored_runs": self.counts.errors,
            "reused_runs": self.counts.reused,
            **self.costs.summary(),
        }

    def runs_of(self, example_id: int) -> dict[str, Any] | None:
        if example_id not in self.hashes:
            return None
        tally = self.tallies.get(example_id)
        return {"runs": 0, "errors": 0} if tally is None else {"runs": tally[RUNS], "errors": tally[ERRORS]}

    def outputs(self, conn: sa.Connection, example_id: int) -> set[str | None]:
        tally = self.tallies[example_id]
        if tally[LEAST] == tally[GREATEST]:
            return {tally[LEAST]}
        if self.output_sets is None:
            self.output_sets = {}
            for found, output in conn.execute(
                sa.select(runs.c.example_id, sa.func.coalesce(runs.c.output, "null"))
                .where(runs.c.experiment_id == self.row.id, runs.c.error.is_(None))
                .distinct()
            ).all():
                self.output_sets.setdefault(found, set()).add(output)
        return set(self.output_sets[example_id])


def _side(conn: sa.Connection, row: sa.Row[Any], hashes: dict[int, str] | None) -> Side:
    """A side's data in a few scans grouped by the database: its runs per example, its
    evaluations per example and evaluator, its latencies and usage."""
    one = row.repetitions == 1
    tallies: dict[int, Tally] = {
        tally[0]: tally for tally in dialect.driver_rows(conn, RUN_ROWS if one else RUN_TALLIES, row.id)
    }
    if hashes is None:
        if len(tallies) == row.example_count:
            # Every example of the version has a run, which holds its content hash there.
            hashes = {example_id: tally[HASH] for example_id, tally in tallies.items()}
        else:
            query = selections.experiment_example_set(conn, row, [examples.c.id, revisions.c.content_hash])
            hashes = {example_id: content_hash for example_id, content_hash in conn.execute(query).all()}
    scores: dict[str, dict[int, Scores]] = {}
    non_boolean: set[str] = set()
    labeled: set[str] = set()
    for tally in dialect.driver_rows(conn, EVALUATION_ROWS if one else EVALUATION_TALLIES, row.id):
        name = tally[1]
        per_example = scores.get(name)
        if per_example is None:
            per_example = scores[name] = {}
        scored = tally[3]
        # means.scaled_mean inlined (a call per example and evaluator): ldexp of a finite double
        # is finite (or raises), so its clamp changes nothing here.
        mean_score = ldexp(float(tally[SUM]) / scored, SCALE_BITS) if scored else None
        per_example[tally[0]] = (mean_score, scored, tally[4], tally[5])
        if tally[NON_BOOLEAN]:
            non_boolean.add(name)
        if tally[LABELED]:
            labeled.add(name)
    counts, spent = tallies_of(conn, row.id)
    return Side(
        row, hashes, tallies, scores, non_boolean, labeled, _labels(conn, row.id, labeled), spent, counts
    )


def _labels(conn: sa.Connection, experiment_id: int, labeled: set[str]) -> dict[str, dict[int, str]]:
    found: dict[str, dict[int, tuple[int, str]]] = {}
    if not labeled:
        return {}
    for example_id, name, stored, count in dialect.driver_rows(conn, LABEL_COUNTS, experiment_id):
        label = str(orjson.loads(stored))  # stored as JSON text (tables.FreeText)
        per_example = found.setdefault(name, {})
        kept = per_example.get(example_id)
        if kept is None or (count, kept[1]) > (kept[0], label):
            per_example[example_id] = (count, label)
    return {
        name: {example_id: kept[1] for example_id, kept in per_example.items()}
        for name, per_example in found.items()
    }


def _difference(head: float | None, base: float | None) -> float | None:
    return None if head is None or base is None else clamp(head - base)


def _rate_rose(head_errors: int, head_count: int, base_errors: int, base_count: int) -> bool:
    """Head's error rate above base's (both with something to rate)."""
    return base_count > 0 and head_count > 0 and head_errors * base_count > base_errors * head_count


@dataclass
class Evaluator:
    name: str
    kind: Literal["boolean", "numeric", "label"]
    threshold: float
    base: list[float] = field(default_factory=list)
    head: list[float] = field(default_factory=list)
    like_base: list[float] = field(default_factory=list)
    like_head: list[float] = field(default_factory=list)
    regressions: int = 0
    improvements: int = 0
    new_errors: int = 0
    missing: int = 0
    labels_changed: int = 0

    def answer(self) -> dict[str, Any]:
        base, head = mean(self.base), mean(self.head)
        like_base, like_head = mean(self.like_base), mean(self.like_head)
        return {
            "name": self.name,
            "kind": self.kind,
            # A label is not a score: no drop of it is measured, so no threshold applies.
            "threshold": None if self.kind == "label" else self.threshold,
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
            "missing": self.missing,
            "labels_changed": self.labels_changed if self.kind == "label" else None,
        }


class Outcome(NamedTuple):
    """One aligned example: its class and what moved (its score rows are built for its page)."""

    example_id: int
    status: Status
    output_changed: bool | None
    new_run_error: bool
    new_evaluation_error: bool
    regression: bool
    improvement: bool
    missing_run: bool = False
    """Of both versions, base has a successful run of it and head none (no run, only errors)."""
    succeeded: bool = False
    """Of both versions, and some run of either side succeeded: something to compare."""

    def matches(self, only: frozenset[str]) -> bool:
        return (
            self.status in only
            or ("regressions" in only and self.regression)
            or ("improvements" in only and self.improvement)
            or ("output_changed" in only and bool(self.output_changed))
            or ("new_errors" in only and (self.new_run_error or self.new_evaluation_error))
            or ("missing_runs" in only and self.missing_run)
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


def _score_row(
    name: str,
    evaluator: Evaluator,
    base: Scores | None,
    head: Scores | None,
    labels: tuple[str | None, str | None],
    *,
    on_both: bool,
) -> dict[str, Any]:
    base_mean, head_mean = _mean_of(base), _mean_of(head)
    delta = _difference(head_mean, base_mean)
    new_error = (
        base is not None
        and head is not None
        and _rate_rose(head[EVALUATION_ERRORS], head[EVALUATIONS], base[EVALUATION_ERRORS], base[EVALUATIONS])
    )
    missing = on_both and base_mean is not None and head_mean is None
    return {
        "name": name,
        "base": base_mean,
        "head": head_mean,
        "delta": delta,
        "change": "regression" if missing else _change(delta, evaluator.threshold, new_error),
        "missing": missing,
        "base_errors": 0 if base is None else base[EVALUATION_ERRORS],
        "head_errors": 0 if head is None else head[EVALUATION_ERRORS],
        "new_error": new_error,
        "base_label": labels[0],
        "head_label": labels[1],
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
        means = [
            [mean for scores in side.scores.get(name, {}).values() if (mean := _mean_of(scores)) is not None]
            for side in (base, head)
        ]
        scored = bool(means[0] or means[1])
        boolean = scored and name not in base.non_boolean | head.non_boolean
        default = thresholds.default
        if default is None:
            default = 0.0 if boolean else NUMERIC_THRESHOLD
        # An evaluator that only labels has no mean to compare: said, rather than null means.
        labels = not scored and name in base.labeled | head.labeled
        found[name] = Evaluator(
            name,
            "boolean" if boolean else "label" if labels else "numeric",
            thresholds.evaluators.get(name, default),
            means[0],
            means[1],
        )
    return found


def _outcomes(
    conn: sa.Connection, base: Side, head: Side, evaluators: dict[str, Evaluator], scope: set[str]
) -> list[Outcome]:
    """Every aligned example's outcome, by example id; the evaluators' like-for-like means and
    counts gathered on the way. The loop of a comparison: kept to plain values."""
    outcomes: list[Outcome] = []
    append = outcomes.append
    empty: dict[int, Scores] = {}
    score_maps = [
        (evaluator, base.scores.get(name, empty), head.scores.get(name, empty))
        for name, evaluator in evaluators.items()
    ]
    base_hashes, head_hashes = base.hashes, head.hashes
    base_tallies, head_tallies = base.tallies, head.tallies
    same_in_scope = "same_content" in scope
    changed_in_scope = "changed" in scope
    for example_id in sorted(base_hashes.keys() | head_hashes.keys()):
        base_hash, head_hash = base_hashes.get(example_id), head_hashes.get(example_id)
        if base_hash is None:
            append(Outcome(example_id, "only_head", None, False, False, False, False))
            continue
        if head_hash is None:
            append(Outcome(example_id, "only_base", None, False, False, False, False))
            continue
        same = base_hash == head_hash
        in_scope = same_in_scope if same else changed_in_scope
        output_changed = None
        new_run_error = False
        improvement = False
        base_tally, head_tally = base_tallies.get(example_id), head_tallies.get(example_id)
        base_ok = base_tally is not None and base_tally[SUCCESSES] > 0
        head_ok = head_tally is not None and head_tally[SUCCESSES] > 0
        # The twin of a new run error: base answered and head did not (no run at all, or only
        # errors), with or without evaluators; a gate must not pass a head that produced nothing.
        missing_run = base_ok and not head_ok
        if base_tally is not None and head_tally is not None:
            if base_tally[SUCCESSES] and head_tally[SUCCESSES]:
                if base_tally[LEAST] == base_tally[GREATEST] and head_tally[LEAST] == head_tally[GREATEST]:
                    output_changed = base_tally[LEAST] != head_tally[LEAST]
                else:
                    output_changed = base.outputs(conn, example_id) != head.outputs(conn, example_id)
            new_run_error = _rate_rose(
                head_tally[ERRORS], head_tally[RUNS], base_tally[ERRORS], base_tally[RUNS]
            )
            # A base run error head no longer makes: the symmetric of a new run error.
            improvement = _rate_rose(
                base_tally[ERRORS], base_tally[RUNS], head_tally[ERRORS], head_tally[RUNS]
            )
        regression = new_run_error or missing_run
        new_evaluation_error = False
        for evaluator, base_scores, head_scores in score_maps:
            base_score, head_score = base_scores.get(example_id), head_scores.get(example_id)
            if base_score is None:
                continue
            if head_score is None or not head_score[SCORED]:
                # Head has no score where base has one (no successful run, no evaluation, or
                # only errors): a CI gate must not pass a head that produced nothing.
                if base_score[SCORED]:
                    regression = True
                    new_error = head_score is not None and _rate_rose(
                        head_score[EVALUATION_ERRORS],
                        head_score[EVALUATIONS],
                        base_score[EVALUATION_ERRORS],
                        base_score[EVALUATIONS],
                    )
                    if in_scope:
                        evaluator.regressions += 1
                        evaluator.missing += 1
                        evaluator.new_errors += new_error
                    new_evaluation_error = new_evaluation_error or new_error
                continue
            new_error = _rate_rose(
                head_score[EVALUATION_ERRORS],
                head_score[EVALUATIONS],
                base_score[EVALUATION_ERRORS],
                base_score[EVALUATIONS],
            )
            change = None
            if base_score[SCORED] and head_score[SCORED]:
                base_mean = base_score[MEAN] or 0.0
                head_mean = head_score[MEAN] or 0.0
                if same:
                    evaluator.like_base.append(base_mean)
                    evaluator.like_head.append(head_mean)
                # Unclamped: an overflow to ±inf compares with a (finite) threshold as ±max does.
                change = _change(head_mean - base_mean, evaluator.threshold, new_error)
            elif new_error:
                change = "regression"
            if change == "regression":
                regression = True
                if in_scope:
                    evaluator.regressions += 1
                    evaluator.new_errors += new_error
            elif change == "improvement":
                improvement = True
                if in_scope:
                    evaluator.improvements += 1
            new_evaluation_error = new_evaluation_error or new_error
        append(
            Outcome(
                example_id,
                "same_content" if same else "changed",
                output_changed,
                new_run_error,
                new_evaluation_error,
                in_scope and regression,
                in_scope and improvement,
                missing_run,
                base_ok or head_ok,
            )
        )
    return outcomes


def _count_label_changes(
    evaluators: dict[str, Evaluator], base: Side, head: Side, in_scope: list[Outcome]
) -> None:
    """Per label evaluator, the examples of the verdict's scope labelled on both sides, with
    another label in head (not a regression: a label has no order)."""
    for name, evaluator in evaluators.items():
        if evaluator.kind != "label":
            continue
        base_labels, head_labels = base.labels.get(name, {}), head.labels.get(name, {})
        evaluator.labels_changed = sum(
            (was := base_labels.get(o.example_id)) is not None
            and (now := head_labels.get(o.example_id)) is not None
            and was != now
            for o in in_scope
        )


def _example_answer(
    outcome: Outcome, source_id: str, base: Side, head: Side, evaluators: dict[str, Evaluator]
) -> dict[str, Any]:
    example_id = outcome.example_id
    scores = []
    for name, evaluator in evaluators.items():
        base_score = base.scores.get(name, {}).get(example_id)
        head_score = head.scores.get(name, {}).get(example_id)
        if base_score is not None or head_score is not None:
            scores.append(
                _score_row(
                    name,
                    evaluator,
                    base_score,
                    head_score,
                    (base.labels.get(name, {}).get(example_id), head.labels.get(name, {}).get(example_id)),
                    on_both=outcome.status in ("same_content", "changed"),
                )
            )
    return {
        "example_id": render_id(example_id),
        "source_id": source_id,
        "status": outcome.status,
        "base_content_hash": base.hashes.get(example_id),
        "head_content_hash": head.hashes.get(example_id),
        "base": base.runs_of(example_id),
        "head": head.runs_of(example_id),
        "output_changed": outcome.output_changed,
        "new_run_error": outcome.new_run_error,
        "missing_run": outcome.missing_run,
        "regression": outcome.regression,
        "improvement": outcome.improvement,
        "scores": scores,
    }


def _not_comparable(
    in_scope: list[Outcome], counts: dict[Status, int], include_changed: bool, base: Side, head: Side
) -> dict[str, str] | None:
    """Why nothing could be compared (``{"code", "detail"}``), or ``None``: no example of both
    versions in the verdict's scope, or no successful run of either side on those. A verdict
    of "no regression" would then be vacuous, so a gate must not read it as a pass."""
    if not in_scope:
        if counts["changed"] and not include_changed:
            detail = (
                "no example kept its content between the two experiments' versions "
                f"({counts['changed']} edited): compare with include_changed to count the edited ones"
            )
        else:
            detail = (
                f"no example is in both experiments: the base has {len(base.hashes)} on version "
                f"{render_id(base.row.dataset_version_id)}, the head {len(head.hashes)} on version "
                f"{render_id(head.row.dataset_version_id)}"
            )
        return {"code": "no_examples_in_scope", "detail": detail}
    if not any(o.succeeded for o in in_scope):
        sides = [
            f"{label} {render_id(side.row.id)}: {_runs_text(side, in_scope)}"
            for label, side in (("base", base), ("head", head))
        ]
        return {
            "code": "no_successful_runs",
            "detail": f"neither experiment has a successful run on the {len(in_scope)} examples compared "
            f"({'; '.join(sides)})",
        }
    if not any(_succeeded(base, o) for o in in_scope):
        # Last night's run crashed: "no regression" against it would check nothing.
        return {
            "code": "no_successful_runs",
            "detail": f"the base has nothing to compare against: experiment {render_id(base.row.id)} has no "
            f"successful run on the {len(in_scope)} examples compared ({_runs_text(base, in_scope)}); "
            f"the head {render_id(head.row.id)} has {_runs_text(head, in_scope)}",
        }
    return None


def _succeeded(side: Side, outcome: Outcome) -> bool:
    tally = side.tallies.get(outcome.example_id)
    return tally is not None and tally[SUCCESSES] > 0


def _runs_text(side: Side, outcomes: list[Outcome]) -> str:
    tallies = [tally for o in outcomes if (tally := side.tallies.get(o.example_id)) is not None]
    runs, errors = sum(t[RUNS] for t in tallies), sum(t[ERRORS] for t in tallies)
    counted = f"{runs} run{'' if runs == 1 else 's'}"
    return "no run" if not runs else f"{counted}, all errored" if runs == errors else counted


def _place(outcome: Outcome, order: Order) -> tuple[int, int]:
    """Where ``outcome`` goes in ``order``: its part (regressions 0, the others 1; all 0 by
    example id) and its example id."""
    return (0 if order == "example_id" or outcome.regression else 1, outcome.example_id)


def _cursor(outcome: Outcome, order: Order) -> str:
    """The last example of a page: its id, and with ``regressions_first`` its part (``r`` or
    ``o``) before it, so the next page goes on from that place."""
    example_id = str(outcome.example_id)
    if order == "example_id":
        return example_id
    return f"{'r' if outcome.regression else 'o'}{example_id}"


def _parse_cursor(cursor: str, order: Order) -> tuple[int, int]:
    """The cursor as a :func:`_place`; 422 ``invalid_id`` when malformed (with
    ``regressions_first``, an example id after ``r`` or ``o``)."""
    if order == "example_id":
        return (0, parse_id(cursor, "cursor"))
    part = {"r": 0, "o": 1}.get(cursor[:1])
    if part is None:
        raise Invalid(
            "invalid_id",
            f"`{cursor[:100]}` is not a cursor of examples in the order regressions_first: take "
            "`next_cursor` of the page before, read in that order",
            cursor_id=cursor[:100],
        )
    return (part, parse_id(cursor[1:], "cursor"))


@dataclass
class Computed:
    """A comparison computed whole: the answer's aggregates, and what its pages are read from."""

    aggregates: dict[str, Any]
    """The answer but its ``data`` and ``next_cursor``."""
    base: Side
    head: Side
    evaluators: dict[str, Evaluator]
    outcomes: list[Outcome]
    selected: dict[tuple[frozenset[str], Order], tuple[list[Outcome], list[tuple[int, int]]]] = field(
        default_factory=dict
    )
    """The examples matching a set of filters, in an order, with their places (few such views
    are asked of one comparison: each kept)."""

    def view(self, only: frozenset[str], order: Order) -> tuple[list[Outcome], list[tuple[int, int]]]:
        found = self.selected.get((only, order))
        if found is None:
            chosen = [o for o in self.outcomes if o.matches(only)] if only else list(self.outcomes)
            if order == "regressions_first":
                chosen.sort(key=lambda outcome: _place(outcome, order))
            found = self.selected[(only, order)] = (chosen, [_place(o, order) for o in chosen])
        return found


KEPT_COMPARISONS = 4
"""How many computed comparisons a server process keeps per database, the least recently read
dropped first."""
KEPT_EXAMPLES = 400_000
"""And how many aligned examples they may hold together (one of two experiments of 100,000
examples holds about 130 MB; the latest is kept whatever its size)."""

_kept: Kept[Computed] = Kept(KEPT_COMPARISONS, KEPT_EXAMPLES)


def _compute(
    conn: sa.Connection,
    base_row: sa.Row[Any],
    head_row: sa.Row[Any],
    thresholds: Thresholds,
    include_changed: bool,
) -> Computed:
    base = _side(conn, base_row, None)
    selections_differ = head_row.selection != base_row.selection
    same_examples = head_row.dataset_version_id == base_row.dataset_version_id and not selections_differ
    head = _side(conn, head_row, base.hashes if same_examples else None)
    evaluators = _evaluators(base, head, thresholds)
    scope = {"same_content", "changed"} if include_changed else {"same_content"}
    outcomes = _outcomes(conn, base, head, evaluators, scope)
    counts: dict[Status, int] = {status: 0 for status in STATUSES}
    for outcome in outcomes:
        counts[outcome.status] += 1
    in_scope = [o for o in outcomes if o.status in scope]
    _count_label_changes(evaluators, base, head, in_scope)
    answers = [evaluator.answer() for evaluator in evaluators.values()]
    new_run_errors = sum(o.new_run_error for o in in_scope)
    missing_runs = sum(o.missing_run for o in in_scope)
    regressions = {evaluator.name: evaluator.regressions for evaluator in evaluators.values()}
    not_comparable = _not_comparable(in_scope, counts, include_changed, base, head)
    aggregates: dict[str, Any] = {
        "dataset_id": render_id(base_row.dataset_id),
        "base": base.experiment(),
        "head": head.experiment(),
        "selections_differ": selections_differ,
        "counts": {
            "examples": len(outcomes),
            **counts,
            "output_changed": sum(bool(o.output_changed) for o in outcomes),
            "new_run_errors": sum(o.new_run_error for o in outcomes),
            "missing_runs": sum(o.missing_run for o in outcomes),
        },
        "evaluators": answers,
        "deltas": deltas(base.costs, head.costs),
        "verdict": {
            "regressed": new_run_errors > 0 or missing_runs > 0 or any(regressions.values()),
            "comparable": not_comparable is None,
            "not_comparable": not_comparable,
            "scope": sorted(scope, key=STATUSES.index),
            "regressions": regressions,
            "new_run_errors": new_run_errors,
            "missing_runs": missing_runs,
            "regressed_examples": sum(o.regression for o in in_scope),
            "improved_examples": sum(o.improvement for o in in_scope),
        },
    }
    # What the pages read of a side's runs is their counts: the outputs (the bulk of a tally)
    # were compared above, and are not kept.
    for side in (base, head):
        side.tallies = {example_id: tally[:SUCCESSES] for example_id, tally in side.tallies.items()}
        side.output_sets = None
    return Computed(aggregates, base, head, evaluators, outcomes)


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
    order: Order = "example_id",
) -> dict[str, Any]:
    """The comparison of the experiments ``base_id`` and ``head_id`` (schema ``Comparison``):
    the aggregates whole, the examples (``only`` those matching one of the filters, if any) a
    page of ``limit`` at a time by example id (``order``: the regressions first) after
    ``cursor``. 404 ``experiment_not_found``;
    422 ``compare_with_itself``, ``experiments_on_different_datasets``, ``invalid_threshold``,
    ``unknown_evaluator``, ``invalid_id``.

    The comparison is computed whole once and kept (:data:`KEPT_COMPARISONS`) under the two
    experiments' rows (their ``results_revision`` with them) and the thresholds and scope: the
    next pages, other filters and orders of it are read from memory until either experiment's
    runs or evaluations change."""
    last = None if cursor is None else _parse_cursor(cursor, order)
    wanted = frozenset(only)
    with read_transaction(engine) as conn:
        base_row = experiment_row(conn, base_id)
        head_row = experiment_row(conn, head_id)
        if base_row.id == head_row.id:
            raise Invalid(
                "compare_with_itself",
                f"experiment {base_row.id} is both the base and the head: compare it with another "
                "experiment (such as the previous one of its name)",
                experiment_id=render_id(base_row.id),
            )
        if base_row.dataset_id != head_row.dataset_id:
            raise Invalid(
                "experiments_on_different_datasets",
                f"experiment {base_row.id} is on dataset {base_row.dataset_id} and experiment "
                f"{head_row.id} on dataset {head_row.dataset_id}: only experiments on one dataset "
                "(any versions of it) compare",
                base_dataset_id=render_id(base_row.dataset_id),
                head_dataset_id=render_id(head_row.dataset_id),
            )
        key = (
            tuple(base_row),
            tuple(head_row),
            thresholds.default,
            tuple(sorted(thresholds.evaluators.items())),
            include_changed,
        )
        computed = _kept.get(engine, key)
        if computed is None:
            computed = _compute(conn, base_row, head_row, thresholds, include_changed)
            _kept.put(engine, key, computed, len(computed.outcomes))
        selected, places = computed.view(wanted, order)
        start = 0 if last is None else bisect.bisect_right(places, last)
        shown = selected[start : start + limit]
        next_cursor = _cursor(shown[-1], order) if start + limit < len(selected) else None
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
    base, head, evaluators = computed.base, computed.head, computed.evaluators
    return {
        **computed.aggregates,
        "data": [_example_answer(o, source_ids[o.example_id], base, head, evaluators) for o in shown],
        "next_cursor": next_cursor,
    }
