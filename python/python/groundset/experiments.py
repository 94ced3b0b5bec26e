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
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import math
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar, Union

import anyio
import anyio.to_thread

from groundset import _experiment_api as api
from groundset._http import Op
from groundset._native import canonicalize
from groundset._threads import run_in_daemon_thread
from groundset.client import AsyncClient, Client
from groundset.errors import GroundsetError
from groundset.types import Dataset, Example, UpsertResult

if TYPE_CHECKING:
    import pandas

__all__ = [
    "EvaluationResult",
    "Evaluator",
    "Evaluators",
    "Experiment",
    "ExperimentEvaluation",
    "ExperimentRun",
    "aevaluate_experiment",
    "aresume_experiment",
    "arun_experiment",
    "evaluate_experiment",
    "load_experiment",
    "resume_experiment",
    "run_experiment",
]

T = TypeVar("T")
Task = Callable[..., Any]
Evaluator = Callable[..., Any]
Evaluators = Union[Evaluator, Sequence[Evaluator], Mapping[str, Evaluator]]  # noqa: UP007 - runtime alias on 3.10
DatasetArg = Union[UpsertResult, Dataset, Mapping[str, Any]]  # noqa: UP007
AnyClient = Union[Client, AsyncClient]  # noqa: UP007

TASK_PARAMETERS = ("input", "expected", "metadata", "example")
EVALUATOR_PARAMETERS = ("input", "output", "expected", "metadata", "example")
BATCH_SIZE = 1000
"""Runs (or evaluations) per upload at most."""
FLUSH_SECONDS = 1.0
"""A finished run waits at most this long before it is uploaded (with those that finish meanwhile)."""
UPLOADS_IN_FLIGHT = 4


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """What an evaluator may return when a bool, a number or a label is not enough.

    >>> def judged(output, expected):  # doctest: +SKIP
    ...     return EvaluationResult(score=0.5, label="partial", explanation="one of two facts")
    """

    score: float | None = None
    label: str | None = None
    explanation: str | None = None
    metadata: Mapping[str, Any] | None = None


@dataclass(slots=True, kw_only=True)
class ExperimentEvaluation:
    """One evaluator's verdict on one run (``error`` set when the evaluator raised)."""

    name: str
    score: float | None
    label: str | None
    explanation: str | None
    metadata: dict[str, Any]
    error: str | None
    start_time: str
    end_time: str
    annotator_kind: str = "CODE"
    id: str | None = None
    run_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The evaluation as the server takes it (without the run id)."""
        return {
            "name": self.name,
            "score": self.score,
            "label": self.label,
            "explanation": self.explanation,
            "metadata": self.metadata,
            "error": self.error,
            "annotator_kind": self.annotator_kind,
            "start_time": self.start_time,
            "end_time": self.end_time,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExperimentEvaluation:
        """The evaluation from the server's JSON."""
        return cls(
            id=data["id"],
            run_id=data["run_id"],
            name=data["name"],
            score=data["score"],
            label=data["label"],
            explanation=data["explanation"],
            metadata=data["metadata"],
            error=data["error"],
            annotator_kind=data["annotator_kind"],
            start_time=data["start_time"],
            end_time=data["end_time"],
        )


@dataclass(slots=True, kw_only=True)
class ExperimentRun:
    """One call of the task on one example (one repetition), with its evaluations.

    Attributes:
        id: the server's id (``None`` in a dry run).
        example_id, source_id, content_hash: the example, and the content the task saw.
        output: what the task returned (``None`` if it raised).
        error: ``"ExceptionType: message"`` if the task raised or timed out, else ``None``.
        example: the example itself, when known.
    """

    example_id: str
    source_id: str
    content_hash: str
    repetition_number: int
    output: Any
    error: str | None
    start_time: str
    end_time: str
    evaluations: list[ExperimentEvaluation] = field(default_factory=list)
    example: Example | None = field(default=None, repr=False)
    id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The run as the server takes it, with its evaluations."""
        return {
            "example_id": self.example_id,
            "repetition_number": self.repetition_number,
            "content_hash": self.content_hash,
            "output": self.output,
            "error": self.error,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "evaluations": [evaluation.to_json() for evaluation in self.evaluations],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], example: Example | None) -> ExperimentRun:
        """The run from the server's JSON."""
        return cls(
            id=data["id"],
            example_id=data["example_id"],
            source_id=data["source_id"],
            content_hash=data["content_hash"],
            repetition_number=data["repetition_number"],
            output=data["output"],
            error=data["error"],
            start_time=data["start_time"],
            end_time=data["end_time"],
            evaluations=[ExperimentEvaluation.from_json(e) for e in data["evaluations"]],
            example=example,
        )


@dataclass(slots=True, kw_only=True)
class Experiment:
    """An experiment: its pinned dataset version, its runs and their evaluations.

    Attributes:
        id: the server's id (``None`` for a dry run, which stores nothing).
        dataset_id, version_id: the dataset version every run saw.
        runs: the runs of this call (of :func:`run_experiment`) or all of them (when loaded).
        summary: the server's summary (runs, errors, mean score per evaluator), or one computed
            from ``runs`` for a dry run.
    """

    id: str | None
    dataset_id: str
    version_id: str
    name: str | None
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    repetitions: int = 1
    dry_run: bool = False
    runs: list[ExperimentRun] = field(default_factory=list, repr=False)
    summary: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def evaluations(self) -> list[ExperimentEvaluation]:
        """Every evaluation of every run."""
        return [evaluation for run in self.runs for evaluation in run.evaluations]

    def __repr__(self) -> str:
        what = "dry run" if self.dry_run else f"experiment {self.id}"
        return (
            f"<Experiment {what} {self.name!r} on dataset {self.dataset_id} version {self.version_id}: "
            f"{len(self.runs)} runs, {sum(run.error is not None for run in self.runs)} errors>"
        )

    def to_pandas(self) -> pandas.DataFrame:
        """One row per run: ``run_id``, ``example_id``, ``source_id``, ``repetition_number``,
        ``input``, ``expected``, ``output``, ``error``, ``start_time``, ``end_time``, ``content_hash``,
        and for each evaluator ``<name>.score``, ``<name>.label``, ``<name>.explanation``,
        ``<name>.error``. Needs pandas (``groundset[pandas]``)."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError("Experiment.to_pandas needs pandas: pip install 'groundset[pandas]'") from error
        names = sorted({evaluation.name for evaluation in self.evaluations})
        rows = []
        for run in self.runs:
            row: dict[str, Any] = {
                "run_id": run.id,
                "example_id": run.example_id,
                "source_id": run.source_id,
                "repetition_number": run.repetition_number,
                "input": None if run.example is None else run.example.input,
                "expected": None if run.example is None else run.example.output,
                "output": run.output,
                "error": run.error,
                "start_time": run.start_time,
                "end_time": run.end_time,
                "content_hash": run.content_hash,
            }
            by_name = {evaluation.name: evaluation for evaluation in run.evaluations}
            for name in names:
                found = by_name.get(name)
                for part in ("score", "label", "explanation", "error"):
                    row[f"{name}.{part}"] = None if found is None else getattr(found, part)
            rows.append(row)
        frame: pandas.DataFrame = pandas.DataFrame(rows)
        return frame

    def summary_table(self) -> str:
        """The summary as text: runs and errors, mean score per evaluator, ids."""
        s = self.summary
        head = "dry run (nothing stored)" if self.dry_run else f"experiment {self.id}"
        lines = [
            f"{head} {self.name!r}: dataset {self.dataset_id} version {self.version_id}",
            f"runs {s.get('runs', 0)} of {s.get('expected_runs', 0)}, errors {s.get('errored_runs', 0)}, "
            f"incomplete {s.get('incomplete_runs', 0)}",
        ]
        evaluators = s.get("evaluations", [])
        if evaluators:
            width = max(9, *(len(e["name"]) for e in evaluators))
            lines.append(f"{'evaluator':<{width}}  {'count':>6}  {'errors':>6}  {'mean score':>10}")
            for e in evaluators:
                mean = "-" if e["mean_score"] is None else f"{e['mean_score']:.4f}"
                lines.append(f"{e['name']:<{width}}  {e['count']:>6}  {e['errors']:>6}  {mean:>10}")
        return "\n".join(lines)


def _local_summary(runs: Sequence[ExperimentRun], expected_runs: int) -> dict[str, Any]:
    """The server's summary, computed from runs held here (a dry run)."""
    errors = sum(run.error is not None for run in runs)
    by_name: dict[str, list[ExperimentEvaluation]] = {}
    for run in runs:
        for evaluation in run.evaluations:
            by_name.setdefault(evaluation.name, []).append(evaluation)
    evaluators = []
    for name in sorted(by_name):
        scores = [e.score for e in by_name[name] if e.score is not None]
        evaluators.append(
            {
                "name": name,
                "count": len(by_name[name]),
                "errors": sum(e.error is not None for e in by_name[name]),
                "scored": len(scores),
                "mean_score": sum(scores) / len(scores) if scores else None,
            }
        )
    return {
        "expected_runs": expected_runs,
        "runs": len(runs),
        "successful_runs": len(runs) - errors,
        "errored_runs": errors,
        "incomplete_runs": expected_runs - (len(runs) - errors),
        "evaluations": evaluators,
    }


# ---------------------------------------------------------------- binding functions to examples


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _describe(error: BaseException) -> str:
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _name_of(function: Callable[..., Any]) -> str:
    name = getattr(function, "__name__", None)
    if name is None and hasattr(function, "func"):  # functools.partial
        name = getattr(function.func, "__name__", None)
    return str(name or type(function).__name__)


def _is_async(function: Callable[..., Any]) -> bool:
    call = getattr(function, "__call__", None)  # noqa: B004 - an object whose __call__ is async
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(call)


class _Bound:
    """A task or evaluator with the values it takes, found once from its parameter names."""

    __slots__ = ("function", "is_async", "keywords", "name", "positional")

    positional: tuple[str, ...]
    keywords: tuple[tuple[str, str], ...]

    def __init__(
        self, function: Callable[..., Any], known: tuple[str, ...], lone: str, role: str, name: str | None = None
    ) -> None:
        if not callable(function):
            raise TypeError(f"the {role} must be callable, not {function!r}")
        self.function = function
        self.name = name if name is not None else _name_of(function)
        self.is_async = _is_async(function)
        try:
            parameters = [
                p
                for p in inspect.signature(function).parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            ]
        except (TypeError, ValueError):  # a builtin without a signature: give it the lone value
            self.positional, self.keywords = (lone,), ()
            return
        named = [p for p in parameters if p.name in known]
        if not named and len(parameters) == 1:
            only = parameters[0]
            self.positional = (lone,) if only.kind == only.POSITIONAL_ONLY else ()
            self.keywords = () if self.positional else ((only.name, lone),)
            return
        unknown = [p.name for p in parameters if p.name not in known and p.default is p.empty]
        if unknown:
            raise TypeError(
                f"{role} {self.name!r}: parameter {unknown[0]!r} is not one of {', '.join(known)} "
                f"({role}s take any of those by name, or one parameter of another name, which gets `{lone}`)"
            )
        self.positional = tuple(p.name for p in named if p.kind == p.POSITIONAL_ONLY)
        self.keywords = tuple((p.name, p.name) for p in named if p.kind != p.POSITIONAL_ONLY)

    async def __call__(self, values: Mapping[str, Any], limiter: anyio.CapacityLimiter) -> Any:
        args = [values[name] for name in self.positional]
        kwargs = {parameter: values[source] for parameter, source in self.keywords}
        if self.is_async:
            return await self.function(*args, **kwargs)
        # A daemon thread: a call abandoned on timeout must not keep the interpreter alive.
        result = await run_in_daemon_thread(lambda: self.function(*args, **kwargs), limiter)
        if inspect.isawaitable(result):  # a sync function that returned a coroutine
            result = await result
        return result


def _evaluators(evaluators: Evaluators | None) -> list[_Bound]:
    if evaluators is None:
        return []
    if isinstance(evaluators, Mapping):
        named = [(str(name), function) for name, function in evaluators.items()]
    elif callable(evaluators):
        named = [(_name_of(evaluators), evaluators)]
    else:
        named = [(_name_of(function), function) for function in evaluators]
    bound: list[_Bound] = []
    for name, function in named:
        evaluator = _Bound(function, EVALUATOR_PARAMETERS, "output", "evaluator", name)
        if any(other.name == name for other in bound):
            raise ValueError(f"two evaluators are named {name!r}: give them as a mapping {{name: function}}")
        bound.append(evaluator)
    return bound


def _score(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (int, float)):  # a numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if not isinstance(value, (int, float)):
        raise TypeError(f"evaluator {name!r}: the score must be a number or a bool, not {type(value).__name__}")
    score = float(value)
    if not math.isfinite(score):
        raise ValueError(f"evaluator {name!r}: the score {score} is not finite")
    return score


def _optional_text(value: Any, what: str, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"evaluator {name!r}: the {what} must be a str, not {type(value).__name__}")
    return value


RESULT_KEYS = frozenset({"score", "label", "explanation", "metadata"})


def _verdict(result: Any, name: str) -> tuple[float | None, str | None, str | None, dict[str, Any]]:
    """(score, label, explanation, metadata) of what an evaluator returned."""
    if hasattr(result, "item") and not isinstance(result, (int, float, str)):
        result = result.item()
    if isinstance(result, bool):
        return _score(result, name), str(result), None, {}
    if isinstance(result, (int, float)):
        return _score(result, name), None, None, {}
    if isinstance(result, str):
        return None, result, None, {}
    if isinstance(result, EvaluationResult):
        parts: Mapping[str, Any] = {
            "score": result.score,
            "label": result.label,
            "explanation": result.explanation,
            "metadata": result.metadata,
        }
    elif isinstance(result, Mapping):
        unknown = sorted(str(key) for key in result if key not in RESULT_KEYS)
        if unknown:
            raise ValueError(
                f"evaluator {name!r} returned a dict with the key(s) {', '.join(unknown)}; "
                "use score, label, explanation and metadata"
            )
        parts = result
    else:
        raise TypeError(
            f"evaluator {name!r} returned {type(result).__name__}; return a bool, a number, a str (a label), "
            "a dict or an EvaluationResult"
        )
    metadata = parts.get("metadata")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"evaluator {name!r}: the metadata must be a dict, not {type(metadata).__name__}")
    metadata = dict(metadata or {})
    canonicalize(metadata)  # refuses what is not JSON, naming the path
    return (
        _score(parts.get("score"), name),
        _optional_text(parts.get("label"), "label", name),
        _optional_text(parts.get("explanation"), "explanation", name),
        metadata,
    )


# ---------------------------------------------------------------- talking to the server


class _Server:
    """Runs operations with the client given (a sync one from a worker thread)."""

    def __init__(self, client: AnyClient) -> None:
        self.client = client

    async def run(self, op: Op[T]) -> T:
        client = self.client
        if isinstance(client, AsyncClient):
            return await client._run(op)
        return await anyio.to_thread.run_sync(client._run, op)

    async def dataset(self, *, dataset_id: str | None, name: str | None, version_id: str | None) -> Dataset:
        client = self.client
        if isinstance(client, AsyncClient):
            return await client.get_dataset(dataset_id=dataset_id, name=name, version_id=version_id)
        return await anyio.to_thread.run_sync(
            lambda: client.get_dataset(dataset_id=dataset_id, name=name, version_id=version_id)
        )


async def _resolve_dataset(server: _Server, dataset: DatasetArg) -> Dataset:
    """The exact dataset version ``dataset`` names, with its examples."""
    if isinstance(dataset, Dataset):
        if dataset.version_id is None:
            raise ValueError(f"dataset {dataset.name!r} has no version yet: upsert examples first")
        return dataset
    if isinstance(dataset, UpsertResult):
        if dataset.dataset_id is None or dataset.version_id is None or (dataset.dry_run and not dataset.noop):
            raise ValueError("a dry-run upsert wrote no version to run an experiment on")
        return await server.dataset(dataset_id=dataset.dataset_id, name=None, version_id=dataset.version_id)
    if isinstance(dataset, Mapping):
        unknown = sorted(set(dataset) - {"name", "id", "version_id"})
        if unknown or ("name" in dataset) == ("id" in dataset):
            raise ValueError(
                f"a dataset selector has `name` or `id`, and optionally `version_id`; got the keys {sorted(dataset)}"
            )
        version_id = dataset.get("version_id")
        found = await server.dataset(dataset_id=dataset.get("id"), name=dataset.get("name"), version_id=version_id)
        if found.version_id is None:
            raise ValueError(f"dataset {found.name!r} has no version yet: upsert examples first")
        return found
    raise TypeError(
        "dataset= must be an UpsertResult, a Dataset or a selector {'name' or 'id', 'version_id'?}, "
        f"not {type(dataset).__name__}"
    )


class _Uploader:
    """Sends finished items in batches while the experiment goes on: a batch leaves when it is
    full, or when its first item has waited :data:`FLUSH_SECONDS`, or at the end. Up to
    :data:`UPLOADS_IN_FLIGHT` batches are sent at once, so that items do not pile up behind a
    slow upload (what a crash loses is what was not sent yet)."""

    def __init__(self, send: Callable[[list[Any]], Awaitable[None]], batch_size: int) -> None:
        self.send = send
        self.batch_size = batch_size
        self.pending: list[Any] = []
        self.first_at = 0.0
        self.closed = False
        self.wake = anyio.Event()
        self.slots = anyio.Semaphore(UPLOADS_IN_FLIGHT)

    def add(self, item: Any) -> None:
        if not self.pending:
            self.first_at = time.monotonic()
            self.wake.set()
        self.pending.append(item)
        if len(self.pending) >= self.batch_size:
            self.wake.set()

    def close(self) -> None:
        self.closed = True
        self.wake.set()

    async def _wait(self, seconds: float | None) -> None:
        if seconds is None:
            await self.wake.wait()
        else:
            with anyio.move_on_after(seconds):
                await self.wake.wait()
        self.wake = anyio.Event()

    async def _send(self, batch: list[Any]) -> None:
        try:
            await self.send(batch)
        finally:
            self.slots.release()

    async def run(self) -> None:
        async with anyio.create_task_group() as uploads:
            while True:
                if not self.pending:
                    if self.closed:
                        return
                    await self._wait(None)
                    continue
                left = self.first_at + FLUSH_SECONDS - time.monotonic()
                if len(self.pending) < self.batch_size and not self.closed and left > 0:
                    await self._wait(left)
                    continue
                await self.slots.acquire()
                batch = self.pending[: self.batch_size]
                del self.pending[: self.batch_size]
                self.first_at = time.monotonic()
                uploads.start_soon(self._send, batch)


@contextlib.contextmanager
def _unwrapped() -> Iterator[None]:
    """Raise the one error of a task group as itself, not inside an exception group."""
    try:
        yield
    except BaseException as error:
        inner = getattr(error, "exceptions", None)
        while isinstance(inner, tuple) and len(inner) == 1:
            error, inner = inner[0], getattr(inner[0], "exceptions", None)
            if inner is None:
                raise error from None
        raise


def _bar(total: int, label: str, progress: bool | None) -> Any:
    show = progress if progress is not None else sys.stderr.isatty()
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="run", file=sys.stderr)


# ---------------------------------------------------------------- the runner


@dataclass(slots=True, kw_only=True)
class _Job:
    example: Example
    repetition_number: int


class _Runner:
    """Runs the task and the evaluators on jobs, ``concurrency`` at a time, handing each finished
    run to ``finished``."""

    def __init__(
        self,
        task: _Bound | None,
        evaluators: list[_Bound],
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

    async def _output(self, task: _Bound, values: dict[str, Any]) -> tuple[Any, str | None]:
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
            start = _now()
            try:
                score, label, explanation, metadata = _verdict(await evaluator(values, self.limiter), evaluator.name)
                error = None
            except Exception as raised:
                score, label, explanation, metadata, error = None, None, None, {}, _describe(raised)
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
                    end_time=_now(),
                    run_id=run.id,
                )
            )

    async def run_job(self, job: _Job) -> ExperimentRun:
        assert self.task is not None
        example = job.example
        start = _now()
        output, error = await self._output(self.task, _values(example))
        run = ExperimentRun(
            example_id=example.id,
            source_id=example.source_id,
            content_hash=example.content_hash,
            repetition_number=job.repetition_number,
            output=output,
            error=error,
            start_time=start,
            end_time=_now(),
            example=example,
        )
        if error is None:
            await self.evaluate(run, example)
        return run

    async def each(self, items: Iterable[T], work: Callable[[T], Awaitable[Any]], bar: Any) -> None:
        """``work`` on every item, ``concurrency`` at a time."""
        shared: Iterator[T] = iter(items)

        async def worker() -> None:
            for item in shared:
                await work(item)
                if bar is not None:
                    bar.update(1)

        with _unwrapped():
            async with anyio.create_task_group() as group:
                for _ in range(self.concurrency):
                    group.start_soon(worker)


def _values(example: Example) -> dict[str, Any]:
    return {"input": example.input, "expected": example.output, "metadata": example.metadata, "example": example}


def _check_dry_run(dry_run: bool | int) -> int:
    """How many examples a dry run takes (0: not a dry run)."""
    if isinstance(dry_run, bool):
        return 1 if dry_run else 0
    if isinstance(dry_run, int) and dry_run > 0:
        return dry_run
    raise ValueError(f"dry_run= must be a bool or a positive int, not {dry_run!r}")


async def _run_jobs(
    runner: _Runner,
    jobs: list[_Job],
    *,
    server: _Server | None,
    experiment_id: str | None,
    batch_size: int,
    progress: bool | None,
) -> list[ExperimentRun]:
    """Run every job; with a server, upload the runs in batches as they finish."""
    # In the order of the jobs (example, then repetition), whatever order they finish in.
    runs: list[ExperimentRun | None] = [None] * len(jobs)

    async def send(batch: list[ExperimentRun]) -> None:
        assert server is not None and experiment_id is not None
        stored = await server.run(api.post_runs(experiment_id, [run.to_json() for run in batch]))
        for run, created in zip(batch, stored["data"], strict=True):
            run.id = created["id"]
            for evaluation in run.evaluations:
                evaluation.run_id = run.id

    uploader = _Uploader(send, batch_size)

    async def work(position: int) -> None:
        run = runs[position] = await runner.run_job(jobs[position])
        if server is not None:
            uploader.add(run)

    bar = _bar(len(jobs), "experiment", progress)
    try:
        with _unwrapped():
            async with anyio.create_task_group() as group:
                if server is not None:
                    group.start_soon(uploader.run)
                await runner.each(range(len(jobs)), work, bar)
                uploader.close()
    finally:
        if bar is not None:
            bar.close()
    return [run for run in runs if run is not None]


async def _with_server(client: AnyClient | None, body: Callable[[_Server], Awaitable[T]]) -> T:
    """``body`` with the client given, or with a new :class:`AsyncClient` (closed after)."""
    if client is not None:
        if not isinstance(client, (Client, AsyncClient)):
            raise TypeError(f"client= must be a groundset.Client or AsyncClient, not {type(client).__name__}")
        return await body(_Server(client))
    async with AsyncClient() as made:
        return await body(_Server(made))


def _check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or not 1 <= batch_size <= 10_000:
        raise ValueError(f"batch_size= must be an int from 1 to 10000, not {batch_size!r}")


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
    bound_task = _Bound(task, TASK_PARAMETERS, "input", "task")
    runner = _Runner(bound_task, _evaluators(evaluators), concurrency=concurrency, timeout=timeout)
    dry = _check_dry_run(dry_run)
    _check_batch_size(batch_size)
    if not isinstance(repetitions, int) or isinstance(repetitions, bool) or repetitions < 1:
        raise ValueError(f"repetitions= must be a positive int, not {repetitions!r}")
    name = experiment_name if experiment_name is not None else bound_task.name

    async def body(server: _Server) -> Experiment:
        found = await _resolve_dataset(server, dataset)
        assert found.version_id is not None
        examples = found.examples[:dry] if dry else found.examples
        jobs = [_Job(example=e, repetition_number=n) for e in examples for n in range(1, repetitions + 1)]
        experiment = Experiment(
            id=None,
            dataset_id=found.id,
            version_id=found.version_id,
            name=name,
            description=experiment_description,
            metadata=dict(experiment_metadata or {}),
            repetitions=repetitions,
            dry_run=bool(dry),
        )
        if not dry:
            created = await server.run(
                api.create_experiment(
                    found.id,
                    version_id=found.version_id,
                    name=name,
                    description=experiment_description,
                    metadata=experiment_metadata,
                    repetitions=repetitions,
                )
            )
            experiment.id = created["id"]
        experiment.runs = await _run_jobs(
            runner,
            jobs,
            server=None if dry else server,
            experiment_id=experiment.id,
            batch_size=batch_size,
            progress=progress,
        )
        if dry:
            experiment.summary = _local_summary(experiment.runs, len(jobs))
        else:
            assert experiment.id is not None
            experiment.summary = (await server.run(api.get_experiment(experiment.id)))["summary"]
        return experiment

    experiment = await _with_server(client, body)
    if print_summary:
        print(experiment.summary_table())
    return experiment


def _blocking(make: Callable[[], Awaitable[T]], client: AnyClient | None, what: str) -> T:
    """Run a coroutine to its end from sync code (in a thread of its own if this one has a
    running event loop, as in a notebook)."""
    if isinstance(client, AsyncClient):
        raise TypeError(f"{what} takes a groundset.Client; with an AsyncClient, await a{what}")

    async def main() -> T:
        return await make()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    outcome: list[T] = []
    failure: list[BaseException] = []

    def in_thread() -> None:
        try:
            outcome.append(asyncio.run(main()))
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=in_thread, name=f"groundset-{what}")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return outcome[0]


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
    return _blocking(
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


async def _load(server: _Server, experiment_id: str, examples: Mapping[str, Example] | None = None) -> Experiment:
    info = await server.run(api.get_experiment(experiment_id))
    if examples is None:
        found = await server.dataset(dataset_id=info["dataset_id"], name=None, version_id=info["version_id"])
        examples = {example.id: example for example in found.examples}
    rows = await server.run(api.list_runs(experiment_id))
    return Experiment(
        id=info["id"],
        dataset_id=info["dataset_id"],
        version_id=info["version_id"],
        name=info["name"],
        description=info["description"],
        metadata=info["metadata"],
        repetitions=info["repetitions"],
        runs=[ExperimentRun.from_json(row, examples.get(row["example_id"])) for row in rows],
        summary=info["summary"],
    )


def _experiment_id(experiment: Experiment | str) -> str:
    if isinstance(experiment, Experiment):
        if experiment.id is None:
            raise ValueError("a dry run was not stored: there is nothing to load or resume")
        return experiment.id
    if isinstance(experiment, str) and experiment:
        return experiment
    raise TypeError(f"give an Experiment or an experiment id (str), not {experiment!r}")


def load_experiment(experiment_id: str, *, client: Client | None = None) -> Experiment:
    """An experiment from the server with all its runs, their evaluations and examples.

    >>> before = load_experiment("12")  # doctest: +SKIP
    >>> before.summary["evaluations"]
    """
    experiment_id = _experiment_id(experiment_id)

    async def make() -> Experiment:
        return await _with_server(client, lambda server: _load(server, experiment_id))

    return _blocking(make, client, "load_experiment")


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
    bound = _evaluators(evaluators)
    if not bound:
        raise ValueError("give at least one evaluator")
    runner = _Runner(None, bound, concurrency=concurrency, timeout=None)
    _check_batch_size(batch_size)
    local = isinstance(experiment, Experiment) and experiment.dry_run

    async def body(server: _Server) -> Experiment:
        if local:
            assert isinstance(experiment, Experiment)
            loaded = experiment
        else:
            loaded = await _load(server, _experiment_id(experiment))
        targets = [run for run in loaded.runs if run.error is None and run.example is not None]

        async def send(batch: list[ExperimentEvaluation]) -> None:
            assert loaded.id is not None
            body = [{"run_id": e.run_id, **e.to_json()} for e in batch]
            stored = await server.run(api.post_evaluations(loaded.id, body))
            for evaluation, created in zip(batch, stored["data"], strict=True):
                evaluation.id = created["id"]

        uploader = _Uploader(send, batch_size)

        async def work(run: ExperimentRun) -> None:
            assert run.example is not None
            await runner.evaluate(run, run.example)
            if not local:
                names = {evaluator.name for evaluator in bound}
                for evaluation in run.evaluations:
                    if evaluation.name in names:
                        uploader.add(evaluation)

        bar = _bar(len(targets), "evaluation", progress)
        try:
            with _unwrapped():
                async with anyio.create_task_group() as group:
                    if not local:
                        group.start_soon(uploader.run)
                    await runner.each(targets, work, bar)
                    uploader.close()
        finally:
            if bar is not None:
                bar.close()
        if local:
            loaded.summary = _local_summary(loaded.runs, loaded.summary.get("expected_runs", len(loaded.runs)))
        else:
            assert loaded.id is not None
            loaded.summary = (await server.run(api.get_experiment(loaded.id)))["summary"]
        return loaded

    result = await _with_server(client, body)
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
    return _blocking(
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
    runner = _Runner(
        _Bound(task, TASK_PARAMETERS, "input", "task"),
        _evaluators(evaluators),
        concurrency=concurrency,
        timeout=timeout,
    )
    _check_batch_size(batch_size)

    async def body(server: _Server) -> Experiment:
        missing = await server.run(api.incomplete_pairs(experiment_id))
        jobs = [
            _Job(example=Example.from_json(item["example"]), repetition_number=n)
            for item in missing
            for n in item["repetition_numbers"]
        ]
        await _run_jobs(
            runner, jobs, server=server, experiment_id=experiment_id, batch_size=batch_size, progress=progress
        )
        return await _load(server, experiment_id)

    resumed = await _with_server(client, body)
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
    return _blocking(
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
