"""The comparisons and summaries a server process keeps (services/cache.py), on both databases:
a later page, filter or order is read from memory, and every write to either experiment's runs
or evaluations (runs posted, an evaluation replaced in place, a reuse, the deletion of the
experiment a reuse copied from) gives the answer a fresh computation gives."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.services import cache, comparisons, experiments
from tests.conftest import example
from tests.test_compare import scene
from tests.test_experiments import create, examples_at, post_runs, stored_runs
from tests.test_upsert import upsert


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, Any]]:
    """The (base, head) ids of each comparison computed (not read from memory), in order."""
    calls: list[tuple[Any, Any]] = []
    real = comparisons._compute

    def counted(conn: sa.Connection, base: sa.Row[Any], head: sa.Row[Any], *args: Any) -> Any:
        calls.append((base.id, head.id))
        return real(conn, base, head, *args)

    monkeypatch.setattr(comparisons, "_compute", counted)
    comparisons._kept.clear()
    experiments._kept_summaries.clear()
    return calls


def read(client: TestClient, base: str, head: str, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/experiments/compare", params={"base": base, "head": head, **params})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def fresh(client: TestClient, base: str, head: str, **params: Any) -> dict[str, Any]:
    """The answer computed anew (nothing kept)."""
    comparisons._kept.clear()
    return read(client, base, head, **params)


def test_pages_filters_and_orders_read_from_memory(client: TestClient, computed: list[Any]) -> None:
    s = scene(client)
    whole = read(client, s["base"], s["head"])
    assert len(computed) == 1
    pages = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1, "order": "regressions_first"} | (
            {"cursor": cursor} if cursor else {}
        )
        page = read(client, s["base"], s["head"], **params)
        pages.extend(page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    only = read(client, s["base"], s["head"], only=["regressions", "only_head"])
    assert len(computed) == 1
    assert {k: v for k, v in only.items() if k != "data"} == {k: v for k, v in whole.items() if k != "data"}
    # Other thresholds or scope: another comparison.
    read(client, s["base"], s["head"], include_changed="true")
    read(client, s["base"], s["head"], threshold="0.5")
    assert len(computed) == 3
    # Each answer equals the one computed anew.
    assert fresh(client, s["base"], s["head"]) == whole
    assert fresh(client, s["base"], s["head"], only=["regressions", "only_head"]) == only
    assert [item["source_id"] for item in pages] == [
        item["source_id"] for item in fresh(client, s["base"], s["head"], order="regressions_first")["data"]
    ]


def test_new_runs_and_replaced_evaluations_are_seen(client: TestClient, computed: list[Any]) -> None:
    s = scene(client)
    before = read(client, s["base"], s["head"])
    # A new experiment on the head's version, compared and then written to.
    rerun = create(client, s["dataset_id"], name="rerun", repetitions=2, task_version="t2")
    at_v2 = examples_at(client, s["dataset_id"])
    empty = read(client, s["head"], rerun["id"])
    assert empty["head"]["runs"] == 0
    posted = post_runs(
        client,
        rerun["id"],
        [{"example_id": at_v2["a"]["id"], "output": "A", "evaluations": [{"name": "correct", "score": 0}]}],
    )
    assert posted.status_code == 201, posted.text
    after_run = read(client, s["head"], rerun["id"])
    assert after_run["head"]["runs"] == 1
    assert after_run == fresh(client, s["head"], rerun["id"])

    # An evaluation replaced in place keeps its id (and the counts): the score must still move.
    run = stored_runs(client, rerun["id"])[0]
    replaced = client.post(
        f"/v1/experiments/{rerun['id']}/evaluations",
        json={"evaluations": [{"run_id": run["id"], "name": "correct", "score": 1}]},
    )
    assert replaced.status_code == 200, replaced.text
    after_evaluation = read(client, s["head"], rerun["id"])
    correct = {e["name"]: e for e in after_evaluation["evaluators"]}["correct"]
    assert correct["all"]["head"]["mean"] == 1.0
    assert after_evaluation == fresh(client, s["head"], rerun["id"])
    # The first comparison, untouched by these writes, was kept all along.
    assert read(client, s["base"], s["head"]) == before


def test_reuse_and_the_deletion_of_its_base_are_seen(client: TestClient, computed: list[Any]) -> None:
    s = scene(client)
    rerun = create(client, s["dataset_id"], name="rerun", repetitions=2, task_version="t2")
    assert read(client, s["head"], rerun["id"])["head"]["runs"] == 0
    reused = client.post(f"/v1/experiments/{rerun['id']}/reuse", json={"base": s["head"]})
    assert reused.status_code == 200, reused.text
    assert reused.json()["reused_runs"] > 0
    other = create(client, s["dataset_id"], name="other", repetitions=1, task_version="t3")
    with_copies = read(client, other["id"], rerun["id"])
    assert with_copies["head"]["reused_runs"] == reused.json()["reused_runs"]
    assert with_copies == fresh(client, other["id"], rerun["id"])
    summary = client.get(f"/v1/experiments/{rerun['id']}").json()["summary"]
    assert summary["reused_runs"] == reused.json()["reused_runs"]

    # Deleting the experiment the copies came from clears their links: rerun changed with it.
    assert client.delete(f"/v1/experiments/{s['head']}").status_code == 204
    without_links = read(client, other["id"], rerun["id"])
    assert without_links["head"]["reused_runs"] == 0
    assert without_links["head"]["runs"] == with_copies["head"]["runs"]
    assert without_links == fresh(client, other["id"], rerun["id"])
    assert client.get(f"/v1/experiments/{rerun['id']}").json()["summary"]["reused_runs"] == 0


def test_the_summary_follows_new_runs(client: TestClient, computed: list[Any]) -> None:
    s = scene(client)
    rerun = create(client, s["dataset_id"], name="rerun", repetitions=1, task_version="t2")
    first = client.get(f"/v1/experiments/{rerun['id']}").json()["summary"]
    assert first["runs"] == 0
    at_v2 = examples_at(client, s["dataset_id"])
    posted = post_runs(
        client, rerun["id"], [{"example_id": at_v2["a"]["id"], "output": "A", "latency_ms": 7.0}]
    )
    assert posted.status_code == 201, posted.text
    second = client.get(f"/v1/experiments/{rerun['id']}").json()["summary"]
    assert (second["runs"], second["latency_ms"]["p50"]) == (1, 7.0)
    # A summary handed out is a copy: changing it changes no later answer.
    listed = client.get(f"/v1/datasets/{s['dataset_id']}/experiments", params={"summary": "true"}).json()
    assert [e["summary"] for e in listed["data"] if e["id"] == rerun["id"]] == [second]


def test_kept_is_bounded_by_count_and_weight() -> None:
    engine = sa.create_engine("sqlite://")
    kept: cache.Kept[str] = cache.Kept(size=3, weight=10)
    for key in "abc":
        kept.put(engine, key, key.upper(), 2)
    assert kept.get(engine, "a") == "A"  # now the most recent
    kept.put(engine, "d", "D", 2)
    assert [kept.get(engine, key) for key in "abcd"] == ["A", None, "C", "D"]
    # Over the weight: the least recent go first, the newest stays whatever its weight.
    kept.put(engine, "e", "E", 7)
    assert [kept.get(engine, key) for key in "acde"] == [None, None, "D", "E"]
    kept.put(engine, "f", "F", 50)
    assert [kept.get(engine, key) for key in "def"] == [None, None, "F"]
    # Each database has its own.
    assert kept.get(sa.create_engine("sqlite://"), "f") is None


def test_one_repetition_reads_runs_and_evaluations_ungrouped_with_the_same_answer(
    client: TestClient, computed: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An experiment of one repetition has one run per example and one evaluation per (example,
    name): the comparison reads them without grouping (RUN_ROWS, EVALUATION_ROWS), and answers
    as the grouped reads do."""
    v1 = upsert(client, [example(f"s{i}", {"q": i}) for i in range(5)])
    at = examples_at(client, v1["dataset_id"])
    sides = []
    for name, shift in (("base", 0.0), ("head", 0.25)):
        experiment = create(client, v1["dataset_id"], name=name)
        runs: list[dict[str, Any]] = [
            {
                "example_id": at["s0"]["id"],
                "output": "x",
                "evaluations": [{"name": "ok", "score": 1 - shift * 4}],
            },
            {
                "example_id": at["s1"]["id"],
                "output": name,
                "evaluations": [{"name": "ok", "score": 0}, {"name": "quality", "score": 0.5 + shift}],
            },
            {
                "example_id": at["s2"]["id"],
                "output": "x",
                "evaluations": [{"name": "quality", "score": 1e308}],
            },
            {
                "example_id": at["s3"]["id"],
                "output": None,
                "evaluations": [{"name": "ok", "error": "judge failed"}],
            },
            {"example_id": at["s4"]["id"], "error": "boom"}
            if shift
            else {"example_id": at["s4"]["id"], "output": 1},
        ]
        runs[2]["evaluations"].append({"name": "tone", "label": "polite"})
        posted = post_runs(client, experiment["id"], runs)
        assert posted.status_code == 201, posted.text
        sides.append(experiment["id"])
    ungrouped = read(client, *sides)
    monkeypatch.setattr(comparisons, "EVALUATION_ROWS", comparisons.EVALUATION_TALLIES)
    monkeypatch.setattr(comparisons, "RUN_ROWS", comparisons.RUN_TALLIES)
    grouped = fresh(client, *sides)
    assert ungrouped == grouped
    counts = grouped["counts"]
    assert (counts["output_changed"], counts["new_run_errors"], counts["missing_runs"]) == (1, 1, 1)
    means = {
        e["name"]: (e["kind"], e["all"]["base"]["mean"], e["all"]["head"]["mean"])
        for e in grouped["evaluators"]
    }
    assert means == {
        "ok": ("boolean", 0.5, 0.0),
        "quality": ("numeric", 0.5e308, 0.5e308 + 0.375),
        "tone": ("label", None, None),
    }
