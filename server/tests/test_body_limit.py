"""``GROUNDSET_MAX_BODY_BYTES`` holds for every request body: 413 ``body_too_large``, sent with
a declared length or streamed without one, and nothing written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from tests.conftest import Server, example

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


HINT = (
    f"the limit of {LIMIT} bytes: the server's GROUNDSET_MAX_BODY_BYTES (raise it, or send less at a time); "
    "a proxy in front of the server may have a limit of its own"
)


def _too_large(response: Any, size: int | None = None) -> None:
    """The 413, naming the limit, the setting and a proxy's own limit; the body's size when it
    was declared."""
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "body_too_large" and body["limit"] == LIMIT
    if size is None:
        assert body["detail"] == f"the body is over {HINT}" and "size" not in body
    else:
        assert body["detail"] == f"the body is {size} bytes, over {HINT}" and body["size"] == size


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
        _too_large(method(path, content=content, headers=headers), len(content))
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


def test_a_real_server_names_its_setting_and_the_body_size(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    """The tester's case, on a real process and both databases: a 1,000,000-byte limit and a
    4 MB upsert; the declared size is named, a streamed body's is not known; nothing written."""
    server = server_factory(database_url, env={"GROUNDSET_MAX_BODY_BYTES": "1000000"})
    examples = [example(f"r{i}", {"text": "x" * 180}) for i in range(20_000)]
    content = orjson.dumps({"dataset": {"name": "qa"}, "examples": examples})
    headers = {"content-type": "application/json"}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        declared = http.post("/v1/datasets/upsert", content=content, headers=headers)
        assert declared.status_code == 413, declared.text
        assert declared.json()["detail"] == (
            f"the body is {len(content)} bytes, over the limit of 1000000 bytes: the server's "
            "GROUNDSET_MAX_BODY_BYTES (raise it, or send less at a time); a proxy in front of the server may "
            "have a limit of its own"
        )
        assert declared.json()["size"] == len(content) and declared.json()["limit"] == 1_000_000
        streamed = http.post("/v1/datasets/upsert", content=chunked(content, 65536), headers=headers)
        assert streamed.status_code == 413 and "size" not in streamed.json(), streamed.text
        assert streamed.json()["detail"].startswith(
            "the body is over the limit of 1000000 bytes: the server's "
        )
        assert http.get("/v1/datasets").json()["data"] == []
