"""Strict request bodies on both databases: a member a route does not define, at any depth of the
request's own structure, is 422 `unknown_field` naming its JSON path, and nothing is written;
user content (input, output, metadata) stays free-form."""

from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

import orjson
import pytest
from fastapi.testclient import TestClient
from pydantic import Strict

import groundset_server.app  # noqa: F401  (every request model defined)
from groundset_server.validation import StrictModel
from tests.conftest import example
from tests.test_experiments import create, examples_at, post_runs, problem, stored_runs
from tests.test_upsert import table_count, upsert

NDJSON = {"content-type": "application/x-ndjson"}


def ndjson(header: dict[str, Any], *lines: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps(value) + b"\n" for value in (header, *lines))


def unknown(response: Any, path: str) -> dict[str, Any]:
    body = problem(response, 422, "unknown_field")
    assert body["path"] == path and body["status"] == 422, body
    assert path in body["detail"]
    return body


def seeded(client: TestClient) -> dict[str, Any]:
    """A dataset with two examples (version 1), to show that a refused mirror deletes nothing."""
    return upsert(client, [example("a", {"q": 1}), example("b", {"q": 2})])


@pytest.mark.parametrize("route", ["/v1/datasets/upsert", "/v1/datasets/upsert/plan"])
@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"dataset": {"name": "qa"}, "mode": "mirror", "exmaples": []}, "$.exmaples"),
        ({"dataset": {"nmae": "qa"}, "examples": []}, "$.dataset.nmae"),
        ({"dataset": {"name": "qa", "id": None, "extra": 1}, "examples": []}, "$.dataset.extra"),
        ({"dataset": {"name": "qa"}, "mode": "mirror", "dry_rn": True, "examples": []}, "$.dry_rn"),
    ],
)
def test_unknown_members_of_json_bodies(
    client: TestClient, route: str, body: dict[str, Any], path: str
) -> None:
    before = seeded(client)
    unknown(client.post(route, json=body), path)
    assert examples_at(client, before["dataset_id"]).keys() == {"a", "b"}
    assert table_count(client, "dataset_versions") == 1


@pytest.mark.parametrize("route", ["/v1/datasets/upsert", "/v1/datasets/upsert/plan"])
def test_unknown_members_of_the_ndjson_header(client: TestClient, route: str) -> None:
    seeded(client)
    body = ndjson({"dataset": {"name": "qa"}, "mode": "mirror", "dryrun": True})
    assert unknown(client.post(route, content=body, headers=NDJSON), "$.dryrun")["line"] == 1
    nested = ndjson({"dataset": {"name": "qa", "nmae": "x"}})
    assert unknown(client.post(route, content=nested, headers=NDJSON), "$.dataset.nmae")["line"] == 1
    assert table_count(client, "dataset_versions") == 1


def test_members_of_one_route_are_unknown_to_the_other(client: TestClient) -> None:
    """The plan takes no upsert options: `dry_run` or a description there is a mistake."""
    plan = {"dataset": {"name": "qa"}, "examples": [], "dry_run": True}
    unknown(client.post("/v1/datasets/upsert/plan", json=plan), "$.dry_run")
    described = ndjson({"dataset": {"name": "qa"}, "description": "d"})
    unknown(client.post("/v1/datasets/upsert/plan", content=described, headers=NDJSON), "$.description")


@pytest.mark.parametrize("route", ["/v1/datasets/upsert", "/v1/datasets/upsert/plan"])
def test_a_json_body_without_examples_is_refused(client: TestClient, route: str) -> None:
    before = seeded(client)
    for mode in ("mirror", "merge"):
        body = problem(
            client.post(route, json={"dataset": {"name": "qa"}, "mode": mode}), 422, "missing_examples"
        )
        assert body["path"] == "$.examples"
    assert examples_at(client, before["dataset_id"]).keys() == {"a", "b"}
    assert table_count(client, "dataset_versions") == 1


def test_misspelt_dry_run_never_writes(client: TestClient) -> None:
    seeded(client)
    body = {"dataset": {"name": "qa"}, "mode": "mirror", "dryrun": True, "examples": [example("c", {"q": 3})]}
    unknown(client.post("/v1/datasets/upsert", json=body), "$.dryrun")
    assert table_count(client, "dataset_versions") == 1 and table_count(client, "dataset_examples") == 2


def test_user_content_is_free_form(client: TestClient) -> None:
    """Members inside input, output and metadata are the user's, not the request's."""
    item = example("a", {"anything": {"goes": 1}}, {"free": True}, {"x-y": [1]})
    done = client.post(
        "/v1/datasets/upsert",
        json={
            "dataset": {"name": "qa"},
            "metadata": {"owner": {"team": "t"}},
            "version_metadata": {"commit": "abc"},
            "examples": [item],
        },
    )
    assert done.status_code == 200, done.text
    experiment = create(client, done.json()["dataset_id"], metadata={"model": {"name": "m"}})
    example_id = examples_at(client, done.json()["dataset_id"])["a"]["id"]
    runs = [
        {
            "example_id": example_id,
            "output": {"whatever": {"nested": 1}},
            "evaluations": [{"name": "e", "metadata": {"free": {"form": 1}}}],
        }
    ]
    assert post_runs(client, experiment["id"], runs).status_code == 201


def test_unknown_members_of_experiment_bodies(client: TestClient) -> None:
    done = upsert(client, [example(s, {"q": s}) for s in "abc"])
    dataset_id = done["dataset_id"]
    unknown(client.post(f"/v1/datasets/{dataset_id}/experiments", json={"nmae": "x"}), "$.nmae")
    experiment = create(client, dataset_id)
    ids = [item["id"] for item in examples_at(client, dataset_id).values()]
    runs: list[dict[str, Any]] = [{"example_id": example_id, "output": {"a": 1}} for example_id in ids]
    url = f"/v1/experiments/{experiment['id']}/runs"
    unknown(client.post(url, json={"runs": runs, "rnus": []}), "$.rnus")
    unknown(post_runs(client, experiment["id"], [*runs[:2], {**runs[2], "outptu": 1}]), "$.runs[2].outptu")
    evaluated = [{**runs[0], "evaluations": [{"name": "e", "lable": "x"}]}]
    unknown(post_runs(client, experiment["id"], evaluated), "$.runs[0].evaluations[0].lable")
    assert stored_runs(client, experiment["id"]) == []
    stored = post_runs(client, experiment["id"], runs).json()["data"]
    evaluations = f"/v1/experiments/{experiment['id']}/evaluations"
    batch = [
        {"run_id": stored[0]["id"], "name": "e"},
        {"run_id": stored[1]["id"], "name": "e", "explnation": ""},
    ]
    unknown(client.post(evaluations, json={"evaluations": batch}), "$.evaluations[1].explnation")
    unknown(client.post(evaluations, json={"evaluations": [], "more": 1}), "$.more")
    assert table_count(client, "experiment_evaluations") == 0


def test_every_unknown_member_is_listed(client: TestClient) -> None:
    response = client.post(
        "/v1/datasets/upsert", json={"dataset": {"name": "qa", "x": 1}, "y": 2, "examples": []}
    )
    body = unknown(response, "$.dataset.x")
    assert sorted(error["path"] for error in body["errors"]) == ["$.dataset.x", "$.y"]
    assert all(error["code"] == "unknown_field" for error in body["errors"])


@pytest.mark.parametrize("route", ["/v1/datasets/upsert", "/v1/datasets/upsert/plan"])
def test_unknown_members_of_an_example_envelope(client: TestClient, route: str) -> None:
    seeded(client)
    item = {**example("c", {"q": 3}), "outptu": {"a": 1}}
    body = {"dataset": {"name": "qa"}, "mode": "mirror", "examples": [example("a", {"q": 1}), item]}
    found = unknown(client.post(route, json=body), "$.examples[1].outptu")
    assert found["source_ids"] == ["c"]
    lined = unknown(
        client.post(route, content=ndjson({"dataset": {"name": "qa"}}, item), headers=NDJSON), "$.outptu"
    )
    assert lined["line"] == 2
    assert table_count(client, "dataset_versions") == 1


def _request_models() -> list[type[StrictModel]]:
    found: list[type[StrictModel]] = []
    pending: list[type[StrictModel]] = [StrictModel]
    while pending:
        for model in pending.pop().__subclasses__():
            found.append(model)
            pending.append(model)
    return found


def _loose_bools(annotation: Any, metadata: list[Any]) -> bool:
    """Whether ``annotation`` admits a bool without ``Strict`` (``"yes"`` and ``1`` coerced)."""
    if annotation is bool:
        return not any(isinstance(item, Strict) and item.strict for item in metadata)
    if get_origin(annotation) is Annotated:
        inner, *extra = get_args(annotation)
        return _loose_bools(inner, [*metadata, *extra])
    return any(_loose_bools(arg, []) for arg in get_args(annotation))


def test_every_boolean_of_a_request_body_is_strict() -> None:
    """A body's boolean is JSON true or false: pydantic's lax mode would take "yes", "on", 1."""
    models = _request_models()
    assert {"UpsertRequest", "TagSet", "SchemaSet", "RunCreate"} <= {model.__name__ for model in models}
    loose = [
        f"{model.__name__}.{name}"
        for model in models
        for name, field in model.model_fields.items()
        if _loose_bools(field.annotation, list(field.metadata))
    ]
    assert loose == []


def _named(body: dict[str, Any]) -> str:
    """The refused member: its JSON path (``field`` from the upsert's own reader)."""
    return str(body.get("path") or f"$.{body['field']}")


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "1", None])
def test_booleans_are_json_booleans(client: TestClient, value: Any) -> None:
    first = seeded(client)
    dataset_id, v1 = first["dataset_id"], first["version_id"]
    assert client.put(f"/v1/datasets/{dataset_id}/tags/t", json={"version_id": v1}).status_code == 201
    moved = client.put(f"/v1/datasets/{dataset_id}/tags/t", json={"version_id": v1, "move": value})
    assert _named(problem(moved, 422, "invalid_request")) == "$.move"
    for member in ("dry_run", "move_tag", "allow_empty"):
        body = {"dataset": {"name": "qa"}, "examples": [], member: value}
        assert (
            _named(problem(client.post("/v1/datasets/upsert", json=body), 422, "invalid_request"))
            == f"$.{member}"
        )
    forced = client.put(f"/v1/datasets/{dataset_id}/schema", json={"input": {}, "force": value})
    assert _named(problem(forced, 422, "invalid_request")) == "$.force"
    assert table_count(client, "dataset_versions") == 1
