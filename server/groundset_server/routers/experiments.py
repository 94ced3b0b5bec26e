"""Experiments on a pinned dataset version: their runs, evaluations, summary and incomplete pairs.

Experiments and batch results are returned as data that FastAPI checks against the response
model; the pages of runs and of incomplete examples (up to 10,000, with stored outputs and
content) are written raw by orjson, the stored JSON spliced in without a parse."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from groundset_server.experiment_schemas import (
    Comparison,
    EvaluationBatch,
    EvaluationBatchResult,
    Experiment,
    ExperimentCreate,
    ExperimentPage,
    IncompletePage,
    ReuseRequest,
    ReuseResult,
    RunBatch,
    RunBatchResult,
    RunPage,
)
from groundset_server.routers.common import PROBLEM_RESPONSES, TagQuery, engine_of, json_response
from groundset_server.services import comparisons, experiments, reuse, run_reads
from groundset_server.validation import check_name

router = APIRouter(tags=["experiments"], responses=PROBLEM_RESPONSES)

PageLimit = Annotated[int, Query(ge=1, le=10000)]


@router.post(
    "/datasets/{dataset_id}/experiments",
    status_code=201,
    response_model=Experiment,
    response_model_exclude_unset=True,
)
def create_experiment(request: Request, dataset_id: str, body: ExperimentCreate) -> dict[str, Any]:
    """Create an experiment pinned to one version of the dataset, given by `version_id` or `tag`
    (the latest if neither; both: 422 `version_and_tag`; 404 `tag_not_found`): its runs may
    only name examples of that version. With `selection`, only the examples it selects (found
    once, now): source ids not in the version are 422 `unknown_source_ids` (the first 100 in
    `unknown_source_ids`, how many in `unknown_count`), a selection of no example 422
    `empty_selection`, and a run of an example it left out 422 `example_not_in_selection`."""
    return experiments.create_experiment(engine_of(request), dataset_id, body)


@router.get(
    "/datasets/{dataset_id}/experiments", response_model=ExperimentPage, response_model_exclude_unset=True
)
def list_experiments(
    request: Request,
    dataset_id: str,
    version_id: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    tag: TagQuery = None,
    name: Annotated[str | None, Query(description="Only the experiments of this exact name.")] = None,
    before: Annotated[
        str | None,
        Query(description="An experiment id: only the experiments created before it (smaller ids)."),
    ] = None,
    summary: Annotated[
        bool,
        Query(
            description="Each experiment with its `summary`, as GET /v1/experiments/{id} gives it. "
            f"A page then holds at most {experiments.MAX_SUMMARY_PAGE} experiments whatever `limit` "
            "says (`next_cursor` goes on from there)."
        ),
    ] = False,
) -> dict[str, Any]:
    """The dataset's experiments newest first, a page at a time; `version_id` (or the version's
    `tag`, not both: 422 `version_and_tag`) keeps those pinned to that version. `name` and
    `before` with `limit=1` select "the latest experiment named X before Y". 404
    `experiment_not_found` when `before` names no experiment."""
    if name is not None:
        check_name(name, "name")
    return experiments.list_experiments(
        engine_of(request),
        dataset_id,
        version_id,
        cursor,
        limit,
        tag=tag,
        filters=experiments.ListFilters(name=name, before=before, summary=summary),
    )


# Before /experiments/{experiment_id}, which would take `compare` for an id.
@router.get("/experiments/compare", response_model=Comparison)
def compare_experiments(
    request: Request,
    base: Annotated[str, Query(description="The base experiment's id.")],
    head: Annotated[str, Query(description="The head experiment's id (on the same dataset).")],
    threshold: Annotated[
        list[str],
        Query(
            description="Repeatable: `0.2` for every evaluator, `NAME:0.2` for the evaluator NAME "
            "(split at the last `:`). The drop that counts as a regression (the rise an "
            "improvement); default 0 (any drop) for a boolean evaluator, 0.1 for a numeric one."
        ),
    ] = [],  # noqa: B006 (FastAPI copies a query default)
    include_changed: Annotated[
        bool, Query(description="Count `changed` examples in the verdict too (default: like for like).")
    ] = False,
    only: Annotated[
        list[comparisons.Only],
        Query(description="Repeatable: list only the examples matching one of these."),
    ] = [],  # noqa: B006
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 100,
    order: Annotated[
        comparisons.Order,
        Query(description="The examples by `example_id`, or `regressions_first` (each part by example id)."),
    ] = "example_id",
) -> Response:
    """Compare two experiments on one dataset (any two versions of it), example by example.

    The aggregates (counts per class, per-evaluator means on all and on like-for-like
    examples, latency and usage with their deltas, the CI verdict) are whole in every page;
    the examples are paged by `cursor`. The verdict is `comparable: false` (with
    `not_comparable`) when no example of its scope could be compared. 422 `compare_with_itself`
    (base and head are one experiment), `experiments_on_different_datasets`,
    `invalid_threshold`, `unknown_evaluator`; 404 `experiment_not_found`."""
    answer = comparisons.compare(
        engine_of(request),
        base,
        head,
        thresholds=comparisons.parse_thresholds(threshold),
        include_changed=include_changed,
        only=only,
        cursor=cursor,
        limit=limit,
        order=order,
    )
    return json_response(answer)


@router.get("/experiments/{experiment_id}", response_model=Experiment, response_model_exclude_unset=True)
def get_experiment(request: Request, experiment_id: str) -> dict[str, Any]:
    """The experiment with its summary: runs, errors, incomplete pairs, per-evaluator mean score."""
    return experiments.get_experiment(engine_of(request), experiment_id)


@router.delete("/experiments/{experiment_id}", status_code=204, response_class=Response)
def delete_experiment(request: Request, experiment_id: str) -> Response:
    """Delete the experiment with its runs and evaluations."""
    experiments.delete_experiment(engine_of(request), experiment_id)
    return Response(status_code=204)


@router.post("/experiments/{experiment_id}/runs", status_code=201, response_model=RunBatchResult)
def add_runs(request: Request, experiment_id: str, body: RunBatch) -> dict[str, Any]:
    """Store a batch of runs (each optionally with its evaluations) in one transaction.

    422 if a run names an example outside the experiment's version; 409 `run_exists` if an
    (example, repetition) of the batch already has a successful run (nothing is stored); a run
    that errored is replaced by the new one."""
    return experiments.add_runs(
        engine_of(request), experiment_id, body.runs, refresher=request.app.state.refresher
    )


@router.post("/experiments/{experiment_id}/reuse", response_model=ReuseResult)
def reuse_results(request: Request, experiment_id: str, body: ReuseRequest) -> Response:
    """Copy into this experiment (the head) the base experiment's results for the content that
    did not change, in one transaction; calling again copies nothing new.

    Only when both experiments have the same `task_version` (else nothing is copied and
    `task_version_matches` is false). For each (example, repetition) of the head's version with
    no successful run in the head, the base's successful run of the same source id and
    repetition number is copied when it saw the same content hash; the copy names it in
    `reused_from_run_id`. Of the copied runs, the base's error-free evaluations whose name and
    `evaluator_version` equal one of `evaluators` with a version are copied too;
    `evaluators_to_rerun` names the evaluators the reused runs still lack; `incomplete` is the
    head's first page of incomplete pairs after the copy (GET /incomplete's with no cursor and
    the default limit), so the caller runs the task without another request. 404
    `experiment_not_found`; 422 `reuse_from_itself` (the base is the head),
    `experiments_on_different_datasets`, `task_version_required` (the head has no task_version)."""
    # Written as the service gives it: the page's example content is stored JSON text spliced in.
    return json_response(
        reuse.reuse(engine_of(request), experiment_id, body, refresher=request.app.state.refresher)
    )


@router.get("/experiments/{experiment_id}/runs", response_model=RunPage)
def list_runs(
    request: Request,
    experiment_id: str,
    cursor: str | None = None,
    limit: PageLimit = 1000,
    errors: Annotated[
        run_reads.ErrorFilter | None,
        Query(description="`only`: the runs that errored; `none`: the runs that did not."),
    ] = None,
    evaluator: Annotated[
        str | None,
        Query(
            description="The evaluator (by name) whose score `min_score`, `max_score` and `sort=score` read."
        ),
    ] = None,
    min_score: Annotated[
        float | None,
        Query(
            description="Only the runs `evaluator` scored at least this (runs it did not score are left out)."
        ),
    ] = None,
    max_score: Annotated[
        float | None, Query(description="Only the runs `evaluator` scored at most this.")
    ] = None,
    source_id: Annotated[
        list[str] | None,
        Query(
            description="Only the runs of these examples (exact source ids; repeat the parameter, at most "
            f"{run_reads.MAX_SOURCE_IDS}: 422 `too_many_source_ids`)."
        ),
    ] = None,
    sort: Annotated[
        run_reads.RunSort,
        Query(
            description="`id` (the order they were stored), `source_id`, `latency_ms` or `score` (the "
            "`evaluator`'s); `-` before it for descending. Runs without a latency or score come last "
            "either way; ties go by run id."
        ),
    ] = "id",
) -> Response:
    """The runs in the order they were stored (or `sort`), each with its evaluations, a page at
    a time; `errors`, `min_score`/`max_score` and `source_id` keep the runs they match (all of
    them given: those matching all) and the cursor goes on through the matches. 422
    `evaluator_required` (a score bound or sort without `evaluator`), `invalid_score_range`,
    `invalid_score` (not finite), `invalid_cursor` (not a cursor of this sort),
    `too_many_source_ids`, `unknown_evaluator` (no run has `evaluator`; the detail names those
    that exist, as a comparison does)."""
    filters = run_reads.RunFilters(
        errors=errors,
        evaluator=evaluator,
        min_score=min_score,
        max_score=max_score,
        source_ids=source_id,
        sort=sort,
    )
    return json_response(experiments.list_runs(engine_of(request), experiment_id, cursor, limit, filters))


@router.post("/experiments/{experiment_id}/evaluations", response_model=EvaluationBatchResult)
def upsert_evaluations(request: Request, experiment_id: str, body: EvaluationBatch) -> dict[str, Any]:
    """Store a batch of evaluations of the experiment's runs; one of the same (run, name)
    replaces the stored one."""
    return experiments.upsert_evaluations(
        engine_of(request), experiment_id, body.evaluations, refresher=request.app.state.refresher
    )


@router.get("/experiments/{experiment_id}/incomplete", response_model=IncompletePage)
def list_incomplete(
    request: Request,
    experiment_id: str,
    cursor: str | None = None,
    limit: PageLimit = experiments.INCOMPLETE_PAGE_SIZE,
) -> Response:
    """The (example, repetition) pairs with no successful run, grouped by example (with its
    content at the version), a page of examples at a time."""
    return json_response(experiments.incomplete(engine_of(request), experiment_id, cursor, limit))
