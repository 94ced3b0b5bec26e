"""What each run cost, against a real server: start and end times and monotonic latency on every
run and evaluation, usage reported through TaskContext (summed, stored, totalled, refused with
the field named), and evaluator versions."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from datetime import datetime
from typing import Any

import pytest

import groundset
from groundset import TaskContext, as_evaluator

ROWS = [{"id": i, "input": {"q": i}, "output": {"a": i}} for i in range(4)]


def upsert(client: groundset.Client, name: str) -> groundset.UpsertResult:
    return client.upsert_dataset(name=name, examples=ROWS, source_id_key="id")


def test_usage_is_summed_stored_and_totalled(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name)

    async def task(input: dict[str, Any], context: TaskContext) -> int:
        context.report_usage(tokens_in=10, tokens_out=2, cost=0.25, currency="USD")
        await asyncio.sleep(0.01)
        context.report_usage(tokens_in=input["q"], cost=0.5, currency="usd")  # one currency, any case
        return int(input["q"])

    def slow(output: int) -> bool:
        time.sleep(0.005)
        return output >= 0

    experiment = groundset.run_experiment(
        dataset, task, [as_evaluator(slow, version="v2")], client=client, print_summary=False
    )
    stored = groundset.load_experiment(experiment, client=client)
    by_source = {run.source_id: run for run in stored.runs}
    for q in range(4):
        run = by_source[str(q)]
        assert (run.tokens_in, run.tokens_out, run.cost, run.currency) == (10 + q, 2, 0.75, "USD")
        assert run.latency_ms is not None and run.latency_ms >= 10
        assert datetime.fromisoformat(run.start_time) <= datetime.fromisoformat(run.end_time)
        [evaluation] = run.evaluations
        assert evaluation.evaluator_version == "v2" and evaluation.latency_ms is not None
        assert evaluation.latency_ms >= 5
    # What the runner held is what was stored.
    assert {r.source_id: r.latency_ms for r in experiment.runs} == pytest.approx(
        {r.source_id: r.latency_ms for r in stored.runs}
    )
    usage = stored.summary["usage"]
    assert (usage["tokens_in"], usage["tokens_out"], usage["runs_with_tokens"]) == (46, 8, 4)
    assert usage["costs"] == [{"currency": "USD", "amount": 3.0, "runs": 4}]
    assert stored.summary["latency_ms"]["count"] == 4 and stored.summary["latency_ms"]["p50"] >= 10
    table = stored.summary_table()
    assert "latency p50" in table and "tokens in 46, out 8, cost 3 USD" in table

    frame = stored.to_pandas()
    assert {"latency_ms", "tokens_in", "tokens_out", "cost", "currency", "reused"} <= set(frame)
    assert {"slow.latency_ms", "slow.evaluator_version"} <= set(frame)
    assert list(frame["tokens_in"].sort_values()) == [10, 11, 12, 13] and not frame["reused"].any()
    assert set(frame["slow.evaluator_version"]) == {"v2"}


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ({"tokens_in": -1}, "ValueError: report_usage: tokens_in must be >= 0, not -1"),
        ({"tokens_out": "3"}, "TypeError: report_usage: tokens_out must be an int, not str"),
        ({"tokens_in": True}, "TypeError: report_usage: tokens_in must be an int, not bool"),
        ({"cost": math.nan}, "ValueError: report_usage: cost must be a finite number >= 0, not nan"),
        ({"cost": -0.5}, "ValueError: report_usage: cost must be a finite number >= 0, not -0.5"),
        ({"currency": ""}, "ValueError: report_usage: currency must have 1 to 32 characters"),
        ({"currency": "X" * 33}, "ValueError: report_usage: currency must have 1 to 32 characters"),
        ({"currency": 840}, "TypeError: report_usage: currency must be a str, not int"),
        ({"currency": "EUR"}, "ValueError: report_usage: currency 'EUR' differs from 'USD' reported before"),
        ({"tokens_in": 2**63}, "ValueError: report_usage: tokens_in adds up to"),
    ],
)
def test_a_bad_usage_value_is_the_runs_error(
    client: groundset.Client, unique_name: str, report: dict[str, Any], expected: str
) -> None:
    dataset = client.upsert_dataset(name=unique_name, examples=ROWS[:1], source_id_key="id")

    def task(context: TaskContext, input: Any) -> str:
        context.report_usage(tokens_in=1, currency="USD")
        # Swallowed: the run records the refusal all the same.
        with contextlib.suppress(TypeError, ValueError):
            context.report_usage(**report)
        return "done"

    experiment = groundset.run_experiment(dataset, task, client=client, print_summary=False)
    [run] = groundset.load_experiment(experiment.id, client=client).runs
    assert run.error is not None and run.error.startswith(expected), run.error
    assert run.output is None


def test_evaluator_versions_and_names(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name)

    def exact(output: Any, expected: Any) -> bool:
        return bool(output == expected["a"])

    evaluators: list[Any] = [
        as_evaluator(exact, version="2024-06"),
        as_evaluator(lambda output: 1.0, name="constant"),
    ]
    with pytest.raises(ValueError, match="two evaluators are named 'exact'"):
        groundset.run_experiment(dataset, lambda input: input["q"], [evaluators[0], exact], client=client)
    with pytest.raises(ValueError, match="evaluator 'judge' is named 'constant' by as_evaluator"):
        groundset.run_experiment(dataset, lambda input: 1, {"judge": evaluators[1]}, client=client)
    with pytest.raises(ValueError, match="version= must be a non-empty str"):
        as_evaluator(exact, version="")
    with pytest.raises(TypeError, match="as_evaluator takes a function"):
        as_evaluator("exact")  # type: ignore[arg-type]

    experiment = groundset.run_experiment(
        dataset,
        lambda input: input["q"],
        {"exact": evaluators[0], "constant": evaluators[1], "plain": lambda output: 0.5},
        client=client,
        print_summary=False,
    )
    stored = groundset.load_experiment(experiment, client=client)
    versions = {(e.name, e.evaluator_version) for e in stored.evaluations}
    assert versions == {("exact", "2024-06"), ("constant", None), ("plain", None)}
    assert all(e.score == 1.0 for e in stored.evaluations if e.name == "exact")
    # The versioned evaluator is still the function it wraps.
    assert evaluators[0](output=1, expected={"a": 1}) is True
    again = groundset.evaluate_experiment(
        experiment, [as_evaluator(exact, version="2024-07")], client=client, print_summary=False
    )
    assert {e.evaluator_version for e in again.evaluations if e.name == "exact"} == {"2024-07"}


def test_load_experiment_names_and_deprecation(client: groundset.Client, unique_name: str) -> None:
    dataset = upsert(client, unique_name)
    experiment = groundset.run_experiment(
        dataset, lambda input: 1, client=client, experiment_name="loaded", task_version="t1", print_summary=False
    )
    info = client.list_experiments(name=unique_name)[0]
    assert info.task_version == "t1"
    for ref in (experiment, info, experiment.id, {"dataset": unique_name, "experiment_name": "loaded"}):
        loaded = groundset.load_experiment(ref, client=client)
        assert loaded.id == experiment.id and loaded.task_version == "t1" and len(loaded.runs) == 4
    with pytest.warns(DeprecationWarning, match="experiment_id=...\\) is deprecated"):
        assert groundset.load_experiment(experiment_id=experiment.id, client=client).id == experiment.id
    with pytest.raises(TypeError, match="give the experiment once"), pytest.warns(DeprecationWarning):
        groundset.load_experiment(experiment, experiment_id=experiment.id, client=client)
    with pytest.raises(groundset.NotFoundError, match="no experiment named 'other'"):
        groundset.load_experiment({"dataset": unique_name, "experiment_name": "other"}, client=client)
    assert groundset.BATCH_SIZE == 1000
