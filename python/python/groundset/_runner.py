"""The experiment runner: the task and the evaluators on every (example, repetition) job,
``concurrency`` at a time on one event loop, each finished run handed to an uploader
(:mod:`groundset._uploader`) while the others go on.

A task that raises, times out or returns what is not JSON gives a run with its ``error``; an
evaluator that raises gives an evaluation with its ``error``; neither stops the experiment.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeVar

import anyio
from groundset_core import canonicalize

from groundset._binding import Bound, TaskContext, verdict
from groundset._experiment_types import ExperimentEvaluation, ExperimentRun
from groundset._uploader import Uploader
from groundset.errors import APIConnectionError, GroundsetError
from groundset.types import Example

__all__ = ["Job", "Runner"]

T = TypeVar("T")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class _Clock:
    """A call's wall-clock start and end (ISO 8601 UTC) and its latency in milliseconds by the
    monotonic clock, which a change of the system time does not move."""

    __slots__ = ("start", "started")

    def __init__(self) -> None:
        self.start = _now()
        self.started = time.perf_counter()

    def stop(self) -> tuple[str, str, float]:
        latency = (time.perf_counter() - self.started) * 1000.0
        return self.start, _now(), latency


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _leaves(error: BaseException) -> list[BaseException]:
    inner = getattr(error, "exceptions", None)
    if not isinstance(inner, tuple):
        return [error]
    return [leaf for child in inner for leaf in _leaves(child)]


@contextlib.contextmanager
def _unwrapped() -> Iterator[None]:
    """Raise the error of task groups as itself, not inside (nested) exception groups, when
    every error in them is of one class (two uploads that both lost the server): the first,
    with its own cause, so ``except APIConnectionError`` catches it."""
    try:
        yield
    except BaseException as error:
        leaves = _leaves(error)
        if leaves[0] is not error and all(type(leaf) is type(leaves[0]) for leaf in leaves):
            first = leaves[0]
            # Its own cause stays (the transport's error): only the group around it is dropped.
            first.__suppress_context__ = True
            raise first  # noqa: B904
        raise


def _bar(total: int, label: str, progress: bool | None) -> Any:
    show = progress if progress is not None else sys.stderr.isatty()
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="run", file=sys.stderr)


@dataclass(slots=True, kw_only=True)
class Job:
    """One call of the task to make: an example and the repetition it counts as."""

    example: Example
    repetition_number: int


class Runner:
    """Runs the task and the evaluators on jobs (:meth:`run_jobs`), or the evaluators alone on
    stored runs (:meth:`evaluate_runs`), ``concurrency`` calls at a time.

    Raises :class:`ValueError` for a ``concurrency`` that is not a positive int or a ``timeout``
    (seconds per task call) that is not a positive number."""

    def __init__(
        self,
        task: Bound | None,
        evaluators: list[Bound],
        *,
        concurrency: int,
        timeout: float | None,
    ) -> None:
        if not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1:
            raise ValueError(f"concurrency= must be a positive int, not {concurrency!r}")
        if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
            raise ValueError(f"timeout= must be a positive number of seconds, not {timeout!r}")
        self.task = task
        self.evaluators = evaluators
        self.concurrency = concurrency
        self.timeout = timeout
        self.limiter = anyio.CapacityLimiter(concurrency)
        self.calls = 0
        """Task calls started so far (those whose runs were lost included)."""

    async def _output(self, task: Bound, values: dict[str, Any]) -> tuple[Any, str | None]:
        output: Any = None
        try:
            if self.timeout is None:
                output = await task(values, self.limiter)
            else:
                with anyio.move_on_after(self.timeout) as scope:
                    output = await task(values, self.limiter)
                if scope.cancelled_caught:
                    return None, f"TimeoutError: the task took longer than {self.timeout:g} s"
        except Exception as error:
            return None, _describe(error)
        try:
            canonicalize(output)
        except GroundsetError as error:
            return None, f"the task's output is not JSON: {error}"
        return output, None

    async def evaluate(self, run: ExperimentRun, example: Example) -> None:
        """Append the evaluators' verdicts (or errors) on ``run`` to its evaluations."""
        values = _values(example)
        values["output"] = run.output
        for evaluator in self.evaluators:
            clock = _Clock()
            try:
                score, label, explanation, metadata = verdict(await evaluator(values, self.limiter), evaluator.name)
                error = None
            except Exception as raised:
                score, label, explanation, metadata, error = None, None, None, {}, _describe(raised)
            start, end, latency = clock.stop()
            run.evaluations = [e for e in run.evaluations if e.name != evaluator.name]
            run.evaluations.append(
                ExperimentEvaluation(
                    name=evaluator.name,
                    score=score,
                    label=label,
                    explanation=explanation,
                    metadata=metadata,
                    error=error,
                    start_time=start,
                    end_time=end,
                    latency_ms=latency,
                    evaluator_version=evaluator.version,
                    run_id=run.id,
                )
            )

    async def run_job(self, job: Job) -> ExperimentRun:
        assert self.task is not None
        example = job.example
        context = TaskContext()
        values = _values(example)
        values["context"] = context
        clock = _Clock()
        self.calls += 1
        output, error = await self._output(self.task, values)
        start, end, latency = clock.stop()
        refused = context._refusal()
        if refused is not None and error is None:
            output, error = None, _describe(refused)
        run = ExperimentRun(
            example_id=example.id,
            source_id=example.source_id,
            content_hash=example.content_hash,
            repetition_number=job.repetition_number,
            output=output,
            error=error,
            start_time=start,
            end_time=end,
            latency_ms=latency,
            example=example,
            **context._usage(),
        )
        if error is None:
            await self.evaluate(run, example)
        return run

    async def run_jobs(
        self, jobs: Sequence[Job], uploader: Uploader | None, progress: bool | None
    ) -> list[ExperimentRun]:
        """Every job's run, in the order of the jobs whatever order they finish in; each handed to
        ``uploader`` as it finishes."""
        runs: list[ExperimentRun | None] = [None] * len(jobs)

        async def work(position: int) -> None:
            run = runs[position] = await self.run_job(jobs[position])
            if uploader is not None:
                uploader.add(run)

        try:
            await self._each(range(len(jobs)), work, uploader, _bar(len(jobs), "experiment", progress))
        except APIConnectionError as error:
            stored = sum(run is not None and run.id is not None for run in runs)
            error.args = (
                f"{error.args[0]} The task was called {self.calls} times; {stored} of those runs were stored.",
            )
            raise
        return [run for run in runs if run is not None]

    async def evaluate_runs(
        self, runs: Sequence[ExperimentRun], uploader: Uploader | None, progress: bool | None
    ) -> None:
        """The evaluators on each run (each with its ``example``); the new evaluations handed to
        ``uploader`` as each run's are done."""
        names = {evaluator.name for evaluator in self.evaluators}

        async def work(run: ExperimentRun) -> None:
            assert run.example is not None
            await self.evaluate(run, run.example)
            if uploader is not None:
                for evaluation in run.evaluations:
                    if evaluation.name in names:
                        uploader.add(evaluation)

        await self._each(runs, work, uploader, _bar(len(runs), "evaluation", progress))

    async def _each(
        self, items: Iterable[T], work: Callable[[T], Awaitable[Any]], uploader: Uploader | None, bar: Any
    ) -> None:
        """``work`` on every item, ``concurrency`` at a time, while ``uploader`` runs beside; it
        has sent everything when this returns."""
        shared: Iterator[T] = iter(items)

        async def worker() -> None:
            for item in shared:
                if uploader is not None:
                    await uploader.reachable()
                await work(item)
                if bar is not None:
                    bar.update(1)

        try:
            with _unwrapped():
                async with anyio.create_task_group() as uploading:
                    if uploader is not None:
                        uploading.start_soon(uploader.run)
                    async with anyio.create_task_group() as workers:
                        for _ in range(self.concurrency):
                            workers.start_soon(worker)
                    if uploader is not None:
                        uploader.close()
        finally:
            if bar is not None:
                bar.close()


def _values(example: Example) -> dict[str, Any]:
    return {"input": example.input, "expected": example.output, "metadata": example.metadata, "example": example}
