"""Every route's real answers, success and problem, match what the committed server/openapi.json
declares for their status and media type (JSON Schema 2020-12 with the components resolved),
on SQLite and PostgreSQL. The routes are taken from ``app.routes``: a route added without a case
here fails the test, so the document (and the TypeScript types generated from it) is true by test.

The check is strict where the document is silent: an object schema with ``properties`` and no
``additionalProperties`` is taken as closed, so a member the server sends but the document does
not name fails as well as a missing or mistyped one."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from groundset_server.app import create_app
from groundset_server.config import Settings
from tests.conftest import example

DOCUMENT = json.loads((Path(__file__).resolve().parent.parent / "openapi.json").read_text(encoding="utf-8"))
BASE = "urn:groundset:openapi"
DOCUMENTATION_ROUTES = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
"""FastAPI's own pages about the document, outside it (``include_in_schema=False``)."""
LINE_MEDIA_TYPES = ("application/x-ndjson", "application/jsonl")
"""Answers of one JSON value per line, each checked against the media type's ``x-item-schema``."""


def _closed(node: Any) -> Any:
    if isinstance(node, dict):
        closed = {key: _closed(value) for key, value in node.items()}
        if "properties" in closed and "additionalProperties" not in closed:
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [_closed(value) for value in node]
    return node


REGISTRY = Registry().with_resource(BASE, Resource(contents=_closed(DOCUMENT), specification=DRAFT202012))


def _pointer(*parts: str) -> str:
    return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


class Checker:
    """Sends requests to one app and checks each answer against the document; remembers which
    (method, path template) answered a success and which a problem."""

    def __init__(self, client: TestClient, headers: dict[str, str] | None = None) -> None:
        self.client = client
        self.headers = headers or {}
        self.seen: dict[tuple[str, str], set[int]] = {}
        """The statuses each (method, path template) answered."""

    def __call__(self, method: str, template: str, status: int, **kwargs: Any) -> Any:
        """``at``: the path parameters; ``query``: the query's; ``route_method``: the method of the
        route that answers (another method's request is the route's 405)."""
        path = template.format(**kwargs.pop("at", {}))
        route_method = kwargs.pop("route_method", method)
        headers = {**self.headers, **kwargs.pop("headers", {})}
        query = kwargs.pop("query", None)
        response = self.client.request(method, path, headers=headers, params=query, **kwargs)
        assert response.status_code == status, (method, path, response.status_code, response.text)
        self.check(route_method, template, response)
        self.seen.setdefault((route_method, template), set()).add(status)
        if not response.content:
            return None
        media = response.headers["content-type"].split(";")[0].strip()
        if media in LINE_MEDIA_TYPES:
            return [orjson.loads(line) for line in response.content.splitlines()]
        if media == "text/csv":
            return response.text
        return response.json()

    def check(self, method: str, template: str, response: Any) -> None:
        operation = DOCUMENT["paths"][template][method.lower()]
        status = str(response.status_code)
        assert status in operation["responses"], f"{method} {template}: {status} is not declared"
        declared = operation["responses"][status]
        if response.status_code == 204:
            assert not response.content and "content" not in declared
            return
        media = response.headers["content-type"].split(";")[0].strip()
        content = declared.get("content", {})
        assert media in content, f"{method} {template} {status}: {media} is not declared ({list(content)})"
        pointer = _pointer("paths", template, method.lower(), "responses", status, "content", media)
        if media in LINE_MEDIA_TYPES:
            item = content[media].get("x-item-schema")
            assert item is not None, f"{method} {template}: {media} without x-item-schema"
            bodies = [orjson.loads(line) for line in response.content.splitlines()]
            pointer += "/x-item-schema"
        elif media == "text/csv":
            bodies = [response.text]
            pointer += "/schema"
        else:
            assert "schema" in content[media], f"{method} {template} {status} {media}: no schema"
            bodies = [response.json()]
            pointer += "/schema"
        validator = Draft202012Validator({"$ref": BASE + "#" + pointer}, registry=REGISTRY)
        for body in bodies:
            errors = sorted(validator.iter_errors(body), key=lambda error: list(error.path))
            assert not errors, (
                f"{method} {template} {status}: {[(list(e.path), e.message) for e in errors[:5]]}\n{body}"
            )


def _routes(app: FastAPI) -> Iterator[tuple[str, str, bool]]:
    """Every (method, path, in the document) the app serves: ``app.routes`` with the routers it
    includes walked as FastAPI's own OpenAPI generator walks them."""
    for route in iter_route_contexts(app.routes):
        assert route.path is not None, route
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                # As in the document: `{tag:tag}` (a convertor) is `{tag}`.
                path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
                yield method, path, bool(getattr(route, "include_in_schema", True))


def _exercise(check: Checker) -> None:
    check("GET", "/health", 200)
    check("POST", "/health", 405, route_method="GET")

    body = {
        "dataset": {"name": "schemas"},
        "metadata": {"team": "qa"},
        "version_metadata": {"n": 1.5},
        "examples": [
            example("a", {"q": 1}, {"a": 2}, {"tag": "x"}),
            example("b", {"q": 2}),
            example("c", {"q": 3}, {"a": [1, 2]}),
        ],
    }
    first = check("POST", "/v1/datasets/upsert", 200, json=body)
    dataset_id, version_1 = first["dataset_id"], first["version_id"]
    ndjson = (
        orjson.dumps({"dataset": {"id": dataset_id}, "mode": "mirror", "dry_run": True})
        + b"\n"
        + orjson.dumps(example("a", {"q": 1}, {"a": 2}, {"tag": "x"}))
        + b"\n"
        + orjson.dumps(example("d", {"q": 4}))
        + b"\n"
    )
    dry = check(
        "POST", "/v1/datasets/upsert", 200, content=ndjson, headers={"content-type": "application/x-ndjson"}
    )
    assert dry["deleted_source_ids"] == ["b", "c"] and dry["created_source_ids"] == ["d"]
    second = check(
        "POST",
        "/v1/datasets/upsert",
        200,
        json={**body, "dataset": {"id": dataset_id}, "examples": [example("b", {"q": 20})]},
    )
    version_2 = second["version_id"]
    duplicated = {**body, "examples": [example("a", {"q": 1}), example("a", {"q": 1})]}
    assert len(check("POST", "/v1/datasets/upsert", 422, json=duplicated)["errors"]) == 1
    refused = {
        **body,
        "examples": [{**example("e", {}), "input": [1]}, {**example("f", {}), "source_id": ""}],
    }
    assert check("POST", "/v1/datasets/upsert", 422, json=refused)["errors"][1]["index"] == 1
    bad_lines = b'{"dataset": {"name": "schemas"}}\n{"source_id": "g"}\nnot json\n'
    lined = check(
        "POST",
        "/v1/datasets/upsert",
        422,
        content=bad_lines,
        headers={"content-type": "application/x-ndjson"},
    )
    assert [e["line"] for e in lined["errors"]] == [2, 3]
    check("POST", "/v1/datasets/upsert", 400, content=b"{", headers={"content-type": "application/json"})
    check("POST", "/v1/datasets/upsert", 415, content=b"x", headers={"content-type": "text/plain"})
    conflict = {**body, "expected_version_id": version_1}
    check("POST", "/v1/datasets/upsert", 409, json=conflict)
    check("POST", "/v1/datasets/upsert", 404, json={**body, "dataset": {"id": "999999"}})

    manifest = [{"source_id": "a", "content_hash": body["examples"][0]["content_hash"]}]
    plan = check(
        "POST", "/v1/datasets/upsert/plan", 200, json={"dataset": {"id": dataset_id}, "examples": manifest}
    )
    assert plan["needed_source_ids"] == []
    check("POST", "/v1/datasets/upsert/plan", 422, json={"dataset": {"id": dataset_id}})
    bad_manifest = {"dataset": {"id": dataset_id}, "examples": [{"source_id": "a", "content_hash": "x"}, 5]}
    assert len(check("POST", "/v1/datasets/upsert/plan", 422, json=bad_manifest)["errors"]) == 2
    emptying = {"dataset": {"id": dataset_id}, "mode": "mirror", "examples": []}
    check("POST", "/v1/datasets/upsert/plan", 409, json=emptying)

    listed = check("GET", "/v1/datasets", 200)
    assert [d["id"] for d in listed["data"]] == [dataset_id]
    check("GET", "/v1/datasets", 422, query={"cursor": "x"})

    ids = {"dataset_id": dataset_id}
    assert check("GET", "/v1/datasets/{dataset_id}", 200, at=ids)["example_count"] == 3
    check("GET", "/v1/datasets/{dataset_id}", 404, at={"dataset_id": "999999"})
    check("GET", "/v1/datasets/{dataset_id}", 422, at={"dataset_id": "x"})

    versions = check("GET", "/v1/datasets/{dataset_id}/versions", 200, at=ids)
    assert [v["id"] for v in versions["data"]] == [version_2, version_1]
    check("GET", "/v1/datasets/{dataset_id}/versions", 404, at={"dataset_id": "999999"})
    check("GET", "/v1/datasets/{dataset_id}/versions/{version_id}", 200, at={**ids, "version_id": version_1})
    check("GET", "/v1/datasets/{dataset_id}/versions/{version_id}", 404, at={**ids, "version_id": "999"})

    page = check("GET", "/v1/datasets/{dataset_id}/examples", 200, at=ids)
    assert [e["source_id"] for e in page["data"]] == ["a", "b", "c"]
    lines = check(
        "GET",
        "/v1/datasets/{dataset_id}/examples",
        200,
        at=ids,
        headers={"accept": "application/x-ndjson"},
    )
    assert [e["source_id"] for e in lines] == ["a", "b", "c"]
    check("GET", "/v1/datasets/{dataset_id}/examples", 422, at=ids, query={"limit": 20000})

    check("GET", "/v1/datasets/{dataset_id}/manifest", 200, at=ids)
    check("GET", "/v1/datasets/{dataset_id}/manifest", 404, at={"dataset_id": "999999"})
    between = {"from_version_id": version_1, "to_version_id": version_2}
    diff = check("GET", "/v1/datasets/{dataset_id}/diff", 200, at=ids, query=between)
    assert diff["updated"] == ["b"]
    check("GET", "/v1/datasets/{dataset_id}/diff", 422, at=ids)

    tagged = {**ids, "tag": "baseline"}
    tag_path = "/v1/datasets/{dataset_id}/tags/{tag}"
    assert check("PUT", tag_path, 201, at=tagged, json={"version_id": version_1})["version_id"] == version_1
    check("PUT", tag_path, 409, at=tagged, json={"version_id": version_2})
    check("PUT", tag_path, 200, at=tagged, json={"version_id": version_2, "move": True})
    check("PUT", tag_path, 422, at={**ids, "tag": "123"}, json={"version_id": version_2})
    assert check("GET", tag_path, 200, at=tagged)["version_id"] == version_2
    check("GET", tag_path, 404, at={**ids, "tag": "nope"})
    assert check("GET", "/v1/datasets/{dataset_id}/tags", 200, at=ids)["data"][0]["name"] == "baseline"
    check("GET", "/v1/datasets/{dataset_id}/tags", 404, at={"dataset_id": "999999"})
    assert check(
        "GET", "/v1/datasets/{dataset_id}/versions/{version_id}", 200, at={**ids, "version_id": version_2}
    )["tags"] == ["baseline"]
    check("DELETE", tag_path, 204, at=tagged)
    check("DELETE", tag_path, 404, at=tagged)
    events = check("GET", tag_path + "/history", 200, at=tagged)["data"]
    assert [event["action"] for event in events] == ["created", "moved", "deleted"]
    check("GET", tag_path + "/history", 404, at={**ids, "tag": "nope"})
    check("PUT", tag_path, 201, at=tagged, json={"version_id": version_1})
    assert (
        check("GET", "/v1/datasets/{dataset_id}/manifest", 200, at=ids, query={"tag": "baseline"})[
            "version_id"
        ]
        == version_1
    )
    check(
        "GET", "/v1/datasets/{dataset_id}/manifest", 422, at=ids, query={"tag": "baseline", "version_id": "1"}
    )
    tagged_upsert = {**body, "dataset": {"id": dataset_id}, "examples": [], "tag": "latest"}
    assert check("POST", "/v1/datasets/upsert", 200, json=tagged_upsert)["tag"] == "latest"
    check("POST", "/v1/datasets/upsert", 409, json={**tagged_upsert, "tag": "baseline"})

    schema_path = "/v1/datasets/{dataset_id}/schema"
    check("GET", schema_path, 404, at=ids)
    check("DELETE", schema_path, 404, at=ids)
    check("PUT", schema_path, 422, at=ids, json={"input": {"type": "strin"}})
    check("PUT", schema_path, 422, at=ids, json={"input": {"required": ["absent"]}})
    strict = {"input": {"required": ["absent"]}, "force": True}
    assert check("PUT", schema_path, 200, at=ids, json=strict)["forced"] is True
    assert check("GET", schema_path, 200, at=ids)["input"] == {"required": ["absent"]}
    check("POST", "/v1/datasets/upsert", 422, json={**body, "dataset": {"id": dataset_id}})
    check("DELETE", schema_path, 204, at=ids)
    assert len(check("GET", schema_path + "/history", 200, at=ids)["data"]) == 2
    check("GET", schema_path + "/history", 404, at={"dataset_id": "999999"})

    export = "/v1/datasets/{dataset_id}/export"
    exported = check("GET", export, 200, at=ids, query={"version_id": version_1})
    assert [line["id"] for line in exported] == ["a", "b", "c"]
    table = check("GET", export, 200, at=ids, query={"format": "csv", "id_key": "key"})
    assert table.startswith("key,input.q:json,")
    check("GET", export, 422, at=ids, query={"id_key": "input"})
    check("GET", export, 404, at={"dataset_id": "999999"})

    created = check(
        "POST",
        "/v1/datasets/{dataset_id}/experiments",
        201,
        at=ids,
        json={"name": "e", "metadata": {"model": "m"}, "repetitions": 2},
    )
    experiment = {"experiment_id": created["id"]}
    check("POST", "/v1/datasets/{dataset_id}/experiments", 422, at=ids, json={"nmae": "e"})
    check("GET", "/v1/datasets/{dataset_id}/experiments", 200, at=ids)
    check("GET", "/v1/datasets/{dataset_id}/experiments", 404, at={"dataset_id": "999999"})

    example_id = page["data"][0]["id"]
    runs = {
        "runs": [
            {
                "example_id": example_id,
                "output": {"answer": 2},
                "evaluations": [{"name": "exact", "score": 1.0, "metadata": {"k": "v"}}],
            },
            {"example_id": example_id, "repetition_number": 2, "error": "boom"},
        ]
    }
    stored = check("POST", "/v1/experiments/{experiment_id}/runs", 201, at=experiment, json=runs)
    check("POST", "/v1/experiments/{experiment_id}/runs", 409, at=experiment, json=runs)
    listed_runs = check("GET", "/v1/experiments/{experiment_id}/runs", 200, at=experiment)
    assert len(listed_runs["data"]) == 2
    check("GET", "/v1/experiments/{experiment_id}/runs", 404, at={"experiment_id": "999999"})
    evaluations = {"evaluations": [{"run_id": stored["data"][0]["id"], "name": "judge", "label": "ok"}]}
    check("POST", "/v1/experiments/{experiment_id}/evaluations", 200, at=experiment, json=evaluations)
    outside = {"evaluations": [{"run_id": "999999", "name": "judge"}]}
    check("POST", "/v1/experiments/{experiment_id}/evaluations", 422, at=experiment, json=outside)
    summary = check("GET", "/v1/experiments/{experiment_id}", 200, at=experiment)["summary"]
    assert summary["runs"] == 2 and summary["errored_runs"] == 1
    check("GET", "/v1/experiments/{experiment_id}", 404, at={"experiment_id": "999999"})
    incomplete = check("GET", "/v1/experiments/{experiment_id}/incomplete", 200, at=experiment)
    assert incomplete["data"][0]["repetition_numbers"] == [2]
    check("GET", "/v1/experiments/{experiment_id}/incomplete", 404, at={"experiment_id": "999999"})

    twin_body = {"repetitions": 2, "version_id": created["version_id"]}
    twin = check("POST", "/v1/datasets/{dataset_id}/experiments", 201, at=ids, json=twin_body)
    check("POST", "/v1/experiments/{experiment_id}/runs", 201, at={"experiment_id": twin["id"]}, json=runs)
    pair = {"base": created["id"], "head": twin["id"]}
    itself = check("GET", "/v1/experiments/compare", 422, query={**pair, "head": created["id"]})
    assert itself["code"] == "compare_with_itself"
    compared = check("GET", "/v1/experiments/compare", 200, query={**pair, "threshold": "exact:0.5"})
    assert compared["counts"]["same_content"] == 3 and compared["data"][0]["scores"][0]["name"] == "exact"
    check("GET", "/v1/experiments/compare", 404, query={**pair, "head": "999999"})
    check("GET", "/v1/experiments/compare", 422, query={**pair, "threshold": "x"})
    other = check("POST", "/v1/datasets/upsert", 200, json={**body, "dataset": {"name": "other"}})
    foreign = check(
        "POST", "/v1/datasets/{dataset_id}/experiments", 201, at={"dataset_id": other["dataset_id"]}, json={}
    )
    apart = check("GET", "/v1/experiments/compare", 422, query={**pair, "head": foreign["id"]})
    assert apart["head_dataset_id"] == other["dataset_id"]

    experiments_path = "/v1/datasets/{dataset_id}/experiments"
    subset = check("POST", experiments_path, 201, at=ids, json={"selection": {"source_ids": ["b", "a"]}})
    assert subset["selection"] == {"source_ids": ["a", "b"]} and subset["example_count"] == 2
    unknown = check("POST", experiments_path, 422, at=ids, json={"selection": {"source_ids": ["zz"]}})
    assert (unknown["unknown_source_ids"], unknown["unknown_count"]) == (["zz"], 1)
    nothing = {"selection": {"metadata": {"absent": {"in": [1, None]}}}}
    assert check("POST", experiments_path, 422, at=ids, json=nothing)["code"] == "empty_selection"
    left_out = {"runs": [{"example_id": next(e["id"] for e in page["data"] if e["source_id"] == "c")}]}
    refused = check(
        "POST", "/v1/experiments/{experiment_id}/runs", 422, at={"experiment_id": subset["id"]}, json=left_out
    )
    assert refused["code"] == "example_not_in_selection" and refused["experiment_id"] == subset["id"]
    across = check("GET", "/v1/experiments/compare", 200, query={"base": created["id"], "head": subset["id"]})
    assert across["selections_differ"] is True and across["counts"]["only_base"] == 1

    rerun = check(
        "POST",
        "/v1/datasets/{dataset_id}/experiments",
        201,
        at=ids,
        json={"repetitions": 2, "task_version": "t"},
    )
    reused = check(
        "POST",
        "/v1/experiments/{experiment_id}/reuse",
        200,
        at={"experiment_id": rerun["id"]},
        json={"base": created["id"], "evaluators": [{"name": "exact", "evaluator_version": "1"}]},
    )
    assert (reused["task_version_matches"], reused["reused_runs"]) == (False, 0)
    check("POST", "/v1/experiments/{experiment_id}/reuse", 422, at=experiment, json={"base": created["id"]})
    check("POST", "/v1/experiments/{experiment_id}/reuse", 404, at=experiment, json={"base": "999999"})
    listed_with = check(
        "GET", "/v1/datasets/{dataset_id}/experiments", 200, at=ids, query={"summary": "true", "name": "e"}
    )
    assert [item["summary"]["runs"] for item in listed_with["data"]] == [2]

    check("DELETE", "/v1/experiments/{experiment_id}", 204, at=experiment)
    check("DELETE", "/v1/experiments/{experiment_id}", 404, at=experiment)
    check("DELETE", "/v1/datasets/{dataset_id}", 204, at=ids)
    check("DELETE", "/v1/datasets/{dataset_id}", 404, at=ids)


@pytest.fixture
def apps(database_url: str) -> Iterator[tuple[TestClient, TestClient]]:
    open_app = create_app(Settings(database_url=database_url, api_key=None))
    keyed_app = create_app(Settings(database_url=database_url, api_key="secret", run_migrations=False))
    with TestClient(open_app) as open_client, TestClient(keyed_app) as keyed_client:
        yield open_client, keyed_client
    open_app.state.engine.dispose()
    keyed_app.state.engine.dispose()


def test_every_route_answers_as_the_document_declares(apps: tuple[TestClient, TestClient]) -> None:
    open_client, keyed_client = apps
    app: FastAPI = open_client.app  # type: ignore[assignment]
    check = Checker(open_client)
    _exercise(check)

    # Without the key every route but /health is a 401 problem, as declared.
    keyed = Checker(keyed_client)
    for method, path, in_schema in _routes(app):
        if in_schema and path.startswith("/v1/"):
            params = {name: "1" for name in ("dataset_id", "version_id", "experiment_id", "tag")}
            keyed(method, path, 401, at=params)

    routes = list(_routes(app))
    documentation = {path for _, path, in_schema in routes if not in_schema}
    assert documentation == DOCUMENTATION_ROUTES
    for path in sorted(documentation):
        assert open_client.get(path).status_code == 200, path
    documented = {
        (method.upper(), path) for path, operations in DOCUMENT["paths"].items() for method in operations
    }
    served = {(method, path) for method, path, in_schema in routes if in_schema}
    assert served == documented, "the app and server/openapi.json name different routes"
    unexercised = sorted(
        f"{method} {path}: {sorted(check.seen.get((method, path), set()))}"
        for method, path in served
        if not _success_and_problem(check.seen.get((method, path), set()))
    )
    assert not unexercised, f"routes without a success and a problem (besides 401) here: {unexercised}"
    assert {route for route in served if route[1].startswith("/v1/")} <= set(keyed.seen)


def _success_and_problem(statuses: set[int]) -> bool:
    return any(status < 400 for status in statuses) and any(400 <= status != 401 for status in statuses)


def test_the_strict_check_refuses_an_undeclared_member() -> None:
    """The check itself can fail: a member the document does not name is refused."""
    pointer = _pointer("components", "schemas", "Health")
    validator = Draft202012Validator({"$ref": BASE + "#" + pointer}, registry=REGISTRY)
    assert validator.is_valid({"status": "ok", "version": "1"})
    assert not validator.is_valid({"status": "ok", "version": "1", "extra": 1})
    assert not validator.is_valid({"status": "ok"})
