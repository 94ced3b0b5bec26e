"""POST /v1/experiments/{id}/reuse on both databases: which runs and evaluations an incremental
rerun takes over from a base experiment, and what stays to run.

The scene (base: two repetitions on v1; head: three repetitions on v2, the same task_version):

    example  v1 -> v2     base runs                               reused into the head
    a        unchanged    rep 1, 2 ok                             rep 1, 2 (rep 3 to run)
    b        unchanged    rep 1 ok, rep 2 errored                 rep 1 (rep 2, 3 to run)
    c        edited       rep 1, 2 ok                             none
    d        removed      rep 1, 2 ok                             none
    e        added                                                none

Each base run holds evaluations `correct` (version c1), `quality` (version q1) and `style`
(no version); b's rep 1 `correct` errored.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.db.engine import make_engine, run_migrations, write_transaction
from groundset_server.services.experiments import experiment_row
from tests.conftest import example
from tests.test_experiments import create, examples_at, post_runs, problem, stored_runs
from tests.test_upsert import upsert

V1 = {"a": {"q": 1}, "b": {"q": 2}, "c": {"q": 3}, "d": {"q": 4}}
V2 = {"a": {"q": 1}, "b": {"q": 2}, "c": {"q": 30}, "e": {"q": 5}}
EVALUATORS = [
    {"name": "correct", "evaluator_version": "c1"},
    {"name": "quality", "evaluator_version": "q2"},
    {"name": "style", "evaluator_version": None},
]


def _evaluations(source_id: str, repetition: int) -> list[dict[str, Any]]:
    correct: dict[str, Any] = {"name": "correct", "score": 1.0, "evaluator_version": "c1"}
    if (source_id, repetition) == ("b", 1):
        correct = {"name": "correct", "error": "judge failed", "evaluator_version": "c1"}
    return [
        correct,
        {"name": "quality", "score": 0.5, "evaluator_version": "q1", "label": "fine", "metadata": {"k": 1}},
        {"name": "style", "score": 0.25},
    ]


def scene(client: TestClient) -> dict[str, Any]:
    v1 = upsert(client, [example(s, q) for s, q in V1.items()])
    dataset_id = v1["dataset_id"]
    at_v1 = examples_at(client, dataset_id)
    base = create(client, dataset_id, name="nightly", repetitions=2, task_version="t1")
    base_runs = []
    for source_id in "abcd":
        for repetition in (1, 2):
            run: dict[str, Any] = {"example_id": at_v1[source_id]["id"], "repetition_number": repetition}
            if (source_id, repetition) == ("b", 2):
                run["error"] = "timeout"
            else:
                run.update(
                    output={"answer": f"{source_id}{repetition}"},
                    start_time="2026-01-01T00:00:00Z",
                    end_time="2026-01-01T00:00:01Z",
                    latency_ms=250.0,
                    tokens_in=10,
                    tokens_out=4,
                    cost=0.5,
                    currency="USD",
                    evaluations=_evaluations(source_id, repetition),
                )
            base_runs.append(run)
    answer = post_runs(client, base["id"], base_runs)
    assert answer.status_code == 201, answer.text
    v2 = upsert(client, [example(s, q) for s, q in V2.items()], mode="mirror")
    head = create(client, dataset_id, name="nightly", repetitions=3, task_version="t1")
    return {
        "dataset_id": dataset_id,
        "v1": v1["version_id"],
        "v2": v2["version_id"],
        "base": base["id"],
        "head": head["id"],
        "base_runs": {(r["source_id"], r["repetition_number"]): r for r in stored_runs(client, base["id"])},
    }


def reuse(client: TestClient, head: str, base: str, evaluators: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"base": base}
    if evaluators is not None:
        body["evaluators"] = evaluators
    response = client.post(f"/v1/experiments/{head}/reuse", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    # Every call's answer holds the first page GET /incomplete answers right after it.
    assert result.pop("incomplete") == client.get(f"/v1/experiments/{head}/incomplete").json()
    return result


def incomplete(client: TestClient, experiment_id: str) -> dict[str, list[int]]:
    page = client.get(f"/v1/experiments/{experiment_id}/incomplete").json()
    assert page["next_cursor"] is None
    return {item["example"]["source_id"]: item["repetition_numbers"] for item in page["data"]}


def summary(client: TestClient, experiment_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = client.get(f"/v1/experiments/{experiment_id}").json()["summary"]
    return answer


def test_same_task_version_reuses_unchanged_successful_runs(client: TestClient) -> None:
    s = scene(client)
    result = reuse(client, s["head"], s["base"], EVALUATORS)
    assert result == {
        "experiment_id": s["head"],
        "base_experiment_id": s["base"],
        "task_version_matches": True,
        "reused_runs": 3,
        # correct on a1, a2 (b1's errored); quality's version differs, style has none.
        "reused_evaluations": 2,
        "evaluators_to_rerun": ["correct", "quality", "style"],
    }
    head_runs = stored_runs(client, s["head"])
    assert sorted((r["source_id"], r["repetition_number"]) for r in head_runs) == [
        ("a", 1),
        ("a", 2),
        ("b", 1),
    ]
    for run in head_runs:
        origin = s["base_runs"][(run["source_id"], run["repetition_number"])]
        assert run["reused_from_run_id"] == origin["id"] and run["id"] != origin["id"]
        assert run["experiment_id"] == s["head"]
        same = ("example_id", "content_hash", "output", "error", "start_time", "end_time", "latency_ms")
        for key in (*same, "tokens_in", "tokens_out", "cost", "currency"):
            assert run[key] == origin[key], key
        copied = {e["name"]: e for e in run["evaluations"]}
        if run["source_id"] == "a":
            assert list(copied) == ["correct"]
            original = next(e for e in origin["evaluations"] if e["name"] == "correct")
            assert copied["correct"]["run_id"] == run["id"]
            for key in ("score", "label", "metadata", "error", "start_time", "evaluator_version"):
                assert copied["correct"][key] == original[key], key
        else:
            assert copied == {}
    # Removed (d) is gone; edited (c), added (e), base's failed (b 2) and extra repetitions run.
    assert incomplete(client, s["head"]) == {"a": [3], "b": [2, 3], "c": [1, 2, 3], "e": [1, 2, 3]}
    head_summary = summary(client, s["head"])
    assert (head_summary["runs"], head_summary["reused_runs"], head_summary["incomplete_runs"]) == (3, 3, 9)
    assert head_summary["usage"]["tokens_in"] == 30
    assert summary(client, s["base"])["reused_runs"] == 0

    compared = client.get("/v1/experiments/compare", params={"base": s["base"], "head": s["head"]}).json()
    assert (compared["base"]["reused_runs"], compared["head"]["reused_runs"]) == (0, 3)


def test_the_answer_holds_the_first_page_of_what_is_left(client: TestClient) -> None:
    s = scene(client)
    answer = client.post(f"/v1/experiments/{s['head']}/reuse", json={"base": s["base"]}).json()
    left = {item["example"]["source_id"]: item["repetition_numbers"] for item in answer["incomplete"]["data"]}
    assert left == {"a": [3], "b": [2, 3], "c": [1, 2, 3], "e": [1, 2, 3]}
    assert (answer["incomplete"]["experiment_id"], answer["incomplete"]["next_cursor"]) == (s["head"], None)
    assert answer["incomplete"]["version_id"] == s["v2"]
    # Nothing copied (another task_version): the page lists every pair.
    other = create(client, s["dataset_id"], repetitions=1, task_version="t2")
    page = client.post(f"/v1/experiments/{other['id']}/reuse", json={"base": s["base"]}).json()["incomplete"]
    assert {item["example"]["source_id"]: item["repetition_numbers"] for item in page["data"]} == {
        source_id: [1] for source_id in "abce"
    }


def test_more_than_a_page_left_goes_on_with_the_cursor(client: TestClient) -> None:
    count = 1005
    v1 = upsert(client, [example(f"s{i:04d}", {"i": i}) for i in range(count)])
    listed = client.get(f"/v1/datasets/{v1['dataset_id']}/examples", params={"limit": count}).json()["data"]
    at_v1 = {item["source_id"]: item for item in listed}
    base = create(client, v1["dataset_id"], task_version="t1")
    done = ["s0000", "s0500", "s1004"]
    stored = post_runs(client, base["id"], [{"example_id": at_v1[s]["id"], "output": s} for s in done])
    assert stored.status_code == 201, stored.text
    head = create(client, v1["dataset_id"], task_version="t1")
    answer = client.post(f"/v1/experiments/{head['id']}/reuse", json={"base": base["id"]}).json()
    first = answer["incomplete"]
    assert answer["reused_runs"] == 3 and len(first["data"]) == 1000 and first["next_cursor"] is not None
    url = f"/v1/experiments/{head['id']}/incomplete"
    assert first == client.get(url).json()
    rest = client.get(url, params={"cursor": first["next_cursor"]}).json()
    assert rest["next_cursor"] is None
    left = [item["example"]["source_id"] for item in first["data"] + rest["data"]]
    assert left == [f"s{i:04d}" for i in range(count) if f"s{i:04d}" not in done]


def test_a_second_call_copies_nothing_new(client: TestClient) -> None:
    s = scene(client)
    first = reuse(client, s["head"], s["base"], EVALUATORS)
    again = reuse(client, s["head"], s["base"], EVALUATORS)
    assert (again["reused_runs"], again["reused_evaluations"]) == (0, 0)
    assert again["evaluators_to_rerun"] == first["evaluators_to_rerun"]
    assert len(stored_runs(client, s["head"])) == 3

    # Once the head has evaluated its reused runs, nothing is left to rerun.
    evaluations = [
        {"run_id": run["id"], "name": name, "score": 1.0, "evaluator_version": version}
        for run in stored_runs(client, s["head"])
        for name, version in (("correct", "c1"), ("quality", "q2"), ("style", None))
        if not any(e["name"] == name for e in run["evaluations"]) or run["source_id"] == "b"
    ]
    stored = client.post(f"/v1/experiments/{s['head']}/evaluations", json={"evaluations": evaluations})
    assert stored.status_code == 200, stored.text
    assert reuse(client, s["head"], s["base"], EVALUATORS)["evaluators_to_rerun"] == []
    # A version the head's evaluations do not have is still to run.
    newer = [{"name": "quality", "evaluator_version": "q3"}]
    assert reuse(client, s["head"], s["base"], newer)["evaluators_to_rerun"] == ["quality"]


def test_matching_evaluator_versions_are_copied(client: TestClient) -> None:
    s = scene(client)
    same = [{"name": "quality", "evaluator_version": "q1"}, {"name": "correct", "evaluator_version": "c1"}]
    result = reuse(client, s["head"], s["base"], same)
    # quality on a1, a2, b1; correct on a1, a2 (b1's errored, so correct runs again there).
    assert (result["reused_evaluations"], result["evaluators_to_rerun"]) == (5, ["correct"])
    by_pair = {(r["source_id"], r["repetition_number"]): r for r in stored_runs(client, s["head"])}
    quality = next(e for e in by_pair[("b", 1)]["evaluations"] if e["name"] == "quality")
    assert (quality["score"], quality["label"], quality["metadata"]) == (0.5, "fine", {"k": 1})
    assert [e["name"] for e in by_pair[("b", 1)]["evaluations"]] == ["quality"]
    # Evaluators not named are not copied; none named: runs only.
    other = create(client, s["dataset_id"], repetitions=3, task_version="t1")
    bare = reuse(client, other["id"], s["base"])
    assert (bare["reused_runs"], bare["reused_evaluations"], bare["evaluators_to_rerun"]) == (3, 0, [])
    assert all(run["evaluations"] == [] for run in stored_runs(client, other["id"]))
    # Evaluations come with the runs a call copies: a later call names the evaluators to run.
    later = reuse(client, other["id"], s["base"], same)
    assert (later["reused_evaluations"], later["evaluators_to_rerun"]) == (0, ["correct", "quality"])


def test_another_task_version_copies_nothing(client: TestClient) -> None:
    s = scene(client)
    other = create(client, s["dataset_id"], repetitions=2, task_version="t2")
    result = reuse(client, other["id"], s["base"], EVALUATORS)
    assert result["task_version_matches"] is False
    assert (result["reused_runs"], result["reused_evaluations"], result["evaluators_to_rerun"]) == (0, 0, [])
    assert stored_runs(client, other["id"]) == []
    # A base without a task_version never matches.
    unversioned = create(client, s["dataset_id"])
    assert reuse(client, s["head"], unversioned["id"])["task_version_matches"] is False
    assert stored_runs(client, s["head"]) == []


def test_refusals(client: TestClient) -> None:
    s = scene(client)
    url = f"/v1/experiments/{s['head']}/reuse"
    unversioned = create(client, s["dataset_id"])
    refused = problem(
        client.post(f"/v1/experiments/{unversioned['id']}/reuse", json={"base": s["base"]}),
        422,
        "task_version_required",
    )
    assert refused["experiment_id"] == unversioned["id"]
    other = upsert(client, [example("x", {"q": 1})], dataset={"name": "other"})
    foreign = create(client, other["dataset_id"], task_version="t1")
    apart = problem(client.post(url, json={"base": foreign["id"]}), 422, "experiments_on_different_datasets")
    assert (apart["base_dataset_id"], apart["head_dataset_id"]) == (other["dataset_id"], s["dataset_id"])
    missing = problem(client.post(url, json={"base": "999999"}), 404, "experiment_not_found")
    assert missing["experiment_id"] == "999999"
    problem(
        client.post("/v1/experiments/999999/reuse", json={"base": s["base"]}), 404, "experiment_not_found"
    )
    problem(client.post(url, json={"base": "x"}), 422, "invalid_id")
    itself = problem(client.post(url, json={"base": s["head"]}), 422, "reuse_from_itself")
    assert (itself["experiment_id"], itself["parameter"]) == (s["head"], "base")
    problem(client.post(url, json={"base": s["base"], "evaluatros": []}), 422, "unknown_field")
    problem(client.post(url, json={}), 422, "invalid_request")
    twice = {"base": s["base"], "evaluators": [{"name": "q"}, {"name": "q", "evaluator_version": "2"}]}
    duplicated = problem(client.post(url, json=twice), 422, "invalid_request")
    assert duplicated["errors"][0]["code"] == "duplicate_evaluator"
    assert duplicated["errors"][0]["path"] == "$.evaluators"
    blank = {"base": s["base"], "evaluators": [{"name": "q", "evaluator_version": ""}]}
    problem(client.post(url, json=blank), 422, "invalid_request")
    # Nothing was written by any refusal.
    assert stored_runs(client, s["head"]) == []


def test_errored_head_runs_are_replaced_successful_ones_kept(client: TestClient) -> None:
    s = scene(client)
    at_v2 = examples_at(client, s["dataset_id"])
    own = [
        {"example_id": at_v2["a"]["id"], "repetition_number": 1, "error": "boom"},
        {"example_id": at_v2["a"]["id"], "repetition_number": 2, "output": "mine"},
    ]
    assert post_runs(client, s["head"], own).status_code == 201
    assert reuse(client, s["head"], s["base"])["reused_runs"] == 2
    by_pair = {(r["source_id"], r["repetition_number"]): r for r in stored_runs(client, s["head"])}
    assert set(by_pair) == {("a", 1), ("a", 2), ("b", 1)}
    assert by_pair[("a", 1)]["error"] is None and by_pair[("a", 1)]["reused_from_run_id"] is not None
    assert by_pair[("a", 2)]["output"] == "mine" and by_pair[("a", 2)]["reused_from_run_id"] is None


def test_versions_other_than_the_latest(client: TestClient) -> None:
    """A head pinned to an older version compares the content at that version."""
    s = scene(client)
    on_v1 = create(client, s["dataset_id"], version_id=s["v1"], repetitions=2, task_version="t1")
    # Same version as the base: every successful run is reused, the removed d and edited c too.
    assert reuse(client, on_v1["id"], s["base"])["reused_runs"] == 7
    assert incomplete(client, on_v1["id"]) == {"b": [2]}
    # v3 edits a: a head pinned to v2 still reuses a (unchanged between v1 and v2).
    upsert(client, [example("a", {"q": 100})])
    on_v2 = create(client, s["dataset_id"], version_id=s["v2"], repetitions=3, task_version="t1")
    assert reuse(client, on_v2["id"], s["base"])["reused_runs"] == 3
    latest = create(client, s["dataset_id"], repetitions=3, task_version="t1")
    assert reuse(client, latest["id"], s["base"])["reused_runs"] == 1
    assert incomplete(client, latest["id"])["a"] == [1, 2, 3]


def test_fewer_head_repetitions_pair_by_number(client: TestClient) -> None:
    s = scene(client)
    single = create(client, s["dataset_id"], repetitions=1, task_version="t1")
    quality = [{"name": "quality", "evaluator_version": "q1"}]
    result = reuse(client, single["id"], s["base"], quality)
    assert (result["reused_runs"], result["reused_evaluations"], result["evaluators_to_rerun"]) == (2, 2, [])
    assert reuse(client, single["id"], s["base"], quality)["evaluators_to_rerun"] == []
    runs = stored_runs(client, single["id"])
    assert sorted((r["source_id"], r["repetition_number"]) for r in runs) == [("a", 1), ("b", 1)]


def test_deleting_the_base_keeps_the_reused_runs(client: TestClient) -> None:
    s = scene(client)
    reuse(client, s["head"], s["base"], EVALUATORS)
    assert client.delete(f"/v1/experiments/{s['base']}").status_code == 204
    runs = stored_runs(client, s["head"])
    assert len(runs) == 3 and all(run["reused_from_run_id"] is None for run in runs)
    assert [e["name"] for e in runs[0]["evaluations"]] == ["correct"]
    head_summary = summary(client, s["head"])
    assert (head_summary["successful_runs"], head_summary["reused_runs"]) == (3, 0)


def test_list_filters_name_before_and_summary(client: TestClient) -> None:
    s = scene(client)
    reuse(client, s["head"], s["base"])
    other = create(client, s["dataset_id"], name="weekly")
    url = f"/v1/datasets/{s['dataset_id']}/experiments"

    def ids(**params: Any) -> list[str]:
        response = client.get(url, params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["data"]]

    assert ids() == [other["id"], s["head"], s["base"]]
    assert ids(name="nightly") == [s["head"], s["base"]]
    assert ids(name="nightly", before=s["head"], limit=1) == [s["base"]]
    assert ids(name="nightly", before=s["base"]) == []
    assert ids(before=other["id"], version_id=s["v2"]) == [s["head"]]
    assert ids(name="night") == []
    problem(client.get(url, params={"before": "999999"}), 404, "experiment_not_found")
    problem(client.get(url, params={"before": "x"}), 422, "invalid_id")
    problem(client.get(url, params={"name": "a\x00"}), 422, "invalid_text")

    plain = client.get(url).json()["data"]
    assert all("summary" not in item for item in plain)
    listed = client.get(url, params={"summary": "true", "name": "nightly"}).json()["data"]
    assert [item["summary"] for item in listed] == [summary(client, s["head"]), summary(client, s["base"])]
    assert listed[0]["summary"]["reused_runs"] == 3


def test_a_summary_page_holds_at_most_100(client: TestClient) -> None:
    v1 = upsert(client, [example("a", {"q": 1})])
    url = f"/v1/datasets/{v1['dataset_id']}/experiments"
    created = [create(client, v1["dataset_id"])["id"] for _ in range(101)]
    first = client.get(url, params={"summary": "true", "limit": 1000}).json()
    assert len(first["data"]) == 100 and first["next_cursor"] == created[1]
    rest = client.get(url, params={"summary": "true", "cursor": first["next_cursor"]}).json()
    assert [item["id"] for item in rest["data"]] == [created[0]] and rest["next_cursor"] is None
    assert len(client.get(url, params={"limit": 1000}).json()["data"]) == 101


def test_an_unchecked_transaction_turns_foreign_keys_on_again(sqlite_url: str) -> None:
    """The copy runs without SQLite's foreign key checks; the pooled connection gets them back,
    also when the transaction fails, and the next transaction checks them."""
    engine = make_engine(sqlite_url)
    run_migrations(engine)
    try:
        with write_transaction(engine, check_references=False) as conn:
            driver = conn.connection.driver_connection
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 0
            # No check: a run of an experiment that does not exist goes in (and is rolled back).
            conn.exec_driver_sql(
                "INSERT INTO experiment_runs (experiment_id, example_id, content_hash, repetition_number, "
                "start_time, end_time) VALUES (999, 999, 'h', 1, 't', 't')"
            )
            conn.rollback()
        assert driver.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(RuntimeError), write_transaction(engine, check_references=False):
            raise RuntimeError("fails")
        assert driver.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with pytest.raises(sa.exc.IntegrityError), write_transaction(engine) as conn:
            conn.exec_driver_sql(
                "INSERT INTO experiment_runs (experiment_id, example_id, content_hash, repetition_number, "
                "start_time, end_time) VALUES (999, 999, 'h', 1, 't', 't')"
            )
    finally:
        engine.dispose()


def test_a_base_deleted_during_a_copy_waits_and_clears_the_new_links(client: TestClient) -> None:
    """No foreign key guards the link on PostgreSQL (migration 0010): the copy holds its base
    with the lock a foreign key check takes, so a deletion of the base waits for the copies to
    be committed and then clears their links, never leaving one to a run that is gone."""
    s = scene(client)
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    origin = s["base_runs"][("a", 1)]
    deleted: list[int] = []
    with engine.connect() as conn, conn.begin():
        # What the reuse's transaction does first, then one copy as its INSERT ... SELECT makes.
        experiment_row(conn, s["base"], keep=True)
        conn.execute(
            sa.text(
                "INSERT INTO experiment_runs (experiment_id, example_id, content_hash, repetition_number, "
                "start_time, end_time, reused_from_run_id) SELECT :head, example_id, content_hash, "
                "repetition_number, start_time, end_time, id FROM experiment_runs WHERE id = :origin"
            ),
            {"head": int(s["head"]), "origin": int(origin["id"])},
        )
        if conn.dialect.name == "postgresql":
            deleter = threading.Thread(
                target=lambda: deleted.append(client.delete(f"/v1/experiments/{s['base']}").status_code)
            )
            deleter.start()
            deleter.join(0.5)
            assert deleter.is_alive() and not deleted
    if conn.dialect.name == "postgresql":
        deleter.join(30)
        assert deleted == [204]
    else:
        # SQLite's writers exclude each other: the deletion comes after the commit anyway.
        assert client.delete(f"/v1/experiments/{s['base']}").status_code == 204
    (copy,) = stored_runs(client, s["head"])
    assert copy["source_id"] == "a" and copy["reused_from_run_id"] is None
