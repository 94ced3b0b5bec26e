"""The mirror guard on both databases: `mirror_would_empty` and `max_deletes_exceeded` on the
upsert (JSON and NDJSON, dry run, content-less after a plan) and on the plan; nothing written."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.conftest import example
from tests.test_upsert import table_count

SEED = [example("a", {"q": 1}), example("b", {"q": 2}), example("c", {"q": 3})]
NDJSON = {"content-type": "application/x-ndjson"}


def post(client: TestClient, route: str, examples: list[dict[str, Any]], **fields: Any) -> Any:
    body = {"dataset": {"name": "qa"}, "mode": "mirror", "examples": examples, **fields}
    return client.post(f"/v1/datasets/{route}", json=body)


def post_ndjson(client: TestClient, route: str, examples: list[dict[str, Any]], **fields: Any) -> Any:
    header = {"dataset": {"name": "qa"}, "mode": "mirror", **fields}
    body = b"".join(orjson.dumps(line) + b"\n" for line in [header, *examples])
    return client.post(f"/v1/datasets/{route}", content=body, headers=NDJSON)


def seed(client: TestClient) -> dict[str, Any]:
    response = post(client, "upsert", SEED)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def state(client: TestClient) -> tuple[int, int, int, int]:
    """Rows of every table an upsert writes, and the live examples."""
    dataset = client.get("/v1/datasets", params={"name": "qa"}).json()["data"][0]
    live = client.get(f"/v1/datasets/{dataset['id']}").json()["example_count"]
    return (
        table_count(client, "dataset_versions"),
        table_count(client, "dataset_examples"),
        table_count(client, "dataset_example_revisions"),
        live,
    )


def refused(response: Any, code: str, deleted: int, **members: Any) -> dict[str, Any]:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code and problem["deleted"] == deleted, problem
    for name, value in members.items():
        assert problem[name] == value, problem
    return problem


@pytest.mark.parametrize("send", [post, post_ndjson], ids=["json", "ndjson"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["write", "dry_run"])
def test_mirror_of_nothing_is_refused_unless_allowed(client: TestClient, send: Any, dry_run: bool) -> None:
    seed(client)
    before = state(client)
    problem = refused(send(client, "upsert", [], dry_run=dry_run), "mirror_would_empty", 3, example_count=3)
    assert sorted(problem["source_ids"]) == ["a", "b", "c"]
    assert "allow_empty" in problem["detail"]
    assert state(client) == before

    allowed = send(client, "upsert", [], dry_run=dry_run, allow_empty=True)
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["deleted"] == 3
    if dry_run:
        assert sorted(allowed.json()["deleted_source_ids"]) == ["a", "b", "c"]
        assert state(client) == before
    else:
        assert state(client)[3] == 0
        # Nothing left to wipe: a mirror of nothing onto the empty dataset is a no-op, not a 409.
        again = send(client, "upsert", [])
        assert again.status_code == 200 and again.json()["noop"] is True


@pytest.mark.parametrize("send", [post, post_ndjson], ids=["json", "ndjson"])
def test_plan_answers_the_guard(client: TestClient, send: Any) -> None:
    seed(client)
    manifest = [{"source_id": e["source_id"], "content_hash": e["content_hash"]} for e in SEED]
    refused(send(client, "upsert/plan", []), "mirror_would_empty", 3, example_count=3)
    refused(
        send(client, "upsert/plan", manifest[:1], max_deletes=1), "max_deletes_exceeded", 2, max_deletes=1
    )
    plan = send(client, "upsert/plan", [], allow_empty=True)
    assert plan.status_code == 200 and plan.json()["deleted"] == 3
    assert send(client, "upsert/plan", manifest[:1], max_deletes=2).json()["deleted"] == 2


@pytest.mark.parametrize("dry_run", [False, True], ids=["write", "dry_run"])
def test_max_deletes(client: TestClient, dry_run: bool) -> None:
    seed(client)
    before = state(client)
    problem = refused(
        post(client, "upsert", SEED[:1], max_deletes=1, dry_run=dry_run),
        "max_deletes_exceeded",
        2,
        max_deletes=1,
        example_count=3,
    )
    assert sorted(problem["source_ids"]) == ["b", "c"] and "max_deletes" in problem["detail"]
    assert state(client) == before
    # Zero allows a mirror that deletes nothing.
    same = post(client, "upsert", SEED, max_deletes=0, dry_run=dry_run)
    assert same.status_code == 200 and same.json()["noop"] is True
    exact = post(client, "upsert", SEED[:1], max_deletes=2, dry_run=dry_run)
    assert exact.status_code == 200 and exact.json()["deleted"] == 2
    assert (state(client) == before) is dry_run


def test_rules_together_and_merge_mode(client: TestClient) -> None:
    seed(client)
    before = state(client)
    # Leaving the dataset empty is the more specific refusal...
    refused(post(client, "upsert", [], max_deletes=1), "mirror_would_empty", 3)
    # ...and allowing it does not lift the bound.
    refused(post(client, "upsert", [], allow_empty=True, max_deletes=1), "max_deletes_exceeded", 3)
    # A mirror replacing every example is not an empty one.
    fresh = [example("x", {"q": 9})]
    refused(post(client, "upsert", fresh, max_deletes=2), "max_deletes_exceeded", 3)
    assert state(client) == before
    replaced = post(client, "upsert", fresh)
    assert replaced.status_code == 200 and replaced.json()["deleted"] == 3
    # Merge never deletes: the guard's members are accepted and change nothing.
    merged = post(client, "upsert", [], mode="merge", max_deletes=0)
    assert merged.status_code == 200 and merged.json()["noop"] is True


def test_new_or_empty_dataset_is_never_refused(client: TestClient) -> None:
    created = post(client, "upsert", [])
    assert created.status_code == 200, created.text
    assert created.json()["noop"] is True and created.json()["deleted"] == 0
    plan = post(client, "upsert/plan", [], max_deletes=0)
    assert plan.status_code == 200 and plan.json()["deleted"] == 0


def test_batches_already_written_are_rolled_back(client: TestClient) -> None:
    """The guard is known only once the whole stream is read: the batches written before it
    are part of the transaction the refusal rolls back."""
    seed(client)
    before = state(client)
    incoming = [example(f"n{i}", {"q": i}) for i in range(5000)]
    header = orjson.dumps({"dataset": {"name": "qa"}, "mode": "mirror", "max_deletes": 2}) + b"\n"
    body = header + b"".join(orjson.dumps(line) + b"\n" for line in incoming)

    def blocks() -> Any:
        # Several blocks, so that several batches are classified and written.
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    refused(client.post("/v1/datasets/upsert", content=blocks(), headers=NDJSON), "max_deletes_exceeded", 3)
    assert state(client) == before


def test_contentless_upsert_after_a_plan(client: TestClient) -> None:
    base = seed(client)["version_id"]
    before = state(client)
    bare = [{"source_id": e["source_id"], "content_hash": e["content_hash"]} for e in SEED[:1]]
    refused(
        post_ndjson(client, "upsert", bare, expected_version_id=base, max_deletes=0),
        "max_deletes_exceeded",
        2,
        max_deletes=0,
    )
    assert state(client) == before
    done = post_ndjson(client, "upsert", bare, expected_version_id=base, max_deletes=2)
    assert done.status_code == 200 and done.json()["deleted"] == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("allow_empty", "yes"),
        ("allow_empty", 1),
        ("max_deletes", -1),
        ("max_deletes", 1.5),
        ("max_deletes", True),
        ("max_deletes", "3"),
    ],
)
@pytest.mark.parametrize("route", ["upsert", "upsert/plan"])
def test_bad_guard_members(sqlite_client: TestClient, route: str, field: str, value: Any) -> None:
    response = post(sqlite_client, route, [], **{field: value})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_request" and field in response.json()["detail"]
