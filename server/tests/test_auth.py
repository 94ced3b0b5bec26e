"""GROUNDSET_API_KEY: /v1 needs the bearer key, /health stays open; request ids."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings


def test_auth_on(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", api_key="s3cret"))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        for headers in [
            {},
            {"authorization": "Bearer wrong"},
            {"authorization": "Basic s3cret"},
            {"authorization": "s3cret"},
        ]:
            response = client.get("/v1/datasets", headers=headers)
            assert response.status_code == 401
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["code"] == "unauthorized"
        denied = client.post("/v1/datasets/upsert", json={"dataset": {"name": "x"}, "examples": []})
        assert denied.status_code == 401
        ok = client.get("/v1/datasets", headers={"authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        written = client.post(
            "/v1/datasets/upsert",
            json={"dataset": {"name": "x"}, "examples": []},
            headers={"authorization": "Bearer s3cret"},
        )
        assert written.status_code == 200


def test_auth_off_and_request_id(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", api_key=None))
    with TestClient(app) as client:
        response = client.get("/v1/datasets")
        assert response.status_code == 200
        assert len(response.headers["x-request-id"]) == 32
        echoed = client.get("/health", headers={"x-request-id": "abc-123"})
        assert echoed.headers["x-request-id"] == "abc-123"
        assert client.get("/health", headers={"x-request-id": "bad id"}).headers["x-request-id"] != "bad id"
