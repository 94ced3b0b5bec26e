"""Experiments on a subset of their version (``selection``) on both databases: which examples a
selection by source ids or by metadata takes (canonical JSON equality: 1 is 1.0, true is not 1,
a missing key is not null), its refusals, and that runs, incomplete pairs, the summary, reuse
and the comparison all keep to the selected examples.

The version (metadata per example):

    a  {"lang": "en", "level": 1}      d  {"lang": "fr", "level": 2.5}
    b  {"lang": "en", "level": 1.0}    e  {"lang": null}
    c  {"lang": "de", "level": true}   f  {}
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import example
from tests.test_experiments import create, examples_at, post_runs, problem
from tests.test_upsert import upsert

METADATA: dict[str, dict[str, Any]] = {
    "a": {"lang": "en", "level": 1},
    "b": {"lang": "en", "level": 1.0},
    "c": {"lang": "de", "level": True},
    "d": {"lang": "fr", "level": 2.5, "tags": {"x": [1, "é"]}},
    "e": {"lang": None},
    "f": {},
}


def dataset(client: TestClient) -> tuple[str, dict[str, Any]]:
    result = upsert(client, [example(s, {"q": s}, metadata=m) for s, m in METADATA.items()])
    return result["dataset_id"], examples_at(client, result["dataset_id"])


def selected(client: TestClient, dataset_id: str, selection: dict[str, Any]) -> list[str]:
    """The source ids the experiment created with ``selection`` runs on (its incomplete pairs)."""
    experiment = create(client, dataset_id, selection=selection)
    page = client.get(f"/v1/experiments/{experiment['id']}/incomplete").json()
    found = sorted(item["example"]["source_id"] for item in page["data"])
    assert experiment["example_count"] == len(found)
    return found


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"lang": {"eq": "en"}}, ["a", "b"]),
        ({"level": {"eq": 1}}, ["a", "b"]),
        ({"level": {"eq": 1.0}}, ["a", "b"]),
        ({"level": {"eq": True}}, ["c"]),
        ({"level": {"in": [2.5, True]}}, ["c", "d"]),
        ({"lang": {"eq": None}}, ["e"]),
        ({"lang": {"in": ["de", None, "fr"]}}, ["c", "d", "e"]),
        ({"lang": {"eq": "en"}, "level": {"in": [1, 7]}}, ["a", "b"]),
        ({"lang": {"in": ["en", "fr"]}, "level": {"eq": 2.5}}, ["d"]),
        ({"tags": {"eq": {"x": [1.0, "é"]}}}, ["d"]),
    ],
)
def test_metadata_selection(client: TestClient, condition: dict[str, Any], expected: list[str]) -> None:
    dataset_id, _ = dataset(client)
    assert selected(client, dataset_id, {"metadata": condition}) == expected


def test_source_id_selection_is_stored_sorted_once(client: TestClient) -> None:
    dataset_id, _ = dataset(client)
    experiment = create(client, dataset_id, selection={"source_ids": ["d", "a", "d"]})
    assert experiment["selection"] == {"source_ids": ["a", "d"]} and experiment["example_count"] == 2
    read = client.get(f"/v1/experiments/{experiment['id']}").json()
    assert read["selection"] == {"source_ids": ["a", "d"]}
    assert read["summary"]["expected_runs"] == 2 and read["summary"]["incomplete_runs"] == 2
    whole = create(client, dataset_id)
    assert whole["selection"] is None and whole["example_count"] == 6
    listed = client.get(f"/v1/datasets/{dataset_id}/experiments", params={"summary": "true"}).json()["data"]
    assert [item["selection"] for item in listed] == [None, {"source_ids": ["a", "d"]}]
    assert [item["summary"]["expected_runs"] for item in listed] == [6, 2]
    condition = create(client, dataset_id, selection={"metadata": {"level": {"in": [1.0, True]}}})
    assert condition["selection"] == {"metadata": {"level": {"in": [1, True]}}}
    explicit_null = {"source_ids": None, "metadata": {"lang": {"eq": None}}}
    assert create(client, dataset_id, selection=explicit_null)["selection"] == {
        "metadata": {"lang": {"eq": None}}
    }
    # The SDKs' source-id rule: an integer is its decimal text, as in an upsert.
    numbered_set = upsert(
        client, [example("7", {"q": 7}), example("a", {"q": 1})], dataset={"name": "numbered"}
    )
    numbered = create(client, numbered_set["dataset_id"], selection={"source_ids": [7, "a"]})
    assert numbered["selection"] == {"source_ids": ["7", "a"]} and numbered["example_count"] == 2


def test_refusals(client: TestClient) -> None:
    dataset_id, _ = dataset(client)
    url = f"/v1/datasets/{dataset_id}/experiments"
    unknown = problem(
        client.post(
            url, json={"selection": {"source_ids": ["a", "zz", "b", *[f"n{i}" for i in range(150)]]}}
        ),
        422,
        "unknown_source_ids",
    )
    assert unknown["unknown_count"] == 151 and len(unknown["unknown_source_ids"]) == 100
    assert unknown["unknown_source_ids"][:2] == ["zz", "n0"] and unknown["path"] == "$.selection.source_ids"
    assert '"zz"' in unknown["detail"]
    empty = problem(
        client.post(url, json={"selection": {"metadata": {"lang": {"eq": "xx"}}}}), 422, "empty_selection"
    )
    assert empty["path"] == "$.selection"
    # A missing key is not null: f has no `level`, e's is absent too.
    problem(
        client.post(url, json={"selection": {"metadata": {"level": {"eq": None}}}}), 422, "empty_selection"
    )
    refused: list[dict[str, Any]] = [
        {},
        {"source_ids": []},
        {"metadata": {}},
        {"source_ids": ["a"], "metadata": {"lang": {"eq": "en"}}},
        {"metadata": {"lang": {}}},
        {"metadata": {"lang": {"eq": "en", "in": ["en"]}}},
        {"metadata": {"lang": {"in": []}}},
        {"metadata": {"lang": {"in": None}}},
        {"source_ids": None},
        {"metadata": {"lang": "en"}},
        {"source_ids": [""]},
        {"source_ids": [True]},
        {"source_ids": [1.5]},
        {"source_ids": [2**53]},
    ]
    for bad in refused:
        answer = client.post(url, json={"selection": bad})
        assert answer.status_code == 422 and answer.json()["code"] == "invalid_request", (bad, answer.text)
        assert "selection" in answer.json()["detail"]
    problem(client.post(url, json={"selection": {"source_id": ["a"]}}), 422, "unknown_field")
    inexact = {"selection": {"metadata": {"k": {"in": ["x", 2**53 + 1]}}}}
    assert (
        problem(client.post(url, json=inexact), 422, "integer_not_exact")["path"]
        == "$.selection.metadata.k.in[1]"
    )
    # Nothing was written by a refusal.
    assert client.get(url).json()["data"] == []


def test_runs_incomplete_and_summary_keep_to_the_selection(client: TestClient) -> None:
    dataset_id, at = dataset(client)
    experiment = create(client, dataset_id, selection={"source_ids": ["a", "c"]}, repetitions=2)
    outside = post_runs(
        client,
        experiment["id"],
        [{"example_id": at["a"]["id"], "output": 1}, {"example_id": at["b"]["id"], "output": 2}],
    )
    body = problem(outside, 422, "example_not_in_selection")
    assert body["example_ids"] == [at["b"]["id"]] and body["path"] == "$.runs[1].example_id"
    assert body["experiment_id"] == experiment["id"]
    stored = post_runs(
        client,
        experiment["id"],
        [
            {"example_id": at["a"]["id"], "output": 1, "evaluations": [{"name": "ok", "score": 1}]},
            {"example_id": at["a"]["id"], "repetition_number": 2, "error": "boom"},
        ],
    )
    assert stored.status_code == 201, stored.text
    summary = client.get(f"/v1/experiments/{experiment['id']}").json()["summary"]
    assert (summary["expected_runs"], summary["runs"], summary["successful_runs"]) == (4, 2, 1)
    assert summary["incomplete_runs"] == 3
    page = client.get(f"/v1/experiments/{experiment['id']}/incomplete").json()["data"]
    assert [(item["example"]["source_id"], item["repetition_numbers"]) for item in page] == [
        ("a", [2]),
        ("c", [1, 2]),
    ]


def test_reuse_copies_only_selected_examples(client: TestClient) -> None:
    dataset_id, at = dataset(client)
    base = create(client, dataset_id, task_version="t1")
    runs = [{"example_id": at[s]["id"], "output": s} for s in METADATA]
    assert post_runs(client, base["id"], runs).status_code == 201
    head = create(client, dataset_id, task_version="t1", selection={"metadata": {"lang": {"eq": "en"}}})
    answer = client.post(f"/v1/experiments/{head['id']}/reuse", json={"base": base["id"]})
    assert answer.status_code == 200 and answer.json()["reused_runs"] == 2, answer.text
    summary = client.get(f"/v1/experiments/{head['id']}").json()["summary"]
    assert (summary["expected_runs"], summary["runs"], summary["incomplete_runs"]) == (2, 2, 0)
    assert client.get(f"/v1/experiments/{head['id']}/incomplete").json()["data"] == []


def _run_all(
    client: TestClient, experiment: dict[str, Any], at: dict[str, Any], scores: dict[str, float]
) -> None:
    runs = [
        {"example_id": at[s]["id"], "output": s, "evaluations": [{"name": "ok", "score": score}]}
        for s, score in scores.items()
    ]
    assert post_runs(client, experiment["id"], runs).status_code == 201


def test_comparison_across_subsets(client: TestClient) -> None:
    dataset_id, at = dataset(client)
    base = create(client, dataset_id, selection={"source_ids": ["a", "b", "c"]})
    _run_all(client, base, at, {"a": 1, "b": 1, "c": 1})
    head = create(client, dataset_id, selection={"source_ids": ["b", "c", "d"]})
    _run_all(client, head, at, {"b": 1, "c": 0, "d": 1})
    compared = client.get("/v1/experiments/compare", params={"base": base["id"], "head": head["id"]}).json()
    assert compared["selections_differ"] is True
    assert compared["base"]["selection"] == {"source_ids": ["a", "b", "c"]}
    assert compared["head"]["example_count"] == 3
    classes = {item["source_id"]: item["status"] for item in compared["data"]}
    assert classes == {"a": "only_base", "b": "same_content", "c": "same_content", "d": "only_head"}
    counts = compared["counts"]
    assert (counts["examples"], counts["only_base"], counts["only_head"], counts["same_content"]) == (
        4,
        1,
        1,
        2,
    )
    assert compared["verdict"]["regressed"] is True and compared["verdict"]["regressions"] == {"ok": 1}
    whole = create(client, dataset_id)
    _run_all(client, whole, at, dict.fromkeys(METADATA, 1.0))
    against = client.get("/v1/experiments/compare", params={"base": whole["id"], "head": head["id"]}).json()
    assert against["selections_differ"] is True and against["base"]["selection"] is None
    assert against["counts"]["only_base"] == 3 and against["counts"]["same_content"] == 3
    same = create(client, dataset_id, selection={"source_ids": ["d", "c", "b"]})
    _run_all(client, same, at, {"b": 1, "c": 1, "d": 1})
    alike = client.get("/v1/experiments/compare", params={"base": head["id"], "head": same["id"]}).json()
    assert alike["selections_differ"] is False and alike["counts"]["examples"] == 3


def test_a_selection_of_an_older_version(client: TestClient) -> None:
    """The selection reads the pinned version: a key edited since, or an example deleted since,
    counts as it was there."""
    dataset_id, _ = dataset(client)
    first = client.get(f"/v1/datasets/{dataset_id}").json()["latest_version_id"]
    upsert(client, [example("a", {"q": "a"}, metadata={"lang": "xx"})])
    upsert(client, [example("b", {"q": "b"}, metadata=METADATA["b"])], mode="mirror")
    assert selected(client, dataset_id, {"metadata": {"lang": {"eq": "en"}}}) == ["b"]
    older = create(client, dataset_id, version_id=first, selection={"metadata": {"lang": {"eq": "en"}}})
    assert older["example_count"] == 2
    problem(
        client.post(f"/v1/datasets/{dataset_id}/experiments", json={"selection": {"source_ids": ["a", "c"]}}),
        422,
        "unknown_source_ids",
    )


ODD = {
    "p": {"a\nb": 1, 'q"t': "x", "é": 'é\n"\\', "": 0, "a.b": 1e21, "k": {"b": [1.5, None], "a": True}},
    "q": {"a\nb": 2, 'q"t': "y", "é": "é", "": 1, "a.b": 1e20, "k": {"a": True}},
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"a\nb": {"eq": 1.0}}, ["p"]),
        ({'q"t': {"in": ["y", 3]}}, ["q"]),
        ({"é": {"eq": 'é\n"\\'}}, ["p"]),
        ({"": {"eq": 0}}, ["p"]),
        ({"a.b": {"eq": 10**21}}, ["p"]),
        ({"a.b": {"in": [1e20, 1e21]}}, ["p", "q"]),
        ({"k": {"eq": {"a": True, "b": [1.5, None]}}}, ["p"]),
        ({"k": {"in": [{"a": 1}, {"a": True}]}}, ["q"]),
    ],
)
def test_keys_and_values_that_json_escapes(
    client: TestClient, condition: dict[str, Any], expected: list[str]
) -> None:
    """Keys SQLite's JSON paths cannot name as stored, strings with escapes, numbers written
    with an exponent, nested values: the SQL prefilter never drops an example that matches."""
    dataset_id = upsert(client, [example(s, {"q": s}, metadata=m) for s, m in ODD.items()])["dataset_id"]
    assert selected(client, dataset_id, {"metadata": condition}) == expected
