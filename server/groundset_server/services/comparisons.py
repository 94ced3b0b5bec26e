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

Two computations give the same answer. Where each side ran once on every example of its
version (the common case), the database compares the examples (:func:`_compute_in_database`:
one statement, in two halves on two connections from 20,000 examples; each side's counts,
costs and evaluators' names from its ``experiment_costs`` row where that is current, else
computed alongside and stored, :mod:`~groundset_server.services.costs`) and this process
reads a few integers per example and the scores its means take; a page reads its own
examples' runs and evaluations. Otherwise (repetitions, partial runs, scores beyond ±1e300
or within 1e-280 of 0) each side is read per example and compared here (:func:`_compute_full`).
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from math import ldexp
from operator import itemgetter
from typing import Any, Generic, Literal, NamedTuple, TypeVar, overload

import orjson
import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.engine import read_transaction
from groundset_server.db.tables import EVALUATION_SCORES_INDEX
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import experiment_runs as runs
from groundset_server.db.tables import experiments as experiments_table
from groundset_server.gcpause import paused
from groundset_server.services import selections
from groundset_server.services.cache import Kept
from groundset_server.services.costs import (
    Costs,
    RunCounts,
    Tallies,
    deltas,
    kept_tallies,
    spare_connection,
    stored_tallies,
)
from groundset_server.services.errors import Invalid
from groundset_server.services.experiments import experiment_row
from groundset_server.services.means import SCALE_BITS, SCALED_SCORE_SUM, clamp, mean
from groundset_server.services.values import parse_id, render_id

T = TypeVar("T")

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
    found = kept_tallies(conn, row)
    labels = _labels(conn, row.id, labeled)
    return Side(row, hashes, tallies, scores, non_boolean, labeled, labels, found.costs, found.counts)


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


def _check_thresholds(names: list[str], thresholds: Thresholds) -> None:
    unknown = sorted(set(thresholds.evaluators) - set(names))
    if unknown:
        raise Invalid(
            "unknown_evaluator",
            f"a threshold names the evaluator `{unknown[0]}`, which neither experiment has "
            f"(they have: {', '.join(names) or 'none'})",
            parameter="threshold",
        )


def _evaluator(
    name: str, scored: bool, non_boolean: bool, labeled: bool, thresholds: Thresholds
) -> Evaluator:
    """The evaluator ``name``, its kind and threshold from what either side holds of it: a
    score, a score other than 0 and 1, a label."""
    boolean = scored and not non_boolean
    default = thresholds.default
    if default is None:
        default = 0.0 if boolean else NUMERIC_THRESHOLD
    # An evaluator that only labels has no mean to compare: said, rather than null means.
    labels = not scored and labeled
    return Evaluator(
        name,
        "boolean" if boolean else "label" if labels else "numeric",
        thresholds.evaluators.get(name, default),
    )


def _evaluators(base: Side, head: Side, thresholds: Thresholds) -> dict[str, Evaluator]:
    names = sorted(set(base.scores) | set(head.scores))
    _check_thresholds(names, thresholds)
    found: dict[str, Evaluator] = {}
    for name in names:
        means = [
            [mean for scores in side.scores.get(name, {}).values() if (mean := _mean_of(scores)) is not None]
            for side in (base, head)
        ]
        found[name] = evaluator = _evaluator(
            name,
            bool(means[0] or means[1]),
            name in base.non_boolean | head.non_boolean,
            name in base.labeled | head.labeled,
            thresholds,
        )
        evaluator.base, evaluator.head = means
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


@dataclass(frozen=True)
class Scope:
    """What the verdict's scope holds, for :func:`_not_comparable`: its examples, whether some
    run of either side (of base) succeeded on one, each side's runs and errored runs on them,
    and each side's examples."""

    examples: int
    succeeded: bool
    base_succeeded: bool
    base_runs: tuple[int, int]
    head_runs: tuple[int, int]
    base_examples: int
    head_examples: int


def _scope(in_scope: list[Outcome], base: Side, head: Side) -> Scope:
    def runs(side: Side) -> tuple[int, int]:
        tallies = [tally for o in in_scope if (tally := side.tallies.get(o.example_id)) is not None]
        return sum(t[RUNS] for t in tallies), sum(t[ERRORS] for t in tallies)

    return Scope(
        len(in_scope),
        any(o.succeeded for o in in_scope),
        any(_succeeded(base, o) for o in in_scope),
        runs(base),
        runs(head),
        len(base.hashes),
        len(head.hashes),
    )


def _not_comparable(
    scope: Scope,
    counts: dict[Status, int],
    include_changed: bool,
    base_row: sa.Row[Any],
    head_row: sa.Row[Any],
) -> dict[str, str] | None:
    """Why nothing could be compared (``{"code", "detail"}``), or ``None``: no example of both
    versions in the verdict's scope, or no successful run of either side on those. A verdict
    of "no regression" would then be vacuous, so a gate must not read it as a pass."""
    if not scope.examples:
        if counts["changed"] and not include_changed:
            detail = (
                "no example kept its content between the two experiments' versions "
                f"({counts['changed']} edited): compare with include_changed to count the edited ones"
            )
        else:
            detail = (
                f"no example is in both experiments: the base has {scope.base_examples} on version "
                f"{render_id(base_row.dataset_version_id)}, the head {scope.head_examples} on version "
                f"{render_id(head_row.dataset_version_id)}"
            )
        return {"code": "no_examples_in_scope", "detail": detail}
    if not scope.succeeded:
        sides = [
            f"{label} {render_id(row.id)}: {_runs_text(*runs)}"
            for label, row, runs in (("base", base_row, scope.base_runs), ("head", head_row, scope.head_runs))
        ]
        return {
            "code": "no_successful_runs",
            "detail": f"neither experiment has a successful run on the {scope.examples} examples compared "
            f"({'; '.join(sides)})",
        }
    if not scope.base_succeeded:
        # Last night's run crashed: "no regression" against it would check nothing.
        return {
            "code": "no_successful_runs",
            "detail": f"the base has nothing to compare against: experiment {render_id(base_row.id)} has no "
            f"successful run on the {scope.examples} examples compared ({_runs_text(*scope.base_runs)}); "
            f"the head {render_id(head_row.id)} has {_runs_text(*scope.head_runs)}",
        }
    return None


def _succeeded(side: Side, outcome: Outcome) -> bool:
    tally = side.tallies.get(outcome.example_id)
    return tally is not None and tally[SUCCESSES] > 0


def _runs_text(runs: int, errors: int) -> str:
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
    """A comparison computed: the answer's aggregates, and what its pages are read from."""

    aggregates: dict[str, Any]
    """The answer but its ``data`` and ``next_cursor``."""
    base: Side
    head: Side
    """Each side's data per example; with ``partial``, none: a page reads its own."""
    evaluators: dict[str, Evaluator]
    outcomes: list[Outcome]
    coded: Coded | None = None
    """The database comparison's examples (then ``outcomes`` is empty, and a page reads its
    sides' data)."""
    selected: dict[tuple[frozenset[str], Order], Sequence[Outcome]] = field(default_factory=dict)
    """The examples matching a set of filters, in an order (few such views are asked of one
    comparison: each kept)."""

    def view(self, only: frozenset[str], order: Order) -> Sequence[Outcome]:
        found = self.selected.get((only, order))
        if found is None and self.coded is not None:
            found = self.selected[(only, order)] = self.coded.view(only, order)
        if found is None:
            chosen = [o for o in self.outcomes if o.matches(only)] if only else self.outcomes
            if order == "regressions_first":
                # The outcomes are by example id: a stable partition sorts them by place.
                chosen = [o for o in chosen if o.regression] + [o for o in chosen if not o.regression]
            found = self.selected[(only, order)] = chosen
        return found

    def examples(self) -> int:
        """How many aligned examples it holds (its weight in :data:`_kept`)."""
        return len(self.outcomes) if self.coded is None else len(self.coded.ids)

    def sides(self, conn: sa.Connection, shown: Sequence[Outcome]) -> tuple[Side, Side]:
        """The sides' data of the ``shown`` examples."""
        if self.coded is None or not shown:
            return self.base, self.head
        return _page_sides(conn, self.base, self.head, [o.example_id for o in shown])


KEPT_COMPARISONS = 4
"""How many computed comparisons a server process keeps per database, the least recently read
dropped first."""
KEPT_EXAMPLES = 400_000
"""And how many aligned examples they may hold together (one of two experiments of 100,000
examples holds about 130 MB; the latest is kept whatever its size)."""

_kept: Kept[Computed] = Kept(KEPT_COMPARISONS, KEPT_EXAMPLES)


# The comparison computed by the database (:func:`_compute_in_database`): one statement aligns
# the two experiments' runs by example and compares each example's evaluations there, and this
# process reads a row per example of a few integers (what the example's outcome is, packed) and
# the scores its means are taken from (math.fsum, exact, as the full path does). It applies
# where each side ran once on every example of its version (repetitions 1), the common case:
# then a run holds its example's content hash at that version, and a side's tally per example
# is its one run.
LARGEST_COMPARED_SCORE = 1e300
"""Scores beyond this (±) are compared by the full path: the difference of two of them may
overflow, which PostgreSQL raises on rather than giving an infinity."""

# The bits of an evaluator's code per example (a column per evaluator). An evaluator's kind,
# and so its default threshold, is known from the same rows: its regression and improvement are
# coded against both default thresholds, the boolean one's (A) and the numeric one's (B).
E_REGRESSION, E_IMPROVEMENT, E_NEW_ERROR, E_COUNTED_ERROR = 1, 2, 4, 8
"""A regression (A), an improvement (A), an evaluation error rate risen (new_evaluation_error),
a regression with a new evaluation error (counted in ``new_errors``)."""
E_MISSING, E_LIKE, E_LABEL_CHANGED = 16, 32, 64
"""Base scored and head did not (``missing``), scored on both sides of a same_content example,
labels on both sides that differ."""
E_REGRESSION_B, E_IMPROVEMENT_B = 128, 256
E_LABELED, E_NON_BOOLEAN, E_BEYOND = 512, 1024, 2048
"""A label on either side, a score other than 0 and 1, a score beyond what this path compares
(:data:`LARGEST_COMPARED_SCORE`, :data:`LEAST_COMPARED_SCORE`)."""
E_STATUS_SHIFT = 12
"""Above those bits, the example's status (its index in :data:`STATUSES`)."""
# The bits of an example's code, the run-level ones.
X_OUTPUT_SHIFT = 2
"""Bits 0-1 the status, 2-3 output_changed: 0 None, 1 False, 2 True."""
X_NEW_RUN_ERROR, X_RUN_IMPROVEMENT, X_MISSING_RUN, X_SUCCEEDED = 16, 32, 64, 128
X_BASE_OK, X_BASE_ERROR, X_HEAD_ERROR = 256, 512, 1024
X_EVALUATORS_SHIFT = 11
"""Above those bits, the evaluators' codes or-ed (their regression, improvement, new error)."""

# Each experiment's runs aligned by example: a row per example of either side's version (every
# one has a run), the base's with its head run if any, then the head's alone; with its status
# (st, the index in STATUSES) and the bits of its code that its runs give (rc).
ALIGNED = (
    "SELECT b.example_id AS example_id, b.id AS bid, h.id AS hid, "
    "CASE WHEN h.id IS NULL THEN 0 WHEN b.content_hash = h.content_hash THEN 2 ELSE 3 END AS st, "
    f"CASE WHEN h.id IS NULL THEN (CASE WHEN b.error IS NULL THEN {X_BASE_OK} ELSE {X_BASE_ERROR} END) "
    "WHEN b.error IS NULL THEN (CASE WHEN h.error IS NULL THEN "
    f"{X_SUCCEEDED + X_BASE_OK} + (CASE WHEN coalesce(b.output, 'null') = coalesce(h.output, 'null') "
    f"THEN {1 << X_OUTPUT_SHIFT} ELSE {2 << X_OUTPUT_SHIFT} END) "
    f"ELSE {X_NEW_RUN_ERROR + X_MISSING_RUN + X_SUCCEEDED + X_BASE_OK + X_HEAD_ERROR} END) "
    f"WHEN h.error IS NULL THEN {X_RUN_IMPROVEMENT + X_SUCCEEDED + X_BASE_ERROR} "
    f"ELSE {X_BASE_ERROR + X_HEAD_ERROR} END AS rc "
    "FROM experiment_runs b LEFT JOIN experiment_runs h "
    "ON h.experiment_id = {head} AND h.example_id = b.example_id WHERE b.experiment_id = {base}{b_range} "
    f"UNION ALL SELECT h.example_id, NULL, h.id, 1, CASE WHEN h.error IS NULL THEN 0 ELSE {X_HEAD_ERROR} END "
    "FROM experiment_runs h WHERE h.experiment_id = {head}{h_range} AND NOT EXISTS "
    "(SELECT 1 FROM experiment_runs b WHERE b.experiment_id = {base} AND b.example_id = h.example_id)"
)
# The evaluators either experiment has (from the index (run_id, name) alone).
EVALUATOR_NAMES = (
    "SELECT DISTINCT e.name FROM experiment_runs r JOIN experiment_evaluations e ON e.run_id = r.id "
    "WHERE r.experiment_id IN (?, ?)"
)
LEAST_COMPARED_SCORE = 1e-280
"""Scores nearer 0 (but 0) are compared by the full path: its mean of one repetition (the score
scaled by 2^-64 and back, :mod:`means`) loses bits of a score that scaling makes subnormal, and
this path compares the scores as they are."""


def _evaluator_code(k: int) -> str:
    """The SQL of evaluator ``k``'s code (joined as ``b{k}``/``h{k}``), with four ``?``: the
    thresholds A and B less :data:`TOLERANCE`, twice each. The full path's evaluator loop
    (:func:`_outcomes`) for one repetition a side; ``h - b < 0 and -(h - b) >= t`` written
    ``h < b and b - h >= t`` (IEEE subtraction is exactly antisymmetric, and zero only for equal
    operands)."""
    b, h = f"b{k}", f"h{k}"
    new_error = f"({h}.run_id IS NOT NULL AND {h}.error IS NOT NULL AND {b}.error IS NULL)"
    like = f"(CASE WHEN x.st = 2 AND {b}.score IS NOT NULL THEN {E_LIKE} ELSE 0 END)"
    regression = E_REGRESSION + E_REGRESSION_B
    beyond = " OR ".join(
        f"abs({side}.score) > {LARGEST_COMPARED_SCORE!r} OR ({side}.score <> 0.0 AND abs({side}.score) < "
        f"{LEAST_COMPARED_SCORE!r})"
        for side in (b, h)
    )
    return (
        f"(CASE WHEN x.st < 2 OR {b}.run_id IS NULL THEN 0"
        f" WHEN {h}.score IS NULL THEN (CASE WHEN {b}.score IS NULL THEN 0 ELSE {regression + E_MISSING}"
        f" + (CASE WHEN {new_error} THEN {E_COUNTED_ERROR + E_NEW_ERROR} ELSE 0 END) END)"
        f" WHEN {new_error} THEN {regression + E_COUNTED_ERROR + E_NEW_ERROR} + {like}"
        f" WHEN {b}.score IS NULL THEN 0"
        f" ELSE {like} + (CASE WHEN {h}.score < {b}.score THEN"
        f" (CASE WHEN {b}.score - {h}.score >= ? THEN {E_REGRESSION} ELSE 0 END)"
        f" + (CASE WHEN {b}.score - {h}.score >= ? THEN {E_REGRESSION_B} ELSE 0 END)"
        f" WHEN {h}.score > {b}.score THEN"
        f" (CASE WHEN {h}.score - {b}.score >= ? THEN {E_IMPROVEMENT} ELSE 0 END)"
        f" + (CASE WHEN {h}.score - {b}.score >= ? THEN {E_IMPROVEMENT_B} ELSE 0 END)"
        " ELSE 0 END) END)"
        f" + (CASE WHEN x.st >= 2 AND {b}.label <> {h}.label THEN {E_LABEL_CHANGED} ELSE 0 END)"
        f" + (CASE WHEN {b}.label IS NOT NULL OR {h}.label IS NOT NULL THEN {E_LABELED} ELSE 0 END)"
        f" + (CASE WHEN {b}.score NOT IN (0.0, 1.0) OR {h}.score NOT IN (0.0, 1.0) THEN {E_NON_BOOLEAN}"
        f" + (CASE WHEN {beyond} THEN {E_BEYOND} ELSE 0 END) ELSE 0 END)"
        f" + x.st * {1 << E_STATUS_SHIFT}"
    )


def _comparison_sql(
    base_id: int, head_id: int, names: list[str], below: int | None, at_least: int | None, hint: str = ""
) -> str:
    """The statement of a row per aligned example, by example id (those ``below`` and
    ``at_least`` an example id, if given): (example id, its code, then per evaluator its code,
    base score, head score); its parameters: per evaluator its thresholds
    (:func:`_evaluator_code`), then its name twice. ``hint``: the ``INDEXED BY`` clause of the
    evaluations' joins (SQLite), or nothing."""
    bounds = {
        side: "".join(
            f" AND {side}.example_id {operator} {int(bound)}"
            for operator, bound in (("<", below), (">=", at_least))
            if bound is not None
        )
        for side in "bh"
    }
    joins, columns = [], []
    for k in range(len(names)):
        joins.append(
            f" LEFT JOIN experiment_evaluations b{k}{hint} ON b{k}.run_id = x.bid AND b{k}.name = ?"
            f" LEFT JOIN experiment_evaluations h{k}{hint} ON h{k}.run_id = x.hid AND h{k}.name = ?"
        )
        columns.append(f", ({_evaluator_code(k)}), b{k}.score, h{k}.score")
    aligned = ALIGNED.format(base=int(base_id), head=int(head_id), b_range=bounds["b"], h_range=bounds["h"])
    return (
        f"SELECT x.example_id, x.st + x.rc{''.join(columns)} "
        f"FROM ({aligned}) "
        f"x{''.join(joins)} "
        "ORDER BY x.example_id"
    )


def _runs_complete(conn: sa.Connection, row: sa.Row[Any], stored: Tallies | None) -> bool:
    """One run of every example of the experiment's version (and selection): one repetition
    (a run's repetition number is at most the experiment's, and its (experiment, example,
    repetition) key unique, so its runs are of distinct examples, each of the version and
    selection) and as many runs as examples, counted by its costs when they are ``stored``
    (:func:`~groundset_server.services.costs.stored_tallies`)."""
    if row.repetitions != 1:
        return False
    if stored is None:
        ((runs,),) = dialect.driver_rows(
            conn, "SELECT count(*) FROM experiment_runs WHERE experiment_id = ?", row.id
        )
    else:
        runs = stored.counts.runs
    return bool(runs == row.example_count)


def _compute_in_database(
    conn: sa.Connection,
    base_row: sa.Row[Any],
    head_row: sa.Row[Any],
    thresholds: Thresholds,
    include_changed: bool,
) -> Computed | None:
    """The comparison with its examples compared by the database (see :data:`ALIGNED`), or
    None where it does not apply (a side with repetitions or without a run of every example,
    scores beyond :data:`LARGEST_COMPARED_SCORE`): the same answer as :func:`_compute_full`."""
    rows = (base_row, head_row)
    stored = [stored_tallies(conn, row) for row in rows]
    if not all(_runs_complete(conn, row, found) for row, found in zip(rows, stored, strict=True)):
        return None
    costs = _Aside(
        conn,
        rows,
        lambda aside: [kept_tallies(aside, row) for row in rows],
        ready=None if None in stored else [found for found in stored if found is not None],
    )
    try:
        return _compare_in_database(conn, base_row, head_row, thresholds, include_changed, costs, stored)
    finally:
        costs.join()


def _compare_in_database(
    conn: sa.Connection,
    base_row: sa.Row[Any],
    head_row: sa.Row[Any],
    thresholds: Thresholds,
    include_changed: bool,
    costs: _Aside[list[Tallies]],
    stored: list[Tallies | None],
) -> Computed | None:
    """:func:`_compute_in_database`'s comparison, with each side's :class:`Tallies` from
    ``costs`` (``stored``: those whose row was current, whose evaluators' names it holds)."""
    if None in stored:
        named = dialect.driver_rows(conn, EVALUATOR_NAMES, base_row.id, head_row.id)
        names = sorted(name for (name,) in named)
    else:
        names = sorted(set().union(*(side.names() for side in stored if side is not None)))
    _check_thresholds(names, thresholds)
    params: list[Any] = []
    for name in names:
        given = thresholds.evaluators.get(name, thresholds.default)
        for default in (0.0, NUMERIC_THRESHOLD, 0.0, NUMERIC_THRESHOLD):
            params.append((default if given is None else given) - TOLERANCE)
    for name in names:
        params += [name, name]
    # SQLite's planner takes the unique (run_id, name) index, then reads each evaluation's row;
    # migration 0014's index holds every column the statement reads of them.
    hint = f" INDEXED BY {EVALUATION_SCORES_INDEX}" if dialect.is_sqlite(conn) else ""
    middle = None
    if base_row.example_count >= SPLIT_EXAMPLES:
        ((middle,),) = dialect.driver_rows(
            conn,
            "SELECT example_id FROM experiment_runs WHERE experiment_id = ? "
            "ORDER BY example_id LIMIT 1 OFFSET ?",
            base_row.id,
            base_row.example_count // 2,
        )
    if middle is None:
        rows = dialect.driver_rows(
            conn, _comparison_sql(base_row.id, head_row.id, names, None, None, hint), *params
        )
    else:
        first = _Aside(
            conn,
            (base_row, head_row),
            lambda aside: dialect.driver_rows(
                aside, _comparison_sql(base_row.id, head_row.id, names, middle, None, hint), *params
            ),
        )
        try:
            rest = dialect.driver_rows(
                conn, _comparison_sql(base_row.id, head_row.id, names, None, middle, hint), *params
            )
        finally:
            first.join()
        rows = first.result() + rest
    scope = (2, 3) if include_changed else (2,)
    # A column at a time (zip(*rows) took half as long again, iterating 100,000 rows at once).
    columns = [tuple(map(itemgetter(k), rows)) for k in range(2 + 3 * len(names))]
    del rows
    evaluators: dict[str, Evaluator] = {}
    combined = list(columns[1])
    for k, name in enumerate(names):
        codes, base_scores, head_scores = columns[2 + 3 * k : 5 + 3 * k]
        found = Counter(codes)
        held = 0
        for code in found:
            held |= code
        if held & E_BEYOND:
            return None
        scored = any(score is not None for score in base_scores) or any(
            score is not None for score in head_scores
        )
        evaluators[name] = evaluator = _evaluator(
            name, scored, bool(held & E_NON_BOOLEAN), bool(held & E_LABELED), thresholds
        )
        regression, improvement = (
            (E_REGRESSION, E_IMPROVEMENT)
            if evaluator.kind == "boolean"
            else (E_REGRESSION_B, E_IMPROVEMENT_B)
        )
        evaluator.base = [score for score in base_scores if score is not None]
        evaluator.head = [score for score in head_scores if score is not None]
        # As the full path appends them (`mean or 0.0`).
        evaluator.like_base = [m or 0.0 for m, c in zip(base_scores, codes, strict=True) if c & E_LIKE]
        evaluator.like_head = [m or 0.0 for m, c in zip(head_scores, codes, strict=True) if c & E_LIKE]
        # Its part of each example's code: the regression, improvement and new error bits.
        part: dict[int, int] = {}
        for code, count in found.items():
            part[code] = (
                (E_REGRESSION if code & regression else 0)
                | (E_IMPROVEMENT if code & improvement else 0)
                | (code & E_NEW_ERROR)
            ) << X_EVALUATORS_SHIFT
            if code >> E_STATUS_SHIFT not in scope:
                continue
            if code & regression:
                evaluator.regressions += count
                evaluator.new_errors += count if code & E_COUNTED_ERROR else 0
                evaluator.missing += count if code & E_MISSING else 0
            elif code & improvement:
                evaluator.improvements += count
            if code & E_LABEL_CHANGED:
                evaluator.labels_changed += count
        combined = [x | part[c] for x, c in zip(combined, codes, strict=True)]
    columns[1] = tuple(combined)
    coded = Coded(columns[0], columns[1], scope)
    example_codes = Counter(coded.codes)
    weighted = [(coded.outcome(0, code), count) for code, count in example_codes.items()]

    def scope_of(in_scope: list[tuple[Outcome, int]]) -> Scope:
        def tally(bit: int) -> int:
            return sum(n for code, n in example_codes.items() if code & 3 in scope and code & bit)

        examples = sum(n for _, n in in_scope)
        statuses: Counter[str] = Counter()
        for outcome, n in weighted:
            statuses[outcome.status] += n
        return Scope(
            examples,
            any(o.succeeded for o, _ in in_scope),
            tally(X_BASE_OK) > 0,
            (examples, tally(X_BASE_ERROR)),
            (examples, tally(X_HEAD_ERROR)),
            statuses["only_base"] + statuses["same_content"] + statuses["changed"],
            statuses["only_head"] + statuses["same_content"] + statuses["changed"],
        )

    base, head = (
        Side(row, {}, {}, {}, set(), set(), {}, found.costs, found.counts)
        for row, found in zip((base_row, head_row), costs.result(), strict=True)
    )
    aggregates = _aggregates(
        base_row, head_row, (base, head), evaluators, weighted, include_changed, scope_of
    )
    return Computed(aggregates, base, head, evaluators, [], coded=coded)


class Coded:
    """The database comparison's examples: their ids and codes, by example id (an
    :class:`Outcome` built for those a page shows)."""

    def __init__(self, ids: tuple[int, ...], codes: tuple[int, ...], scope: tuple[int, ...]) -> None:
        self.ids = ids
        self.codes = codes
        self.scope = scope
        self._fields: dict[int, tuple[Any, ...]] = {}

    def outcome(self, example_id: int, code: int) -> Outcome:
        fields = self._fields.get(code)
        if fields is None:
            fields = self._fields[code] = _decode(code, self.scope)
        return Outcome(example_id, *fields)

    def view(self, only: frozenset[str], order: Order) -> CodedView:
        """The examples matching ``only`` (all if empty) in ``order``, as positions."""
        kinds = {code: self.outcome(0, code) for code in set(self.codes)}
        wanted = {code for code, outcome in kinds.items() if not only or outcome.matches(only)}
        codes = self.codes
        if order == "example_id":
            if len(wanted) == len(kinds):
                return CodedView(self, range(len(codes)))
            return CodedView(self, [k for k, code in enumerate(codes) if code in wanted])
        first = {code for code in wanted if kinds[code].regression}
        rest = wanted - first
        return CodedView(
            self,
            [k for k, code in enumerate(codes) if code in first]
            + [k for k, code in enumerate(codes) if code in rest],
        )


class CodedView(Sequence[Outcome]):
    """Positions of :class:`Coded` examples read as their outcomes."""

    def __init__(self, coded: Coded, positions: Sequence[int]) -> None:
        self.coded = coded
        self.positions = positions

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, index: int) -> Outcome: ...
    @overload
    def __getitem__(self, index: slice) -> list[Outcome]: ...
    def __getitem__(self, index: int | slice) -> Outcome | list[Outcome]:
        coded = self.coded
        if isinstance(index, slice):
            return [coded.outcome(coded.ids[k], coded.codes[k]) for k in self.positions[index]]
        k = self.positions[index]
        return coded.outcome(coded.ids[k], coded.codes[k])


def _decode(code: int, scope: tuple[int, ...]) -> tuple[Any, ...]:
    """An example's code as an :class:`Outcome`'s fields but its id."""
    status = code & 3
    output = (code >> X_OUTPUT_SHIFT) & 3
    evaluators = code >> X_EVALUATORS_SHIFT
    in_scope = status in scope
    return (
        STATUSES[status],
        None if output == 0 else output == 2,
        bool(code & X_NEW_RUN_ERROR),
        bool(evaluators & E_NEW_ERROR),
        in_scope and bool(code & (X_NEW_RUN_ERROR | X_MISSING_RUN) or evaluators & E_REGRESSION),
        in_scope and bool(code & X_RUN_IMPROVEMENT or evaluators & E_IMPROVEMENT),
        bool(code & X_MISSING_RUN),
        bool(code & X_SUCCEEDED),
    )


class _Aside(Generic[T]):
    """``work`` done on a connection of its own in a thread while the request's goes on with
    its part of the comparison (both databases' drivers let other threads run while a
    statement executes: two cores, half the wait). Its snapshot must hold the same runs as the
    request's: every write to an experiment's runs or evaluations counts up its
    ``results_revision``, so equal revisions of both experiments say so; otherwise (a write in
    between, an in-memory SQLite database, an error) ``work`` is done on the request's
    connection. ``ready``: its result known already (no thread)."""

    def __init__(
        self,
        conn: sa.Connection,
        rows: tuple[sa.Row[Any], ...],
        work: Callable[[sa.Connection], T],
        ready: T | None = None,
    ):
        self.conn = conn
        self.rows = rows
        self.work = work
        self.found: tuple[T] | None = None if ready is None else (ready,)
        self.thread: threading.Thread | None = None
        if ready is None and spare_connection(conn.engine):
            self.thread = threading.Thread(target=self._read, name="comparison-aside", daemon=True)
            self.thread.start()

    def _read(self) -> None:
        try:
            with read_transaction(self.conn.engine) as conn:
                revisions = dict(
                    conn.execute(
                        sa.select(experiments_table.c.id, experiments_table.c.results_revision).where(
                            experiments_table.c.id.in_([row.id for row in self.rows])
                        )
                    ).all()
                )
                if all(revisions.get(row.id) == row.results_revision for row in self.rows):
                    self.found = (self.work(conn),)
        except Exception:  # done again on the request's connection, which raises what it raises
            self.found = None

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None

    def result(self) -> T:
        self.join()
        return self.work(self.conn) if self.found is None else self.found[0]


SPLIT_EXAMPLES = 20_000
"""From how many runs of the base the comparison's statement runs in two halves of the example
ids, one aside (:class:`_Aside`)."""


PAGE_ROWS = (
    "SELECT r.experiment_id, r.example_id, r.content_hash, CASE WHEN r.error IS NULL THEN 0 ELSE 1 END, "
    "e.name, e.score / 18446744073709551616.0, CASE WHEN e.error IS NULL THEN 0 ELSE 1 END, e.label "
    "FROM experiment_runs r LEFT JOIN experiment_evaluations e ON e.run_id = r.id "
    "WHERE r.experiment_id IN (?, ?) AND r.example_id IN ({examples})"
)


def _page_sides(conn: sa.Connection, base: Side, head: Side, example_ids: list[int]) -> tuple[Side, Side]:
    """The sides of a page of the database's comparison: its examples' runs (one a side) and
    evaluations, as :func:`_side` reads them."""
    sides = {
        side.row.id: Side(side.row, {}, {}, {}, set(), set(), {}, side.costs, side.counts)
        for side in (base, head)
    }
    sql = PAGE_ROWS.format(examples=", ".join("?" * len(example_ids)))
    for experiment_id, example_id, content_hash, error, name, scaled, errored, label in dialect.driver_rows(
        conn, sql, base.row.id, head.row.id, *example_ids
    ):
        side = sides[experiment_id]
        side.hashes[example_id] = content_hash
        side.tallies[example_id] = (example_id, 1, error, 1 - error)
        if name is None:
            continue
        scored = 0 if scaled is None else 1
        mean_score = ldexp(float(scaled), SCALE_BITS) if scored else None
        side.scores.setdefault(name, {})[example_id] = (mean_score, scored, errored, 1)
        if label is not None:
            side.labels.setdefault(name, {})[example_id] = str(orjson.loads(label))
    return sides[base.row.id], sides[head.row.id]


def _aggregates(
    base_row: sa.Row[Any],
    head_row: sa.Row[Any],
    sides: tuple[Side, Side],
    evaluators: dict[str, Evaluator],
    weighted: list[tuple[Outcome, int]],
    include_changed: bool,
    scope_of: Callable[[list[tuple[Outcome, int]]], Scope],
) -> dict[str, Any]:
    """The answer but its ``data`` and ``next_cursor``, from the outcomes (each with how many
    examples it stands for) and the evaluators' counts, for both paths; ``scope_of(in_scope)``
    gives the :class:`Scope`."""
    base, head = sides
    selections_differ = head_row.selection != base_row.selection
    scope = {"same_content", "changed"} if include_changed else {"same_content"}
    counts: dict[Status, int] = {status: 0 for status in STATUSES}
    for outcome, n in weighted:
        counts[outcome.status] += n
    in_scope = [(o, n) for o, n in weighted if o.status in scope]
    answers = [evaluator.answer() for evaluator in evaluators.values()]
    new_run_errors = sum(n for o, n in in_scope if o.new_run_error)
    missing_runs = sum(n for o, n in in_scope if o.missing_run)
    regressions = {evaluator.name: evaluator.regressions for evaluator in evaluators.values()}
    not_comparable = _not_comparable(scope_of(in_scope), counts, include_changed, base_row, head_row)
    return {
        "dataset_id": render_id(base_row.dataset_id),
        "base": base.experiment(),
        "head": head.experiment(),
        "selections_differ": selections_differ,
        "counts": {
            "examples": sum(n for _, n in weighted),
            **counts,
            "output_changed": sum(n for o, n in weighted if o.output_changed),
            "new_run_errors": sum(n for o, n in weighted if o.new_run_error),
            "missing_runs": sum(n for o, n in weighted if o.missing_run),
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
            "regressed_examples": sum(n for o, n in in_scope if o.regression),
            "improved_examples": sum(n for o, n in in_scope if o.improvement),
        },
    }


def _compute(
    conn: sa.Connection,
    base_row: sa.Row[Any],
    head_row: sa.Row[Any],
    thresholds: Thresholds,
    include_changed: bool,
) -> Computed:
    """The comparison by the database's aggregates (:func:`_compute_in_database`) where it
    applies, else whole in this process (:func:`_compute_full`): the same answer."""
    computed = _compute_in_database(conn, base_row, head_row, thresholds, include_changed)
    return computed or _compute_full(conn, base_row, head_row, thresholds, include_changed)


def _compute_full(
    conn: sa.Connection,
    base_row: sa.Row[Any],
    head_row: sa.Row[Any],
    thresholds: Thresholds,
    include_changed: bool,
) -> Computed:
    """Every side's runs and evaluations read per example into this process and compared
    there: any repetitions, selections and partial experiments."""
    base = _side(conn, base_row, None)
    selections_differ = head_row.selection != base_row.selection
    same_examples = head_row.dataset_version_id == base_row.dataset_version_id and not selections_differ
    head = _side(conn, head_row, base.hashes if same_examples else None)
    evaluators = _evaluators(base, head, thresholds)
    scope = {"same_content", "changed"} if include_changed else {"same_content"}
    outcomes = _outcomes(conn, base, head, evaluators, scope)
    _count_label_changes(evaluators, base, head, [o for o in outcomes if o.status in scope])
    aggregates = _aggregates(
        base_row,
        head_row,
        (base, head),
        evaluators,
        [(outcome, 1) for outcome in outcomes],
        include_changed,
        lambda in_scope: _scope([outcome for outcome, _ in in_scope], base, head),
    )
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
    in_database: bool = True,
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
    runs or evaluations change. Where each side ran once on every example, the examples are
    compared by the database (:func:`_compute_in_database`); ``in_database=False`` computes the
    same answer whole in this process (the tests hold the first to the second)."""
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
            in_database,
        )
        computed = _kept.get(engine, key)
        if computed is None:
            # Hundreds of thousands of tuples and lists, none in a cycle: the collector walked
            # them again and again (0.1-0.2 s of a cold comparison's 0.8 s of CPU at 100,000).
            with paused():
                computed = (
                    _compute(conn, base_row, head_row, thresholds, include_changed)
                    if in_database
                    else _compute_full(conn, base_row, head_row, thresholds, include_changed)
                )
            _kept.put(engine, key, computed, computed.examples())
        selected = computed.view(wanted, order)
        start = 0 if last is None else bisect.bisect_right(selected, last, key=lambda o: _place(o, order))
        shown = selected[start : start + limit]
        next_cursor = _cursor(shown[-1], order) if start + limit < len(selected) else None
        base, head = computed.sides(conn, shown)
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
    evaluators = computed.evaluators
    return {
        **computed.aggregates,
        "data": [_example_answer(o, source_ids[o.example_id], base, head, evaluators) for o in shown],
        "next_cursor": next_cursor,
    }
