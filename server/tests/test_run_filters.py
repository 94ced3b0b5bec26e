"""An experiment's runs read the way the web UI's runs table asks, on SQLite and PostgreSQL:
kept by error, by an evaluator's score range and by source id, sorted by source id, latency or
score (either direction, runs without a value last), paged by keyset through the matches."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import example
from tests.test_experiments import create, examples_at, post_runs, problem
from tests.test_upsert import upsert

# source id -> (error, latency_ms, accuracy score or None for no evaluation)
RUNS: dict[str, tuple[str | None, float | None, float | None]] = {
    "e1": (None, 120.0, 1.0),
    "e2": ("TimeoutError", 900.0, None),
    "e3": (None, None, 0.5),
    "e4": (None, 40.0, 0.0),
    "e5": (None, 120.0, 0.5),
    "e6": ("ValueError", None, None),
    "e7": (None, 300.0, None),
}


@pytest.fixture
def experiment_id(client: TestClient) -> str:
    version = upsert(client, [example(source_id, {"q": source_id}) for source_id in RUNS])
    found = examples_at(client, version["dataset_id"])
    experiment = create(client, version["dataset_id"])
    runs: list[dict[str, Any]] = []
    # Stored in an order unlike every sort below (e5 first).
    for source_id in ["e5", "e1", "e7", "e3", "e6", "e2", "e4"]:
        error, latency, score = RUNS[source_id]
        run: dict[str, Any] = {"example_id": found[source_id]["id"], "output": source_id.upper()}
        if error is not None:
            run = {"example_id": found[source_id]["id"], "error": error}
        if latency is not None:
            run["latency_ms"] = latency
        run["evaluations"] = [{"name": "tone", "label": "polite"}]
        if score is not None:
            run["evaluations"].append({"name": "accuracy", "score": score, "explanation": f"why {source_id}"})
        runs.append(run)
    assert post_runs(client, experiment["id"], runs).status_code == 201
    return str(experiment["id"])


def read_all(client: TestClient, experiment_id: str, limit: int = 2, **params: Any) -> list[dict[str, Any]]:
    """Every matching run, following `next_cursor` a page of `limit` at a time."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = params | {"limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get(f"/v1/experiments/{experiment_id}/runs", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["data"]) <= limit
        found += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def ids(client: TestClient, experiment_id: str, **params: Any) -> list[str]:
    return [run["source_id"] for run in read_all(client, experiment_id, **params)]


def test_stored_order_unchanged_and_reversed(client: TestClient, experiment_id: str) -> None:
    stored = ["e5", "e1", "e7", "e3", "e6", "e2", "e4"]
    assert ids(client, experiment_id) == stored
    assert ids(client, experiment_id, sort="-id") == stored[::-1]
    runs = read_all(client, experiment_id, limit=3, sort="-id")
    # Each run keeps all its evaluations, by name, whatever the page's order.
    names = {run["source_id"]: [e["name"] for e in run["evaluations"]] for run in runs}
    assert names == {s: ["accuracy", "tone"] if RUNS[s][2] is not None else ["tone"] for s in RUNS}
    assert runs[0]["evaluations"][0]["explanation"] == "why e4"


def test_kept_by_error(client: TestClient, experiment_id: str) -> None:
    assert ids(client, experiment_id, errors="only") == ["e6", "e2"]
    assert ids(client, experiment_id, errors="none") == ["e5", "e1", "e7", "e3", "e4"]
    assert ids(client, experiment_id, errors="only", sort="source_id") == ["e2", "e6"]
    problem(
        client.get(f"/v1/experiments/{experiment_id}/runs", params={"errors": "some"}),
        422,
        "invalid_request",
    )


def test_kept_by_score_range(client: TestClient, experiment_id: str) -> None:
    scored = {"evaluator": "accuracy"}
    assert ids(client, experiment_id, **scored, min_score=0.5) == ["e5", "e1", "e3"]
    assert ids(client, experiment_id, **scored, max_score=0.5) == ["e5", "e3", "e4"]
    assert ids(client, experiment_id, **scored, min_score=0.5, max_score=0.5) == ["e5", "e3"]
    assert ids(client, experiment_id, **scored, min_score=2) == []
    # An evaluator that only labels has no score in any range (an unknown one is refused, below).
    assert ids(client, experiment_id, evaluator="tone", min_score=-1e300) == []
    # With the error filter: both kept.
    assert ids(client, experiment_id, **scored, min_score=0, errors="none", sort="-score") == [
        "e1",
        "e5",
        "e3",
        "e4",
    ]


BY_SCORE = ["e4", "e5", "e3", "e1", "e7", "e6", "e2"]
BY_LATENCY_DESCENDING = ["e2", "e7", "e5", "e1", "e4", "e3", "e6"]


def test_sorted_with_missing_values_last(client: TestClient, experiment_id: str) -> None:
    assert ids(client, experiment_id, sort="source_id") == [f"e{n}" for n in range(1, 8)]
    assert ids(client, experiment_id, sort="-source_id") == [f"e{n}" for n in range(7, 0, -1)]
    # Ties (e5 and e1 at 120 ms) by run id; no latency (e3, e6) last.
    assert ids(client, experiment_id, sort="latency_ms") == ["e4", "e5", "e1", "e7", "e2", "e3", "e6"]
    assert ids(client, experiment_id, sort="-latency_ms") == BY_LATENCY_DESCENDING
    # No accuracy score (e7, e6, e2) last, in stored order, in either direction.
    assert ids(client, experiment_id, sort="score", evaluator="accuracy") == BY_SCORE
    assert ids(client, experiment_id, sort="-score", evaluator="accuracy") == [
        "e1",
        "e5",
        "e3",
        "e4",
        "e7",
        "e6",
        "e2",
    ]
    # Every page size walks the same order (a cursor inside the nulls, on a tie, at a page's end).
    for limit in (1, 3, 6, 7, 100):
        assert ids(client, experiment_id, limit=limit, sort="score", evaluator="accuracy") == BY_SCORE
        assert ids(client, experiment_id, limit=limit, sort="-latency_ms") == BY_LATENCY_DESCENDING


def test_kept_by_source_id(client: TestClient, experiment_id: str) -> None:
    assert ids(client, experiment_id, source_id=["e3", "e2", "absent"]) == ["e3", "e2"]
    assert ids(client, experiment_id, source_id=["e3", "e2"], sort="source_id") == ["e2", "e3"]
    refused = client.get(
        f"/v1/experiments/{experiment_id}/runs", params={"source_id": [str(n) for n in range(1001)]}
    )
    problem(refused, 422, "too_many_source_ids")


def test_refusals_name_the_parameter(client: TestClient, experiment_id: str) -> None:
    url = f"/v1/experiments/{experiment_id}/runs"
    for params, verb in (
        ({"min_score": 0.5}, "min_score needs `evaluator`"),
        ({"sort": "score"}, "sort=score needs `evaluator`"),
        ({"sort": "-score", "max_score": 1}, "max_score and sort=-score need `evaluator`"),
    ):
        body = problem(client.get(url, params=params), 422, "evaluator_required")
        assert body["detail"].startswith(verb), body["detail"]
    body = problem(
        client.get(url, params={"evaluator": "accuracy", "min_score": 1, "max_score": 0}),
        422,
        "invalid_score_range",
    )
    assert body["parameter"] == "min_score"
    for bad in ("nan", "inf", "-Infinity"):
        response = client.get(url, params={"evaluator": "accuracy", "min_score": bad})
        assert response.status_code == 422, response.text
    problem(client.get(url, params={"sort": "cost"}), 422, "invalid_request")
    # A misspelt evaluator is named, as a comparison names it, not read as "no run scored so".
    for params in (
        {"evaluator": "acuracy", "min_score": 0.5},
        {"evaluator": "acuracy", "sort": "score"},
        {"evaluator": "acuracy"},
    ):
        body = problem(client.get(url, params=params), 422, "unknown_evaluator")
        assert body["parameter"] == "evaluator"
        assert (
            body["detail"] == "no run of the experiment has the evaluator `acuracy` (it has: accuracy, tone)"
        )
    problem(client.get(url, params={"evaluator": "a\x00b", "min_score": 0}), 422, "invalid_text")
    # A sorted page's cursor belongs to its sort: another sort's, or garbage, is named.
    first = client.get(url, params={"sort": "latency_ms", "limit": 1}).json()
    cursor = first["next_cursor"]
    problem(client.get(url, params={"sort": "-latency_ms", "cursor": cursor}), 422, "invalid_cursor")
    problem(client.get(url, params={"sort": "source_id", "cursor": cursor}), 422, "invalid_cursor")
    for garbage in (
        "!!",
        "WzFd",
        "bm90IGpzb24",
        "WyJsYXRlbmN5X21zIiwgMSwgMWUzMF0",
        "WyJsYXRlbmN5X21zIiwidGV4dCIsMV0",
    ):
        problem(client.get(url, params={"sort": "latency_ms", "cursor": garbage}), 422, "invalid_cursor")
    problem(client.get(url, params={"cursor": "abc"}), 422, "invalid_id")
    problem(client.get(url, params={"errors": "only", "cursor": cursor}), 422, "invalid_id")
    # Unfiltered reads are the route as it was.
    assert client.get(url, params={"limit": 2}).json()["next_cursor"] is not None
