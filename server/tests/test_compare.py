"""GET /v1/experiments/compare on both databases: every class of example, repetitions,
errors new in head, thresholds, like-for-like means, paging, outputs, latency and usage.

The scene (two repetitions on each side; `correct` is boolean, `quality` numeric):

    example  status        base (v1)                          head (v2)
    a        same_content  correct 1,1  quality .8,.8   "A"   correct 1,0  quality .75,.75  "A"
    b        changed       correct 0,0  quality .5,.5   "B"   correct 1,1  quality .3,.3    "B2"
    c        same_content  correct 1,1  quality .6,.6   "C"   run 1 errors; run 2: correct errors,
                                                                quality .9, "C"
    d        only_base     correct 1,1  quality 1,1     "D"
    e        only_head                                        correct 1,1  quality .4,.4    "E"
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from groundset_server.db.engine import make_engine, run_migrations
from tests.conftest import example
from tests.test_experiments import create, examples_at, post_runs, problem
from tests.test_upsert import upsert

BASE_CONTENT = {"a": {"q": 1}, "b": {"q": 2}, "c": {"q": 3}, "d": {"q": 4}}
HEAD_CONTENT = {"a": {"q": 1}, "b": {"q": 20}, "c": {"q": 3}, "e": {"q": 5}}


def _evaluations(correct: Any, quality: float) -> list[dict[str, Any]]:
    judged: dict[str, Any] = (
        {"name": "correct", "error": correct}
        if isinstance(correct, str)
        else {"name": "correct", "score": correct}
    )
    return [judged, {"name": "quality", "score": quality, "evaluator_version": "q2"}]


def scene(client: TestClient) -> dict[str, Any]:
    """The two experiments of the module docstring: base, head, dataset id."""
    v1 = upsert(client, [example(s, q) for s, q in BASE_CONTENT.items()])
    dataset_id = v1["dataset_id"]
    at_v1 = examples_at(client, dataset_id)
    base = create(client, dataset_id, name="base", repetitions=2, task_version="t1")
    upsert(client, [example(s, q) for s, q in HEAD_CONTENT.items()], mode="mirror")
    at_v2 = examples_at(client, dataset_id)
    head = create(client, dataset_id, name="head", repetitions=2, task_version="t2")

    base_runs = []
    latency = 100.0
    for source_id, (correct, quality, output) in {
        "a": ((1, 1), 0.8, "A"),
        "b": ((0, 0), 0.5, "B"),
        "c": ((1, 1), 0.6, "C"),
        "d": ((1, 1), 1.0, "D"),
    }.items():
        for repetition in (1, 2):
            base_runs.append(
                {
                    "example_id": at_v1[source_id]["id"],
                    "repetition_number": repetition,
                    "output": output,
                    "latency_ms": latency,
                    "tokens_in": 10,
                    "tokens_out": 5,
                    "cost": 0.01,
                    "currency": "USD",
                    "evaluations": _evaluations(correct[repetition - 1], quality),
                }
            )
            latency += 100
    stored = post_runs(client, base["id"], base_runs)
    assert stored.status_code == 201, stored.text

    head_runs: list[dict[str, Any]] = []
    for source_id, (correct, quality, output) in {
        "a": ((1, 0), 0.75, "A"),
        "b": ((1, 1), 0.3, "B2"),
        "e": ((1, 1), 0.4, "E"),
    }.items():
        for repetition in (1, 2):
            head_runs.append(
                {
                    "example_id": at_v2[source_id]["id"],
                    "repetition_number": repetition,
                    "output": output,
                    "evaluations": _evaluations(correct[repetition - 1], quality),
                }
            )
    head_runs.append({"example_id": at_v2["c"]["id"], "repetition_number": 1, "error": "boom"})
    head_runs.append(
        {
            "example_id": at_v2["c"]["id"],
            "repetition_number": 2,
            "output": "C",
            "evaluations": _evaluations("judge failed", 0.9),
        }
    )
    for index, run in enumerate(head_runs):
        run.update(tokens_in=20, tokens_out=10, cost=0.02, currency="USD", latency_ms=50.0)
        if index == 0:
            # A latency from the times the client gave: 1.5 s.
            del run["latency_ms"]
            run.update(start_time="2026-01-01T00:00:00Z", end_time="2026-01-01T00:00:01.5Z")
        if index == 1:
            run.update(cost=3, currency="credits")
        if index == 2:
            # Currencies compare case-insensitively: stored in upper case, one total with USD.
            run.update(currency="usd")
    stored = post_runs(client, head["id"], head_runs)
    assert stored.status_code == 201, stored.text
    return {
        "base": base["id"],
        "head": head["id"],
        "dataset_id": dataset_id,
        "base_version_id": base["version_id"],
        "base_runs": base_runs,
    }


def compare(client: TestClient, base: str, head: str, **params: Any) -> dict[str, Any]:
    response = client.get("/v1/experiments/compare", params={"base": base, "head": head, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def every_example(client: TestClient, base: str, head: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = None
    aggregates = None
    while True:
        page = compare(client, base, head, limit=2, **params, **({"cursor": cursor} if cursor else {}))
        whole = {key: value for key, value in page.items() if key not in ("data", "next_cursor")}
        assert aggregates is None or whole == aggregates, "the aggregates differ between pages"
        aggregates = whole
        assert len(page["data"]) <= 2
        found += page["data"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def by_source(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["source_id"]: item for item in answer["data"]}


def scores(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {score["name"]: score for score in item["scores"]}


def test_every_class_and_the_default_verdict(client: TestClient) -> None:
    ids = scene(client)
    answer = compare(client, ids["base"], ids["head"])
    assert answer["dataset_id"] == ids["dataset_id"]
    assert answer["counts"] == {
        "examples": 5,
        "only_base": 1,
        "only_head": 1,
        "same_content": 2,
        "changed": 1,
        "output_changed": 1,
        "new_run_errors": 1,
        "missing_runs": 0,
    }
    items = by_source(answer)
    assert [item["source_id"] for item in answer["data"]] == ["a", "b", "c", "d", "e"]
    assert {s: item["status"] for s, item in items.items()} == {
        "a": "same_content",
        "b": "changed",
        "c": "same_content",
        "d": "only_base",
        "e": "only_head",
    }
    a, b, c, d, e = (items[s] for s in "abcde")
    assert a["base_content_hash"] == a["head_content_hash"]
    assert b["base_content_hash"] != b["head_content_hash"] and b["head_content_hash"] is not None
    assert (d["head"], d["head_content_hash"], d["base"]) == (None, None, {"runs": 2, "errors": 0})
    assert (e["base"], e["base_content_hash"], e["head"]) == (None, None, {"runs": 2, "errors": 0})
    assert d["scores"][0] == {
        "name": "correct",
        "base": 1.0,
        "head": None,
        "delta": None,
        "change": None,
        "base_errors": 0,
        "head_errors": 0,
        "new_error": False,
        "missing": False,
        "base_label": None,
        "head_label": None,
    }

    # Repetitions aggregated: a's correct is 1 then 0 in head (mean 0.5): a boolean drop.
    assert scores(a)["correct"] | {"name": "correct"} == {
        "name": "correct",
        "base": 1.0,
        "head": 0.5,
        "delta": -0.5,
        "change": "regression",
        "base_errors": 0,
        "head_errors": 0,
        "new_error": False,
        "missing": False,
        "base_label": None,
        "head_label": None,
    }
    assert scores(a)["quality"]["change"] == "steady"  # -0.05, under the numeric 0.1
    assert (a["regression"], a["improvement"], a["output_changed"], a["new_run_error"]) == (
        True,
        False,
        False,
        False,
    )
    # b changed: its moves are shown, but the like-for-like verdict does not count them.
    assert scores(b)["correct"]["change"] == "improvement"
    assert scores(b)["quality"]["change"] == "regression"
    assert (b["regression"], b["improvement"], b["output_changed"]) == (False, False, True)
    # c: a run error and an evaluation error new in head are regressions.
    assert c["head"] == {"runs": 2, "errors": 1} and c["new_run_error"] is True
    assert scores(c)["correct"]["new_error"] is True and scores(c)["correct"]["change"] == "regression"
    assert scores(c)["correct"]["head"] is None and scores(c)["correct"]["head_errors"] == 1
    assert scores(c)["correct"]["missing"] is True
    assert (
        scores(c)["quality"]["delta"] == pytest.approx(0.3)
        and scores(c)["quality"]["change"] == "improvement"
    )
    assert (c["regression"], c["improvement"], c["output_changed"]) == (True, True, False)

    assert answer["verdict"] == {
        "regressed": True,
        "comparable": True,
        "not_comparable": None,
        "scope": ["same_content"],
        "regressions": {"correct": 2, "quality": 0},
        "new_run_errors": 1,
        "missing_runs": 0,
        "regressed_examples": 2,
        "improved_examples": 1,
    }
    correct, quality = answer["evaluators"]
    assert (correct["name"], correct["kind"], correct["threshold"]) == ("correct", "boolean", 0.0)
    assert (quality["name"], quality["kind"], quality["threshold"]) == ("quality", "numeric", 0.1)
    assert (correct["regressions"], correct["improvements"], correct["new_errors"]) == (2, 0, 1)
    assert (quality["regressions"], quality["improvements"], quality["new_errors"]) == (0, 1, 0)


def test_means_on_all_examples_and_like_for_like(client: TestClient) -> None:
    ids = scene(client)
    correct, quality = compare(client, ids["base"], ids["head"])["evaluators"]
    # All: base over a b c d; head over a b e (c has no correct score in head) and a b c e.
    assert correct["all"]["base"] == {"mean": 0.75, "count": 4}
    assert correct["all"]["head"]["count"] == 3
    assert correct["all"]["head"]["mean"] == pytest.approx(2.5 / 3)
    assert correct["all"]["delta"] == pytest.approx(2.5 / 3 - 0.75)
    assert quality["all"]["base"]["mean"] == pytest.approx(2.9 / 4)
    assert quality["all"]["head"]["mean"] == pytest.approx(2.35 / 4)
    # Like for like: the same_content examples scored on both sides (correct: a only).
    assert correct["like_for_like"] == {"base_mean": 1.0, "head_mean": 0.5, "delta": -0.5, "count": 1}
    assert quality["like_for_like"]["count"] == 2
    assert quality["like_for_like"]["base_mean"] == pytest.approx(0.7)
    assert quality["like_for_like"]["head_mean"] == pytest.approx(0.825)
    assert quality["like_for_like"]["delta"] == pytest.approx(0.125)


def test_include_changed_counts_the_edited_examples(client: TestClient) -> None:
    ids = scene(client)
    answer = compare(client, ids["base"], ids["head"], include_changed="true")
    assert answer["verdict"] == {
        "regressed": True,
        "comparable": True,
        "not_comparable": None,
        "scope": ["same_content", "changed"],
        "regressions": {"correct": 2, "quality": 1},
        "new_run_errors": 1,
        "missing_runs": 0,
        "regressed_examples": 3,
        "improved_examples": 2,
    }
    b = by_source(answer)["b"]
    assert (b["regression"], b["improvement"]) == (True, True)


def test_thresholds(client: TestClient) -> None:
    ids = scene(client)
    base, head = ids["base"], ids["head"]
    # One evaluator's own: a's quality drop of 0.05 is a regression at 0.05 (within 1e-9).
    tight = compare(client, base, head, threshold="quality:0.05")
    assert [e["threshold"] for e in tight["evaluators"]] == [0.0, 0.05]
    assert scores(by_source(tight)["a"])["quality"]["change"] == "regression"
    assert tight["verdict"]["regressions"] == {"correct": 2, "quality": 1}
    # One for every evaluator: a's boolean drop of 0.5 is steady at 0.6; c's new error is not.
    loose = compare(client, base, head, threshold="0.6")
    assert [e["threshold"] for e in loose["evaluators"]] == [0.6, 0.6]
    assert scores(by_source(loose)["a"])["correct"]["change"] == "steady"
    assert scores(by_source(loose)["c"])["quality"]["change"] == "steady"
    assert loose["verdict"]["regressions"] == {"correct": 1, "quality": 0}
    assert loose["verdict"]["regressed"] is True and loose["verdict"]["regressed_examples"] == 1
    # Both: the evaluator's wins.
    both = compare(client, base, head, threshold=["0.6", "correct:0"])
    assert [e["threshold"] for e in both["evaluators"]] == [0.0, 0.6]

    for bad in ["x", "-1", "nan", "inf", "quality:", "quality:-0.1"]:
        refused = client.get("/v1/experiments/compare", params={"base": base, "head": head, "threshold": bad})
        assert problem(refused, 422, "invalid_threshold")["parameter"] == "threshold", bad
    twice = client.get(
        "/v1/experiments/compare",
        params={"base": base, "head": head, "threshold": ["quality:1", "quality:2"]},
    )
    problem(twice, 422, "invalid_threshold")
    unknown = client.get(
        "/v1/experiments/compare", params={"base": base, "head": head, "threshold": "qualty:1"}
    )
    assert "qualty" in problem(unknown, 422, "unknown_evaluator")["detail"]


def test_a_steady_head_is_not_regressed(client: TestClient) -> None:
    ids = scene(client)
    again = create(client, ids["dataset_id"], name="again", repetitions=2, version_id=ids["base_version_id"])
    assert post_runs(client, again["id"], ids["base_runs"]).status_code == 201
    same = compare(client, ids["base"], again["id"])
    assert same["counts"]["same_content"] == 4 and same["counts"]["output_changed"] == 0
    assert same["verdict"]["regressed"] is False
    assert all(score["change"] == "steady" for item in same["data"] for score in item["scores"])
    assert [e["like_for_like"]["delta"] for e in same["evaluators"]] == [0.0, 0.0]


def test_paging_covers_every_example_once(client: TestClient) -> None:
    ids = scene(client)
    every = every_example(client, ids["base"], ids["head"])
    assert [item["source_id"] for item in every] == ["a", "b", "c", "d", "e"]
    assert [int(item["example_id"]) for item in every] == sorted(int(item["example_id"]) for item in every)

    def only(*filters: str) -> list[str]:
        return [
            item["source_id"] for item in every_example(client, ids["base"], ids["head"], only=list(filters))
        ]

    assert only("regressions") == ["a", "c"]
    assert only("improvements") == ["c"]
    assert only("new_errors") == ["c"]
    assert only("output_changed") == ["b"]
    assert only("changed") == ["b"]
    assert only("only_base", "only_head") == ["d", "e"]
    assert only("same_content", "output_changed") == ["a", "b", "c"]
    one = compare(client, ids["base"], ids["head"], limit=1, only="regressions")
    assert [i["source_id"] for i in one["data"]] == ["a"] and one["next_cursor"] is not None
    last = compare(client, ids["base"], ids["head"], limit=1, only="regressions", cursor=one["next_cursor"])
    assert [i["source_id"] for i in last["data"]] == ["c"] and last["next_cursor"] is None
    refused = client.get(
        "/v1/experiments/compare", params={"base": ids["base"], "head": ids["head"], "only": "worse"}
    )
    problem(refused, 422, "invalid_request")
    problem(
        client.get(
            "/v1/experiments/compare", params={"base": ids["base"], "head": ids["head"], "cursor": "x"}
        ),
        422,
        "invalid_id",
    )


def test_latency_and_usage_with_their_deltas(client: TestClient) -> None:
    ids = scene(client)
    answer = compare(client, ids["base"], ids["head"])
    base, head = answer["base"], answer["head"]
    assert (base["name"], base["task_version"], base["repetitions"], base["example_count"]) == (
        "base",
        "t1",
        2,
        4,
    )
    assert (base["runs"], base["errored_runs"], head["runs"], head["errored_runs"]) == (8, 0, 8, 1)
    # Base: 100, 200, ... 800 ms; head: seven of 50 ms and one of 1,500 (from its times).
    assert base["latency_ms"] == {"count": 8, "p50": 450.0, "p95": pytest.approx(765.0), "mean": 450.0}
    assert head["latency_ms"]["p50"] == 50.0 and head["latency_ms"]["p95"] == pytest.approx(992.5)
    assert base["usage"] == {
        "tokens_in": 80,
        "tokens_out": 40,
        "runs_with_tokens": 8,
        "costs": [{"currency": "USD", "amount": pytest.approx(0.08), "runs": 8}],
    }
    assert head["usage"]["tokens_in"] == 160 and head["usage"]["tokens_out"] == 80
    assert head["usage"]["costs"] == [
        {"currency": "CREDITS", "amount": 3.0, "runs": 1},
        {"currency": "USD", "amount": pytest.approx(0.14), "runs": 7},
    ]
    deltas = answer["deltas"]
    assert deltas["latency_ms"]["p50"] == -400.0
    assert deltas["latency_ms"]["p95"] == pytest.approx(227.5)
    assert (deltas["tokens_in"], deltas["tokens_out"]) == (80, 40)
    assert deltas["costs"] == [
        {"currency": "CREDITS", "amount": 3.0},
        {"currency": "USD", "amount": pytest.approx(0.06)},
    ]
    summary = client.get(f"/v1/experiments/{ids['head']}").json()["summary"]
    assert summary["latency_ms"] == head["latency_ms"] and summary["usage"] == head["usage"]


def test_refusals(client: TestClient) -> None:
    ids = scene(client)
    other = upsert(client, [example("z", {"q": 9})], dataset={"name": "other"})
    foreign = create(client, other["dataset_id"])
    refused = client.get("/v1/experiments/compare", params={"base": ids["base"], "head": foreign["id"]})
    body = problem(refused, 422, "experiments_on_different_datasets")
    assert (body["base_dataset_id"], body["head_dataset_id"]) == (ids["dataset_id"], other["dataset_id"])
    missing = client.get("/v1/experiments/compare", params={"base": ids["base"], "head": "999999"})
    assert problem(missing, 404, "experiment_not_found")["experiment_id"] == "999999"
    problem(
        client.get("/v1/experiments/compare", params={"base": "x", "head": ids["head"]}), 422, "invalid_id"
    )
    problem(client.get("/v1/experiments/compare", params={"base": ids["base"]}), 422, "invalid_request")
    itself = client.get("/v1/experiments/compare", params={"base": ids["base"], "head": ids["base"]})
    assert problem(itself, 422, "compare_with_itself")["experiment_id"] == ids["base"]
    problem(
        client.get("/v1/experiments/compare", params={"base": ids["base"], "head": ids["head"], "limit": 0}),
        422,
        "invalid_request",
    )


def test_run_and_evaluation_fields_round_trip(client: TestClient) -> None:
    ids = scene(client)
    experiment = client.get(f"/v1/experiments/{ids['head']}").json()
    assert experiment["task_version"] == "t2"
    runs = client.get(f"/v1/experiments/{ids['head']}/runs").json()["data"]
    first = runs[0]
    assert (first["latency_ms"], first["tokens_in"], first["tokens_out"]) == (1500.0, 20, 10)
    assert (first["cost"], first["currency"], first["reused_from_run_id"]) == (0.02, "USD", None)
    assert runs[1]["currency"] == "CREDITS" and runs[2]["currency"] == "USD"
    assert runs[2]["latency_ms"] == 50.0
    quality = next(e for e in first["evaluations"] if e["name"] == "quality")
    assert (quality["evaluator_version"], quality["latency_ms"]) == ("q2", None)
    judged = client.post(
        f"/v1/experiments/{ids['head']}/evaluations",
        json={"evaluations": [{"run_id": first["id"], "name": "quality", "score": 1, "latency_ms": 12.5}]},
    )
    assert judged.status_code == 200, judged.text
    again = client.get(f"/v1/experiments/{ids['head']}/runs").json()["data"][0]
    quality = next(e for e in again["evaluations"] if e["name"] == "quality")
    assert (quality["latency_ms"], quality["evaluator_version"]) == (12.5, None)
    # Older clients send none of them.
    plain = create(client, ids["dataset_id"])
    assert plain["task_version"] is None


@pytest.mark.parametrize(
    ("member", "value", "code"),
    [
        ("latency_ms", -1, "invalid_request"),
        ("latency_ms", "1", "invalid_request"),
        ("tokens_in", -1, "invalid_request"),
        ("tokens_out", 1.5, "invalid_request"),
        ("tokens_in", 2**63, "invalid_request"),
        ("cost", -0.01, "invalid_request"),
        ("currency", "", "invalid_request"),
        ("currency", "U\x00SD", "invalid_text"),
    ],
)
def test_bad_run_usage_is_refused(client: TestClient, member: str, value: Any, code: str) -> None:
    v1 = upsert(client, [example("a", {"q": 1})])
    experiment = create(client, v1["dataset_id"])
    example_id = examples_at(client, v1["dataset_id"])["a"]["id"]
    body = problem(
        post_runs(client, experiment["id"], [{"example_id": example_id, member: value}]), 422, code
    )
    assert any(error.get("path") == f"$.runs[0].{member}" for error in body["errors"]), body


def test_non_finite_numbers_are_refused(client: TestClient) -> None:
    v1 = upsert(client, [example("a", {"q": 1})])
    experiment = create(client, v1["dataset_id"])
    example_id = examples_at(client, v1["dataset_id"])["a"]["id"]
    for member in ("latency_ms", "cost"):
        text = f'{{"runs": [{{"example_id": "{example_id}", "{member}": Infinity}}]}}'
        answer = client.post(
            f"/v1/experiments/{experiment['id']}/runs",
            content=text,
            headers={"content-type": "application/json"},
        )
        assert answer.status_code in (400, 422), answer.text
    nul = client.post(f"/v1/datasets/{v1['dataset_id']}/experiments", json={"task_version": "t\x00"})
    problem(nul, 422, "invalid_text")


def test_migration_keeps_old_runs(database_url: str) -> None:
    """Rows written before migration 0004 read back with the new members null."""
    engine = make_engine(database_url)
    run_migrations(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO datasets (name, description, metadata, created_at, updated_at) "
                "VALUES ('old', NULL, '{}', 't', 't')"
            )
        )
    engine.dispose()
    app = create_app(Settings(database_url=database_url, api_key=None))
    with TestClient(app) as client:
        dataset_id = client.get("/v1/datasets").json()["data"][0]["id"]
        upsert(client, [example("a", {"q": 1})], dataset={"id": dataset_id})
        experiment = create(client, dataset_id)
        example_id = examples_at(client, dataset_id)["a"]["id"]
        assert post_runs(client, experiment["id"], [{"example_id": example_id}]).status_code == 201
        run = client.get(f"/v1/experiments/{experiment['id']}/runs").json()["data"][0]
        assert (run["latency_ms"], run["tokens_in"], run["reused_from_run_id"]) == (None, None, None)
        # A copy outlives the run it names: deleting that one's experiment clears the link.
        later = create(client, dataset_id)
        assert post_runs(client, later["id"], [{"example_id": example_id}]).status_code == 201
        copy = client.get(f"/v1/experiments/{later['id']}/runs").json()["data"][0]
        with app.state.engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE experiment_runs SET reused_from_run_id = :source WHERE id = :id"),
                {"source": int(run["id"]), "id": int(copy["id"])},
            )
        runs_url = f"/v1/experiments/{later['id']}/runs"
        assert client.get(runs_url).json()["data"][0]["reused_from_run_id"] == run["id"]
        assert client.delete(f"/v1/experiments/{experiment['id']}").status_code == 204
        assert client.get(runs_url).json()["data"][0]["reused_from_run_id"] is None
    app.state.engine.dispose()


def test_outputs_of_repetitions_compare_as_sets_and_missing_runs_keep_their_class(client: TestClient) -> None:
    v1 = upsert(client, [example(s, {"q": s}) for s in "pqr"])
    found = examples_at(client, v1["dataset_id"])
    base = create(client, v1["dataset_id"], repetitions=2)
    head = create(client, v1["dataset_id"], repetitions=2)

    def runs(outputs: dict[str, tuple[Any, Any]]) -> list[dict[str, Any]]:
        return [
            {"example_id": found[s]["id"], "repetition_number": n + 1, "output": pair[n]}
            for s, pair in outputs.items()
            for n in (0, 1)
        ]

    assert (
        post_runs(client, base["id"], runs({"p": ("x", "y"), "q": ("x", "y"), "r": (None, None)})).status_code
        == 201
    )
    # Head: p answers the same two outputs in the other order; q only one of them; r has no run.
    assert post_runs(client, head["id"], runs({"p": ("y", "x"), "q": ("x", "x")})).status_code == 201
    items = by_source(compare(client, base["id"], head["id"]))
    assert (items["p"]["output_changed"], items["q"]["output_changed"]) == (False, True)
    assert items["r"]["status"] == "same_content" and items["r"]["head"] == {"runs": 0, "errors": 0}
    # r answered (null) in base and has no run in head: a regression without any evaluator.
    assert items["r"]["output_changed"] is None and items["r"]["regression"] is True
    assert items["r"]["missing_run"] is True
    # A JSON null output is an output like any other.
    assert post_runs(client, head["id"], runs({"r": (None, {"a": 1})})).status_code == 201
    assert by_source(compare(client, base["id"], head["id"]))["r"]["output_changed"] is True


def _scored_base_and(client: TestClient, head_runs: list[dict[str, Any]] | None) -> dict[str, Any]:
    """A base scoring p and q (correct 1) and a head on the same version with ``head_runs``
    (by source id: p, q) posted, if any."""
    v1 = upsert(client, [example(s, {"q": s}) for s in "pq"])
    found = examples_at(client, v1["dataset_id"])
    base = create(client, v1["dataset_id"])
    head = create(client, v1["dataset_id"])
    scored = [
        {
            "example_id": found[s]["id"],
            "repetition_number": 1,
            "output": s,
            "evaluations": [{"name": "correct", "score": 1}],
        }
        for s in "pq"
    ]
    assert post_runs(client, base["id"], scored).status_code == 201
    if head_runs is not None:
        sent = [{**run, "example_id": found[run["source_id"]]["id"]} for run in head_runs]
        for run in sent:
            del run["source_id"]
        assert post_runs(client, head["id"], sent).status_code == 201
    return compare(client, base["id"], head["id"])


@pytest.mark.parametrize(
    "head_runs",
    [
        None,
        [{"source_id": s, "repetition_number": 1, "output": s} for s in "pq"],
        [{"source_id": s, "repetition_number": 1, "error": "down"} for s in "pq"],
    ],
    ids=["no_runs", "runs_without_evaluations", "only_run_errors"],
)
def test_a_head_without_the_scores_base_has_regresses(
    client: TestClient, head_runs: list[dict[str, Any]] | None
) -> None:
    answer = _scored_base_and(client, head_runs)
    assert answer["verdict"]["regressed"] is True
    assert answer["verdict"]["regressions"] == {"correct": 2}
    assert answer["verdict"]["regressed_examples"] == 2
    (correct,) = answer["evaluators"]
    assert (correct["regressions"], correct["missing"], correct["new_errors"]) == (2, 2, 0)
    for item in answer["data"]:
        assert item["regression"] is True
        assert item["scores"] == [
            {
                "name": "correct",
                "base": 1.0,
                "head": None,
                "delta": None,
                "change": "regression",
                "base_errors": 0,
                "head_errors": 0,
                "new_error": False,
                "missing": True,
                "base_label": None,
                "head_label": None,
            }
        ]


def test_a_base_run_error_fixed_in_head_is_an_improvement(client: TestClient) -> None:
    v1 = upsert(client, [example("p", {"q": 1})])
    found = examples_at(client, v1["dataset_id"])
    base = create(client, v1["dataset_id"])
    head = create(client, v1["dataset_id"])
    example_id = found["p"]["id"]
    assert (
        post_runs(
            client, base["id"], [{"example_id": example_id, "repetition_number": 1, "error": "x"}]
        ).status_code
        == 201
    )
    assert (
        post_runs(
            client, head["id"], [{"example_id": example_id, "repetition_number": 1, "output": 1}]
        ).status_code
        == 201
    )
    answer = compare(client, base["id"], head["id"])
    (item,) = answer["data"]
    assert (item["improvement"], item["regression"], item["new_run_error"]) == (True, False, False)
    assert answer["verdict"]["improved_examples"] == 1 and answer["verdict"]["regressed"] is False


HUGE = 1.7976931348623157e308


@pytest.mark.parametrize(
    ("base_scores", "head_scores", "base_mean", "head_mean"),
    [
        ((1e308, 1e308), (-1e308, -1e308), 1e308, -1e308),
        ((HUGE, HUGE), (HUGE, -HUGE), HUGE, 0.0),
        ((1e308, -1e308), (1e308, 1.0), 0.0, 5e307),
        ((1e-300, 3e-300), (0.25, 0.75), 2e-300, 0.5),
    ],
    ids=["huge", "largest", "mixed", "tiny"],
)
def test_means_of_huge_scores_stay_finite(
    client: TestClient,
    base_scores: tuple[float, float],
    head_scores: tuple[float, float],
    base_mean: float,
    head_mean: float,
) -> None:
    v1 = upsert(client, [example(s, {"q": s}) for s in "pq"])
    found = examples_at(client, v1["dataset_id"])
    ids = []
    for pair in (base_scores, head_scores):
        experiment = create(client, v1["dataset_id"], repetitions=2)
        runs = [
            {
                "example_id": found[s]["id"],
                "repetition_number": n + 1,
                "output": s,
                "evaluations": [{"name": "size", "score": pair[n]}],
            }
            for s in "pq"
            for n in (0, 1)
        ]
        assert post_runs(client, experiment["id"], runs).status_code == 201
        ids.append(experiment["id"])
        summary = client.get(f"/v1/experiments/{experiment['id']}").json()["summary"]
        assert summary["evaluations"][0]["mean_score"] == pytest.approx(sum(p / 4 for p in pair) * 2)
    answer = compare(client, *ids)
    (size,) = answer["evaluators"]
    assert size["all"]["base"]["mean"] == pytest.approx(base_mean)
    assert size["all"]["head"]["mean"] == pytest.approx(head_mean)
    assert size["like_for_like"]["delta"] == pytest.approx(max(-HUGE, min(HUGE, head_mean - base_mean)))
    for item in answer["data"]:
        (score,) = item["scores"]
        assert (score["base"], score["head"]) == (pytest.approx(base_mean), pytest.approx(head_mean))


# ---------------------------------------------------------------- the gate on a head that produced nothing


def _pair(
    client: TestClient, base_runs: dict[str, Any], head_runs: dict[str, Any], **params: Any
) -> dict[str, Any]:
    """Base and head on one version of p and q, with runs by source id (``"ok"``: a successful
    run without evaluations, ``"error"``: an errored one, absent: no run), compared."""
    v1 = upsert(client, [example(s, {"q": s}) for s in "pq"])
    found = examples_at(client, v1["dataset_id"])
    ids = []
    for wanted in (base_runs, head_runs):
        experiment = create(client, v1["dataset_id"])
        runs = [
            {"example_id": found[s]["id"], "repetition_number": 1, "output": s}
            if how == "ok"
            else {"example_id": found[s]["id"], "repetition_number": 1, "error": "down"}
            for s, how in wanted.items()
        ]
        if runs:
            assert post_runs(client, experiment["id"], runs).status_code == 201
        ids.append(experiment["id"])
    return compare(client, *ids, **params)


@pytest.mark.parametrize(
    "head_runs",
    [{}, {"p": "error", "q": "error"}, {"p": "ok"}],
    ids=["no_runs", "only_errors", "one_missing"],
)
def test_a_head_without_successful_runs_regresses_without_evaluators(
    client: TestClient, head_runs: dict[str, str]
) -> None:
    """The tester's first scene: the base has no evaluator, so only its runs say it answered."""
    answer = _pair(client, {"p": "ok", "q": "ok"}, head_runs)
    verdict = answer["verdict"]
    missing = sum(head_runs.get(s) != "ok" for s in "pq")
    assert (verdict["regressed"], verdict["comparable"], verdict["not_comparable"]) == (True, True, None)
    assert verdict["regressions"] == {} and answer["evaluators"] == []
    assert verdict["missing_runs"] == answer["counts"]["missing_runs"] == missing
    assert verdict["regressed_examples"] == missing
    assert verdict["new_run_errors"] == (2 if head_runs.get("q") == "error" else 0)
    items = by_source(answer)
    assert items["q"]["missing_run"] is items["q"]["regression"] is True
    assert items["p"]["missing_run"] is (head_runs.get("p") != "ok")
    regressed = compare(client, answer["base"]["id"], answer["head"]["id"], only="missing_runs")["data"]
    assert [item["source_id"] for item in regressed] == [s for s in "pq" if items[s]["missing_run"]]


@pytest.mark.parametrize(
    ("base_runs", "head_runs"),
    [
        ({"p": "error", "q": "error"}, {}),
        ({"p": "error", "q": "error"}, {"p": "error", "q": "error"}),
        ({}, {}),
        ({}, {"p": "error"}),
    ],
    ids=["errored_base_empty_head", "errored_both", "both_empty", "empty_base_errored_head"],
)
def test_no_successful_run_on_either_side_is_not_comparable(
    client: TestClient, base_runs: dict[str, str], head_runs: dict[str, str]
) -> None:
    """The tester's second and third scenes: nothing answered, so "no regression" means nothing."""
    answer = _pair(client, base_runs, head_runs)
    verdict = answer["verdict"]
    assert (verdict["regressed"], verdict["comparable"]) == (False, False)
    assert verdict["not_comparable"]["code"] == "no_successful_runs"
    assert "neither experiment has a successful run on the 2 examples" in verdict["not_comparable"]["detail"]
    assert verdict["missing_runs"] == 0


@pytest.mark.parametrize(
    ("base_runs", "head_runs", "base_text"),
    [
        ({"p": "error", "q": "error"}, {"p": "ok", "q": "error"}, "2 runs, all errored"),
        ({}, {"p": "ok", "q": "ok"}, "no run"),
        ({"p": "error"}, {"p": "ok", "q": "ok"}, "1 run, all errored"),
    ],
    ids=["errored_base", "empty_base", "errored_base_one_run"],
)
def test_a_base_without_successful_runs_is_not_comparable(
    client: TestClient, base_runs: dict[str, str], head_runs: dict[str, str], base_text: str
) -> None:
    """Last night's run crashed: a head that answered has nothing to be held against, so "no
    regression, 0 improved" would be a vacuous pass."""
    answer = _pair(client, base_runs, head_runs)
    verdict = answer["verdict"]
    assert (verdict["regressed"], verdict["comparable"]) == (False, False)
    reason = verdict["not_comparable"]
    assert reason["code"] == "no_successful_runs"
    assert reason["detail"].startswith(
        f"the base has nothing to compare against: experiment {answer['base']['id']} has no successful run "
        f"on the 2 examples compared ({base_text}); the head {answer['head']['id']} has "
    ), reason["detail"]


def test_a_base_with_one_successful_run_is_comparable(client: TestClient) -> None:
    answer = _pair(client, {"p": "error", "q": "ok"}, {"p": "ok", "q": "ok"})
    verdict = answer["verdict"]
    assert (verdict["regressed"], verdict["comparable"], verdict["not_comparable"]) == (False, True, None)


def test_a_head_on_an_emptied_version_is_not_comparable(client: TestClient) -> None:
    """The tester's fourth scene: the dataset was mirrored to nothing, the head ran on that."""
    v1 = upsert(client, [example(s, {"q": s}) for s in "pq"])
    found = examples_at(client, v1["dataset_id"])
    base = create(client, v1["dataset_id"])
    runs = [{"example_id": found[s]["id"], "repetition_number": 1, "output": s} for s in "pq"]
    assert post_runs(client, base["id"], runs).status_code == 201
    emptied = upsert(client, [], mode="mirror", allow_empty=True)
    head = create(client, v1["dataset_id"])
    assert head["version_id"] == emptied["version_id"] and head["example_count"] == 0
    answer = compare(client, base["id"], head["id"])
    assert answer["counts"]["only_base"] == 2 and answer["counts"]["missing_runs"] == 0
    verdict = answer["verdict"]
    assert (verdict["regressed"], verdict["comparable"]) == (False, False)
    assert verdict["not_comparable"] == {
        "code": "no_examples_in_scope",
        "detail": f"no example is in both experiments: the base has 2 on version {base['version_id']}, "
        f"the head 0 on version {head['version_id']}",
    }


def test_only_edited_examples_are_not_comparable_like_for_like(client: TestClient) -> None:
    v1 = upsert(client, [example("p", {"q": 1})])
    at_v1 = examples_at(client, v1["dataset_id"])
    base = create(client, v1["dataset_id"])
    assert (
        post_runs(
            client, base["id"], [{"example_id": at_v1["p"]["id"], "repetition_number": 1, "output": 1}]
        ).status_code
        == 201
    )
    upsert(client, [example("p", {"q": 2})])
    at_v2 = examples_at(client, v1["dataset_id"])
    head = create(client, v1["dataset_id"])
    assert (
        post_runs(
            client, head["id"], [{"example_id": at_v2["p"]["id"], "repetition_number": 1, "error": "x"}]
        ).status_code
        == 201
    )
    like = compare(client, base["id"], head["id"])["verdict"]
    assert (like["comparable"], like["regressed"]) == (False, False)
    assert like["not_comparable"]["code"] == "no_examples_in_scope"
    assert "(1 edited)" in like["not_comparable"]["detail"]
    assert "include_changed" in like["not_comparable"]["detail"]
    edited = compare(client, base["id"], head["id"], include_changed="true")["verdict"]
    assert (edited["comparable"], edited["regressed"], edited["missing_runs"]) == (True, True, 1)


def test_an_evaluator_that_only_labels_is_a_label_evaluator(client: TestClient) -> None:
    v1 = upsert(client, [example(s, {"q": s}) for s in "pq"])
    found = examples_at(client, v1["dataset_id"])
    ids = []
    # Per example, the labels of its repetitions: the most frequent one stands for it (a tie:
    # the least), so base labels p "cat", q "cat" and head p "dog", q "cat".
    for labels in (
        {"p": ["cat", "dog", "cat"], "q": ["cat", "cat", "cat"]},
        {"p": ["dog"] * 3, "q": ["dog", "cat", "x"]},
    ):
        experiment = create(client, v1["dataset_id"], repetitions=3)
        runs = [
            {
                "example_id": found[s]["id"],
                "repetition_number": n + 1,
                "output": s,
                "evaluations": [{"name": "topic", "label": label}, {"name": "ok", "score": 1}],
            }
            for s in "pq"
            for n, label in enumerate(labels[s])
        ]
        assert post_runs(client, experiment["id"], runs).status_code == 201
        ids.append(experiment["id"])
    answer = compare(client, *ids)
    kinds = {e["name"]: e["kind"] for e in answer["evaluators"]}
    assert kinds == {"ok": "boolean", "topic": "label"}
    topic = next(e for e in answer["evaluators"] if e["name"] == "topic")
    ok = next(e for e in answer["evaluators"] if e["name"] == "ok")
    assert (topic["all"]["base"]["mean"], topic["regressions"], topic["threshold"]) == (None, 0, None)
    assert (topic["labels_changed"], ok["labels_changed"], ok["threshold"]) == (1, None, 0.0)
    assert answer["verdict"]["regressed"] is False and answer["verdict"]["comparable"] is True
    shown = {
        item["source_id"]: {
            score["name"]: (score["base_label"], score["head_label"]) for score in item["scores"]
        }
        for item in answer["data"]
    }
    assert shown == {
        "p": {"ok": (None, None), "topic": ("cat", "dog")},
        "q": {"ok": (None, None), "topic": ("cat", "cat")},
    }
