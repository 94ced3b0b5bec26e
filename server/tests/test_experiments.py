"""Experiments on both databases: pinning, the run rules, evaluations, incomplete pairs, summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from tests.conftest import example
from tests.test_upsert import table_count, upsert


def create(client: TestClient, dataset_id: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/v1/datasets/{dataset_id}/experiments", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def examples_at(client: TestClient, dataset_id: str, version_id: str | None = None) -> dict[str, Any]:
    params = {"version_id": version_id} if version_id else {}
    page = client.get(f"/v1/datasets/{dataset_id}/examples", params=params).json()
    return {item["source_id"]: item for item in page["data"]}


def post_runs(client: TestClient, experiment_id: str, runs: list[dict[str, Any]]) -> Any:
    return client.post(f"/v1/experiments/{experiment_id}/runs", json={"runs": runs})


def stored_runs(client: TestClient, experiment_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/v1/experiments/{experiment_id}/runs", params=params).json()
        found += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def three_examples(client: TestClient) -> tuple[str, dict[str, Any]]:
    v1 = upsert(client, [example("a", {"q": 1}, {"a": 1}), example("b", {"q": 2}), example("c", {"q": 3})])
    return v1["dataset_id"], examples_at(client, v1["dataset_id"])


def test_pinned_to_the_version_it_was_created_on(client: TestClient) -> None:
    dataset_id, v1_examples = three_examples(client)
    v1_id = v1_examples["a"]["version_id"]
    v2 = upsert(client, [example("a", {"q": 1}, {"a": 1}), example("b", {"q": 20}), example("d", {"q": 4})])
    upsert(client, [example("a", {"q": 1}, {"a": 1}), example("b", {"q": 20})], mode="mirror")
    pinned = create(client, dataset_id, name="on v1", version_id=v1_id, metadata={"model": "m1"})
    latest = create(client, dataset_id)
    assert (pinned["version_id"], pinned["example_count"], pinned["metadata"]) == (v1_id, 3, {"model": "m1"})
    assert latest["version_id"] != v1_id and latest["example_count"] == 2 and latest["name"] is None

    # The v1 content of b, and c (deleted since), belong to the pinned experiment.
    answer = post_runs(
        client,
        pinned["id"],
        [
            {"example_id": v1_examples[s]["id"], "output": s, "content_hash": v1_examples[s]["content_hash"]}
            for s in "abc"
        ],
    )
    assert answer.status_code == 201, answer.text
    assert [r["content_hash"] for r in answer.json()["data"]] == [
        v1_examples[s]["content_hash"] for s in "abc"
    ]
    runs = stored_runs(client, pinned["id"])
    assert [(r["source_id"], r["content_hash"], r["output"]) for r in runs] == [
        (s, v1_examples[s]["content_hash"], s) for s in "abc"
    ]
    assert examples_at(client, dataset_id)["b"]["content_hash"] != v1_examples["b"]["content_hash"]

    # d is not in v1; c is not in the latest version.
    d_id = examples_at(client, dataset_id, v2["version_id"])["d"]["id"]
    refused = problem(post_runs(client, pinned["id"], [{"example_id": d_id}]), 422, "example_not_in_version")
    assert refused["example_ids"] == [d_id] and refused["path"] == "$.runs[0].example_id"
    c_on_latest = [{"example_id": v1_examples["a"]["id"]}, {"example_id": v1_examples["c"]["id"]}]
    refused = problem(post_runs(client, latest["id"], c_on_latest), 422, "example_not_in_version")
    assert refused["path"] == "$.runs[1].example_id"
    unknown = problem(
        post_runs(client, latest["id"], [{"example_id": "999999"}]), 422, "example_not_in_version"
    )
    assert unknown["example_ids"] == ["999999"]
    # A run that saw b's v1 content cannot be stored on the experiment pinned to the latest version.
    stale = {"example_id": v1_examples["b"]["id"], "content_hash": v1_examples["b"]["content_hash"]}
    problem(post_runs(client, latest["id"], [stale]), 422, "content_hash_mismatch")
    assert stored_runs(client, latest["id"]) == []

    listed = client.get(f"/v1/datasets/{dataset_id}/experiments").json()
    assert [e["id"] for e in listed["data"]] == [latest["id"], pinned["id"]]
    only_v1 = client.get(f"/v1/datasets/{dataset_id}/experiments", params={"version_id": v1_id}).json()
    assert [e["id"] for e in only_v1["data"]] == [pinned["id"]]


def test_create_refusals(client: TestClient) -> None:
    dataset_id, _ = three_examples(client)
    response = client.post(f"/v1/datasets/{dataset_id}/experiments", json={"version_id": "424242"})
    problem(response, 404, "version_not_found")
    problem(client.post("/v1/datasets/424242/experiments", json={}), 404, "dataset_not_found")
    problem(client.post("/v1/datasets/x/experiments", json={}), 422, "invalid_id")
    for body in [{"repetitions": 0}, {"repetitions": "2"}, {"metadata": [1]}]:
        problem(client.post(f"/v1/datasets/{dataset_id}/experiments", json=body), 422, "invalid_request")
    unknown = problem(
        client.post(f"/v1/datasets/{dataset_id}/experiments", json={"unknown": 1}), 422, "unknown_field"
    )
    assert unknown["path"] == "$.unknown"
    empty = client.post("/v1/datasets/upsert", json={"dataset": {"name": "empty"}, "examples": []}).json()
    problem(
        client.post(f"/v1/datasets/{empty['dataset_id']}/experiments", json={}), 422, "dataset_has_no_version"
    )
    problem(client.get("/v1/experiments/424242"), 404, "experiment_not_found")
    problem(client.get("/v1/experiments/abc/runs"), 422, "invalid_id")


def test_a_successful_run_is_final_409_changes_nothing(client: TestClient) -> None:
    dataset_id, found = three_examples(client)
    experiment = create(client, dataset_id)
    first = post_runs(client, experiment["id"], [{"example_id": found["a"]["id"], "output": {"v": 1}}])
    assert first.status_code == 201
    before = stored_runs(client, experiment["id"])

    batch = [
        {"example_id": found["b"]["id"], "output": {"v": 2}},
        {"example_id": found["a"]["id"], "output": {"v": 99}},
    ]
    conflict = problem(post_runs(client, experiment["id"], batch), 409, "run_exists")
    assert conflict["example_ids"] == [found["a"]["id"]] and conflict["repetition_numbers"] == [1]
    errored_over_success = [{"example_id": found["a"]["id"], "error": "late failure"}]
    problem(post_runs(client, experiment["id"], errored_over_success), 409, "run_exists")
    # Nothing of either batch was stored: b has no run and a keeps its first output.
    assert stored_runs(client, experiment["id"]) == before
    assert table_count(client, "experiment_runs") == 1


def test_an_errored_run_is_replaced_by_a_later_one(client: TestClient) -> None:
    dataset_id, found = three_examples(client)
    experiment = create(client, dataset_id)
    failing = {
        "example_id": found["a"]["id"],
        "error": "TimeoutError: the task took over 5 s",
        "evaluations": [{"name": "exact", "error": "no output to score"}],
    }
    assert post_runs(client, experiment["id"], [failing]).json()["replaced"] == 0
    again = post_runs(client, experiment["id"], [failing])
    assert again.status_code == 201 and again.json()["replaced"] == 1
    success = {
        "example_id": found["a"]["id"],
        "output": "fine",
        "start_time": "2026-01-02T03:04:05.5+01:00",
        "end_time": "2026-01-02T02:04:06",
        "evaluations": [{"name": "exact", "score": 1}],
    }
    replaced = post_runs(client, experiment["id"], [success]).json()
    assert replaced["replaced"] == 1 and replaced["evaluations"] == 1
    runs = stored_runs(client, experiment["id"])
    assert len(runs) == 1
    run = runs[0]
    assert (run["output"], run["error"], run["id"]) == ("fine", None, replaced["data"][0]["id"])
    assert (run["start_time"], run["end_time"]) == (
        "2026-01-02T02:04:05.500000Z",
        "2026-01-02T02:04:06.000000Z",
    )
    assert [(e["name"], e["score"], e["error"]) for e in run["evaluations"]] == [("exact", 1.0, None)]
    assert table_count(client, "experiment_evaluations") == 1


def test_outputs_round_trip_and_bad_values_are_named(client: TestClient) -> None:
    dataset_id, found = three_examples(client)
    experiment = create(client, dataset_id)
    outputs = [{"answer": [1, 2.5, None, "é"], "big": 9007199254740992}, "text", 0.1]
    runs = [{"example_id": found[s]["id"], "output": o} for s, o in zip("abc", outputs, strict=True)]
    assert post_runs(client, experiment["id"], runs).status_code == 201
    assert [r["output"] for r in stored_runs(client, experiment["id"])] == outputs

    other = create(client, dataset_id)
    body = b'{"runs": [{"example_id": "%s", "output": {"items": [1, NaN]}}]}' % found["a"]["id"].encode()
    response = client.post(
        f"/v1/experiments/{other['id']}/runs", content=body, headers={"content-type": "application/json"}
    )
    assert problem(response, 422, "non_finite_number")["path"] == "$.runs[0].output.items[1]"
    inexact = [{"example_id": found["a"]["id"], "output": {"n": 12345678901234567891}}]
    assert (
        problem(post_runs(client, other["id"], inexact), 422, "integer_not_exact")["path"]
        == "$.runs[0].output.n"
    )
    missing = problem(post_runs(client, other["id"], [{"output": 1}]), 422, "invalid_request")
    assert missing["errors"][0]["loc"] == ["body", "runs", 0, "example_id"]
    bad_time = [{"example_id": found["a"]["id"], "start_time": "yesterday"}]
    problem(post_runs(client, other["id"], bad_time), 422, "invalid_request")
    assert stored_runs(client, other["id"]) == []


def test_repetitions_and_incomplete_pairs(client: TestClient) -> None:
    dataset_id, found = three_examples(client)
    experiment = create(client, dataset_id, repetitions=3)
    a, b = found["a"]["id"], found["b"]["id"]
    runs = [
        {"example_id": a, "repetition_number": 1, "output": 1},
        {"example_id": a, "repetition_number": 2, "error": "boom"},
        *({"example_id": b, "repetition_number": n, "output": n} for n in (1, 2, 3)),
    ]
    assert post_runs(client, experiment["id"], runs).status_code == 201
    too_high = problem(
        post_runs(client, experiment["id"], [{"example_id": a, "repetition_number": 4}]),
        422,
        "invalid_repetition",
    )
    assert too_high["path"] == "$.runs[0].repetition_number"
    twice = [{"example_id": a, "repetition_number": 3}, {"example_id": a, "repetition_number": 3}]
    assert problem(post_runs(client, experiment["id"], twice), 422, "duplicate_run")["path"] == "$.runs[1]"

    page = client.get(f"/v1/experiments/{experiment['id']}/incomplete").json()
    assert [(item["example"]["source_id"], item["repetition_numbers"]) for item in page["data"]] == [
        ("a", [2, 3]),
        ("c", [1, 2, 3]),
    ]
    assert page["data"][0]["example"]["input"] == {"q": 1} and page["data"][0]["example"]["output"] == {
        "a": 1
    }
    assert page["next_cursor"] is None and page["version_id"] == experiment["version_id"]
    first = client.get(f"/v1/experiments/{experiment['id']}/incomplete", params={"limit": 1}).json()
    rest = client.get(
        f"/v1/experiments/{experiment['id']}/incomplete", params={"cursor": first["next_cursor"]}
    ).json()
    assert [i["example"]["source_id"] for i in first["data"] + rest["data"]] == ["a", "c"]

    summary = client.get(f"/v1/experiments/{experiment['id']}").json()["summary"]
    assert (summary["expected_runs"], summary["runs"], summary["successful_runs"]) == (9, 5, 4)
    assert (summary["errored_runs"], summary["incomplete_runs"]) == (1, 5)


def test_evaluations_upsert_on_run_and_name(client: TestClient) -> None:
    dataset_id, found = three_examples(client)
    experiment = create(client, dataset_id)
    stored = post_runs(client, experiment["id"], [{"example_id": found[s]["id"], "output": s} for s in "ab"])
    run_a, run_b = (r["id"] for r in stored.json()["data"])
    url = f"/v1/experiments/{experiment['id']}/evaluations"
    first = client.post(
        url,
        json={
            "evaluations": [
                {"run_id": run_a, "name": "exact", "score": 0, "label": "wrong", "metadata": {"k": 1}},
                {"run_id": run_b, "name": "exact", "score": 1, "annotator_kind": "LLM"},
            ]
        },
    )
    assert first.status_code == 200, first.text
    again = client.post(
        url,
        json={"evaluations": [{"run_id": run_a, "name": "exact", "score": 1, "explanation": "re-scored"}]},
    )
    assert again.json()["data"][0]["id"] == first.json()["data"][0]["id"]
    assert table_count(client, "experiment_evaluations") == 2
    by_run = {r["id"]: r["evaluations"] for r in stored_runs(client, experiment["id"])}
    replaced = by_run[run_a][0]
    assert (replaced["score"], replaced["label"], replaced["explanation"], replaced["metadata"]) == (
        1.0,
        None,
        "re-scored",
        {},
    )
    assert by_run[run_b][0]["annotator_kind"] == "LLM"

    twice = [{"run_id": run_a, "name": "n"}, {"run_id": run_a, "name": "n"}]
    problem(client.post(url, json={"evaluations": twice}), 422, "duplicate_evaluation")
    other = create(client, dataset_id)
    foreign = client.post(
        f"/v1/experiments/{other['id']}/evaluations", json={"evaluations": [{"run_id": run_a, "name": "n"}]}
    )
    assert problem(foreign, 422, "run_not_in_experiment")["run_ids"] == [run_a]
    for bad in [{"run_id": run_a, "name": ""}, {"run_id": run_a, "name": "n", "annotator_kind": "ROBOT"}]:
        problem(client.post(url, json={"evaluations": [bad]}), 422, "invalid_request")
    nested_twice = [{"example_id": found["c"]["id"], "evaluations": [{"name": "x"}, {"name": "x"}]}]
    problem(post_runs(client, experiment["id"], nested_twice), 422, "duplicate_evaluation")
    assert table_count(client, "experiment_evaluations") == 2


def test_summary_per_evaluator(client: TestClient) -> None:
    dataset_id, found = three_examples(client)
    experiment = create(client, dataset_id, description="baseline")
    runs = [
        {"example_id": found["a"]["id"], "output": 1, "evaluations": [{"name": "exact", "score": 1}]},
        {
            "example_id": found["b"]["id"],
            "output": 2,
            "evaluations": [{"name": "exact", "score": 0.5}, {"name": "tone", "label": "polite"}],
        },
        {
            "example_id": found["c"]["id"],
            "output": 3,
            "evaluations": [{"name": "exact", "error": "ValueError"}],
        },
    ]
    assert post_runs(client, experiment["id"], runs).json()["evaluations"] == 4
    got = client.get(f"/v1/experiments/{experiment['id']}").json()
    assert got["description"] == "baseline"
    assert got["summary"] == {
        "expected_runs": 3,
        "runs": 3,
        "successful_runs": 3,
        "errored_runs": 0,
        "incomplete_runs": 0,
        "reused_runs": 0,
        "evaluations": [
            {"name": "exact", "count": 3, "errors": 1, "scored": 2, "mean_score": 0.75},
            {"name": "tone", "count": 1, "errors": 0, "scored": 0, "mean_score": None},
        ],
        "latency_ms": {"count": 0, "p50": None, "p95": None, "mean": None},
        "usage": {"tokens_in": 0, "tokens_out": 0, "runs_with_tokens": 0, "costs": []},
    }
    assert client.get(f"/v1/experiments/{experiment['id']}/incomplete").json()["data"] == []


def test_delete_experiment_and_dataset(client: TestClient) -> None:
    dataset_id, found = three_examples(client)
    kept = create(client, dataset_id)
    gone = create(client, dataset_id)
    for experiment in (kept, gone):
        runs = [{"example_id": found["a"]["id"], "output": 1, "evaluations": [{"name": "e", "score": 1}]}]
        assert post_runs(client, experiment["id"], runs).status_code == 201
    assert client.delete(f"/v1/experiments/{gone['id']}").status_code == 204
    problem(client.get(f"/v1/experiments/{gone['id']}"), 404, "experiment_not_found")
    problem(client.delete(f"/v1/experiments/{gone['id']}"), 404, "experiment_not_found")
    assert (table_count(client, "experiment_runs"), table_count(client, "experiment_evaluations")) == (1, 1)
    assert client.get(f"/v1/experiments/{kept['id']}").json()["summary"]["runs"] == 1

    assert client.delete(f"/v1/datasets/{dataset_id}").status_code == 204
    problem(client.get(f"/v1/experiments/{kept['id']}"), 404, "experiment_not_found")
    for table in ("experiments", "experiment_runs", "experiment_evaluations"):
        assert table_count(client, table) == 0


def test_pagination(client: TestClient) -> None:
    dataset_id, found = three_examples(client)
    created = [create(client, dataset_id, name=f"e{n}")["id"] for n in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/v1/datasets/{dataset_id}/experiments", params=params).json()
        assert len(page["data"]) <= 2
        seen += [e["id"] for e in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == created[::-1]
    runs = [{"example_id": found[s]["id"], "output": s} for s in "abc"]
    post_runs(client, created[0], runs)
    # stored_runs reads two runs a page.
    assert [r["output"] for r in stored_runs(client, created[0])] == ["a", "b", "c"]
    problem(client.get(f"/v1/experiments/{created[0]}/runs", params={"limit": 0}), 422, "invalid_request")


def test_schema_has_the_unique_constraints(client: TestClient) -> None:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    inspector = sa.inspect(engine)
    runs = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("experiment_runs")}
    evaluations = {
        tuple(u["column_names"]) for u in inspector.get_unique_constraints("experiment_evaluations")
    }
    assert ("experiment_id", "example_id", "repetition_number") in runs
    assert ("run_id", "name") in evaluations


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/datasets/1/experiments"),
        ("GET", "/v1/datasets/1/experiments"),
        ("GET", "/v1/experiments/1"),
        ("DELETE", "/v1/experiments/1"),
        ("POST", "/v1/experiments/1/runs"),
        ("GET", "/v1/experiments/1/runs"),
        ("POST", "/v1/experiments/1/evaluations"),
        ("GET", "/v1/experiments/1/incomplete"),
    ],
)
def test_experiment_routes_need_the_key(tmp_path: Path, method: str, path: str) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", api_key="s3cret"))
    with TestClient(app) as client:
        denied = client.request(method, path, json={})
        problem(denied, 401, "unauthorized")
        allowed = client.request(method, path, json={}, headers={"authorization": "Bearer s3cret"})
        assert allowed.status_code in (404, 422), allowed.text
    app.state.engine.dispose()
