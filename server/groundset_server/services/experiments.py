"""Experiments: each pinned to one dataset version, its runs and evaluations.

Rules: a run names an example of the experiment's version (422 otherwise) and records that
example's content hash at the version; a successful run of an (example, repetition) is final
(posting another is a 409 that changes nothing); an errored one is replaced by the next run
posted for it. A batch is one transaction: all of it is stored or none.
"""

from __future__ import annotations

import copy
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.engine import read_transaction, write_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.db.tables import experiment_evaluations as evaluations
from groundset_server.db.tables import experiment_examples, experiments
from groundset_server.db.tables import experiment_runs as runs
from groundset_server.experiment_schemas import (
    EvaluationCreate,
    EvaluationFields,
    ExperimentCreate,
    RunCreate,
)
from groundset_server.problems import MAX_LISTED
from groundset_server.services import selections
from groundset_server.services.cache import Kept
from groundset_server.services.costs import Refresher, kept_tallies
from groundset_server.services.errors import Conflict, Invalid, NotFound
from groundset_server.services.queries import (
    EXAMPLE_COLUMNS,
    dataset_by_id,
    example_json,
    example_set_query,
    page,
    resolve_version,
)
from groundset_server.services.run_reads import NO_FILTERS, RunFilters, filtered_page
from groundset_server.services.values import (
    EMPTY_OBJECT,
    canonical_text,
    fragment,
    json_value,
    now,
    parse_id,
    render_id,
    timestamp,
)


def _listed(values: Sequence[Any]) -> list[Any]:
    return list(values[:MAX_LISTED])


def _batch_refusal(
    code: str, indexes: list[int], array: str, field: str, reason: str, **listed: Any
) -> Invalid:
    """A refusal of the items at ``indexes`` of the request's ``array``: how many, why, the first's path."""
    first = f"$.{array}[{indexes[0]}]"
    extra = {key: _listed(value) if isinstance(value, list) else value for key, value in listed.items()}
    return Invalid(code, f"{len(indexes)} {reason}; the first is {first}", path=f"{first}.{field}", **extra)


# ---------------------------------------------------------------- experiments


def experiment_row(
    conn: sa.Connection, experiment_id: str, lock: bool = False, keep: bool = False
) -> sa.Row[Any]:
    """The experiment's row with the ``example_count`` it runs on (``invalid_id`` if malformed,
    ``experiment_not_found`` if none has the id); ``lock``: locked for update (PostgreSQL);
    ``keep``: not deleted before the transaction ends (PostgreSQL's key share lock)."""
    wanted = parse_id(experiment_id, "experiment")
    query = (
        sa.select(experiments, selections.example_count())
        .join(versions, versions.c.id == experiments.c.dataset_version_id)
        .where(experiments.c.id == wanted)
    )
    if lock:
        # Serializes the batches of one experiment.
        query = dialect.for_update(conn, query, of=experiments)
    elif keep:
        query = dialect.for_key_share(conn, query, of=experiments)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(
            "experiment_not_found",
            f"no experiment has the id {experiment_id}",
            experiment_id=experiment_id,
        )
    return row


def results_changed(conn: sa.Connection, which: sa.ColumnElement[bool]) -> None:
    """Count up the ``results_revision`` of the experiments ``which`` selects: every write to an
    experiment's runs or evaluations calls it in its transaction, so that a comparison or a
    summary kept by a server process (:mod:`~groundset_server.services.cache`) is known stale
    by the experiment's row alone."""
    conn.execute(
        sa.update(experiments).where(which).values(results_revision=experiments.c.results_revision + 1)
    )


def experiment_json(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": render_id(row.id),
        "dataset_id": render_id(row.dataset_id),
        "version_id": render_id(row.dataset_version_id),
        "name": row.name,
        "description": row.description,
        "metadata": json_value(row.metadata),
        "repetitions": row.repetitions,
        "task_version": row.task_version,
        "example_count": row.example_count,
        "selection": selections.selection_json(row),
        "created_at": row.created_at,
    }


def create_experiment(engine: sa.Engine, dataset_id: str, body: ExperimentCreate) -> dict[str, Any]:
    metadata = canonical_text(body.metadata, "$.metadata") if body.metadata is not None else EMPTY_OBJECT
    selection = None if body.selection is None else selections.stored_text(body.selection)
    with write_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        version = resolve_version(conn, dataset.id, body.version_id, body.tag, in_body=True)
        if version is None:
            raise Invalid(
                "dataset_has_no_version",
                f"dataset {dataset.id} has no version yet: upsert examples before running an experiment",
                dataset_id=render_id(dataset.id),
            )
        chosen = (
            None
            if body.selection is None
            else selections.select_examples(conn, dataset.id, version, body.selection)
        )
        experiment_id = conn.execute(
            sa.insert(experiments)
            .values(
                dataset_id=dataset.id,
                dataset_version_id=version,
                name=body.name,
                description=body.description,
                metadata=metadata,
                repetitions=body.repetitions,
                task_version=body.task_version,
                selection=selection,
                created_at=now(),
            )
            .returning(experiments.c.id)
        ).scalar_one()
        if chosen is not None:
            selections.store(conn, experiment_id, chosen)
        return experiment_json(experiment_row(conn, str(experiment_id)))


MAX_SUMMARY_PAGE = 100
"""The most experiments a page of the list holds with their summaries."""


@dataclass(frozen=True)
class ListFilters:
    """The list's selection beside the version: the exact ``name``; the experiments created
    ``before`` the one of that id (404 ``experiment_not_found`` if none has it); ``summary``:
    each with its summary, at most :data:`MAX_SUMMARY_PAGE` a page."""

    name: str | None = None
    before: str | None = None
    summary: bool = False


def list_experiments(
    engine: sa.Engine,
    dataset_id: str,
    version_id: str | None,
    cursor: str | None,
    limit: int,
    tag: str | None = None,
    filters: ListFilters = ListFilters(),
) -> dict[str, Any]:
    if filters.summary:
        limit = min(limit, MAX_SUMMARY_PAGE)
    with read_transaction(engine) as conn:
        dataset = dataset_by_id(conn, dataset_id)
        query = (
            sa.select(experiments, selections.example_count())
            .join(versions, versions.c.id == experiments.c.dataset_version_id)
            .where(experiments.c.dataset_id == dataset.id)
        )
        if version_id is not None or tag is not None:
            version = resolve_version(conn, dataset.id, version_id, tag)
            query = query.where(experiments.c.dataset_version_id == version)
        if filters.name is not None:
            query = query.where(experiments.c.name == filters.name)
        if filters.before is not None:
            query = query.where(experiments.c.id < experiment_row(conn, filters.before).id)
        rows, next_cursor = page(conn, query, experiments.c.id, cursor, limit, newest_first=True)
        answers = [experiment_json(row) for row in rows]
        if filters.summary:
            for answer, row in zip(answers, rows, strict=True):
                answer["summary"] = _summary(conn, row)
    return {"data": answers, "next_cursor": next_cursor}


KEPT_SUMMARIES = 256
"""How many experiment summaries a server process keeps per database (about 1 KB each), under
the experiment's row: its ``results_revision`` says when its runs or evaluations changed."""

_kept_summaries: Kept[dict[str, Any]] = Kept(KEPT_SUMMARIES, KEPT_SUMMARIES)


def _summary(conn: sa.Connection, experiment: sa.Row[Any]) -> dict[str, Any]:
    """The experiment's summary, kept (:data:`KEPT_SUMMARIES`) until its ``results_revision``
    changes: each aggregates every run of it (0.1-0.2 s of CPU at 100,000 runs)."""
    engine, key = conn.engine, tuple(experiment)
    summary = _kept_summaries.get(engine, key)
    if summary is None:
        summary = _computed_summary(conn, experiment)
        _kept_summaries.put(engine, key, summary, 1)
    return copy.deepcopy(summary)


def _computed_summary(conn: sa.Connection, experiment: sa.Row[Any]) -> dict[str, Any]:
    found = kept_tallies(conn, experiment)
    counts = found.counts
    expected = experiment.example_count * experiment.repetitions
    successful = counts.runs - counts.errors
    return {
        "expected_runs": expected,
        "runs": counts.runs,
        "successful_runs": successful,
        "errored_runs": counts.errors,
        "incomplete_runs": expected - successful,
        "reused_runs": counts.reused,
        **found.costs.summary(),
        "evaluations": found.evaluations,
    }


def get_experiment(engine: sa.Engine, experiment_id: str) -> dict[str, Any]:
    with read_transaction(engine) as conn:
        row = experiment_row(conn, experiment_id)
        answer = experiment_json(row)
        answer["summary"] = _summary(conn, row)
    return answer


def delete_experiment(engine: sa.Engine, experiment_id: str) -> None:
    with write_transaction(engine) as conn:
        row = experiment_row(conn, experiment_id, lock=True)
        run_ids = sa.select(runs.c.id).where(runs.c.experiment_id == row.id)
        # The runs copied from these (by other experiments' reuse) outlive them without the
        # link. Cleared here, not by a foreign key's ON DELETE SET NULL: since migration 0010
        # PostgreSQL has none (its check cost a reuse of 99,000 runs 0.85 s); SQLite's finds
        # nothing left to clear. The experiments holding those copies change with it (their
        # reused counts).
        results_changed(
            conn,
            experiments.c.id.in_(
                sa.select(runs.c.experiment_id).where(runs.c.reused_from_run_id.in_(run_ids)).distinct()
            ),
        )
        conn.execute(
            sa.update(runs).where(runs.c.reused_from_run_id.in_(run_ids)).values(reused_from_run_id=None)
        )
        conn.execute(sa.delete(evaluations).where(evaluations.c.run_id.in_(run_ids)))
        conn.execute(sa.delete(runs).where(runs.c.experiment_id == row.id))
        conn.execute(sa.delete(experiment_examples).where(experiment_examples.c.experiment_id == row.id))
        conn.execute(sa.delete(experiments).where(experiments.c.id == row.id))


# ---------------------------------------------------------------- runs


def _evaluation_row(evaluation: EvaluationFields, run_id: int, path: str) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "name": evaluation.name,
        "score": evaluation.score,
        "label": evaluation.label,
        "explanation": evaluation.explanation,
        "metadata": (
            EMPTY_OBJECT
            if evaluation.metadata is None
            else canonical_text(evaluation.metadata, path + ".metadata")
        ),
        "error": evaluation.error,
        "annotator_kind": evaluation.annotator_kind,
        "start_time": timestamp(evaluation.start_time),
        "end_time": timestamp(evaluation.end_time),
        "latency_ms": _latency(evaluation.latency_ms, evaluation.start_time, evaluation.end_time),
        "evaluator_version": evaluation.evaluator_version,
    }


def _latency(given: float | None, start: datetime | None, end: datetime | None) -> float | None:
    """The latency the client gave, else the time between the start and end it gave (the
    server's own clock, used when they are omitted, measures nothing of the task)."""
    if given is not None or start is None or end is None:
        return given
    # A time without a zone is UTC, as the stored times take it (values.timestamp).
    start, end = (t if t.tzinfo is not None else t.replace(tzinfo=UTC) for t in (start, end))
    elapsed = (end - start).total_seconds() * 1000
    return elapsed if elapsed >= 0 else None


def _check_run_batch(experiment: sa.Row[Any], batch: list[RunCreate]) -> list[int]:
    """The batch's example ids, once its repetition numbers and (example, repetition) pairs are
    known to be valid on their own."""
    example_ids = [parse_id(run.example_id, "example") for run in batch]
    too_high = [i for i, run in enumerate(batch) if run.repetition_number > experiment.repetitions]
    if too_high:
        raise _batch_refusal(
            "invalid_repetition",
            too_high,
            "runs",
            "repetition_number",
            f"run(s) have a repetition_number above the experiment's {experiment.repetitions} repetition(s)",
        )
    seen: set[tuple[int, int]] = set()
    for index, (example_id, run) in enumerate(zip(example_ids, batch, strict=True)):
        pair = (example_id, run.repetition_number)
        if pair in seen:
            raise Invalid(
                "duplicate_run",
                f"$.runs[{index}] repeats example {example_id}, repetition {run.repetition_number} "
                "of an earlier run of the batch",
                path=f"$.runs[{index}]",
            )
        seen.add(pair)
        for position, evaluation in enumerate(run.evaluations):
            if any(other.name == evaluation.name for other in run.evaluations[:position]):
                raise Invalid(
                    "duplicate_evaluation",
                    f"$.runs[{index}].evaluations[{position}] repeats the name `{evaluation.name}`",
                    path=f"$.runs[{index}].evaluations[{position}].name",
                )
    return example_ids


def _content_hashes(conn: sa.Connection, experiment: sa.Row[Any], example_ids: set[int]) -> dict[int, str]:
    """The content hash at the experiment's version of those of ``example_ids`` in it."""
    query = example_set_query(
        conn, experiment.dataset_id, experiment.dataset_version_id, [examples.c.id, revisions.c.content_hash]
    ).where(examples.c.id.in_(sorted(example_ids)))
    return {example_id: content_hash for example_id, content_hash in conn.execute(query)}


def _refuse_outside(
    batch: list[RunCreate],
    example_ids: list[int],
    kept: Container[int],
    code: str,
    reason: str,
    **members: Any,
) -> None:
    """Refuse the batch (``code``, listing their example ids) if some of its runs name an example
    not in ``kept``."""
    outside = [i for i, example_id in enumerate(example_ids) if example_id not in kept]
    if outside:
        raise _batch_refusal(
            code,
            outside,
            "runs",
            "example_id",
            reason,
            example_ids=[batch[i].example_id for i in outside],
            **members,
        )


def add_runs(
    engine: sa.Engine, experiment_id: str, batch: list[RunCreate], *, refresher: Refresher
) -> dict[str, Any]:
    outputs = [
        None if run.output is None else canonical_text(run.output, f"$.runs[{index}].output")
        for index, run in enumerate(batch)
    ]
    with (
        refresher.writing(parse_id(experiment_id, "experiment")),
        write_transaction(engine) as conn,
    ):
        experiment = experiment_row(conn, experiment_id, lock=True)
        example_ids = _check_run_batch(experiment, batch)
        hashes = _content_hashes(conn, experiment, set(example_ids))
        _refuse_outside(
            batch,
            example_ids,
            hashes,
            "example_not_in_version",
            f"run(s) name examples that are not in version {experiment.dataset_version_id} "
            f"of dataset {experiment.dataset_id}",
            version_id=render_id(experiment.dataset_version_id),
        )
        if experiment.selection is not None:
            _refuse_outside(
                batch,
                example_ids,
                selections.selected_among(conn, experiment.id, hashes),
                "example_not_in_selection",
                f"run(s) name examples of version {experiment.dataset_version_id} that experiment "
                f"{experiment.id}'s selection left out",
                experiment_id=render_id(experiment.id),
            )
        mismatched = [
            i
            for i, (example_id, run) in enumerate(zip(example_ids, batch, strict=True))
            if run.content_hash is not None and run.content_hash != hashes[example_id]
        ]
        if mismatched:
            raise _batch_refusal(
                "content_hash_mismatch",
                mismatched,
                "runs",
                "content_hash",
                f"run(s) saw content that is not their example's at version {experiment.dataset_version_id}",
                example_ids=[batch[i].example_id for i in mismatched],
            )
        wanted = {
            (example_id, run.repetition_number) for example_id, run in zip(example_ids, batch, strict=True)
        }
        existing = [
            row
            for row in conn.execute(
                sa.select(runs.c.id, runs.c.example_id, runs.c.repetition_number, runs.c.error).where(
                    runs.c.experiment_id == experiment.id, runs.c.example_id.in_(sorted(set(example_ids)))
                )
            )
            if (row.example_id, row.repetition_number) in wanted
        ]
        succeeded = sorted((row.example_id, row.repetition_number) for row in existing if row.error is None)
        if succeeded:
            raise Conflict(
                "run_exists",
                f"{len(succeeded)} (example, repetition) pair(s) of the batch already have a successful "
                f"run, which is final; the first is example {succeeded[0][0]}, "
                f"repetition {succeeded[0][1]}",
                example_ids=_listed([str(example_id) for example_id, _ in succeeded]),
                repetition_numbers=_listed([repetition for _, repetition in succeeded]),
            )
        replaced = [row.id for row in existing]
        if replaced:
            conn.execute(sa.delete(evaluations).where(evaluations.c.run_id.in_(replaced)))
            conn.execute(sa.delete(runs).where(runs.c.id.in_(replaced)))
        rows = [
            {
                "experiment_id": experiment.id,
                "example_id": example_id,
                "content_hash": hashes[example_id],
                "repetition_number": run.repetition_number,
                "output": output,
                "error": run.error,
                "start_time": timestamp(run.start_time),
                "end_time": timestamp(run.end_time),
                "latency_ms": _latency(run.latency_ms, run.start_time, run.end_time),
                "tokens_in": run.tokens_in,
                "tokens_out": run.tokens_out,
                "cost": run.cost,
                "currency": run.currency,
            }
            for example_id, run, output in zip(example_ids, batch, outputs, strict=True)
        ]
        run_ids = _insert_returning_ids(conn, runs, rows)
        evaluation_rows = [
            _evaluation_row(evaluation, run_id, f"$.runs[{index}].evaluations[{position}]")
            for index, (run, run_id) in enumerate(zip(batch, run_ids, strict=True))
            for position, evaluation in enumerate(run.evaluations)
        ]
        if evaluation_rows:
            conn.execute(sa.insert(evaluations), evaluation_rows)
        results_changed(conn, experiments.c.id == experiment.id)
    return {
        "data": [
            {
                "id": render_id(run_id),
                "example_id": render_id(row["example_id"]),
                "repetition_number": row["repetition_number"],
                "content_hash": row["content_hash"],
            }
            for run_id, row in zip(run_ids, rows, strict=True)
        ],
        "replaced": len(replaced),
        "evaluations": len(evaluation_rows),
    }


def _insert_returning_ids(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    # One multi-row statement per page of rows on both databases ("insertmanyvalues"), with the
    # ids given back in the order of the rows.
    result = conn.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return [int(run_id) for run_id in result.scalars()]


def evaluation_json(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "id": render_id(row.id),
        "run_id": render_id(row.run_id),
        "name": row.name,
        "score": row.score,
        "label": row.label,
        "explanation": row.explanation,
        "metadata": fragment(row.metadata),
        "error": row.error,
        "annotator_kind": row.annotator_kind,
        "start_time": row.start_time,
        "end_time": row.end_time,
        "latency_ms": row.latency_ms,
        "evaluator_version": row.evaluator_version,
    }


def list_runs(
    engine: sa.Engine,
    experiment_id: str,
    cursor: str | None,
    limit: int,
    filters: RunFilters = NO_FILTERS,
) -> dict[str, Any]:
    """A page of the experiment's runs, in stored order, or kept and sorted by ``filters``
    (:mod:`~groundset_server.services.run_reads`)."""
    with read_transaction(engine) as conn:
        experiment = experiment_row(conn, experiment_id)
        query = (
            sa.select(runs, examples.c.source_id)
            .join(examples, examples.c.id == runs.c.example_id)
            .where(runs.c.experiment_id == experiment.id)
        )
        if filters.plain:
            rows, next_cursor = page(conn, query, runs.c.id, cursor, limit)
        else:
            rows, next_cursor = filtered_page(conn, query, experiment.dataset_id, filters, cursor, limit)
        by_run: dict[int, list[dict[str, Any]]] = {row.id: [] for row in rows}
        if rows:
            # A page in stored order is one id range, read by it; a filtered or sorted one is not.
            on_page = (
                sa.and_(evaluations.c.run_id >= rows[0].id, evaluations.c.run_id <= rows[-1].id)
                if filters.plain
                else evaluations.c.run_id.in_(list(by_run))
            )
            for evaluation in conn.execute(
                sa.select(evaluations)
                .where(on_page)
                .join(runs, runs.c.id == evaluations.c.run_id)
                .where(runs.c.experiment_id == experiment.id)
                .order_by(evaluations.c.run_id, evaluations.c.name)
            ):
                by_run[evaluation.run_id].append(evaluation_json(evaluation))
    return {
        "data": [
            {
                "id": render_id(row.id),
                "experiment_id": render_id(row.experiment_id),
                "example_id": render_id(row.example_id),
                "source_id": row.source_id,
                "content_hash": row.content_hash,
                "repetition_number": row.repetition_number,
                "output": fragment(row.output),
                "error": row.error,
                "start_time": row.start_time,
                "end_time": row.end_time,
                "latency_ms": row.latency_ms,
                "tokens_in": row.tokens_in,
                "tokens_out": row.tokens_out,
                "cost": row.cost,
                "currency": row.currency,
                "reused_from_run_id": render_id(row.reused_from_run_id),
                "evaluations": by_run[row.id],
            }
            for row in rows
        ],
        "next_cursor": next_cursor,
    }


# ---------------------------------------------------------------- evaluations


def upsert_evaluations(
    engine: sa.Engine, experiment_id: str, batch: list[EvaluationCreate], *, refresher: Refresher
) -> dict[str, Any]:
    """Store each evaluation, replacing the one of the same run and name if there is one."""
    run_ids = [parse_id(evaluation.run_id, "run") for evaluation in batch]
    seen: set[tuple[int, str]] = set()
    for index, (run_id, evaluation) in enumerate(zip(run_ids, batch, strict=True)):
        if (run_id, evaluation.name) in seen:
            raise Invalid(
                "duplicate_evaluation",
                f"$.evaluations[{index}] repeats run {run_id} and name `{evaluation.name}` of an earlier "
                "evaluation of the batch",
                path=f"$.evaluations[{index}]",
            )
        seen.add((run_id, evaluation.name))
    rows = [
        _evaluation_row(evaluation, run_id, f"$.evaluations[{index}]")
        for index, (run_id, evaluation) in enumerate(zip(run_ids, batch, strict=True))
    ]
    with (
        refresher.writing(parse_id(experiment_id, "experiment")),
        write_transaction(engine) as conn,
    ):
        experiment = experiment_row(conn, experiment_id, lock=True)
        known = set(
            conn.execute(
                sa.select(runs.c.id).where(
                    runs.c.experiment_id == experiment.id, runs.c.id.in_(sorted(set(run_ids)))
                )
            ).scalars()
        )
        outside = [i for i, run_id in enumerate(run_ids) if run_id not in known]
        if outside:
            raise _batch_refusal(
                "run_not_in_experiment",
                outside,
                "evaluations",
                "run_id",
                f"evaluation(s) name runs that are not runs of experiment {experiment.id}",
                run_ids=[batch[i].run_id for i in outside],
            )
        if rows:
            conn.execute(dialect.insert_replacing(conn, evaluations, ["run_id", "name"]), rows)
            results_changed(conn, experiments.c.id == experiment.id)
        ids = {
            (row.run_id, row.name): row.id
            for row in conn.execute(
                sa.select(evaluations.c.id, evaluations.c.run_id, evaluations.c.name).where(
                    evaluations.c.run_id.in_(sorted(known))
                )
            )
        }
    return {
        "data": [
            {"id": render_id(ids[(run_id, e.name)]), "run_id": render_id(run_id), "name": e.name}
            for run_id, e in zip(run_ids, batch, strict=True)
        ]
    }


# ---------------------------------------------------------------- incomplete pairs


INCOMPLETE_PAGE_SIZE = 1000
"""The examples of a page of incomplete pairs when the caller gives no limit."""


def incomplete(engine: sa.Engine, experiment_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """The examples it runs on (the version's, or its selection's) that lack a successful run
    for some repetition, each with those repetition numbers, a page at a time by example id
    (schema ``IncompletePage``)."""
    with read_transaction(engine) as conn:
        return incomplete_page(conn, experiment_row(conn, experiment_id), cursor, limit)


def incomplete_page(
    conn: sa.Connection,
    experiment: sa.Row[Any],
    cursor: str | None,
    limit: int,
    none_errored: bool = False,
) -> dict[str, Any]:
    """:func:`incomplete`'s page of ``experiment`` (its row, :func:`experiment_row`) read on
    ``conn``; ``none_errored``: the caller knows the experiment has no errored run (a reuse
    into a head that had no runs copies only successful ones), so its runs are counted from
    the (experiment, example, repetition) key alone, without reading each one's error (half
    of the read at 99,000 runs on SQLite)."""
    dialect.bulk_statement_settings(conn)
    of_example = [runs.c.experiment_id == experiment.id, runs.c.example_id == examples.c.id]
    if not none_errored:
        of_example.append(runs.c.error.is_(None))
    successful = sa.select(sa.func.count()).select_from(runs).where(*of_example).scalar_subquery()
    query = selections.experiment_example_set(conn, experiment, EXAMPLE_COLUMNS).where(
        successful < experiment.repetitions
    )
    rows, next_cursor = page(conn, query, examples.c.id, cursor, limit)
    done: dict[int, set[int]] = {row.id: set() for row in rows}
    if rows:
        for example_id, repetition in conn.execute(
            sa.select(runs.c.example_id, runs.c.repetition_number).where(
                runs.c.experiment_id == experiment.id,
                runs.c.error.is_(None),
                # The page's examples by id, not their range: after a reuse the incomplete
                # ones lie scattered over the version, and a range spans most of its runs.
                runs.c.example_id.in_(list(done)),
            )
        ):
            if example_id in done:
                done[example_id].add(repetition)
    every = range(1, experiment.repetitions + 1)
    return {
        "experiment_id": render_id(experiment.id),
        "version_id": render_id(experiment.dataset_version_id),
        "data": [
            {"example": example_json(row), "repetition_numbers": [n for n in every if n not in done[row.id]]}
            for row in rows
        ],
        "next_cursor": next_cursor,
    }
