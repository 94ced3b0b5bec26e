"""The experiment runner against a real server: pinning, binding, evaluators, errors, repetitions,
concurrency, dry runs, resume, conflicts and evaluating an existing experiment."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import numpy
import pytest

import groundset
from conftest import API_KEY, ServerProcess
from groundset._binding import TASK_PARAMETERS
from groundset._constants import MAX_REPETITIONS
from groundset.experiments import (
    EvaluationResult,
    Experiment,
    aload_experiment,
    arun_experiment,
    evaluate_experiment,
    load_experiment,
    resume_experiment,
    run_experiment,
)


def rows(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"id": i, "input": {"q": i}, "output": {"a": 2 * i}, "metadata": {"tag": f"t{i % 3}"}}
        for i in range(start, start + count)
    ]


def upsert(client: groundset.Client, name: str, records: list[dict[str, Any]], **kw: Any) -> groundset.UpsertResult:
    return client.upsert_dataset(name=name, examples=records, source_id_key="id", **kw)


def experiments_of(client: groundset.Client, dataset_id: str) -> list[groundset.ExperimentInfo]:
    return client.list_experiments(dataset_id=dataset_id)


def double(input: dict[str, Any]) -> dict[str, Any]:
    return {"a": 2 * input["q"]}


def test_pinned_to_the_version_after_the_dataset_moved(client: groundset.Client, unique_name: str) -> None:
    v1 = upsert(client, unique_name, rows(3))
    v2 = upsert(client, unique_name, [{"id": 0, "input": {"q": 100}, "output": {"a": 0}}, *rows(1, start=7)])
    assert v2.version_id != v1.version_id
    v1_hashes = {e.source_id: e.content_hash for e in client.get_dataset(name=unique_name, version_id=v1.version_id)}

    seen: list[int] = []

    def task(input: dict[str, Any]) -> int:
        seen.append(input["q"])
        return int(input["q"])

    for dataset in (
        v1,
        {"name": unique_name, "version_id": v1.version_id},
        {"id": v1.dataset_id, "version_id": v1.version_id},
        client.get_dataset(name=unique_name, version_id=v1.version_id),
    ):
        seen.clear()
        experiment = run_experiment(dataset, task, client=client, print_summary=False)
        assert (experiment.dataset_id, experiment.version_id) == (v1.dataset_id, v1.version_id)
        assert sorted(seen) == [0, 1, 2]
        assert {run.source_id: run.content_hash for run in experiment.runs} == v1_hashes
        stored = load_experiment(experiment.id or "", client=client)
        assert {run.source_id: (run.content_hash, run.output) for run in stored.runs} == {
            s: (v1_hashes[s], int(s)) for s in v1_hashes
        }
    latest = run_experiment({"name": unique_name}, task, client=client, print_summary=False)
    assert latest.version_id == v2.version_id
    assert sorted(run.output for run in latest.runs) == [1, 2, 7, 100]


def test_task_binding_by_parameter_name(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(2))

    class AsyncCallable:
        async def __call__(self, input: dict[str, Any]) -> str:
            await asyncio.sleep(0)
            return f"object:{input['q']}"

    def scaled(input: dict[str, Any], factor: int) -> int:
        return int(input["q"]) * factor

    async def everything(input: Any, expected: Any, metadata: Any, example: groundset.Example) -> list[Any]:
        return [input["q"], expected["a"], metadata["tag"], example.source_id]

    def positional_only(x: dict[str, Any], /) -> int:
        return int(x["q"]) + 1000

    rest = ["context", "example", "expected", "metadata"]
    tasks: dict[str, Any] = {
        "input": (lambda input: input["q"], [0, 1]),
        "other name gets input": (lambda question: question["q"] + 10, [10, 11]),
        "expected": (lambda expected: expected["a"], [0, 2]),
        "metadata": (lambda metadata: metadata["tag"], ["t0", "t1"]),
        "example": (lambda example: example.source_id, ["0", "1"]),
        "all four, async": (everything, [[0, 0, "t0", "0"], [1, 2, "t1", "1"]]),
        "positional-only": (positional_only, [1000, 1001]),
        "async __call__": (AsyncCallable(), ["object:0", "object:1"]),
        "partial": (functools.partial(scaled, factor=3), [0, 3]),
        "no parameter": (lambda: "constant", ["constant", "constant"]),
        "**kwargs gets every value": (
            lambda **kw: [sorted(kw), kw["input"]["q"], kw["example"].source_id],
            [[sorted(TASK_PARAMETERS), 0, "0"], [sorted(TASK_PARAMETERS), 1, "1"]],
        ),
        "a name, then **kwargs": (lambda q, **kw: [q["q"], sorted(kw)], [[0, rest], [1, rest]]),
    }
    for label, (task, expected) in tasks.items():
        experiment = run_experiment(dataset, task, client=client, print_summary=False)
        assert [run.output for run in experiment.runs] == expected, label
        assert all(run.error is None for run in experiment.runs), label

    before = len(experiments_of(client, dataset.dataset_id or ""))
    with pytest.raises(TypeError, match="parameter 'prompt' is not one of input, expected, metadata, example"):
        run_experiment(dataset, lambda input, prompt: None, client=client)
    with pytest.raises(TypeError, match="evaluator 'judge': parameter 'rubric'"):
        run_experiment(dataset, double, {"judge": lambda output, rubric: 1}, client=client)
    with pytest.raises(ValueError, match="two evaluators are named 'double'"):
        run_experiment(dataset, double, [double, double], client=client)
    with pytest.raises(TypeError, match=r"evaluators= takes functions .* not the string 'exact'"):
        run_experiment(dataset, double, "exact", client=client)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"repetitions= must be at most 1000 \(the server's limit\), not 1001"):
        run_experiment(dataset, double, client=client, repetitions=MAX_REPETITIONS + 1)
    assert len(experiments_of(client, dataset.dataset_id or "")) == before


def test_every_evaluator_return_form(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(2))

    async def async_bool(output: Any, expected: Any) -> bool:
        await asyncio.sleep(0)
        return bool(output == expected)

    def result(input: Any, output: Any, expected: Any, metadata: Any, example: Any) -> EvaluationResult:
        return EvaluationResult(
            score=0.25, label="partial", explanation=f"{example.source_id}:{metadata['tag']}", metadata={"k": [1]}
        )

    evaluators: dict[str, Callable[..., Any]] = {
        "bool": async_bool,
        "int": lambda output: 3,
        "float": lambda output: 0.5,
        "label": lambda output: "good",
        "dict": lambda output: {"score": 1, "label": "x", "explanation": "why", "metadata": {"m": True}},
        "result": result,
        "numpy": lambda value: numpy.float64(0.75),
        "numpy bool": lambda output: numpy.bool_(False),
    }
    experiment = run_experiment(dataset, double, evaluators, client=client, print_summary=False)
    stored = load_experiment(experiment.id or "", client=client)
    for run in (experiment.runs[0], next(r for r in stored.runs if r.source_id == "0")):
        got = {e.name: (e.score, e.label, e.explanation, e.metadata, e.error) for e in run.evaluations}
        assert got == {
            "bool": (1.0, None, None, {}, None),
            "int": (3.0, None, None, {}, None),
            "float": (0.5, None, None, {}, None),
            "label": (None, "good", None, {}, None),
            "dict": (1.0, "x", "why", {"m": True}, None),
            "result": (0.25, "partial", "0:t0", {"k": [1]}, None),
            "numpy": (0.75, None, None, {}, None),
            "numpy bool": (0.0, None, None, {}, None),
        }
    means = {e["name"]: e["mean_score"] for e in stored.summary["evaluations"]}
    assert means["bool"] == 1.0 and means["label"] is None and means["result"] == 0.25


def test_task_and_evaluator_errors_are_recorded(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(5))

    def task(input: dict[str, Any]) -> Any:
        q = input["q"]
        if q == 1:
            raise ValueError("no answer for 1")
        if q == 2:
            return object()
        if q == 3:
            time.sleep(5)
        return {"a": 2 * q}

    evaluated: list[int] = []

    def picky(output: Any, input: Any) -> Any:
        evaluated.append(input["q"])
        if input["q"] == 4:
            raise RuntimeError("judge unavailable")
        return {"score": 1, "reasoning": "extra key"}

    evaluators: dict[str, Callable[..., Any]] = {
        "picky": picky,
        "nan": lambda output: float("nan"),
        "none": lambda output: None,
    }
    started = time.monotonic()
    experiment = run_experiment(dataset, task, evaluators, client=client, timeout=0.5, print_summary=False)
    assert time.monotonic() - started < 4.5  # the sleeping task was abandoned at its timeout
    errors = {run.source_id: run.error for run in experiment.runs}
    assert errors["0"] is None and errors["4"] is None
    assert errors["1"] == "ValueError: no answer for 1"
    assert errors["2"] is not None and errors["2"].startswith("the task's output is not JSON")
    assert errors["3"] == "TimeoutError: the task took longer than 0.5 s"
    assert sorted(evaluated) == [0, 4]  # evaluators skip failed runs
    by_source = {run.source_id: {e.name: e.error for e in run.evaluations} for run in experiment.runs}
    assert by_source["4"]["picky"] == "RuntimeError: judge unavailable"
    assert "reasoning" in (by_source["0"]["picky"] or "")
    assert "not finite" in (by_source["0"]["nan"] or "")
    assert "returned NoneType" in (by_source["0"]["none"] or "")
    summary = load_experiment(experiment.id or "", client=client).summary
    assert (summary["runs"], summary["errored_runs"], summary["incomplete_runs"]) == (5, 3, 3), summary
    assert {e["name"]: e["errors"] for e in summary["evaluations"]} == {"nan": 2, "none": 2, "picky": 2}

    async def slow(input: Any) -> int:
        await asyncio.sleep(5)
        return 0

    timed_out = run_experiment(dataset, slow, client=client, timeout=0.2, dry_run=2, print_summary=False)
    assert [run.error for run in timed_out.runs] == ["TimeoutError: the task took longer than 0.2 s"] * 2


def test_repetitions(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(3))
    calls: list[int] = []

    def task(input: dict[str, Any]) -> int:
        calls.append(input["q"])
        return len(calls)

    experiment = run_experiment(dataset, task, [lambda output: True], client=client, repetitions=3, print_summary=False)
    assert sorted(calls) == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert [(run.source_id, run.repetition_number) for run in experiment.runs] == [
        (s, n) for s in "012" for n in (1, 2, 3)
    ]
    assert len({run.output for run in experiment.runs}) == 9
    assert experiment.summary["expected_runs"] == 9 and experiment.summary["incomplete_runs"] == 0
    assert experiment.to_pandas().groupby("source_id")["repetition_number"].apply(list).to_dict() == {
        s: [1, 2, 3] for s in "012"
    }


class InFlight:
    """Counts the calls running at once and remembers the peak."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            yield
        finally:
            with self.lock:
                self.now -= 1


def test_concurrency_is_real_and_bounded(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(20))
    flight = InFlight()

    async def sleepy(input: Any) -> int:
        with flight.entered():
            await asyncio.sleep(0.2)
        return 1

    started = time.monotonic()
    run_experiment(dataset, sleepy, client=client, concurrency=10, print_summary=False)
    elapsed = time.monotonic() - started
    assert flight.peak == 10
    assert elapsed < 20 * 0.2 / 2, elapsed  # two rounds of ten, not twenty one after another

    threads = InFlight()

    def blocking(input: Any) -> int:
        with threads.entered():
            time.sleep(0.05)
        return 1

    def blocking_judge(output: Any) -> bool:
        with threads.entered():
            time.sleep(0.01)
        return True

    run_experiment(dataset, blocking, [blocking_judge], client=client, concurrency=4, print_summary=False)
    assert 2 <= threads.peak <= 4


def test_dry_run_stores_nothing(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(5))
    one = run_experiment(dataset, double, [lambda output, expected: output == expected], client=client, dry_run=True)
    three = run_experiment(dataset, double, client=client, dry_run=3, print_summary=False)
    assert (one.id, one.dry_run, len(one.runs), len(three.runs)) == (None, True, 1, 3)
    assert [run.id for run in three.runs] == [None] * 3
    assert one.summary["evaluations"][0]["mean_score"] == 1.0
    assert experiments_of(client, dataset.dataset_id or "") == []
    judged = evaluate_experiment(three, {"small": lambda output: output["a"] < 3}, client=client, print_summary=False)
    assert [e.score for e in judged.evaluations] == [1.0, 1.0, 0.0]
    assert experiments_of(client, dataset.dataset_id or "") == []
    with pytest.raises(ValueError, match="dry_run"):
        run_experiment(dataset, double, client=client, dry_run=-1)


def wait_for_stored_runs(client: groundset.Client, dataset_id: str, count: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for listed in experiments_of(client, dataset_id):
            if client._request("GET", f"/v1/experiments/{listed.id}")["summary"]["runs"] >= count:
                return
        time.sleep(0.05)
    raise AssertionError(f"{count} runs were not uploaded within 30 s")


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so the runner does not record it."""


def test_resume_after_a_crash_runs_only_what_is_missing(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(30))
    calls = 0

    def crashing(input: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if input["q"] == 4:
            raise ValueError("flaky")
        if calls == 23:
            wait_for_stored_runs(client, dataset.dataset_id or "", 20)  # the four full batches
            raise Crash
        return double(input)

    with pytest.raises(Crash):
        run_experiment(dataset, crashing, client=client, concurrency=1, batch_size=5, print_summary=False)
    (created,) = experiments_of(client, dataset.dataset_id or "")
    before = load_experiment(created.id, client=client)
    done = {(run.source_id, run.repetition_number) for run in before.runs if run.error is None}
    # 22 runs had finished; what was lost is the last, partial batch, and 4 is stored as failed.
    assert len(before.runs) == 20 and ("4", 1) not in done
    missing = {(str(i), 1) for i in range(30)} - done

    resumed_pairs: list[tuple[str, int]] = []

    def resumed(example: groundset.Example) -> dict[str, Any]:
        resumed_pairs.append((example.source_id, 1))
        return double(example.input)

    # An Experiment is resumed as well as its id.
    after = resume_experiment(before, resumed, [lambda output, expected: output == expected], client=client)
    assert sorted(resumed_pairs) == sorted(missing)  # the errored run of 4 included, nothing done twice
    assert after.summary["incomplete_runs"] == 0 and after.summary["runs"] == 30
    assert all(run.error is None for run in after.runs) and len(after.runs) == 30
    outputs_before = {run.source_id: run.output for run in before.runs if run.error is None}
    assert {run.source_id: run.output for run in after.runs if run.source_id in outputs_before} == outputs_before
    again = resume_experiment(created.id, resumed, client=client, print_summary=False)
    assert len(resumed_pairs) == len(missing) and len(again.runs) == 30


def test_list_experiments_on_every_version(server: ServerProcess, client: groundset.Client, unique_name: str) -> None:
    assert client.list_experiments(name=upsert(client, unique_name, []).dataset_name) == []
    v1 = upsert(client, unique_name, rows(2))
    on_v1 = run_experiment(v1, double, client=client, experiment_name="first", print_summary=False)
    v2 = upsert(client, unique_name, rows(3))
    on_v2 = run_experiment(v2, double, client=client, experiment_name="second", repetitions=2, print_summary=False)
    assert v1.version_id != v2.version_id

    by_name = client.list_experiments(name=unique_name)
    assert [(e.id, e.name, e.version_id, e.example_count, e.repetitions) for e in by_name] == [
        (on_v2.id, "second", v2.version_id, 3, 2),
        (on_v1.id, "first", v1.version_id, 2, 1),
    ]  # newest first
    assert all(isinstance(e, groundset.ExperimentInfo) and e.dataset_id == v1.dataset_id for e in by_name)
    assert client.list_experiments(dataset_id=v1.dataset_id or "") == by_name

    async def listed_async() -> list[groundset.ExperimentInfo]:
        async with groundset.AsyncClient(base_url=server.base_url) as async_client:
            return await async_client.list_experiments(name=unique_name)

    assert asyncio.run(listed_async()) == by_name

    with pytest.raises(groundset.NotFoundError, match="no dataset is named"):
        client.list_experiments(name=unique_name + "-missing")
    with pytest.raises(groundset.NotFoundError):
        client.list_experiments(dataset_id="999999999")
    with pytest.raises(ValueError, match="exactly one of name= and dataset_id="):
        client.list_experiments()


def test_a_duplicate_successful_run_is_a_conflict(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(2))
    experiment = run_experiment(dataset, double, client=client, print_summary=False)
    run = experiment.runs[0]
    with pytest.raises(groundset.ConflictError) as caught:
        client._request(
            "POST",
            f"/v1/experiments/{experiment.id}/runs",
            json={"runs": [{"example_id": run.example_id, "output": "replaced?"}]},
        )
    assert caught.value.status == 409 and caught.value.code == "run_exists"
    stored = load_experiment(experiment.id or "", client=client)
    assert [r.output for r in stored.runs] == [r.output for r in experiment.runs]


def test_evaluate_an_existing_experiment(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(4))

    def task(input: dict[str, Any]) -> dict[str, Any]:
        if input["q"] == 3:
            raise KeyError("q")
        return double(input)

    experiment = run_experiment(dataset, task, {"exact": lambda output: 0.0}, client=client, print_summary=False)
    rescored = evaluate_experiment(
        experiment.id or "",
        {"exact": lambda output, expected: output == expected, "size": lambda output: len(output)},
        client=client,
        print_summary=False,
    )
    stored = load_experiment(experiment.id or "", client=client)
    for loaded in (rescored, stored):
        per_run = {run.source_id: {e.name: e.score for e in run.evaluations} for run in loaded.runs}
        assert per_run == {
            "0": {"exact": 1.0, "size": 1.0},
            "1": {"exact": 1.0, "size": 1.0},
            "2": {"exact": 1.0, "size": 1.0},
            "3": {},
        }
    assert {e["name"]: e["count"] for e in stored.summary["evaluations"]} == {"exact": 3, "size": 3}
    frame = stored.to_pandas().set_index("source_id").sort_index()
    assert frame["exact.score"].tolist()[:3] == [1.0, 1.0, 1.0] and frame["error"]["3"] == "KeyError: 'q'"
    assert frame["input"]["0"] == {"q": 0} and frame["expected"]["1"] == {"a": 2} and frame["output"]["2"] == {"a": 4}


def test_async_runner_and_clients(server: ServerProcess, client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(3))

    async def main() -> tuple[Experiment, Experiment, Experiment]:
        async with groundset.AsyncClient(base_url=server.base_url) as async_client:
            with_async = await arun_experiment(dataset, double, client=async_client, print_summary=False)
        with_sync = await arun_experiment(dataset, double, client=client, print_summary=False)
        # The blocking runner called from a coroutine runs on a loop of its own.
        nested = run_experiment(dataset, double, client=client, print_summary=False)
        # ... and its error comes back from that loop's thread as itself.
        with pytest.raises(groundset.NotFoundError):
            run_experiment({"name": unique_name + "-missing"}, double, client=client)
        return with_async, with_sync, nested

    for experiment in asyncio.run(main()):
        assert experiment.summary["successful_runs"] == 3
    async_client = groundset.AsyncClient(base_url=server.base_url)
    with pytest.raises(TypeError, match="arun_experiment"):
        run_experiment(dataset, double, client=async_client)  # type: ignore[arg-type]
    asyncio.run(async_client.close())


def loaded_view(experiment: Experiment) -> tuple[Any, ...]:
    """What load_experiment reads back, comparable across calls."""
    runs = [
        (r.id, r.source_id, r.repetition_number, r.output, r.error, r.example and r.example.input, r.content_hash)
        for r in experiment.runs
    ]
    scores = [[(e.id, e.name, e.score) for e in r.evaluations] for r in experiment.runs]
    return (experiment.id, experiment.dataset_id, experiment.version_id, experiment.name, runs, scores)


def test_load_experiment_sync_and_async(
    server: ServerProcess, client: groundset.Client, unique_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = upsert(client, unique_name, rows(3))
    stored = run_experiment(
        dataset, double, {"exact": lambda output, expected: output == expected}, client=client, print_summary=False
    )
    assert stored.id is not None
    # The blocking load is plain sync HTTP: every request on the calling thread, outside any event loop.
    seen: list[tuple[threading.Thread, bool]] = []

    def record(request: Any) -> None:
        try:
            asyncio.get_running_loop()
            in_loop = True
        except RuntimeError:
            in_loop = False
        seen.append((threading.current_thread(), in_loop))

    with (
        httpx.Client(event_hooks={"request": [record]}) as http,
        groundset.Client(base_url=server.base_url, http_client=http) as hooked,
    ):
        synced = load_experiment(stored.id, client=hooked)
    assert len(seen) == 5  # the experiment, its dataset, the version, its examples, the runs
    assert all(thread is threading.current_thread() and not in_loop for thread, in_loop in seen)

    async def main() -> list[Experiment]:
        async with groundset.AsyncClient(base_url=server.base_url) as async_client:
            with_async = await aload_experiment(stored.id or "", client=async_client)
        with_sync = await aload_experiment(stored.id or "", client=client)  # a blocking client
        monkeypatch.setenv("GROUNDSET_BASE_URL", server.base_url)
        with_default = await aload_experiment(stored.id or "")
        return [with_async, with_sync, with_default]

    expected = loaded_view(synced)
    assert [r.output for r in synced.runs] == [{"a": 0}, {"a": 2}, {"a": 4}]
    assert synced.summary["evaluations"][0]["mean_score"] == 1.0
    for loaded in asyncio.run(main()):
        assert loaded_view(loaded) == expected and loaded.summary == synced.summary
    assert loaded_view(load_experiment(stored.id)) == expected  # a new Client from GROUNDSET_BASE_URL
    async_client = groundset.AsyncClient(base_url=server.base_url)
    with pytest.raises(TypeError, match="await aload_experiment"):
        load_experiment(stored.id, client=async_client)  # type: ignore[arg-type]
    asyncio.run(async_client.close())
    with pytest.raises(groundset.NotFoundError):
        asyncio.run(aload_experiment("999999", client=client))
    with pytest.raises(TypeError, match="client= must be"):
        asyncio.run(aload_experiment(stored.id, client="nope"))  # type: ignore[arg-type]


def test_arguments_are_checked(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name, rows(1))
    dry = upsert(client, unique_name, rows(2), dry_run=True)
    with pytest.raises(ValueError, match="dry-run upsert"):
        run_experiment(dry, double, client=client)
    with pytest.raises(ValueError, match="selector"):
        run_experiment({"name": unique_name, "id": "1"}, double, client=client)
    with pytest.raises(TypeError, match="dataset= must be"):
        run_experiment(["x"], double, client=client)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="concurrency"):
        run_experiment(dataset, double, client=client, concurrency=0)
    with pytest.raises(groundset.NotFoundError):
        run_experiment({"name": unique_name + "-missing"}, double, client=client)
    with pytest.raises(groundset.NotFoundError):
        load_experiment("999999", client=client)
    dry_experiment = run_experiment(dataset, double, client=client, dry_run=True, print_summary=False)
    with pytest.raises(ValueError, match="a dry run was not stored"):
        resume_experiment(dry_experiment, double, client=client)
    with pytest.raises(TypeError, match="give an Experiment or an experiment id"):
        resume_experiment(12, double, client=client)  # type: ignore[arg-type]


def test_api_key(api_key_server: ServerProcess, unique_name: str) -> None:
    with groundset.Client(base_url=api_key_server.base_url, api_key=API_KEY) as keyed:
        dataset = keyed.upsert_dataset(name=unique_name, examples=rows(2), source_id_key="id")
        assert run_experiment(dataset, double, client=keyed, print_summary=False).summary["runs"] == 2
    with (
        groundset.Client(base_url=api_key_server.base_url, api_key="wrong") as wrong,
        pytest.raises(groundset.AuthenticationError),
    ):
        run_experiment({"name": unique_name}, double, client=wrong)


def test_progress_and_summary_output(
    client: groundset.Client, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    dataset = upsert(client, unique_name, rows(2))
    experiment = run_experiment(
        dataset, double, {"exact": lambda output, expected: output == expected}, client=client, progress=True
    )
    out, err = capsys.readouterr()
    assert f"experiment {experiment.id} 'double': dataset {dataset.dataset_id} version {dataset.version_id}" in out
    assert "runs 2 of 2, errors 0" in out and "exact" in out and "1.0000" in out
    assert "2/2" in err  # the tqdm bar


def test_names_limits_and_errors_as_a_new_user_meets_them(client: groundset.Client, unique_name: str) -> None:
    """A lambda's experiment is named "task" (as TypeScript's anonymous function's); the SDK's
    repetitions limit is the server's; an error of the call carries no unrelated context."""
    server_schemas = importlib.import_module("groundset_server.experiment_schemas")  # the server's own limit
    assert server_schemas.MAX_REPETITIONS == MAX_REPETITIONS
    dataset = upsert(client, unique_name, rows(1))
    anonymous = run_experiment(dataset, lambda input: 1, client=client, print_summary=False)
    named = run_experiment(dataset, double, client=client, print_summary=False)
    assert (anonymous.name, named.name) == ("task", "double")
    with pytest.raises(groundset.NotFoundError) as missing:
        run_experiment({"name": unique_name + "-missing"}, double, client=client)
    assert missing.value.__context__ is None and missing.value.__cause__ is None


def test_two_resumes_at_once_lose_no_work_and_a_resume_without_evaluators_warns(
    server: ServerProcess, client: groundset.Client, unique_name: str
) -> None:
    """A second resume finishes some pairs while the first runs: the first's batch, refused with
    run_exists, is sent again without those pairs, so its other runs are stored."""
    dataset = upsert(client, unique_name, rows(4))

    def failing(input: dict[str, Any]) -> Any:
        if input["q"] == 0:
            return double(input)
        raise ValueError("down")

    def exact(output: Any, expected: Any) -> bool:
        return bool(output == expected)

    first = run_experiment(dataset, failing, [exact], client=client, print_summary=False)
    assert first.id is not None
    other = groundset.Client(base_url=server.base_url)

    def other_resume_meanwhile(input: dict[str, Any]) -> dict[str, Any]:
        if not other_done:
            other_done.append(True)
            # Fails on q=3, so that pair is still open when this resume uploads.
            partial = resume_experiment(
                first.id or "", lambda input: double(input) if input["q"] != 3 else failing(input), [exact],
                client=other, print_summary=False,
            )  # fmt: skip
            assert partial.summary["successful_runs"] == 3
        return double(input)

    other_done: list[bool] = []
    with (
        pytest.warns(UserWarning, match=r"scored by 'exact', not given here"),
        # The other resume stored q=1 and q=2 first: this one's two runs of them were dropped.
        pytest.warns(UserWarning, match=rf"2 runs made here were not stored: another runner of experiment {first.id} "),
    ):
        resumed = resume_experiment(first.id, other_resume_meanwhile, client=client, concurrency=1, print_summary=False)
    assert resumed.summary["successful_runs"] == 4 and resumed.summary["runs"] == 4
    by_source = {run.source_id: run for run in resumed.runs}
    # q=3 is this resume's run (no evaluator given here); 1 and 2 are the second resume's.
    assert [e.name for e in by_source["3"].evaluations] == [] and by_source["2"].evaluations[0].score == 1.0
    other.close()
