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

from collections.abc import Mapping
from typing import Any

from groundset import _experiment_api as api
from groundset._binding import Evaluator, Evaluators, Task, bind_evaluators, bind_task
from groundset._bridge import AnyClient, arun_op, blocking, drive, run_op, with_client
from groundset._experiment_types import (
    DatasetArg,
    EvaluationResult,
    Experiment,
    ExperimentEvaluation,
    ExperimentRun,
    local_summary,
)
from groundset._runner import Job, Runner
from groundset._uploader import BATCH_SIZE, evaluation_uploader, run_uploader
from groundset.client import Client
from groundset.types import Example

__all__ = [
    "EvaluationResult",
    "Evaluator",
    "Evaluators",
    "Experiment",
    "ExperimentEvaluation",
    "ExperimentRun",
    "aevaluate_experiment",
    "aload_experiment",
    "aresume_experiment",
    "arun_experiment",
    "evaluate_experiment",
    "load_experiment",
    "resume_experiment",
    "run_experiment",
]

# The public types keep this module's name (in reprs, help and pickles), as before the split.
for _public in (EvaluationResult, Experiment, ExperimentEvaluation, ExperimentRun):
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


def _check_repetitions(repetitions: int) -> None:
    if not isinstance(repetitions, int) or isinstance(repetitions, bool) or repetitions < 1:
        raise ValueError(f"repetitions= must be a positive int, not {repetitions!r}")


def _experiment_id(experiment: Experiment | str) -> str:
    if isinstance(experiment, Experiment):
        if experiment.id is None:
            raise ValueError("a dry run was not stored: there is nothing to load or resume")
        return experiment.id
    if isinstance(experiment, str) and experiment:
        return experiment
    raise TypeError(f"give an Experiment or an experiment id (str), not {experiment!r}")


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
) -> Experiment:
    """Async :func:`run_experiment` (async tasks and evaluators run on this event loop)."""
    bound_task = bind_task(task)
    runner = Runner(bound_task, bind_evaluators(evaluators), concurrency=concurrency, timeout=timeout)
    dry = _check_dry_run(dry_run)
    _check_batch_size(batch_size)
    _check_repetitions(repetitions)
    name = experiment_name if experiment_name is not None else bound_task.name

    async def body(client: AnyClient) -> Experiment:
        start = api.start_experiment(
            dataset,
            name=name,
            description=experiment_description,
            metadata=experiment_metadata,
            repetitions=repetitions,
            dry_run=bool(dry),
        )
        experiment, found = await drive(client, start)
        examples = found.examples[:dry] if dry else found.examples
        jobs = [Job(example=e, repetition_number=n) for e in examples for n in range(1, repetitions + 1)]
        uploader = None if experiment.id is None else run_uploader(client, experiment.id, batch_size)
        experiment.runs = await runner.run_jobs(jobs, uploader, progress)
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
) -> Experiment:
    """Run ``task`` on every example of one dataset version, score it, and store it all.

    Args:
        dataset: the version to run on: an :class:`UpsertResult` (its ``version_id``), a
            :class:`Dataset` (the version it holds), or a selector ``{"name": ...}`` or
            ``{"id": ...}`` with an optional ``"version_id"`` (else the latest, fixed now).
        task: a function (sync or async) taking, by parameter name, any of ``input``,
            ``expected`` (the example's output), ``metadata`` and ``example`` (the whole
            :class:`Example`); a single parameter of another name gets ``input``. It returns a
            JSON value. Sync tasks run in threads, async ones on the event loop.
        evaluators: functions taking any of ``input``, ``output``, ``expected``, ``metadata``,
            ``example`` (a single parameter of another name gets ``output``) and returning a
            bool (score 1 or 0), a number (score), a str (label), a dict with ``score``,
            ``label``, ``explanation``, ``metadata``, or an :class:`EvaluationResult`. A list
            (each named after its function) or a mapping ``{name: function}``.
        client: the server's client (default: a new one from ``GROUNDSET_BASE_URL``).
        experiment_name: default: the task's function name.
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

    A task that raises records a run with its error; an evaluator that raises records an
    evaluation with its error; the experiment goes on. Evaluators do not run on failed runs.

    Raises:
        APIError: the server refused (its subclass per status); what was uploaded stays, and
            :func:`resume_experiment` runs the rest.

    >>> experiment = run_experiment(  # doctest: +SKIP
    ...     {"name": "qa"}, lambda input: input["question"].upper(), [exact], repetitions=3
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
        ),
        client,
        "run_experiment",
    )


# ---------------------------------------------------------------- loading, evaluating, resuming


def load_experiment(experiment_id: str, *, client: Client | None = None) -> Experiment:
    """An experiment from the server with all its runs, their evaluations and examples.

    >>> before = load_experiment("12")  # doctest: +SKIP
    >>> before.summary["evaluations"]
    """
    return run_op(client, api.load_experiment(_experiment_id(experiment_id)), "load_experiment")


async def aload_experiment(experiment_id: str, *, client: AnyClient | None = None) -> Experiment:
    """Async :func:`load_experiment` (a blocking :class:`~groundset.Client` runs in a worker thread).

    >>> before = await aload_experiment("12", client=async_client)  # doctest: +SKIP
    """
    return await arun_op(client, api.load_experiment(_experiment_id(experiment_id)))


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
        await runner.run_jobs(jobs, run_uploader(client, experiment_id, batch_size), progress)
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
