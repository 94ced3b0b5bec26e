"""compare_experiments against a real server: every class of example (same content, edited,
added, removed), repetitions, run and evaluation errors, thresholds, the verdict's scope, paging,
selectors, and the Comparison read from the SDK equal to the server's JSON."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

import groundset
from groundset import _experiment_api as api
from groundset import comparisons
from groundset.comparisons import ComparedExample, Comparison, acompare_experiments, compare_experiments
from groundset.experiments import ExperimentArg

BASE_ROWS = [{"id": s, "input": {"q": s}, "output": {"a": s.upper()}} for s in "abcde"]
# v2: a, b, c unchanged; d edited; e removed; f added.
HEAD_ROWS = [
    *BASE_ROWS[:3],
    {"id": "d", "input": {"q": "d2"}, "output": {"a": "D"}},
    {"id": "f", "input": {"q": "f"}, "output": {"a": "F"}},
]


def exact(output: Any, expected: Any) -> bool:
    return bool(output == expected)


class Head:
    """The head's task: wrong on b and d, raises once on c (one of its two repetitions)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.failed_c = False

    def __call__(self, input: dict[str, Any]) -> dict[str, str]:
        q = input["q"]
        if q == "c":
            with self.lock:
                if not self.failed_c:
                    self.failed_c = True
                    raise RuntimeError("flaky")
        return {"a": "wrong" if q in ("b", "d2") else q[0].upper()}


def closeness(output: Any) -> float:
    # Correct answers score 0.85; the base's wrong answer on a 0.9 (so the head's fix is a small
    # drop, steady), the head's wrong answer on b 0.5 (a large drop, a regression).
    return {"wrong": 0.5, "x": 0.9}.get(output["a"], 0.85)


@pytest.fixture
def pair(client: groundset.Client, unique_name: str) -> tuple[groundset.Experiment, groundset.Experiment]:
    """A base on v1 (wrong on a) and a head on v2, both with two repetitions."""
    v1 = client.upsert_dataset(name=unique_name, examples=BASE_ROWS, source_id_key="id")
    base = groundset.run_experiment(
        v1,
        lambda input: {"a": "x" if input["q"] == "a" else input["q"].upper()},
        {"exact": exact, "closeness": closeness},
        client=client,
        experiment_name="nightly",
        repetitions=2,
        print_summary=False,
    )
    v2 = client.upsert_dataset(name=unique_name, examples=HEAD_ROWS, source_id_key="id", mode="mirror")
    head = groundset.run_experiment(
        v2,
        Head(),
        {"exact": exact, "closeness": closeness},
        client=client,
        experiment_name="nightly",
        repetitions=2,
        concurrency=1,
        print_summary=False,
    )
    return base, head


def by_source(comparison: Comparison) -> dict[str, ComparedExample]:
    return {example.source_id: example for example in comparison.examples}


def test_every_class_of_example_and_the_verdict(
    client: groundset.Client, pair: tuple[groundset.Experiment, groundset.Experiment]
) -> None:
    base, head = pair
    comparison = compare_experiments(base=base, head=head, client=client)
    counts = comparison.counts
    assert (counts.examples, counts.only_base, counts.only_head, counts.same_content, counts.changed) == (6, 1, 1, 3, 1)
    examples = by_source(comparison)
    assert {s: e.status for s, e in examples.items()} == {
        "a": "same_content",
        "b": "same_content",
        "c": "same_content",
        "d": "changed",
        "e": "only_base",
        "f": "only_head",
    }
    assert examples["e"].head is None and examples["e"].head_content_hash is None
    assert examples["f"].base is None and examples["f"].base_content_hash is None
    assert examples["d"].base_content_hash != examples["d"].head_content_hash
    # Repetitions aggregated: c has two head runs, one errored.
    assert dataclasses.astuple(examples["c"].head or groundset.comparisons.SideRuns(runs=0, errors=0)) == (2, 1)
    assert examples["c"].new_run_error and examples["c"].regression
    scores_b = {s.name: s for s in examples["b"].scores}
    assert (scores_b["exact"].base, scores_b["exact"].head, scores_b["exact"].change) == (1.0, 0.0, "regression")
    assert scores_b["closeness"].change == "regression" and scores_b["closeness"].delta == pytest.approx(-0.35)
    scores_a = {s.name: s for s in examples["a"].scores}
    assert scores_a["exact"].change == "improvement" and scores_a["closeness"].change == "steady"
    assert examples["a"].improvement and not examples["a"].regression
    assert examples["b"].output_changed is True and examples["e"].output_changed is None
    # Like for like: d (edited) regressed on exact but is outside the default scope.
    assert not examples["d"].regression
    assert comparison.regressed and comparison.verdict.scope == ["same_content"]
    assert comparison.verdict.regressed_examples == 2 and comparison.verdict.improved_examples == 1
    evaluators = {e.name: e for e in comparison.evaluators}
    assert evaluators["exact"].kind == "boolean" and evaluators["exact"].threshold == 0
    assert evaluators["closeness"].kind == "numeric" and evaluators["closeness"].threshold == pytest.approx(0.1)
    like = evaluators["exact"].like_for_like
    assert like.count == 3 and like.base_mean == pytest.approx(2 / 3) and like.head_mean == pytest.approx(2 / 3)
    assert evaluators["exact"].all.base.count == 5 and evaluators["exact"].all.head.count == 5
    assert (comparison.base.id, comparison.head.id) == (base.id, head.id)
    assert comparison.head.errored_runs == 1 and comparison.head.latency_ms.count == 10
    assert comparison.deltas.latency_ms.p50 is not None

    table = comparison.table()
    lines = table.splitlines()
    assert lines[0].split() == ["source", "id", "class", "evaluator", "base", "head", "delta"]
    assert any(line.split()[:3] == ["b", "same_content", "exact"] and line.split()[-1] == "-1" for line in lines)
    assert any(line.split()[:3] == ["c", "same_content", "(run)"] for line in lines)
    assert not any(line.split()[0] in ("a", "d") for line in lines[2:])
    assert comparison.table(limit=1).splitlines()[-1].startswith("... and ")

    frame = comparison.to_pandas()
    assert len(frame) == 6 and {"status", "exact.base", "exact.head", "exact.delta", "closeness.change"} <= set(frame)
    assert frame.set_index("source_id").loc["b", "exact.change"] == "regression"


def test_the_sdk_reads_what_the_server_answers(
    client: groundset.Client, server: Any, pair: tuple[groundset.Experiment, groundset.Experiment]
) -> None:
    base, head = pair
    raw = httpx.get(
        f"{server.base_url}/v1/experiments/compare", params={"base": base.id, "head": head.id, "limit": 10000}
    ).json()
    comparison = compare_experiments(base=base.id or "", head=head.id or "", client=client)
    assert comparison == Comparison.from_json(raw)
    assert [e.example_id for e in comparison.examples] == [e["example_id"] for e in raw["data"]]
    # Every member of the server's answer is read, nested ones included.
    assert dataclasses.asdict(comparison.counts) == raw["counts"]
    assert dataclasses.asdict(comparison.verdict) == raw["verdict"]
    assert dataclasses.asdict(comparison.deltas) == raw["deltas"]
    assert [dataclasses.asdict(e) for e in comparison.examples] == raw["data"]
    # Small pages merged give the same examples.
    paged = client._run(
        api.compare(base.id or "", head.id or "", thresholds=[], include_changed=False, only=[], page_size=2)
    )
    assert paged["data"] == raw["data"] and paged["next_cursor"] is None


def test_thresholds_scope_and_only(
    client: groundset.Client, pair: tuple[groundset.Experiment, groundset.Experiment]
) -> None:
    base, head = pair
    lenient = compare_experiments(base=base, head=head, thresholds={"closeness": 0.4}, client=client)
    closeness_b = {s.name: s for s in by_source(lenient)["b"].scores}["closeness"]
    assert closeness_b.change == "steady"
    assert {e.name: e.threshold for e in lenient.evaluators} == {"closeness": 0.4, "exact": 0}
    everything = compare_experiments(base=base, head=head, thresholds=2, client=client)
    assert {e.threshold for e in everything.evaluators} == {2}
    assert everything.verdict.regressions == {"closeness": 0, "exact": 0}
    assert everything.regressed  # c's new run error regresses whatever the thresholds
    assert [e.source_id for e in everything.examples if e.regression] == ["c"]

    wider = compare_experiments(base=base, head=head, include_changed=True, client=client)
    assert wider.verdict.scope == ["same_content", "changed"] and by_source(wider)["d"].regression

    only = compare_experiments(base=base, head=head, only=["regressions"], client=client)
    assert sorted(e.source_id for e in only.examples) == ["b", "c"]
    assert only.counts == wider.counts  # the aggregates cover every example whatever only= lists
    added = compare_experiments(base=base, head=head, only="only_head", client=client)
    assert [e.source_id for e in added.examples] == ["f"]


def test_experiments_named_by_id_info_object_or_selector(
    client: groundset.Client, unique_name: str, pair: tuple[groundset.Experiment, groundset.Experiment]
) -> None:
    base, head = pair
    infos = client.list_experiments(name=unique_name)
    assert [info.id for info in infos] == [head.id, base.id]
    latest: dict[str, Any] = {"dataset": unique_name, "experiment_name": "nightly"}
    before: dict[str, Any] = {"dataset": {"name": unique_name}, "experiment_name": "nightly", "before": latest}
    pairs: list[tuple[ExperimentArg, ExperimentArg]] = [(infos[1], infos[0]), (before, latest), (base.id or "", head)]
    for base_ref, head_ref in pairs:
        comparison = compare_experiments(base=base_ref, head=head_ref, client=client)
        assert (comparison.base.id, comparison.head.id) == (base.id, head.id)
    pinned = {"dataset": unique_name, "experiment_name": "nightly", "version_id": base.version_id}
    assert groundset.load_experiment(pinned, client=client).id == base.id
    with pytest.raises(groundset.NotFoundError) as missing:
        compare_experiments(base={**latest, "before": base.id}, head=head, client=client)
    assert missing.value.code == "experiment_not_found" and "'nightly'" in str(missing.value)
    assert f"before experiment {base.id}" in str(missing.value)


def test_refusals(
    client: groundset.Client, unique_name: str, pair: tuple[groundset.Experiment, groundset.Experiment]
) -> None:
    base, head = pair
    other = client.upsert_dataset(name=unique_name + "-other", examples=BASE_ROWS, source_id_key="id")
    elsewhere = groundset.run_experiment(other, lambda input: 1, client=client, print_summary=False)
    with pytest.raises(groundset.ValidationError) as different:
        compare_experiments(base=base, head=elsewhere, client=client)
    assert different.value.code == "experiments_on_different_datasets"
    with pytest.raises(groundset.NotFoundError) as gone:
        compare_experiments(base="999999", head=head, client=client)
    assert gone.value.code == "experiment_not_found"
    with pytest.raises(ValueError, match="only= takes some of regressions"):
        compare_experiments(base=base, head=head, only=["regression"], client=client)
    with pytest.raises(ValueError, match=r"thresholds\['exact'\] must be a finite number >= 0"):
        compare_experiments(base=base, head=head, thresholds={"exact": -1}, client=client)
    with pytest.raises(TypeError, match="thresholds= must be a number"):
        compare_experiments(base=base, head=head, thresholds="0.2", client=client)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="experiment selector has dataset and experiment_name"):
        compare_experiments(base={"dataset": unique_name, "name": "nightly"}, head=head, client=client)
    dry = groundset.run_experiment(other, lambda input: 1, dry_run=True, client=client, print_summary=False)
    with pytest.raises(ValueError, match="base: a dry run was not stored"):
        compare_experiments(base=dry, head=head, client=client)
    with pytest.raises(TypeError, match="head must be an Experiment, an ExperimentInfo"):
        compare_experiments(base=base, head=12, client=client)  # type: ignore[arg-type]


def test_async_twin(server: Any, pair: tuple[groundset.Experiment, groundset.Experiment]) -> None:
    base, head = pair

    async def main() -> Comparison:
        async with groundset.AsyncClient(base_url=server.base_url) as client:
            return await acompare_experiments(base=base, head=head, client=client)

    comparison = asyncio.run(main())
    assert comparison.regressed and comparison.counts.examples == 6


def test_the_classes_have_the_members_of_the_servers_schemas() -> None:
    """Each comparison class has exactly the members of the openapi.json schema of its name
    (``Comparison``: the server's ``data`` as ``examples``, every page fetched, no cursor)."""
    schemas = json.loads((Path(__file__).resolve().parents[2] / "server/openapi.json").read_text(encoding="utf-8"))
    declared = schemas["components"]["schemas"]
    classes = [
        getattr(comparisons, name)
        for name in comparisons.__all__
        if dataclasses.is_dataclass(getattr(comparisons, name))
    ]
    assert len(classes) == 18
    for cls in classes:
        expected = set(declared[cls.__name__]["properties"])
        if cls is Comparison:
            expected = expected - {"data", "next_cursor"} | {"examples"}
        assert {field.name for field in dataclasses.fields(cls)} == expected, cls.__name__
