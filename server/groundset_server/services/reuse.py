"""Incremental reruns: a head experiment takes over the results of a base experiment (the
same dataset, any two versions of it) for the examples whose content did not change.

Reuse is allowed only when the caller states the task did not change: both experiments carry
the same ``task_version`` (the head must have one; a base with another, or none, copies
nothing). Then, in one transaction and in a few ``INSERT ... SELECT`` statements (no row
passes through Python):

- runs: for each (example, repetition) of the head's version (of its selection, if it has one),
  repetition within the head's repetitions, with no successful run in the head, the base's
  successful run of the same example (one dataset: one example row per source id) and
  repetition number is copied when the content hash it saw is the head example's content hash
  at the head's version. The copy is a run of the head (same output, times, latency and usage)
  whose ``reused_from_run_id`` names the base run; an errored run of the head for that pair is
  replaced, as a posted run would replace it. Repetitions pair by number, so a head with more
  repetitions than the base keeps the extra ones to run.
- evaluations: of each run copied by the call, the evaluations of the run it was copied from
  whose error is null and whose (name, evaluator_version) is one the caller gives with a
  version. An evaluator without a version is never reused.

The copies skip SQLite's foreign key checks (:func:`~groundset_server.db.engine.write_transaction`
with ``check_references=False``): each reference is read from the row it names, in the same
transaction. A second call copies nothing new (a copied pair has a successful run, a copied
evaluation is there): the call is idempotent.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.engine import write_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import experiment_evaluations as evaluations
from groundset_server.db.tables import experiment_runs as runs
from groundset_server.db.tables import experiments
from groundset_server.experiment_schemas import ReuseRequest
from groundset_server.services import selections
from groundset_server.services.costs import Refresher
from groundset_server.services.errors import Invalid
from groundset_server.services.experiments import (
    INCOMPLETE_PAGE_SIZE,
    experiment_row,
    incomplete_page,
    results_changed,
)
from groundset_server.services.values import parse_id, render_id

COPIED_RUN_COLUMNS = (
    "example_id",
    "content_hash",
    "repetition_number",
    "output",
    "start_time",
    "end_time",
    "latency_ms",
    "tokens_in",
    "tokens_out",
    "cost",
    "currency",
)
COPIED_EVALUATION_COLUMNS = (
    "name",
    "score",
    "label",
    "explanation",
    "metadata",
    "error",
    "annotator_kind",
    "start_time",
    "end_time",
    "latency_ms",
    "evaluator_version",
)


def _same_content_at(head: sa.Row[Any], run: Any) -> sa.ColumnElement[bool]:
    """``run`` (an alias of the runs, joined to its example row) saw the content its example has
    at the head's version (a deleted example has none).

    One clause of the copy's statement, so one snapshot: asking first whether that version is
    the latest, then reading the current state, took two statements, and under PostgreSQL's
    READ COMMITTED a sync committed between them made the next version's content the head's.
    Per example, as :func:`~groundset_server.services.queries.example_set_query` decides: its
    current state when its current revision is at or before the version (every example when
    the version is the latest: no revision is read), else its revision at the version. (The
    example set's join itself read every revision's row on PostgreSQL: 0.5 s more at 100,000.)
    The example is joined rather than tested by ``EXISTS``: SQLite ran the correlated
    subquery once per run, 0.1 s of a 0.28 s read of 99,000."""
    version = head.dataset_version_id
    earlier = revisions.alias("earlier")
    at_version = (
        sa.select(sa.func.max(earlier.c.version_id))
        .where(earlier.c.example_id == examples.c.id, earlier.c.version_id <= version)
        .correlate_except(earlier)
        .scalar_subquery()
    )
    # A deletion's revision has no hash, so a deleted example never matches. Correlated by
    # hand: automatic correlation reaches only the enclosing statement, and these are nested.
    looked_back = (
        sa.exists()
        .where(
            revisions.c.example_id == examples.c.id,
            revisions.c.version_id == at_version,
            revisions.c.content_hash == run.c.content_hash,
        )
        .correlate_except(revisions)
    )
    return sa.or_(
        sa.and_(
            examples.c.current_version_id <= version,
            sa.not_(examples.c.is_deleted),
            examples.c.current_content_hash == run.c.content_hash,
        ),
        sa.and_(examples.c.current_version_id > version, looked_back),
    )


def _replace_errored_runs(conn: sa.Connection, head_id: int, base_id: int) -> None:
    """Delete the head's errored runs (with their evaluations) of the pairs the base has a
    successful run of the same content for: the copies take their place."""
    head_run, base_run = runs.alias("head_run"), runs.alias("base_run")
    replaced = sa.select(head_run.c.id).where(
        head_run.c.experiment_id == head_id,
        head_run.c.error.is_not(None),
        sa.exists().where(
            base_run.c.experiment_id == base_id,
            base_run.c.example_id == head_run.c.example_id,
            base_run.c.repetition_number == head_run.c.repetition_number,
            base_run.c.content_hash == head_run.c.content_hash,
            base_run.c.error.is_(None),
        ),
    )
    ids = list(conn.execute(replaced).scalars())
    if ids:
        conn.execute(sa.delete(evaluations).where(evaluations.c.run_id.in_(ids)))
        conn.execute(sa.delete(runs).where(runs.c.id.in_(ids)))


def _copied_runs(head: sa.Row[Any], base_id: int, head_has_runs: bool) -> sa.Insert:
    """The insert of the copies of the base's runs the head may take over (``head_has_runs``:
    some pairs may be taken already; a head just created has none to look up)."""
    base_run, head_run = runs.alias("base_run"), runs.alias("head_run")
    copied = (
        sa.select(
            sa.literal(head.id, sa.Integer),
            *(base_run.c[name] for name in COPIED_RUN_COLUMNS),
            base_run.c.id,
        )
        .select_from(base_run.join(examples, examples.c.id == base_run.c.example_id))
        .where(
            base_run.c.experiment_id == base_id,
            base_run.c.error.is_(None),
            base_run.c.repetition_number <= head.repetitions,
            selections.selected(head, base_run.c.example_id),
            _same_content_at(head, base_run),
        )
        .order_by(base_run.c.example_id, base_run.c.repetition_number)
    )
    if head_has_runs:
        copied = copied.where(
            ~sa.exists().where(
                head_run.c.experiment_id == head.id,
                head_run.c.example_id == base_run.c.example_id,
                head_run.c.repetition_number == base_run.c.repetition_number,
            )
        )
    return sa.insert(runs).from_select(["experiment_id", *COPIED_RUN_COLUMNS, "reused_from_run_id"], copied)


def _copied_evaluations(copies: sa.FromClause, versioned: list[tuple[str, str]]) -> sa.Insert:
    """The insert of the evaluations of the runs ``copies`` (``id``, ``reused_from_run_id``)
    were copied from: error-free, of a (name, version) of ``versioned``."""
    source = evaluations.alias("source")
    copied = sa.select(copies.c.id, *(source.c[name] for name in COPIED_EVALUATION_COLUMNS)).where(
        source.c.run_id == copies.c.reused_from_run_id,
        source.c.error.is_(None),
        sa.or_(
            *(
                sa.and_(source.c.name == name, source.c.evaluator_version == version)
                for name, version in versioned
            )
        ),
    )
    return sa.insert(evaluations).from_select(["run_id", *COPIED_EVALUATION_COLUMNS], copied)


def _copy(
    conn: sa.Connection,
    head: sa.Row[Any],
    base_id: int,
    taken: int,
    versioned: list[tuple[str, str]],
    head_had_runs: bool,
) -> tuple[int, int]:
    """Copy the runs, then the evaluations of the runs just copied (the head's runs with an id
    above ``taken``): the number of each."""
    copies = _copied_runs(head, base_id, head_had_runs)
    if not versioned:
        return int(conn.execute(copies.execution_options(preserve_rowcount=True)).rowcount), 0
    new_rows = sa.select(runs.c.id, runs.c.reused_from_run_id).where(
        runs.c.id > taken, runs.c.experiment_id == head.id
    )
    return dialect.insert_feeding(
        conn,
        copies,
        [runs.c.id, runs.c.reused_from_run_id],
        new_rows,
        lambda rows: _copied_evaluations(rows, versioned),
    )


def _lacks(
    conn: sa.Connection, head_id: int, name: str, version: str | None, which: sa.ColumnElement[bool]
) -> bool:
    """Some reused run of the head (of those ``which`` selects) has no error-free evaluation
    ``name`` of ``version``."""
    held = sa.exists().where(
        evaluations.c.run_id == runs.c.id,
        evaluations.c.name == name,
        evaluations.c.error.is_(None),
        evaluations.c.evaluator_version.is_not_distinct_from(version),
    )
    lacking = sa.exists().where(
        runs.c.experiment_id == head_id, runs.c.reused_from_run_id.is_not(None), which, ~held
    )
    return bool(conn.execute(sa.select(lacking)).scalar_one())


def _to_rerun(
    conn: sa.Connection,
    head_id: int,
    given: list[tuple[str, str | None]],
    taken: int,
    copied: tuple[int, int],
    head_had_runs: bool,
) -> list[str]:
    """The names of ``given`` that some reused run of the head has no error-free evaluation of
    (with that version) for; ``copied``: the runs (ids above ``taken``) and evaluations this
    call copied; ``head_had_runs``: whether the head had runs before it (ids up to ``taken``)."""
    reused_runs, reused_evaluations = copied
    versioned = sum(version is not None for _, version in given)
    # A run copied now holds exactly the evaluations copied with it, of versioned names: when
    # their count says each got all of them, only an evaluator without a version lacks there.
    complete = reused_evaluations == reused_runs * versioned
    lacking = []
    for name, version in given:
        among_new = reused_runs > 0 and (
            version is None or (not complete and _lacks(conn, head_id, name, version, runs.c.id > taken))
        )
        # A head without runs before this call has none up to ``taken``: the look is skipped
        # (it visited every run copied now, 15-30 ms at 99,000 on SQLite).
        if among_new or (head_had_runs and _lacks(conn, head_id, name, version, runs.c.id <= taken)):
            lacking.append(name)
    return sorted(lacking)


def reuse(
    engine: sa.Engine, experiment_id: str, body: ReuseRequest, *, refresher: Refresher
) -> dict[str, Any]:
    """Copy into the experiment ``experiment_id`` (the head) the base's results for unchanged
    content (schema ``ReuseResult``). 404 ``experiment_not_found`` (either); 422
    ``reuse_from_itself`` (the base is the head), ``experiments_on_different_datasets``,
    ``task_version_required`` (the head has none), ``invalid_id``. Its ``incomplete`` is the
    head's first page of incomplete pairs after the copy (:func:`incomplete_page`, the default
    limit), so that a rerun starts its task without reading it again."""
    given = [(evaluator.name, evaluator.evaluator_version) for evaluator in body.evaluators]
    versioned = [(name, version) for name, version in given if version is not None]
    with (
        refresher.writing(parse_id(experiment_id, "experiment")),
        write_transaction(engine, check_references=False) as conn,
    ):
        # The head's row lock serializes this with the batches posted to it.
        head = experiment_row(conn, experiment_id, lock=True)
        # The base stays until the copies are committed: no foreign key names the runs they
        # come from on PostgreSQL (migration 0010), so its deletion waits for this lock.
        base = experiment_row(conn, body.base, keep=True)
        if base.id == head.id:
            raise Invalid(
                "reuse_from_itself",
                f"experiment {head.id} is both the base and the head: results are reused from "
                "another experiment (an earlier one on the same dataset)",
                parameter="base",
                experiment_id=render_id(head.id),
            )
        if base.dataset_id != head.dataset_id:
            raise Invalid(
                "experiments_on_different_datasets",
                f"experiment {head.id} is on dataset {head.dataset_id} and the base, experiment "
                f"{base.id}, on dataset {base.dataset_id}: results are reused only within one dataset",
                base_dataset_id=render_id(base.dataset_id),
                head_dataset_id=render_id(head.dataset_id),
            )
        if head.task_version is None:
            raise Invalid(
                "task_version_required",
                f"experiment {head.id} has no task_version: results are reused only into an "
                "experiment that states its task's version (set task_version when creating it)",
                experiment_id=render_id(head.id),
            )
        matches = base.task_version == head.task_version
        reused_runs = reused_evaluations = 0
        # New ids are above every id taken before, on both databases: they name this call's copies.
        taken = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(runs.c.id), 0))).scalar_one())
        had_runs = bool(
            conn.execute(sa.select(sa.exists().where(runs.c.experiment_id == head.id))).scalar_one()
        )
        if matches:
            dialect.bulk_statement_settings(conn, work_mem="64MB")
            _replace_errored_runs(conn, head.id, base.id)
            reused_runs, reused_evaluations = _copy(conn, head, base.id, taken, versioned, had_runs)
            results_changed(conn, experiments.c.id == head.id)
        to_rerun = _to_rerun(conn, head.id, given, taken, (reused_runs, reused_evaluations), had_runs)
        # In this transaction: what is left to run is exactly what the copy left, whatever
        # commits after it (the head's row lock keeps its runs as they are until the end).
        left = incomplete_page(conn, head, None, INCOMPLETE_PAGE_SIZE, none_errored=not had_runs)
    return {
        "experiment_id": render_id(head.id),
        "base_experiment_id": render_id(base.id),
        "task_version_matches": matches,
        "reused_runs": reused_runs,
        "reused_evaluations": reused_evaluations,
        "evaluators_to_rerun": to_rerun,
        "incomplete": left,
    }
