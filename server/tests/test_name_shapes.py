"""Names that read as other names or other URLs are refused when made: a tag `.` or `..` (a
dot segment every HTTP client folds into the dataset's own URL, turning an untag into the
dataset's deletion), and a dataset name or tag with white space at either end or a control
character. Names made so before stay reachable (listing, id, a tag's own URL)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa

from groundset_server.db.engine import make_engine
from groundset_server.db.tables import version_tags
from tests.conftest import Server, example

BAD_SHAPES = [
    (" qa", "must not begin with white space (U+0020 at character 0)"),
    ("qa\u3000", "must not end with white space (U+3000 at character 2)"),
    ("q\x1b[31ma", "must not contain a control character (U+001B at character 1)"),
    ("q\na", "must not contain a control character (U+000A at character 1)"),
    ("qa\x7f", "must not contain a control character (U+007F at character 2)"),
    ("q\x85a", "must not contain a control character (U+0085 at character 1)"),
]


def _first_version(http: httpx.Client) -> tuple[str, str]:
    body = {"dataset": {"name": "prod"}, "tag": "keep", "examples": [example("a", {"q": 1})]}
    made = http.post("/v1/datasets/upsert", json=body)
    assert made.status_code == 200, made.text
    return made.json()["dataset_id"], made.json()["version_id"]


def test_dot_tags_never_reach_the_dataset(database_url: str, server_factory: Callable[..., Server]) -> None:
    server = server_factory(database_url)
    with httpx.Client(base_url=server.url) as http:
        dataset_id, v1 = _first_version(http)
        for segment in ["%2e%2e", "%2E%2E", "%2e", ".%2e", "%2e."]:
            for method in ("PUT", "GET", "DELETE"):
                sent = http.request(
                    method, f"/v1/datasets/{dataset_id}/tags/{segment}", json={"version_id": v1}
                )
                assert sent.status_code == 422, (method, segment, sent.status_code, sent.text)
                assert sent.json()["code"] == "invalid_tag", sent.text
                assert "which a URL reads as a path step" in sent.json()["detail"]
        for tag in (".", ".."):
            body = {"dataset": {"id": dataset_id}, "tag": tag, "examples": []}
            refused = http.post("/v1/datasets/upsert", json=body)
            assert refused.status_code == 422 and refused.json()["code"] == "invalid_tag", refused.text
        # Dots inside a tag are fine: only a whole segment of dots is a path step.
        assert http.put(f"/v1/datasets/{dataset_id}/tags/...", json={"version_id": v1}).status_code == 201
        assert http.get(f"/v1/datasets/{dataset_id}").status_code == 200
        listed = [tag["name"] for tag in http.get(f"/v1/datasets/{dataset_id}/tags").json()["data"]]
        assert listed == ["...", "keep"]


@pytest.mark.parametrize(("name", "reason"), BAD_SHAPES)
def test_new_names_with_blank_ends_or_controls_are_refused(
    database_url: str, server_factory: Callable[..., Server], name: str, reason: str
) -> None:
    server = server_factory(database_url)
    with httpx.Client(base_url=server.url) as http:
        dataset_id, v1 = _first_version(http)
        for route in ("/v1/datasets/upsert", "/v1/datasets/upsert/plan"):
            body = {"dataset": {"name": name}, "examples": []}
            refused = http.post(route, json=body)
            assert refused.status_code == 422 and refused.json()["code"] == "invalid_selector", refused.text
            assert refused.json()["detail"] == f"`dataset.name` {reason}: {name!r}"
        put = http.put(f"/v1/datasets/{dataset_id}/tags/{quote(name, safe='')}", json={"version_id": v1})
        assert put.status_code == 422 and put.json()["code"] == "invalid_tag", put.text
        assert put.json()["detail"] == f"`tag`: a tag {reason}"
        body = {"dataset": {"id": dataset_id}, "tag": name, "examples": []}
        refused = http.post("/v1/datasets/upsert", json=body)
        assert refused.status_code == 422 and refused.json()["code"] == "invalid_tag", refused.text
        assert refused.json()["path"] == "$.tag"
        assert [d["name"] for d in http.get("/v1/datasets").json()["data"]] == ["prod"]
        assert [t["name"] for t in http.get(f"/v1/datasets/{dataset_id}/tags").json()["data"]] == ["keep"]


def test_names_made_before_stay_reachable(database_url: str, server_factory: Callable[..., Server]) -> None:
    server = server_factory(database_url)
    with httpx.Client(base_url=server.url) as http:
        dataset_id, v1 = _first_version(http)
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE datasets SET name = ' prod ' WHERE id = :id"), {"id": int(dataset_id)}
            )
            conn.execute(sa.update(version_tags).values(name=" old\x1b"))
    finally:
        engine.dispose()
    with httpx.Client(base_url=server.url) as http:
        assert http.get(f"/v1/datasets/{dataset_id}").json()["name"] == " prod "
        assert http.get("/v1/datasets", params={"name": " prod "}).json()["data"][0]["id"] == dataset_id
        url = f"/v1/datasets/{dataset_id}/tags/%20old%1B"
        assert http.get(url).json()["version_id"] == v1
        assert http.delete(url).status_code == 204
        assert http.get(f"/v1/datasets/{dataset_id}/tags").json()["data"] == []


def test_new_experiment_names_follow_the_dataset_name_rule(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    """An experiment's name is refused as a dataset's would be (422 `invalid_name`), nothing
    created; one stored so before stays readable by id and by its exact name."""
    server = server_factory(database_url)
    with httpx.Client(base_url=server.url) as http:
        dataset_id, _ = _first_version(http)
        route = f"/v1/datasets/{dataset_id}/experiments"
        refusals = [
            ("", "an experiment name must not be empty"),
            ("  ", "an experiment name must not begin with white space (U+0020 at character 0)"),
        ]
        refusals += [(name, f"an experiment name {reason}") for name, reason in BAD_SHAPES]
        for name, reason in refusals:
            refused = http.post(route, json={"name": name})
            assert refused.status_code == 422 and refused.json()["code"] == "invalid_name", refused.text
            assert refused.json()["detail"] == f"`$.name`: {reason}" and refused.json()["path"] == "$.name"
        # U+0000 keeps its own code (no text column of PostgreSQL holds it).
        assert http.post(route, json={"name": "a\x00"}).json()["code"] == "invalid_text"
        assert http.get(route).json()["data"] == []
        made = http.post(route, json={"name": "nightly run"})
        assert made.status_code == 201, made.text
        unnamed = http.post(route, json={})
        assert unnamed.status_code == 201 and unnamed.json()["name"] is None
        experiment_id = made.json()["id"]
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE experiments SET name = ' old\n' WHERE id = :id"), {"id": int(experiment_id)}
            )
    finally:
        engine.dispose()
    with httpx.Client(base_url=server.url) as http:
        assert http.get(f"/v1/experiments/{experiment_id}").json()["name"] == " old\n"
        listed = http.get(f"/v1/datasets/{dataset_id}/experiments", params={"name": " old\n"}).json()["data"]
        assert [found["id"] for found in listed] == [experiment_id]
