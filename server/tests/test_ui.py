"""The web UI's files at / (groundset_server.ui): hashed assets cached for good, index.html for
every page URL that accepts HTML, the API's own 404s and 405s untouched, ui_not_built without a
build, and no API key asked for pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from groundset_server.app import create_app
from groundset_server.config import UI_DIST, Settings

HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
INDEX = "<!doctype html><title>groundset</title><div id=root></div>"
PAGES = [
    "/",
    "/datasets/ds1",
    "/datasets/ds1/versions/v1?q=hello&cursor=abc",
    "/datasets/ds1/diff?from=a&to=b",
    "/experiments/e1?errors=only",
    "/compare?base=a&head=b",
    "/no/such/page",
]


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    folder = tmp_path / "ui_dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_text(INDEX)
    (folder / "assets" / "index-Ab12.js").write_text("console.log('ui')")
    (folder / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_text("outside the UI")
    return folder


def _client(tmp_path: Path, dist: Path, api_key: str | None = None) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'ui.db'}", api_key=api_key, ui_dist=dist))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


@pytest.fixture
def client(tmp_path: Path, dist: Path) -> Iterator[TestClient]:
    yield from _client(tmp_path, dist)


def _problem(response: Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["code"] == code
    return body


def test_every_page_url_answers_index_html(client: TestClient) -> None:
    for url in PAGES:
        response = client.get(url, headers=HTML)
        assert response.status_code == 200, url
        assert response.text == INDEX, url
        assert response.headers["content-type"].startswith("text/html"), url
        assert response.headers["cache-control"] == "no-cache", url
    # The root is the UI's whatever the client accepts (curl, a health probe of the page).
    assert client.get("/", headers={"accept": "*/*"}).text == INDEX
    assert client.head("/datasets/ds1", headers=HTML).status_code == 200


def test_assets_are_cached_for_good_and_stay_inside_the_build(client: TestClient) -> None:
    asset = client.get("/assets/index-Ab12.js")
    assert asset.status_code == 200
    assert asset.text == "console.log('ui')"
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in asset.headers["content-type"]
    icon = client.get("/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.headers["cache-control"] == "no-cache"
    _problem(client.get("/assets/index-Gone.js"), 404, "not_found")
    # A missing asset is never answered with index.html (a browser would run HTML as a script).
    _problem(client.get("/assets/index-Gone.js", headers=HTML), 404, "not_found")
    for escape in ("/assets/%2e%2e/%2e%2e/secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"):
        response = client.get(escape)
        assert response.status_code == 404, escape
        assert "outside the UI" not in response.text


def test_the_api_keeps_its_own_answers(client: TestClient) -> None:
    for url in ("/v1/nope", "/v1", "/v1/datasets/x/nope", "/docs/nope", "/health/x"):
        body = _problem(client.get(url, headers=HTML), 404, "not_found")
        assert "<" not in str(body["detail"])
    # A GET on a POST-only route stays 405 (the UI's fallback only takes paths no route has).
    _problem(client.get("/v1/datasets/upsert/plan", headers=HTML), 405, "method_not_allowed")
    _problem(client.post("/datasets/ds1", headers=HTML), 404, "not_found")
    assert client.get("/health", headers=HTML).json()["status"] == "ok"
    assert client.get("/openapi.json", headers=HTML).json()["info"]["title"] == "groundset"
    assert client.get("/v1/datasets", headers=HTML).json()["data"] == []
    # A page URL asked for as data (no text/html) is not the UI's.
    _problem(client.get("/datasets/ds1", headers={"accept": "application/json"}), 404, "not_found")


def test_ui_routes_are_not_in_the_openapi_document(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert all(path == "/health" or path.startswith("/v1/") for path in document["paths"])


def test_pages_need_no_api_key_and_the_api_does(tmp_path: Path, dist: Path) -> None:
    for client in _client(tmp_path, dist, api_key="s3cret"):
        for url in PAGES:
            assert client.get(url, headers=HTML).text == INDEX, url
        assert client.get("/assets/index-Ab12.js").status_code == 200
        _problem(client.get("/v1/datasets", headers=HTML), 401, "unauthorized")


def test_a_server_built_without_the_ui_says_how_to_build_it(tmp_path: Path) -> None:
    for client in _client(tmp_path, tmp_path / "missing"):
        for url in PAGES:
            body = _problem(client.get(url, headers=HTML), 404, "ui_not_built")
            assert "just ui::build" in str(body["detail"])
            assert body["instance"] == url.split("?")[0]
        _problem(client.get("/assets/index-Ab12.js"), 404, "not_found")
        assert client.get("/v1/datasets").status_code == 200


def test_the_default_is_the_package_folder() -> None:
    assert Settings(database_url="sqlite://").ui_dist == UI_DIST
    assert UI_DIST.parent.name == "groundset_server"
    assert UI_DIST.name == "ui_dist"
