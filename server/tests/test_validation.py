"""Every validation error: problem+json, a stable code, the offending source_ids or line, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from tests.conftest import example

GOOD = "0" * 64


def post(client: TestClient, body: Any = None, content: bytes | None = None, **headers: str) -> Any:
    if content is not None:
        return client.post("/v1/datasets/upsert", content=content, headers=headers)
    return client.post("/v1/datasets/upsert", json=body)


def assert_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code and body["status"] == status and body["type"].endswith(code)
    return body


def nothing_written(client: TestClient) -> bool:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return all(
            conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() == 0
            for t in ["datasets", "dataset_versions", "dataset_examples", "dataset_example_revisions"]
        )


@pytest.mark.parametrize(
    "selector", [{}, {"name": "a", "id": "1"}, {"name": ""}, {"name": 5}, {"id": 5}, "qa", None]
)
def test_invalid_selector(client: TestClient, selector: Any) -> None:
    assert_problem(post(client, {"dataset": selector, "examples": []}), 422, "invalid_selector")
    assert nothing_written(client)


def test_duplicate_source_ids(client: TestClient) -> None:
    items = [example("a", {}), example("b", {"x": 1}), example("a", {"y": 2}), example("b", {})]
    body = assert_problem(
        post(client, {"dataset": {"name": "qa"}, "examples": items}), 422, "duplicate_source_id"
    )
    assert body["source_ids"] == ["a", "b"]
    assert nothing_written(client)


@pytest.mark.parametrize(
    ("item", "code"),
    [
        ({"source_id": "", "content_hash": GOOD, "input": {}}, "invalid_source_id"),
        ({"source_id": "x" * 513, "content_hash": GOOD, "input": {}}, "invalid_source_id"),
        ({"source_id": 7, "content_hash": GOOD, "input": {}}, "invalid_source_id"),
        ({"source_id": "a", "content_hash": "A" * 64, "input": {}}, "invalid_content_hash"),
        ({"source_id": "a", "content_hash": "0" * 63, "input": {}}, "invalid_content_hash"),
        ({"source_id": "a", "content_hash": GOOD, "input": [1]}, "not_an_object"),
        ({"source_id": "a", "content_hash": GOOD, "input": {}, "output": "x"}, "not_an_object"),
        ({"source_id": "a", "content_hash": GOOD, "input": {}, "metadata": 3}, "not_an_object"),
        ({"source_id": "a", "content_hash": GOOD, "output": {}}, "missing_input"),
        ({"source_id": "a", "content_hash": GOOD, "input": {}}, "hash_mismatch"),
        ("not an object", "invalid_example"),
    ],
)
def test_invalid_examples(client: TestClient, item: Any, code: str) -> None:
    body = assert_problem(
        post(client, {"dataset": {"name": "qa"}, "examples": [example("ok", {}), item]}), 422, code
    )
    if isinstance(item, dict) and isinstance(item.get("source_id"), str) and item["source_id"]:
        assert body["source_ids"] == [item["source_id"]]
    assert nothing_written(client)


def test_source_id_of_512_characters_is_fine(client: TestClient) -> None:
    response = post(client, {"dataset": {"name": "qa"}, "examples": [example("x" * 512, {})]})
    assert response.status_code == 200 and response.json()["created"] == 1


def test_hash_mismatch_lists_first_ten(client: TestClient) -> None:
    items = [{**example(f"m{i:02}", {"i": i}), "content_hash": GOOD} for i in range(15)]
    body = assert_problem(post(client, {"dataset": {"name": "qa"}, "examples": items}), 422, "hash_mismatch")
    assert body["source_ids"] == [f"m{i:02}" for i in range(10)]
    assert nothing_written(client)


@pytest.mark.parametrize(
    ("value_text", "code"),
    [
        (b"NaN", "invalid_json"),
        (b"1e400", "non_finite_number"),
        (b"9007199254740993", "integer_not_exact"),
        (b"18446744073709551617", "integer_not_exact"),
        (b'"\\ud800"', "lone_surrogate"),
        (b"[" * 130 + b"]" * 130, "depth_exceeded"),
    ],
)
def test_values_outside_the_hash_domain(client: TestClient, value_text: bytes, code: str) -> None:
    text = (
        b'{"dataset": {"name": "qa"}, "examples": [{"source_id": "bad", "content_hash": "'
        + GOOD.encode()
        + b'", "input": {"v": '
        + value_text
        + b"}}]}"
    )
    status = 400 if code == "invalid_json" else 422
    body = assert_problem(post(client, content=text, **{"content-type": "application/json"}), status, code)
    # Found while parsing the body: located by path, line and column (the record's source id
    # is not known yet).
    assert body["path"].startswith("$.examples[0].input.v")
    assert body["line"] == 1 and body["column"] > 90
    assert nothing_written(client)
    ndjson = b'{"dataset": {"name": "qa"}}\n' + text[text.index(b"[{") + 1 : -2] + b"\n"
    lined = assert_problem(
        post(client, content=ndjson, **{"content-type": "application/x-ndjson"}), status, code
    )
    assert lined["line"] == 2 and lined["path"].startswith("$.input.v")
    assert nothing_written(client)


@pytest.mark.parametrize("text", [b"{", b'{"dataset": }', b"[1, 2,]", b"\xff\xfe", b""])
def test_malformed_json(client: TestClient, text: bytes) -> None:
    body = assert_problem(
        post(client, content=text, **{"content-type": "application/json"}), 400, "invalid_json"
    )
    assert "line" in body


def test_malformed_ndjson_line_and_header(client: TestClient) -> None:
    text = b'{"dataset": {"name": "qa"}}\n\n{"source_id": "a"\n'
    body = assert_problem(
        post(client, content=text, **{"content-type": "application/x-ndjson"}), 400, "invalid_json"
    )
    assert body["line"] == 3
    items = (
        b'{"dataset": {"name": "qa"}}\n' + b'{"source_id": "", "content_hash": "' + GOOD.encode() + b'"}\n'
    )
    body = assert_problem(
        post(client, content=items, **{"content-type": "application/x-ndjson"}), 422, "invalid_source_id"
    )
    assert body["line"] == 2
    empty = post(client, content=b"\n", **{"content-type": "application/x-ndjson"})
    assert_problem(empty, 400, "invalid_ndjson")
    assert nothing_written(client)


def test_invalid_mode_and_media_type(client: TestClient) -> None:
    assert_problem(post(client, {"dataset": {"name": "qa"}, "mode": "replace"}), 422, "invalid_mode")
    response = client.post("/v1/datasets/upsert", content=b"x", headers={"content-type": "text/plain"})
    assert_problem(response, 415, "unsupported_media_type")
    assert nothing_written(client)


def test_body_over_the_limit(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url, api_key=None, max_body_bytes=1000))
    with TestClient(app) as client:
        big = {
            "dataset": {"name": "qa"},
            "examples": [example(f"a{i}", {"text": "x" * 100}) for i in range(20)],
        }
        assert_problem(client.post("/v1/datasets/upsert", json=big), 413, "body_too_large")
        assert nothing_written(client)
        small = client.post(
            "/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": [example("a", {})]}
        )
        assert small.status_code == 200


def test_unknown_route_is_problem_json(client: TestClient) -> None:
    assert_problem(client.get("/v1/nothing"), 404, "not_found")
    assert_problem(client.get("/v1/datasets?limit=0"), 422, "invalid_request")


def test_duplicate_member_names_in_content_are_refused(client: TestClient) -> None:
    line = b'{"source_id": "d", "content_hash": "' + GOOD.encode() + b'", "input": {"q": 1, "q": 2}}'
    body = b'{"dataset": {"name": "qa"}, "examples": [' + line + b"]}"
    found = assert_problem(
        post(client, content=body, **{"content-type": "application/json"}), 422, "duplicate_key"
    )
    assert found["path"] == "$.examples[0].input.q"
    ndjson = b'{"dataset": {"name": "qa"}}\n' + line + b"\n"
    lined = assert_problem(
        post(client, content=ndjson, **{"content-type": "application/x-ndjson"}), 422, "duplicate_key"
    )
    assert (lined["line"], lined["path"]) == (2, "$.input.q")
    header = b'{"dataset": {"name": "qa"}, "mode": "merge", "mode": "mirror"}\n'
    assert_problem(
        post(client, content=header, **{"content-type": "application/x-ndjson"}), 422, "duplicate_key"
    )
    assert nothing_written(client)
