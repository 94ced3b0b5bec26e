"""``GROUNDSET_MAX_BODY_BYTES`` holds for every request body: 413 ``body_too_large``, sent with
a declared length or streamed without one, and nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from tests.conftest import example

LIMIT = 20_000


@pytest.fixture
def limited(sqlite_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=sqlite_url, api_key=None, max_body_bytes=LIMIT))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def _counts(client: TestClient) -> dict[str, int]:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {
            table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ["datasets", "dataset_versions", "experiments", "experiment_runs", "version_tags"]
        }


def _too_large(response: Any) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "body_too_large" and body["limit"] == LIMIT
    assert body["detail"] == f"the body is over the limit of {LIMIT} bytes"


def chunked(body: bytes, size: int = 4096) -> Iterator[bytes]:
    """``body`` sent chunked, without a Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_every_route_refuses_a_body_over_the_limit(limited: TestClient) -> None:
    answer = limited.post(
        "/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": [example("a", {"q": 1})]}
    )
    dataset, version = answer.json()["dataset_id"], answer.json()["version_id"]
    example_id = limited.get(f"/v1/datasets/{dataset}/examples").json()["data"][0]["id"]
    experiment = limited.post(f"/v1/datasets/{dataset}/experiments", json={}).json()["id"]
    before = _counts(limited)
    pad = "x" * 100_000
    upsert = {"dataset": {"name": "qa"}, "examples": [example("b", {"q": pad})]}
    bodies: dict[str, tuple[str, dict[str, Any]]] = {
        "runs": (f"/v1/experiments/{experiment}/runs", {"runs": [{"example_id": example_id, "output": pad}]}),
        "experiment": (f"/v1/datasets/{dataset}/experiments", {"description": pad}),
        "tag": (f"/v1/datasets/{dataset}/tags/prod", {"version_id": version, "pad": pad}),
        "evaluations": (f"/v1/experiments/{experiment}/evaluations", {"evaluations": [], "pad": pad}),
        "upsert": ("/v1/datasets/upsert", upsert),
        "plan": ("/v1/datasets/upsert/plan", {"dataset": {"name": "qa"}, "examples": [], "pad": pad}),
    }
    for name, (path, body) in bodies.items():
        method = limited.put if name == "tag" else limited.post
        content = orjson.dumps(body)
        headers = {"content-type": "application/json"}
        _too_large(method(path, content=content, headers=headers))
        # Streamed without a declared length, the body is cut at the first chunk past the limit.
        _too_large(method(path, content=chunked(content), headers=headers))
    assert _counts(limited) == before
    small = limited.post(f"/v1/experiments/{experiment}/runs", json={"runs": [{"example_id": example_id}]})
    assert small.status_code == 201, small.text


def test_a_streamed_ndjson_upsert_over_the_limit(limited: TestClient) -> None:
    lines = [orjson.dumps({"dataset": {"name": "qa"}})]
    lines += [orjson.dumps(example(f"a{i}", {"text": "x" * 200})) for i in range(200)]
    body = b"\n".join(lines) + b"\n"
    response = limited.post(
        "/v1/datasets/upsert", content=chunked(body), headers={"content-type": "application/x-ndjson"}
    )
    _too_large(response)
    assert _counts(limited)["dataset_versions"] == 0


def test_a_body_at_the_limit_passes(limited: TestClient) -> None:
    head = {"dataset": {"name": "qa"}, "examples": [example("a", {"q": ""})]}
    size = len(orjson.dumps(head))
    filled = {"dataset": {"name": "qa"}, "examples": [example("a", {"q": "x" * (LIMIT - size)})]}
    content = orjson.dumps(filled)
    assert len(content) == LIMIT
    headers = {"content-type": "application/json"}
    assert limited.post("/v1/datasets/upsert", content=chunked(content), headers=headers).status_code == 200
