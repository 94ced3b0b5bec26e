"""Experiments: run a task on every example of one exact dataset version, score the outputs with
evaluators, and store the runs and evaluations on the server.

>>> def answer(input):  # doctest: +SKIP
...     return {"text": my_model(input["question"])}
>>> def exact(output, expected):  # doctest: +SKIP
...     return output["text"] == expected["text"]
>>> result = groundset.upsert_dataset(...)  # or client.get_dataset(name="qa")  # doctest: +SKIP
>>> experiment = groundset.run_experiment(result, answer, [exact], concurrency=8)  # doctest: +SKIP
>>> experiment.to_pandas()  # doctest: +SKIP

The experiment is pinned to the version the ``dataset`` argument names: each run stores the
content hash of its example at that version, so it stays comparable with later experiments on
the evolved dataset. Runs are uploaded in batches while the experiment goes on; after a crash,
:func:`resume_experiment` runs only the (example, repetition) pairs without a successful run.

The module holds the public functions; the parts live beside it: :mod:`groundset._experiment_types`
(the types and their presentation), :mod:`groundset._binding` (tasks and evaluators bound to
examples), :mod:`groundset._runner` (the concurrent runner), :mod:`groundset._uploader` (batched
uploads), :mod:`groundset._experiment_api` (the server's routes and the non-concurrent operations:
start, load, list) and :mod:`groundset._bridge` (the clients, and the one bridge that runs the
async runner from sync code).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from groundset import _experiment_api as api
from groundset._binding import (
    Bound,
    Evaluator,
    Evaluators,
    NamedEvaluator,
    Task,
    TaskContext,
    as_evaluator,
    bind_evaluators,
    bind_task,
    default_experiment_name,
)
from groundset._bridge import AnyClient, arun_op, blocking, drive, run_op, with_client
from groundset._constants import MAX_REPETITIONS
from groundset._experiment_types import (
    DatasetArg,
    EvaluationResult,
    Experiment,
    ExperimentArg,
    ExperimentEvaluation,
    ExperimentRun,
    local_summary,
)
from groundset._http import Op
from groundset._names import check_experiment_name
from groundset._runner import Job, Runner
from groundset._uploader import BATCH_SIZE, Uploader, evaluation_uploader, run_uploader
from groundset.client import Client
from groundset.errors import APIError, GroundsetError
from groundset.types import Example

__all__ = [
    "BATCH_SIZE",
    "EvaluationResult",
    "Evaluator",
    "Evaluators",
    "Experiment",
    "ExperimentArg",
    "ExperimentEvaluation",
    "ExperimentRun",
    "NamedEvaluator",
    "TaskContext",
    "aevaluate_experiment",
    "aload_experiment",
    "aresume_experiment",
    "arun_experiment",
    "as_evaluator",
    "evaluate_experiment",
    "load_experiment",
    "resume_experiment",
    "run_experiment",
]

# The public types keep this module's name (in reprs, help and pickles), as before the split.
for _public in (EvaluationResult, Experiment, ExperimentEvaluation, ExperimentRun, NamedEvaluator, TaskContext):
    _public.__module__ = __name__
del _public


# ---------------------------------------------------------------- arguments


def _check_dry_run(dry_run: bool | int) -> int:
    """How many examples a dry run takes (0: not a dry run)."""
    if isinstance(dry_run, bool):
        return 1 if dry_run else 0
    if isinstance(dry_run, int) and dry_run > 0:
        return dry_run
    raise ValueError(f"dry_run= must be a bool or a positive int, not {dry_run!r}")


def _check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or not 1 <= batch_size <= 10_000:
        raise ValueError(f"batch_size= must be an int from 1 to 10000, not {batch_size!r}")


_INTERNAL = (os.path.dirname(__file__) + os.sep, os.path.dirname(asyncio.__file__) + os.sep, threading.__file__)
"""Where frames that are not the caller's live: this package, and the event loop and threads that
run its coroutines."""


def _warn(message: str) -> None:
    """A ``UserWarning`` shown at the caller's line (``script.py:12: UserWarning: ...``), past
    the SDK's frames and the event loop's that run them, wherever the call was made from
    (``run_experiment``, ``await arun_experiment``); ``warnings.warn``'s fixed ``stacklevel``
    would show a line of the SDK's source."""
    frame = sys._getframe(1)
    level = 2  # 1: this function; 2: its caller
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_INTERNAL):
        frame = frame.f_back
        level += 1
    warnings.warn(message, UserWarning, stacklevel=level)


def _warn_unscored(summary: Mapping[str, Any], given: Sequence[Bound], caller: str) -> None:
    """A warning when the experiment holds evaluations of evaluators not given now: the runs
    made now would go without them (the server keeps results, not the functions)."""
    stored = sorted({str(entry["name"]) for entry in summary.get("evaluations") or []})
    left_out = [name for name in stored if name not in {evaluator.name for evaluator in given}]
    if left_out:
        _warn(
            f"{caller}: the experiment's runs are scored by {', '.join(map(repr, left_out))}, not given "
            "here: the runs made now will have no such evaluations; pass the same evaluators "
            "(or score them later with evaluate_experiment)"
        )


def _warn_superseded(uploader: Uploader | None, experiment_id: str | None, caller: str) -> None:
    """A warning when another runner (a second resume of the same experiment) stored runs of
    pairs this one ran too: their task calls were made twice, and these runs were dropped."""
    if uploader is not None and uploader.superseded:
        count = uploader.superseded
        _warn(
            f"{caller}: {count} run{'s' if count != 1 else ''} made here {'were' if count != 1 else 'was'} not "
            f"stored: another runner of experiment {experiment_id} had already stored "
            f"{'their' if count != 1 else 'its'} (example, repetition) pair{'s' if count != 1 else ''} "
            "(its runs are final); those task calls were made twice. Run one resume of an experiment at a time"
        )


def _check_repetitions(repetitions: int) -> None:
    if not isinstance(repetitions, int) or isinstance(repetitions, bool) or repetitions < 1:
        raise ValueError(f"repetitions= must be a positive int, not {repetitions!r}")
    if repetitions > MAX_REPETITIONS:
        raise ValueError(f"repetitions= must be at most {MAX_REPETITIONS} (the server's limit), not {repetitions}")


def _experiment_id(experiment: Experiment | str) -> str:
    if isinstance(experiment, Experiment):
        if experiment.id is None:
            raise ValueError("a dry run was not stored: there is nothing to load or resume")
        return experiment.id
    if isinstance(experiment, str) and experiment:
        return experiment
    raise TypeError(f"give an Experiment or an experiment id (str), not {experiment!r}")


def _check_task_version(task_version: str | None, reuse: ExperimentArg | None, dry: int) -> None:
    if task_version is not None and (
        not isinstance(task_version, str) or not task_version or len(task_version) > 512 or "\x00" in task_version
    ):
        raise ValueError(
            f"task_version= must be a non-empty str of at most 512 characters (no U+0000), not {task_version!r}"
        )
    if reuse is None:
        return
    if task_version is None:
        raise ValueError(
            "reuse needs task_version: results are reused only from an experiment whose task_version equals "
            "this one's (give the version of the task's code and prompt, e.g. task_version='prompt-v7')"
        )
    if dry:
        raise ValueError("reuse= with dry_run= : a dry run stores nothing, so it has nothing to reuse into")


async def _incomplete_jobs(client: AnyClient, experiment_id: str, first: Mapping[str, Any] | None = None) -> list[Job]:
    """A job per (example, repetition) of the experiment with no successful run: the server
    knows which examples it runs on (its selection) and what is already done. ``first``: the
    first page of them already in hand (the reuse call's)."""
    missing = await drive(client, api.incomplete_pairs(experiment_id, first))
    return [
        Job(example=Example.from_json(item["example"]), repetition_number=n)
        for item in missing
        for n in item["repetition_numbers"]
    ]


async def _reuse(
    client: AnyClient,
    experiment: Experiment,
    base_id: str,
    evaluators: list[Bound],
) -> tuple[list[Job], list[str]]:
    """Copy the base's reusable runs into ``experiment`` (just created: deleted again if the
    server refuses the copy, so a refused rerun leaves nothing); the jobs left to run (the
    experiment's incomplete pairs) and the evaluators to run again on reused runs."""
    assert experiment.id is not None
    head_id = experiment.id
    versions = [{"name": e.name, "evaluator_version": e.version} for e in evaluators]
    try:
        result = await drive(client, api.reuse(head_id, base_id, versions))
    except APIError:
        with contextlib.suppress(GroundsetError):
            await drive(client, api.delete_experiment(head_id))
        raise
    if not result["task_version_matches"]:
        base_info = await drive(client, api.get_experiment(base_id))
        base_version = base_info.get("task_version")
        why = (
            "but the base has no task_version"
            if base_version is None
            else f"which differs from the base's {base_version!r}"
        )
        _warn(
            f"experiment {head_id} reuses nothing from experiment {base_id}: its task_version is "
            f"{experiment.task_version!r}, {why}, so the task runs on every example"
        )
    # The reuse call answers the first page of what is left: no request for it.
    jobs = await _incomplete_jobs(client, head_id, result.get("incomplete"))
    rerun: list[str] = list(result.get("evaluators_to_rerun", [])) if result["reused_runs"] else []
    return jobs, rerun


async def _rerun_evaluators(
    client: AnyClient,
    experiment: Experiment,
    evaluators: list[Bound],
    names: list[str],
    concurrency: int,
    batch_size: int,
    progress: bool | None,
) -> None:
    """The evaluators ``names`` on the reused runs of ``experiment`` that have no evaluation of
    theirs (their versions differ from the base's, or they have none)."""
    assert experiment.id is not None
    rows = await drive(client, api.list_runs(experiment.id))
    reused = [row for row in rows if row["reused_from_run_id"] is not None and row["error"] is None]
    lacking = {
        evaluator.name: [
            row for row in reused if evaluator.name not in {e["name"] for e in row["evaluations"] if e["error"] is None}
        ]
        for evaluator in evaluators
        if evaluator.name in names
    }
    if not any(lacking.values()):
        return
    found = await drive(client, api.resolve_dataset({"id": experiment.dataset_id, "version_id": experiment.version_id}))
    examples = {example.id: example for example in found.examples}
    for evaluator in evaluators:
        targets = [
            ExperimentRun.from_json(row, examples.get(row["example_id"])) for row in lacking.get(evaluator.name, [])
        ]
        targets = [run for run in targets if run.example is not None]
        if targets:
            runner = Runner(None, [evaluator], concurrency=concurrency, timeout=None)
            await runner.evaluate_runs(targets, evaluation_uploader(client, experiment.id, batch_size), progress)


# ---------------------------------------------------------------- running


async def arun_experiment(
    dataset: DatasetArg,
    task: Task,
    evaluators: Evaluators | None = None,
    *,
    client: AnyClient | None = None,
    experiment_name: str | None = None,
    experiment_description: str | None = None,
    experiment_metadata: Mapping[str, Any] | None = None,
    concurrency: int = 10,
    repetitions: int = 1,
    dry_run: bool | int = False,
    timeout: float | None = None,
    print_summary: bool = True,
    progress: bool | None = None,
    batch_size: int = BATCH_SIZE,
    task_version: str | None = None,
    reuse: ExperimentArg | None = None,
    selection: Mapping[str, Any] | None = None,
) -> Experiment:
    """Async :func:`run_experiment` (async tasks and evaluators run on this event loop)."""
    bound_task = bind_task(task)
    bound_evaluators = bind_evaluators(evaluators)
    runner = Runner(bound_task, bound_evaluators, concurrency=concurrency, timeout=timeout)
    dry = _check_dry_run(dry_run)
    _check_batch_size(batch_size)
    _check_repetitions(repetitions)
    _check_task_version(task_version, reuse, dry)
    wire_selection = api.selection_body(selection)
    # A lambda's name is "<lambda>"; TypeScript's anonymous function has none: both are "task".
    name = experiment_name if experiment_name is not None else default_experiment_name(bound_task.name)
    check_experiment_name(name)

    async def body(client: AnyClient) -> Experiment:
        # The base first: a selector that finds nothing creates no experiment.
        base_id = None if reuse is None else await drive(client, api.experiment_id(reuse, "reuse"))
        start = api.start_experiment(
            dataset,
            name=name,
            description=experiment_description,
            metadata=experiment_metadata,
            repetitions=repetitions,
            dry_run=bool(dry),
            task_version=task_version,
            # With reuse or a selection, the jobs come from the experiment's incomplete pairs:
            # the version's examples need not be read (a dry run selects them here).
            examples=reuse is None and (wire_selection is None or bool(dry)),
            selection=wire_selection,
        )
        experiment, found = await drive(client, start)
        rerun: list[str] = []
        if base_id is not None:
            jobs, rerun = await _reuse(client, experiment, base_id, bound_evaluators)
        elif wire_selection is not None and experiment.id is not None:
            jobs = await _incomplete_jobs(client, experiment.id)
        else:
            assert found is not None
            examples = (
                found.examples if wire_selection is None else api.selected_examples(found.examples, wire_selection)
            )
            examples = examples[:dry] if dry else examples
            jobs = [Job(example=e, repetition_number=n) for e in examples for n in range(1, repetitions + 1)]
        uploader = (
            None if experiment.id is None else run_uploader(client, experiment.id, batch_size, experiment.dataset_id)
        )
        experiment.runs = await runner.run_jobs(jobs, uploader, progress)
        _warn_superseded(uploader, experiment.id, "run_experiment")
        if rerun:
            await _rerun_evaluators(client, experiment, bound_evaluators, rerun, concurrency, batch_size, progress)
        if experiment.id is None:
            experiment.summary = local_summary(experiment.runs, len(jobs))
        else:
            experiment.summary = await drive(client, api.summary(experiment.id))
        return experiment

    experiment = await with_client(client, body)
    if print_summary:
        print(experiment.summary_table())
    return experiment


def run_experiment(
    dataset: DatasetArg,
    task: Task,
    evaluators: Evaluators | None = None,
    *,
    client: Client | None = None,
    experiment_name: str | None = None,
    experiment_description: str | None = None,
    experiment_metadata: Mapping[str, Any] | None = None,
    concurrency: int = 10,
    repetitions: int = 1,
    dry_run: bool | int = False,
    timeout: float | None = None,
    print_summary: bool = True,
    progress: bool | None = None,
    batch_size: int = BATCH_SIZE,
    task_version: str | None = None,
    reuse: ExperimentArg | None = None,
    selection: Mapping[str, Any] | None = None,
) -> Experiment:
    """Run ``task`` on every example of one dataset version (or the part ``selection`` selects),
    score it, and store it all.

    Args:
        dataset: the version to run on: an :class:`UpsertResult` (its ``version_id``), a
            :class:`Dataset` (the version it holds), or a selector ``{"name": ...}`` or
            ``{"id": ...}`` with an optional ``"version_id"`` (else the latest, fixed now).
        task: a function (sync or async) taking, by parameter name, any of ``input``,
            ``expected`` (the example's output), ``metadata``, ``example`` (the whole
            :class:`Example`) and ``context`` (a :class:`TaskContext`, whose ``report_usage``
            records tokens and cost); a single parameter of another name gets ``input``. It
            returns a JSON value. Sync tasks run in threads, async ones on the event loop.
        evaluators: functions taking any of ``input``, ``output``, ``expected``, ``metadata``,
            ``example`` (a single parameter of another name gets ``output``) and returning a
            bool (score 1 or 0), a number (score), a str (label), a dict with ``score``,
            ``label``, ``explanation``, ``metadata``, or an :class:`EvaluationResult`. A list
            (each named after its function) or a mapping ``{name: function}``; give an evaluator
            a version with :func:`as_evaluator`.
        client: the server's client (default: a new one from ``GROUNDSET_BASE_URL``).
        experiment_name: default: the task's function name (``"task"`` for a lambda).
        concurrency: how many tasks (and evaluators) run at once.
        repetitions: runs of the task per example.
        dry_run: ``True`` (1 example) or N: run on the first N examples, store nothing.
        timeout: seconds each task call may take; beyond, the run records a ``TimeoutError``
            and the call is abandoned, not stopped. A sync task's call runs in a daemon thread:
            it goes on until it returns or the process exits, its result is discarded, and its
            side effects may still happen; the interpreter does not wait for it at exit. An
            async task is cancelled at its ``await``. Evaluators have no timeout.
        print_summary: print runs, errors and mean scores at the end.
        progress: a tqdm progress bar (default: when stderr is a terminal).
        batch_size: runs per upload at most (a batch also leaves after a second).
        task_version: your name for the task's code and prompt (a non-empty str up to 512
            characters, such as ``"prompt-v7"`` or a commit), stored on the experiment.
        reuse: an earlier experiment on the same dataset (an :class:`Experiment`, an
            :class:`~groundset.ExperimentInfo`, an id, or a selector such as
            ``{"dataset": "qa", "experiment_name": "nightly"}``): for each (example, repetition)
            whose content hash equals the one the base's successful run saw, the server copies
            that run (and its evaluations by evaluators of the same name and version) into this
            experiment; the task runs only on new, edited and failed examples, and evaluators
            whose version differs (or that have none) run again on the copied outputs. Needs
            ``task_version``, equal to the base's: when it differs, nothing is reused, a
            :class:`UserWarning` says so and every example runs. Not with ``dry_run``. The
            returned experiment's ``runs`` are those the task made; its summary counts the reused
            ones (``reused_runs``), and :func:`load_experiment` gives them all.
        selection: run on part of the version only, recorded on the experiment (its
            ``selection``, shown by the summary) so that a rerun or a comparison knows it:
            ``{"source_ids": ["q1", "q7"]}`` (every id must be in the version), or
            ``{"metadata": {"split": {"eq": "test"}, "lang": {"in": ["en", "fr"]}}}`` (top-level
            metadata keys, all conditions hold; values equal as canonical JSON, RFC 8785, so
            ``1`` is ``1.0`` and ``True`` is not ``1``; an example without the key is not
            selected). Only this explicit form: a plain value in ``metadata`` is refused, never
            guessed at. With ``reuse``, only selected examples are reused and run; with
            ``dry_run``, the selection is applied here, to the version's first examples.

    Every run and evaluation is stored with its start and end time (ISO 8601 UTC) and its latency
    in milliseconds measured by a monotonic clock.

    A task that raises records a run with its error; an evaluator that raises records an
    evaluation with its error; the experiment goes on. Evaluators do not run on failed runs.

    Raises:
        APIError: the server refused (its subclass per status); what was uploaded stays, and
            :func:`resume_experiment` runs the rest. ``reuse`` on another dataset is
            :class:`~groundset.ValidationError` ``experiments_on_different_datasets``.
        ValueError: ``reuse`` without ``task_version``, or with ``dry_run``; a ``selection`` not
            of the forms above (:class:`TypeError` for a value of the wrong type); nothing is
            sent. The server refuses source ids not in the version
            (:class:`~groundset.ValidationError` ``unknown_source_ids``, listing them) and a
            selection that selects nothing (``empty_selection``).

    >>> experiment = run_experiment(  # doctest: +SKIP
    ...     {"name": "qa"}, lambda input: input["question"].upper(), [exact], repetitions=3
    ... )
    >>> rerun = run_experiment(  # doctest: +SKIP
    ...     {"name": "qa"}, answer, [exact], task_version="prompt-v7", reuse=experiment
    ... )
    """
    return blocking(
        lambda: arun_experiment(
            dataset,
            task,
            evaluators,
            client=client,
            experiment_name=experiment_name,
            experiment_description=experiment_description,
            experiment_metadata=experiment_metadata,
            concurrency=concurrency,
            repetitions=repetitions,
            dry_run=dry_run,
            timeout=timeout,
            print_summary=print_summary,
            progress=progress,
            batch_size=batch_size,
            task_version=task_version,
            reuse=reuse,
            selection=selection,
        ),
        client,
        "run_experiment",
    )


# ---------------------------------------------------------------- loading, evaluating, resuming


def _load_target(experiment: ExperimentArg | None, experiment_id: str | None) -> ExperimentArg:
    if experiment_id is not None:
        warnings.warn(
            "load_experiment(experiment_id=...) is deprecated: pass the experiment (or its id) as the first argument",
            DeprecationWarning,
            stacklevel=3,
        )
        if experiment is not None:
            raise TypeError("give the experiment once: positionally, not also as experiment_id=")
        return experiment_id
    if experiment is None:
        raise TypeError("load_experiment() needs the experiment: an Experiment, an ExperimentInfo, an id or a selector")
    return experiment


def _load(experiment: ExperimentArg) -> Op[Experiment]:
    found = yield from api.experiment_id(experiment)
    return (yield from api.load_experiment(found))


def load_experiment(
    experiment: ExperimentArg | None = None, *, client: Client | None = None, experiment_id: str | None = None
) -> Experiment:
    """An experiment from the server with all its runs, their evaluations and examples.

    Args:
        experiment: an :class:`Experiment`, an :class:`~groundset.ExperimentInfo`, an experiment
            id, or a selector ``{"dataset": NAME | {"name" | "id": ...}, "experiment_name": ...,
            "version_id"?: ..., "before"?: experiment}`` (the latest experiment of that name).
        client: the server's client (default: a new one from ``GROUNDSET_BASE_URL``).
        experiment_id: deprecated keyword for ``experiment`` (warns with :class:`DeprecationWarning`).

    Raises:
        NotFoundError: no such experiment (``experiment_not_found``, also when a selector finds none).

    >>> before = load_experiment("12")  # doctest: +SKIP
    >>> nightly = load_experiment({"dataset": "qa", "experiment_name": "nightly"})  # doctest: +SKIP
    >>> before.summary["evaluations"]  # doctest: +SKIP
    """
    target = _load_target(experiment, experiment_id)
    return run_op(client, _load(target), "load_experiment")


async def aload_experiment(
    experiment: ExperimentArg | None = None, *, client: AnyClient | None = None, experiment_id: str | None = None
) -> Experiment:
    """Async :func:`load_experiment` (a blocking :class:`~groundset.Client` runs in a worker thread).

    >>> before = await aload_experiment("12", client=async_client)  # doctest: +SKIP
    """
    target = _load_target(experiment, experiment_id)
    return await arun_op(client, _load(target))


async def aevaluate_experiment(
    experiment: Experiment | str,
    evaluators: Evaluators,
    *,
    client: AnyClient | None = None,
    concurrency: int = 10,
    print_summary: bool = True,
    progress: bool | None = None,
    batch_size: int = BATCH_SIZE,
) -> Experiment:
    """Async :func:`evaluate_experiment`."""
    bound = bind_evaluators(evaluators)
    if not bound:
        raise ValueError("give at least one evaluator")
    runner = Runner(None, bound, concurrency=concurrency, timeout=None)
    _check_batch_size(batch_size)

    async def body(client: AnyClient) -> Experiment:
        if isinstance(experiment, Experiment) and experiment.dry_run:
            loaded, uploader = experiment, None
        else:
            loaded = await drive(client, api.load_experiment(_experiment_id(experiment)))
            assert loaded.id is not None
            uploader = evaluation_uploader(client, loaded.id, batch_size)
        targets = [run for run in loaded.runs if run.error is None and run.example is not None]
        await runner.evaluate_runs(targets, uploader, progress)
        if loaded.id is None:
            loaded.summary = local_summary(loaded.runs, loaded.summary.get("expected_runs", len(loaded.runs)))
        else:
            loaded.summary = await drive(client, api.summary(loaded.id))
        return loaded

    result = await with_client(client, body)
    if print_summary:
        print(result.summary_table())
    return result


def evaluate_experiment(
    experiment: Experiment | str,
    evaluators: Evaluators,
    *,
    client: Client | None = None,
    concurrency: int = 10,
    print_summary: bool = True,
    progress: bool | None = None,
    batch_size: int = BATCH_SIZE,
) -> Experiment:
    """Run more evaluators on the successful runs of an existing experiment (an
    :class:`Experiment` or its id) and store their evaluations; an evaluation of the same name on
    a run replaces the stored one. On a dry run's :class:`Experiment`, nothing is stored.

    Returns the experiment as stored, with every run and its evaluations.

    >>> evaluate_experiment("12", {"length": lambda output: len(output) < 200})  # doctest: +SKIP
    """
    return blocking(
        lambda: aevaluate_experiment(
            experiment,
            evaluators,
            client=client,
            concurrency=concurrency,
            print_summary=print_summary,
            progress=progress,
            batch_size=batch_size,
        ),
        client,
        "evaluate_experiment",
    )


async def aresume_experiment(
    experiment: Experiment | str,
    task: Task,
    evaluators: Evaluators | None = None,
    *,
    client: AnyClient | None = None,
    concurrency: int = 10,
    timeout: float | None = None,
    print_summary: bool = True,
    progress: bool | None = None,
    batch_size: int = BATCH_SIZE,
) -> Experiment:
    """Async :func:`resume_experiment`."""
    experiment_id = _experiment_id(experiment)
    runner = Runner(bind_task(task), bind_evaluators(evaluators), concurrency=concurrency, timeout=timeout)
    _check_batch_size(batch_size)

    async def body(client: AnyClient) -> Experiment:
        missing = await drive(client, api.incomplete_pairs(experiment_id))
        jobs = [
            Job(example=Example.from_json(item["example"]), repetition_number=n)
            for item in missing
            for n in item["repetition_numbers"]
        ]
        dataset_id = None
        if jobs:
            stored = await drive(client, api.get_experiment(experiment_id))
            dataset_id = str(stored["dataset_id"])
            _warn_unscored(stored["summary"], runner.evaluators, "resume_experiment")
        uploader = run_uploader(client, experiment_id, batch_size, dataset_id)
        await runner.run_jobs(jobs, uploader, progress)
        _warn_superseded(uploader, experiment_id, "resume_experiment")
        return await drive(client, api.load_experiment(experiment_id))

    resumed = await with_client(client, body)
    if print_summary:
        print(resumed.summary_table())
    return resumed


def resume_experiment(
    experiment: Experiment | str,
    task: Task,
    evaluators: Evaluators | None = None,
    *,
    client: Client | None = None,
    concurrency: int = 10,
    timeout: float | None = None,
    print_summary: bool = True,
    progress: bool | None = None,
    batch_size: int = BATCH_SIZE,
) -> Experiment:
    """Run ``task`` (and ``evaluators``) only on the (example, repetition) pairs of the
    experiment (an :class:`Experiment` or its id) that have no successful run yet: after a
    crash, or to retry the failed runs.

    The examples are those of the experiment's pinned version, whatever the dataset holds now.
    Returns the experiment as stored, with every run.

    >>> resume_experiment(experiment, answer, [exact])  # doctest: +SKIP
    """
    return blocking(
        lambda: aresume_experiment(
            experiment,
            task,
            evaluators,
            client=client,
            concurrency=concurrency,
            timeout=timeout,
            print_summary=print_summary,
            progress=progress,
            batch_size=batch_size,
        ),
        client,
        "resume_experiment",
    )
