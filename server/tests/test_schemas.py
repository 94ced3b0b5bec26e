"""Dataset JSON Schemas (draft 2020-12) on both databases: set, read, history, delete; a schema
the latest version violates refused unless forced; every upsert (JSON body, NDJSON, dry run,
plan then upsert) refused with every violation named and nothing written."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.testclient import TestClient

from tests.conftest import example
from tests.test_experiments import problem
from tests.test_upsert import table_count, upsert

NDJSON = {"content-type": "application/x-ndjson"}

QUESTION = {
    "type": "object",
    "required": ["question"],
    "properties": {"question": {"type": "string", "minLength": 1}, "level": {"enum": ["easy", "hard"]}},
}
ANSWER = {"type": "object", "required": ["answer"]}


def ndjson(client: TestClient, route: str, lines: list[dict[str, Any]]) -> Any:
    body = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    return client.post(f"/v1/datasets/{route}", content=body, headers=NDJSON)


def url(dataset_id: str, tail: str = "") -> str:
    return f"/v1/datasets/{dataset_id}/schema{tail}"


def seeded(client: TestClient) -> str:
    """A dataset whose one version holds a valid example and one without `level`."""
    result = upsert(
        client,
        [
            example("a", {"question": "2+2?", "level": "easy"}, {"answer": "4"}),
            example("b", {"question": "1+1?"}),
        ],
    )
    dataset_id: str = result["dataset_id"]
    return dataset_id


def put(client: TestClient, dataset_id: str, **body: Any) -> Any:
    return client.put(url(dataset_id), json=body)


def test_set_get_history_delete(client: TestClient) -> None:
    dataset_id = seeded(client)
    assert problem(client.get(url(dataset_id)), 404, "schema_not_found")["dataset_id"] == dataset_id
    assert client.get(url(dataset_id, "/history")).json() == {"data": []}
    response = put(client, dataset_id, input=QUESTION, metadata=True)
    assert response.status_code == 200, response.text
    stored = response.json()
    assert (stored["input"], stored["output"], stored["metadata"], stored["forced"]) == (
        QUESTION,
        None,
        True,
        False,
    )
    assert client.get(url(dataset_id)).json() == stored
    assert client.delete(url(dataset_id)).status_code == 204
    problem(client.get(url(dataset_id)), 404, "schema_not_found")
    problem(client.delete(url(dataset_id)), 404, "schema_not_found")
    history = client.get(url(dataset_id, "/history")).json()["data"]
    assert [(h["input"], h["metadata"]) for h in history] == [(None, None), (QUESTION, True)]
    problem(client.get(url("999999")), 404, "dataset_not_found")
    # A schema with no part is not a schema: a deletion is DELETE, said so; nothing stored.
    for empty in ({}, {"input": None, "output": None, "metadata": None}, {"force": True}):
        refused = problem(client.put(url(dataset_id), json=empty), 422, "empty_schema")
        assert "DELETE" in refused["detail"]
    assert len(client.get(url(dataset_id, "/history")).json()["data"]) == 2


def test_a_schema_the_latest_version_violates_is_refused_unless_forced(client: TestClient) -> None:
    dataset_id = seeded(client)
    strict = {**QUESTION, "required": ["question", "level"]}
    body = problem(put(client, dataset_id, input=strict, output=ANSWER), 422, "schema_violation")
    found = sorted((e["source_id"], e["path"], e["schema_path"]) for e in body["errors"])
    assert found == [("b", "$.input", "/input/required"), ("b", "$.output", "/output/required")]
    assert body["more_errors"] == 0 and all(e["code"] == "schema_violation" for e in body["errors"])
    assert "level" in " ".join(e["detail"] for e in body["errors"])
    problem(client.get(url(dataset_id)), 404, "schema_not_found")
    forced = put(client, dataset_id, input=strict, output=ANSWER, force=True)
    assert forced.status_code == 200, forced.text
    assert forced.json()["forced"] is True
    # A schema the version satisfies is not marked forced, even when force is sent.
    assert put(client, dataset_id, input=QUESTION, force=True).json()["forced"] is False


def test_an_invalid_schema_names_each_part_and_path(client: TestClient) -> None:
    dataset_id = seeded(client)
    body = problem(
        put(client, dataset_id, input={"type": "strin"}, output={"properties": {"a": {"minLength": -1}}}),
        422,
        "invalid_schema",
    )
    paths = {e["path"] for e in body["errors"]}
    assert {"$.input.type", "$.output.properties.a.minLength"} <= paths, body
    assert body["path"] in paths
    remote = problem(
        put(client, dataset_id, input={"$ref": "https://example.com/s.json"}), 422, "invalid_schema"
    )
    assert "fetches nothing" in remote["detail"]
    other = problem(
        put(client, dataset_id, input={"$schema": "http://json-schema.org/draft-07/schema#"}),
        422,
        "invalid_schema",
    )
    assert other["path"] == '$.input["$schema"]'
    problem(put(client, dataset_id, input=3), 422, "invalid_request")
    assert client.get(url(dataset_id, "/history")).json() == {"data": []}


def test_an_upsert_is_refused_with_every_violation_and_nothing_written(client: TestClient) -> None:
    dataset_id = seeded(client)
    assert put(client, dataset_id, input=QUESTION).status_code == 200
    revisions = table_count(client, "dataset_example_revisions")
    bad = [
        example("c", {"question": ""}),
        example("d", {"question": "ok?", "level": "medium"}),
        example("e", {"question": "fine"}),
        example("f", {"level": "easy"}),
    ]
    for dry_run in (False, True):
        body = {"dataset": {"name": "qa"}, "mode": "merge", "examples": bad, "dry_run": dry_run}
        answer = problem(client.post("/v1/datasets/upsert", json=body), 422, "schema_violation")
        errors = [(e["index"], e["source_id"], e["path"], e["schema_path"]) for e in answer["errors"]]
        assert errors == [
            (0, "c", "$.examples[0].input.question", "/input/properties/question/minLength"),
            (1, "d", "$.examples[1].input.level", "/input/properties/level/enum"),
            (3, "f", "$.examples[3].input", "/input/required"),
        ]
        assert answer["path"] == "$.examples[0].input.question" and answer["more_errors"] == 0
    assert table_count(client, "dataset_example_revisions") == revisions
    lines = [{"dataset": {"name": "qa"}, "mode": "merge"}, *bad]
    response = client.post(
        "/v1/datasets/upsert", content=b"".join(orjson.dumps(x) + b"\n" for x in lines), headers=NDJSON
    )
    answer = problem(response, 422, "schema_violation")
    assert [(e["line"], e["source_id"], e["path"]) for e in answer["errors"]] == [
        (2, "c", "$.input.question"),
        (3, "d", "$.input.level"),
        (5, "f", "$.input"),
    ]
    assert answer["line"] == 2
    assert table_count(client, "dataset_example_revisions") == revisions
    good = upsert(client, [example("e", {"question": "fine"})])
    assert good["created"] == 1


def test_more_than_a_hundred_violations_are_counted(client: TestClient) -> None:
    dataset_id = seeded(client)
    assert put(client, dataset_id, input=QUESTION).status_code == 200
    bad = [example(f"x{i:03}", {"question": i}) for i in range(150)]
    body = {"dataset": {"name": "qa"}, "mode": "merge", "examples": bad}
    answer = problem(client.post("/v1/datasets/upsert", json=body), 422, "schema_violation")
    assert len(answer["errors"]) == 100 and answer["more_errors"] == 50
    assert answer["errors"][99]["source_id"] == "x099"


def test_a_planned_upsert_is_checked_and_a_dataset_without_schema_is_not(client: TestClient) -> None:
    dataset_id = seeded(client)
    anything = upsert(client, [example("z", {"no": "question"})])
    assert anything["created"] == 1
    bare = [{"dataset": {"name": "qa"}, "mode": "merge"}, {"source_id": "z", "content_hash": "0" * 64}]
    assert ndjson(client, "upsert/plan", bare).json()["dataset_schema"] is None
    assert put(client, dataset_id, input=QUESTION, force=True).json()["forced"] is True
    header = {"dataset": {"name": "qa"}, "mode": "merge"}
    new = example("y", {"question": 5})
    manifest = [header, {"source_id": "y", "content_hash": new["content_hash"]}]
    plan = client.post(
        "/v1/datasets/upsert/plan",
        content=b"".join(orjson.dumps(x) + b"\n" for x in manifest),
        headers=NDJSON,
    )
    assert plan.status_code == 200, plan.text
    assert plan.json()["needed_source_ids"] == ["y"]
    assert plan.json()["dataset_schema"]["input"] == QUESTION
    lines = [header, new]
    response = client.post(
        "/v1/datasets/upsert", content=b"".join(orjson.dumps(x) + b"\n" for x in lines), headers=NDJSON
    )
    assert problem(response, 422, "schema_violation")["errors"][0]["path"] == "$.input.question"


def test_the_schema_goes_with_its_dataset(client: TestClient) -> None:
    dataset_id = seeded(client)
    assert put(client, dataset_id, input=QUESTION).status_code == 200
    assert client.delete(f"/v1/datasets/{dataset_id}").status_code == 204
    assert table_count(client, "dataset_schemas") == 0
