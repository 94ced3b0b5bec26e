"""What the problems say: the field at fault and what is wrong with it, in plain words."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from groundset_server.experiment_schemas import MAX_REPETITIONS
from tests.conftest import example
from tests.test_validation import assert_problem, nothing_written


def _dataset(client: TestClient) -> tuple[str, str]:
    """A dataset with one example, and that example's id."""
    created = client.post(
        "/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": [example("a", {})]}
    )
    dataset = created.json()["dataset_id"]
    return dataset, client.get(f"/v1/datasets/{dataset}/examples").json()["data"][0]["id"]


def test_ids_are_named_with_their_article(sqlite_client: TestClient) -> None:
    _dataset(sqlite_client)
    for path, detail in [
        ("/v1/datasets/x", "`x` is not a dataset id"),
        ("/v1/experiments/x", "`x` is not an experiment id"),
        ("/v1/datasets/1/versions/x", "`x` is not a version id"),
    ]:
        assert assert_problem(sqlite_client.get(path), 422, "invalid_id")["detail"] == detail


def test_a_version_conflict_on_a_dataset_without_versions(sqlite_client: TestClient) -> None:
    body = {"dataset": {"name": "new"}, "expected_version_id": "zzz", "examples": []}
    found = assert_problem(sqlite_client.post("/v1/datasets/upsert", json=body), 409, "version_conflict")
    assert found["detail"] == "the dataset has no version yet, and the request expected version zzz"
    _dataset(sqlite_client)
    body = {"dataset": {"name": "qa"}, "expected_version_id": None, "examples": []}
    found = assert_problem(sqlite_client.post("/v1/datasets/upsert", json=body), 409, "version_conflict")
    assert (
        found["detail"]
        == "the latest version is 1, and the request expected none (`expected_version_id` is null)"
    )


def test_a_name_too_long_is_counted_in_characters(sqlite_client: TestClient) -> None:
    body = {"dataset": {"name": "é" * 513}, "examples": []}
    found = assert_problem(sqlite_client.post("/v1/datasets/upsert", json=body), 422, "invalid_selector")
    assert found["detail"] == "`dataset.name` must be a non-empty string of at most 512 characters"


@pytest.mark.parametrize("name", [" ", "\t\n", "\u3000"])
def test_a_name_of_whitespace_alone_is_refused(sqlite_client: TestClient, name: str) -> None:
    for route in ("/v1/datasets/upsert", "/v1/datasets/upsert/plan"):
        body = {"dataset": {"name": name}, "examples": []}
        found = assert_problem(sqlite_client.post(route, json=body), 422, "invalid_selector")
        assert found["detail"] == f"`dataset.name` must not be only whitespace, not {name!r}"
    assert sqlite_client.get("/v1/datasets").json()["data"] == []
    # Blanks around a visible name make another name that reads the same: refused too.
    body = {"dataset": {"name": " qa "}, "examples": []}
    found = assert_problem(sqlite_client.post("/v1/datasets/upsert", json=body), 422, "invalid_selector")
    assert found["detail"] == "`dataset.name` must not begin with white space (U+0020 at character 0): ' qa '"


def test_an_invalid_request_names_its_first_error(sqlite_client: TestClient) -> None:
    dataset, _ = _dataset(sqlite_client)
    body = {"repetitions": MAX_REPETITIONS + 1, "metadata": 4, "task_version": 5}
    found = assert_problem(
        sqlite_client.post(f"/v1/datasets/{dataset}/experiments", json=body), 422, "invalid_request"
    )
    assert found["detail"] == "`$.metadata`: must be a valid dictionary (and 2 more errors)"
    assert found["path"] == "$.metadata" and len(found["errors"]) == 3
    assert {error["path"] for error in found["errors"]} == {"$.metadata", "$.repetitions", "$.task_version"}
    body = {"repetitions": MAX_REPETITIONS + 1}
    found = assert_problem(
        sqlite_client.post(f"/v1/datasets/{dataset}/experiments", json=body), 422, "invalid_request"
    )
    assert found["detail"] == f"`$.repetitions`: must be at most {MAX_REPETITIONS}"
    found = assert_problem(sqlite_client.get("/v1/datasets", params={"limit": 0}), 422, "invalid_request")
    assert found["detail"] == "query parameter `limit`: must be at least 1"
    broken = sqlite_client.post(
        f"/v1/datasets/{dataset}/experiments",
        content=b'{"name": ',
        headers={"content-type": "application/json"},
    )
    assert (
        assert_problem(broken, 422, "invalid_request")["detail"]
        == "the body is not valid JSON (at character 9)"
    )


def test_a_run_that_ends_before_it_starts_is_refused(sqlite_client: TestClient) -> None:
    dataset, example_id = _dataset(sqlite_client)
    experiment = sqlite_client.post(f"/v1/datasets/{dataset}/experiments", json={}).json()["id"]
    later, earlier = "2026-01-01T00:00:01Z", "2026-01-01T00:00:00+00:00"
    run: dict[str, Any] = {"example_id": example_id, "start_time": later, "end_time": earlier}
    evaluation = {"name": "exact", "score": 1, "start_time": "2026-01-01T01:00:01", "end_time": earlier}
    for runs, path in [
        ([run], "$.runs[0].end_time"),
        ([{"example_id": example_id, "evaluations": [evaluation]}], "$.runs[0].evaluations[0].end_time"),
    ]:
        refused = sqlite_client.post(f"/v1/experiments/{experiment}/runs", json={"runs": runs})
        found = assert_problem(refused, 422, "invalid_time_range")
        assert found["path"] == path and found["detail"].startswith(
            f"`{path}`: 2026-01-01T00:00:00+00:00 is before `start_time`"
        )
    assert sqlite_client.get(f"/v1/experiments/{experiment}/runs").json()["data"] == []
    # The same time at both ends is a run of no time.
    run["end_time"] = "2026-01-01T00:00:01+00:00"
    assert sqlite_client.post(f"/v1/experiments/{experiment}/runs", json={"runs": [run]}).status_code == 201


def _without_content(source_id: str, input: dict[str, Any]) -> dict[str, Any]:
    item = example(source_id, input)
    del item["input"]
    return item


def test_examples_without_content_that_no_plan_explains(client: TestClient) -> None:
    """A hash without content is the second step of a plan; sent to a dataset without versions,
    or to the version the request expected, no plan left it out: 422 naming every record."""
    items = [example("a", {"q": 1}), _without_content("b", {"q": 2}), _without_content("c", {"q": 3})]
    body = {"dataset": {"name": "new"}, "examples": items}
    found = assert_problem(client.post("/v1/datasets/upsert", json=body), 422, "missing_content")
    assert found["detail"].startswith("2 examples came with a content_hash but no `input` (the first: 'b')")
    assert [(e["path"], e["index"], e["source_id"]) for e in found["errors"]] == [
        ("$.examples[1].input", 1, "b"),
        ("$.examples[2].input", 2, "c"),
    ]
    lines = [orjson.dumps({"dataset": {"name": "new"}}), *(orjson.dumps(item) for item in items)]
    ndjson = client.post(
        "/v1/datasets/upsert", content=b"\n".join(lines), headers={"content-type": "application/x-ndjson"}
    )
    found = assert_problem(ndjson, 422, "missing_content")
    assert [(e["path"], e["line"]) for e in found["errors"]] == [("$.input", 3), ("$.input", 4)]
    assert nothing_written(client)

    version = client.post("/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": items[:1]})
    guarded = {
        "dataset": {"name": "qa"},
        "expected_version_id": version.json()["version_id"],
        "examples": items,
    }
    found = assert_problem(client.post("/v1/datasets/upsert", json=guarded), 422, "missing_content")
    assert (
        "no revision of the dataset (at version 1, the one the request expected) holds their content_hash"
        in (found["detail"])
    )
    # Without the guard, the request may have been planned against an older version.
    unguarded = {"dataset": {"name": "qa"}, "examples": items}
    found = assert_problem(client.post("/v1/datasets/upsert", json=unguarded), 409, "stale_manifest")
    assert found["source_ids"] == ["b", "c"] and "with the input of the examples listed" in found["detail"]
    assert found["needed_source_ids"] == ["b", "c"]


def test_a_long_experiment_name_is_counted_in_characters(client: TestClient) -> None:
    dataset, _ = _dataset(client)
    body = {"name": "x" * 100_000}
    found = assert_problem(
        client.post(f"/v1/datasets/{dataset}/experiments", json=body), 422, "invalid_request"
    )
    assert found["detail"] == "`$.name`: value should have at most 512 characters, not 100000"
    assert len(orjson.dumps(found)) < 1000


def test_a_version_of_another_dataset_is_named_with_the_dataset(client: TestClient) -> None:
    _dataset(client)
    other = client.post(
        "/v1/datasets/upsert", json={"dataset": {"name": "a/b"}, "examples": [example("z", {})]}
    )
    foreign = client.post(
        "/v1/datasets/upsert", json={"dataset": {"name": "c"}, "examples": [example("y", {})]}
    )
    put = client.put(
        f"/v1/datasets/{other.json()['dataset_id']}/tags/base",
        json={"version_id": foreign.json()["version_id"]},
    )
    found = assert_problem(put, 404, "version_not_found")
    dataset_id, version_id = other.json()["dataset_id"], foreign.json()["version_id"]
    assert found["detail"] == f"dataset 'a/b' ({dataset_id}) has no version {version_id}"


def test_a_deep_path_is_shortened_in_the_detail_and_whole_in_the_member(client: TestClient) -> None:
    deep: Any = 0
    for _ in range(129):
        deep = [deep]
    whole = "$.examples[0].input.d" + "[0]" * 126  # the body object and array count
    short = "$.examples[0].input.d[0][0][0][0]… (130 segments)"
    item = {"source_id": "a", "content_hash": "0" * 64, "input": {"d": deep}}
    found = assert_problem(
        client.post("/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": [item]}),
        422,
        "depth_exceeded",
    )
    assert found["path"] == whole and whole not in found["detail"], found["detail"]
    assert found["detail"].startswith(f"depth_exceeded at {short} (line 1, column "), found["detail"]
    lines = orjson.dumps({"dataset": {"name": "qa"}}) + b"\n" + orjson.dumps(item) + b"\n"
    found = assert_problem(
        client.post("/v1/datasets/upsert", content=lines, headers={"content-type": "application/x-ndjson"}),
        422,
        "depth_exceeded",
    )
    line_whole = "$.input.d" + "[0]" * 126
    assert found["path"] == line_whole and line_whole not in found["detail"], found["detail"]
    assert "depth_exceeded at $.input.d[0][0][0][0][0][0]… (128 segments) (line 2, column " in found["detail"]
