"""An experiment's costs kept in table ``experiment_costs`` (migration 0015), on both databases:
a summary or comparison read stores them at the experiment's ``results_revision``, the next read
(a fresh server process: nothing kept in memory) answers the same bytes from the row, a row at
the current revision is what is answered, and a row at any other revision never is: runs posted,
an evaluation replaced and a reuse each make the next read compute them again."""

from __future__ import annotations

import threading
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from groundset_server.db.tables import experiment_costs, experiments
from groundset_server.services import comparisons, costs
from groundset_server.services import experiments as experiment_service
from tests.conftest import example
from tests.pg import Cluster
from tests.test_compare import scene
from tests.test_experiments import create, examples_at, post_runs
from tests.test_upsert import upsert

SOURCES = [f"s{n}" for n in range(6)]
RUN_FIELDS = ("runs", "errored_runs", "reused_runs", "latency_ms", "usage")
"""What the row holds of a comparison's side; with the summary's ``evaluations``, of a summary."""


def kept(summary: dict[str, Any]) -> dict[str, Any]:
    """What the row holds of an experiment's ``summary``."""
    return {key: summary[key] for key in (*RUN_FIELDS, "evaluations")}


@pytest.fixture(autouse=True)
def no_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads alone store the rows here (but in the refresher's test): a refresh after the
    writes would store them at a time the test does not choose."""
    monkeypatch.setattr(costs, "REFRESH_AFTER_SECONDS", None)


def forget() -> None:
    """What a fresh server process knows: nothing kept in memory."""
    comparisons._kept.clear()
    experiment_service._kept_summaries.clear()


def engine_of(client: TestClient) -> sa.Engine:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    return engine


def stored(client: TestClient, experiment_id: str) -> tuple[int, dict[str, Any]] | None:
    """The experiment's row of ``experiment_costs``: its revision and its costs, decoded."""
    with engine_of(client).connect() as conn:
        row = conn.execute(
            sa.select(experiment_costs.c.results_revision, experiment_costs.c.costs).where(
                experiment_costs.c.experiment_id == int(experiment_id)
            )
        ).first()
    return None if row is None else (row.results_revision, orjson.loads(row.costs))


def revision(client: TestClient, experiment_id: str) -> int:
    with engine_of(client).connect() as conn:
        found: int = conn.execute(
            sa.select(experiments.c.results_revision).where(experiments.c.id == int(experiment_id))
        ).scalar_one()
    return found


def put(client: TestClient, experiment_id: str, at: int, value: dict[str, Any]) -> None:
    """Write the experiment's row by hand (what some earlier read would have stored)."""
    with engine_of(client).begin() as conn:
        conn.execute(
            sa.delete(experiment_costs).where(experiment_costs.c.experiment_id == int(experiment_id))
        )
        conn.execute(
            sa.insert(experiment_costs).values(
                experiment_id=int(experiment_id), results_revision=at, costs=orjson.dumps(value).decode()
            )
        )


def get(client: TestClient, path: str, **params: Any) -> bytes:
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.content


def summary(client: TestClient, experiment_id: str) -> bytes:
    return get(client, f"/v1/experiments/{experiment_id}")


def compare(client: TestClient, base: str, head: str) -> bytes:
    return get(client, "/v1/experiments/compare", base=base, head=head, limit=100)


def two_experiments(client: TestClient) -> tuple[str, str, dict[str, Any]]:
    """Two experiments of one repetition with a run of every example (a comparison the database
    computes): the base's runs name no currency, one and two (the grouped read of the sums), with
    latencies whose percentiles are whole numbers and fractions; the head's one currency."""
    v1 = upsert(client, [example(s, {"q": s}) for s in SOURCES])
    dataset_id = v1["dataset_id"]
    found = examples_at(client, dataset_id)
    base = create(client, dataset_id, name="base")
    head = create(client, dataset_id, name="head")
    base_runs = [
        {
            "example_id": found[s]["id"],
            "output": s,
            "latency_ms": [1.0, 3.0, 2.5, 7.0, 0.1, 1e-7][n],
            "tokens_in": 10 * n,
            "tokens_out": None if n == 2 else n,
            "cost": [0.1, 0.2, None, 0.3, 1e-3, 5.0][n],
            "currency": [None, "USD", None, "EUR", "USD", None][n],
            "evaluations": [{"name": "exact", "score": n % 2}],
        }
        for n, s in enumerate(SOURCES)
    ]
    head_runs = [
        {
            "example_id": found[s]["id"],
            "output": s if n else "changed",
            "latency_ms": 2.0 * n,
            "cost": 0.1,
            "currency": "USD",
            "error": "timeout" if n == 5 else None,
            "evaluations": [] if n == 5 else [{"name": "exact", "score": 1}],
        }
        for n, s in enumerate(SOURCES)
    ]
    for experiment, runs in ((base, base_runs), (head, head_runs)):
        response = post_runs(client, experiment["id"], runs)
        assert response.status_code == 201, response.text
    return base["id"], head["id"], found


def test_a_read_stores_the_costs_and_the_next_answers_the_same_bytes_from_them(client: TestClient) -> None:
    base, head, _ = two_experiments(client)
    forget()
    assert stored(client, base) is None and stored(client, head) is None
    computed = compare(client, base, head)
    for experiment_id in (base, head):
        row = stored(client, experiment_id)
        assert row is not None and row[0] == revision(client, experiment_id)
        side = orjson.loads(computed)["base" if experiment_id == base else "head"]
        assert {key: row[1][key] for key in RUN_FIELDS} == {key: side[key] for key in RUN_FIELDS}
        assert row[1] == kept(orjson.loads(summary(client, experiment_id))["summary"])
    forget()
    assert compare(client, base, head) == computed
    # The summary: computed with the rows gone, then read from the rows it stored.
    with engine_of(client).begin() as conn:
        conn.execute(sa.delete(experiment_costs))
    forget()
    summaries = [summary(client, base), summary(client, head)]
    assert stored(client, base) is not None and stored(client, head) is not None
    forget()
    assert [summary(client, base), summary(client, head)] == summaries
    listed = get(
        client, f"/v1/datasets/{orjson.loads(summaries[0])['dataset_id']}/experiments", summary="true"
    )
    forget()
    assert (
        get(client, f"/v1/datasets/{orjson.loads(summaries[0])['dataset_id']}/experiments", summary="true")
        == listed
    )


def test_the_full_computation_reads_and_stores_them_too(client: TestClient) -> None:
    s = scene(client)  # repetitions: compared in this process
    forget()
    computed = compare(client, s["base"], s["head"])
    assert stored(client, s["base"]) is not None and stored(client, s["head"]) is not None
    forget()
    assert compare(client, s["base"], s["head"]) == computed


def test_the_current_row_is_answered_and_a_stale_one_never(client: TestClient) -> None:
    base, head, found = two_experiments(client)
    forget()
    truth = orjson.loads(summary(client, base))["summary"]
    at = revision(client, base)
    row = stored(client, base)
    assert row is not None and row[0] == at
    # A row at the current revision is what is answered (here one written by hand, to tell).
    marked = row[1] | {"reused_runs": 12345}
    put(client, base, at, marked)
    forget()
    assert orjson.loads(summary(client, base))["summary"]["reused_runs"] == 12345
    assert orjson.loads(compare(client, base, head))["base"]["reused_runs"] == 12345
    # At any other revision it is not: computed again, and stored at the current one.
    for other in (at - 1, at + 1):
        put(client, base, other, marked)
        forget()
        assert orjson.loads(summary(client, base))["summary"] == truth
        # Stored at the current revision over an earlier one; a later one is left as it is.
        assert stored(client, base) == ((at, row[1]) if other < at else (other, marked))
    put(client, base, at - 1, marked)
    forget()
    assert orjson.loads(compare(client, base, head))["base"]["reused_runs"] == 0
    assert stored(client, base) == (at, row[1])

    # Runs posted: the next read computes them again (a run replacing an errored one).
    put(client, head, revision(client, head), stored(client, head)[1] | {"runs": 999})  # type: ignore[index]
    response = post_runs(
        client,
        head,
        [{"example_id": found["s5"]["id"], "output": "late", "latency_ms": 100.0, "tokens_in": 7}],
    )
    assert response.status_code == 201, response.text
    forget()
    answer = orjson.loads(compare(client, base, head))["head"]
    assert (answer["runs"], answer["errored_runs"], answer["latency_ms"]["count"]) == (6, 0, 6)
    assert answer["usage"]["tokens_in"] == 7
    row = stored(client, head)
    assert row is not None and row[0] == revision(client, head)
    assert {key: row[1][key] for key in RUN_FIELDS} == {key: answer[key] for key in RUN_FIELDS}
    forget()
    assert orjson.loads(compare(client, base, head))["head"] == answer

    # An evaluation replaced counts the revision up: the row is not answered either.
    before = revision(client, head)
    put(client, head, before, stored(client, head)[1] | {"runs": 999})  # type: ignore[index]
    run_id = client.get(f"/v1/experiments/{head}/runs", params={"limit": 1}).json()["data"][0]["id"]
    response = client.post(
        f"/v1/experiments/{head}/evaluations",
        json={"evaluations": [{"run_id": run_id, "name": "exact", "score": 0}]},
    )
    assert response.status_code == 200, response.text
    assert revision(client, head) > before
    forget()
    assert orjson.loads(summary(client, head))["summary"]["runs"] == 6

    # A new evaluator: a comparison whose rows are current takes the evaluators' names from
    # them, and these rows are computed again with it.
    compare(client, base, head)
    response = client.post(
        f"/v1/experiments/{head}/evaluations",
        json={"evaluations": [{"run_id": run_id, "name": "tone", "label": "polite"}]},
    )
    assert response.status_code == 200, response.text
    forget()
    evaluators = [e["name"] for e in orjson.loads(compare(client, base, head))["evaluators"]]
    assert evaluators == ["exact", "tone"]
    forget()
    assert [e["name"] for e in orjson.loads(compare(client, base, head))["evaluators"]] == evaluators


def test_a_reuse_makes_the_head_computed_again(client: TestClient) -> None:
    v1 = upsert(client, [example(s, {"q": s}) for s in SOURCES])
    dataset_id = v1["dataset_id"]
    found = examples_at(client, dataset_id)
    base = create(client, dataset_id, name="run", task_version="t1")
    runs = [{"example_id": found[s]["id"], "output": s, "latency_ms": 5.0, "tokens_in": 3} for s in SOURCES]
    assert post_runs(client, base["id"], runs).status_code == 201
    head = create(client, dataset_id, name="run", task_version="t1")
    forget()
    empty = orjson.loads(summary(client, head["id"]))["summary"]
    assert empty["runs"] == 0 and stored(client, head["id"]) is not None
    response = client.post(f"/v1/experiments/{head['id']}/reuse", json={"base": base["id"]})
    assert response.status_code == 200, response.text
    forget()
    reused = orjson.loads(summary(client, head["id"]))["summary"]
    assert (reused["runs"], reused["reused_runs"], reused["usage"]["tokens_in"]) == (6, 6, 18)
    assert stored(client, head["id"]) == (
        revision(client, head["id"]),
        kept(reused),
    )


def test_costs_that_canonical_json_would_change_are_not_stored(client: TestClient) -> None:
    """-0.0 is written 0 by canonical JSON: an answer holding it is computed at every read."""
    v1 = upsert(client, [example("a", {"q": 1})])
    found = examples_at(client, v1["dataset_id"])
    experiment = create(client, v1["dataset_id"])
    assert (
        post_runs(
            client, experiment["id"], [{"example_id": found["a"]["id"], "latency_ms": -0.0}]
        ).status_code
        == 201
    )
    forget()
    first = summary(client, experiment["id"])
    # SQLite may keep -0.0 as 0 (its REAL affinity stores integral values as integers).
    negative = b"-0.0" in first
    assert (stored(client, experiment["id"]) is None) == negative
    forget()
    assert summary(client, experiment["id"]) == first


def test_a_store_never_replaces_a_later_revision_and_the_row_goes_with_its_experiment(
    client: TestClient,
) -> None:
    base, _, _ = two_experiments(client)
    forget()
    summary(client, base)
    at = revision(client, base)
    row = stored(client, base)
    assert row is not None
    spent = costs.Costs({"count": 0, "p50": None, "p95": None, "mean": None}, 0, 0, 0, [])
    other = costs.Tallies(costs.RunCounts(runs=1, errors=0, reused=0), spent, [])
    assert not costs.store(engine_of(client), int(base), at - 1, other)
    assert stored(client, base) == row
    assert costs.store(engine_of(client), int(base), at + 1, other)
    written = {"runs": 1, "errored_runs": 0, "reused_runs": 0, **spent.summary(), "evaluations": []}
    assert stored(client, base) == (at + 1, written)
    assert client.delete(f"/v1/experiments/{base}").status_code == 204
    assert stored(client, base) is None
    # An experiment gone meanwhile: nothing stored, nothing raised.
    assert not costs.store(engine_of(client), int(base), at + 2, other)


def test_a_pool_without_a_spare_connection_stores_nothing(pg_cluster: Cluster) -> None:
    """PostgreSQL's pool of one connection, the request's: storing would wait for it."""
    app = create_app(Settings(database_url=pg_cluster.new_database(), api_key=None, pool_size=1))
    with TestClient(app) as client:
        base, head, _ = two_experiments(client)
        forget()
        first = compare(client, base, head)
        assert stored(client, base) is None and stored(client, head) is None
        forget()
        assert compare(client, base, head) == first
    app.state.engine.dispose()


def test_writes_are_followed_by_a_refresh_once_none_is_in_progress(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs posted in batches, a reuse: the rows are stored after the last write, as a read
    would store them, so that a first read finds them."""
    monkeypatch.setattr(costs, "REFRESH_AFTER_SECONDS", 0.05)
    v1 = upsert(client, [example(s, {"q": s}) for s in SOURCES])
    dataset_id = v1["dataset_id"]
    found = examples_at(client, dataset_id)
    base = create(client, dataset_id, name="run", task_version="t1")
    for part in (SOURCES[:3], SOURCES[3:]):
        runs = [
            {
                "example_id": found[s]["id"],
                "output": s,
                "latency_ms": 1.5,
                "evaluations": [{"name": "e", "score": 1}],
            }
            for s in part
        ]
        assert post_runs(client, base["id"], runs).status_code == 201
    head = create(client, dataset_id, name="run", task_version="t1")
    response = client.post(f"/v1/experiments/{head['id']}/reuse", json={"base": base["id"]})
    assert response.status_code == 200, response.text
    refresher: costs.Refresher = client.app.state.refresher  # type: ignore[attr-defined]
    assert refresher.settle(60)
    rows = {experiment_id: stored(client, experiment_id) for experiment_id in (base["id"], head["id"])}
    forget()
    for experiment_id, row in rows.items():
        assert row == (
            revision(client, experiment_id),
            kept(orjson.loads(summary(client, experiment_id))["summary"]),
        )
    # Nothing is refreshed while a write to the experiment is in progress in this process.
    engine = engine_of(client)
    with engine.begin() as conn:
        conn.execute(sa.delete(experiment_costs))
    with refresher.writing(int(base["id"])):
        with refresher.writing(int(base["id"])):
            pass
        assert not refresher.settle(0.5)
        assert stored(client, base["id"]) is None
    assert refresher.settle(60)
    assert stored(client, base["id"]) == rows[base["id"]]


def refresh_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "costs-refresh"]


def test_each_app_has_its_own_refresher_while_it_serves(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two apps in one process: each refreshes with its own thread and its own engine, from its
    start to its shutdown, and a write in progress in one holds back no refresh of the other."""
    monkeypatch.setattr(costs, "REFRESH_AFTER_SECONDS", 0.05)
    before = refresh_threads()
    first, second = (create_app(Settings(database_url=database_url, api_key=None)) for _ in "12")
    mine: costs.Refresher = first.state.refresher
    other: costs.Refresher = second.state.refresher
    assert mine is not other
    assert mine.engine is first.state.engine and other.engine is second.state.engine
    assert not mine.running and not other.running
    with TestClient(first) as client, TestClient(second):
        assert mine.running and other.running
        assert len(refresh_threads()) == len(before) + 2
        v1 = upsert(client, [example(s, {"q": s}) for s in SOURCES])
        found = examples_at(client, v1["dataset_id"])
        experiment = create(client, v1["dataset_id"], name="run", task_version="t1")
        with other.writing(int(experiment["id"])):
            runs = [{"example_id": found[s]["id"], "output": s, "latency_ms": 2.0} for s in SOURCES]
            assert post_runs(client, experiment["id"], runs).status_code == 201
            assert mine.settle(60)
            row = stored(client, experiment["id"])
        assert row is not None and row[0] == revision(client, experiment["id"])
    assert not mine.running and not other.running
    assert refresh_threads() == before
    for app in (first, second):
        app.state.engine.dispose()


def test_a_total_cost_is_the_correctly_rounded_sum_in_any_order_of_the_rows(client: TestClient) -> None:
    """1e16 + 1 + 1 added in that order is 1e16 (each 1 is half the spacing of floats there, and
    rounds away); its exact sum, 1e16 + 2, is a float. A database's SUM adds in its own order
    (PostgreSQL's parallel plans: another one each read), so the summary, a stored row and a
    comparison could disagree in their last digits."""
    upserted = upsert(client, [example(s, {"q": s}) for s in SOURCES[:4]])
    found = examples_at(client, upserted["dataset_id"])
    experiment = create(client, upserted["dataset_id"], name="costs")
    costs_in_order = [1e16, 1.0, 1.0]
    response = post_runs(
        client,
        experiment["id"],
        [
            {"example_id": found[s]["id"], "output": s, "cost": cost, "currency": "USD"}
            for s, cost in zip(SOURCES, costs_in_order, strict=False)
        ],
    )
    assert response.status_code == 201, response.text
    forget()
    computed = orjson.loads(summary(client, experiment["id"]))["summary"]["usage"]
    assert computed["costs"] == [{"currency": "USD", "amount": 1e16 + 2, "runs": 3}]
    row = stored(client, experiment["id"])
    assert row is not None and row[1]["usage"] == computed
