"""Version tags on both databases: create, move, delete, history, uniqueness per dataset, the
name rules, a tag wherever a version id is accepted, the upsert's tag, cascades."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.db.engine import make_engine, run_migrations
from tests.conftest import Server, example
from tests.test_experiments import create, problem
from tests.test_upsert import table_count, upsert


def tag_url(dataset_id: str, tag: str, tail: str = "") -> str:
    return f"/v1/datasets/{dataset_id}/tags/{quote(tag, safe='')}{tail}"


def put_tag(client: TestClient, dataset_id: str, tag: str, version_id: str, **body: Any) -> Any:
    return client.put(tag_url(dataset_id, tag), json={"version_id": version_id, **body})


def history(client: TestClient, dataset_id: str, tag: str) -> list[dict[str, Any]]:
    response = client.get(tag_url(dataset_id, tag, "/history"))
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["data"]
    return events


def moves(events: list[dict[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    return [(e["action"], e["version_id"], e["previous_version_id"]) for e in events]


def two_versions(client: TestClient, name: str = "qa") -> tuple[str, str, str]:
    """A dataset with versions 1 (a, b) and 2 (b edited, c added): dataset id, v1, v2."""
    body = {"dataset": {"name": name}}
    first = upsert(client, [example("a", {"q": 1}), example("b", {"q": 2})], **body)
    second = upsert(client, [example("b", {"q": 20}), example("c", {"q": 3})], **body)
    return first["dataset_id"], first["version_id"], second["version_id"]


def version_tags(client: TestClient, dataset_id: str) -> dict[str, list[str]]:
    page = client.get(f"/v1/datasets/{dataset_id}/versions").json()
    return {version["id"]: version["tags"] for version in page["data"]}


def test_create_move_delete_and_history(client: TestClient) -> None:
    dataset_id, v1, v2 = two_versions(client)
    created = put_tag(client, dataset_id, "baseline", v1)
    assert created.status_code == 201, created.text
    tag = created.json()
    assert (tag["name"], tag["version_id"]) == ("baseline", v1)
    assert tag["created_at"] == tag["updated_at"]
    again = put_tag(client, dataset_id, "baseline", v1)
    assert again.status_code == 200 and again.json() == tag

    refused = problem(put_tag(client, dataset_id, "baseline", v2), 409, "tag_exists")
    assert (refused["tag"], refused["version_id"]) == ("baseline", v1)
    assert "move" in refused["detail"]
    assert client.get(tag_url(dataset_id, "baseline")).json() == tag

    moved = put_tag(client, dataset_id, "baseline", v2, move=True)
    assert moved.status_code == 200, moved.text
    assert moved.json()["version_id"] == v2 and moved.json()["created_at"] == tag["created_at"]
    assert moved.json()["updated_at"] >= tag["updated_at"]
    assert put_tag(client, dataset_id, "baseline", v2, move=True).json() == moved.json()
    assert version_tags(client, dataset_id) == {v1: [], v2: ["baseline"]}

    events = history(client, dataset_id, "baseline")
    assert moves(events) == [("created", v1, None), ("moved", v2, v1)]
    assert events[0]["at"] == tag["created_at"] and events[1]["at"] == moved.json()["updated_at"]

    assert client.delete(tag_url(dataset_id, "baseline")).status_code == 204
    assert problem(client.get(tag_url(dataset_id, "baseline")), 404, "tag_not_found")["tag"] == "baseline"
    problem(client.delete(tag_url(dataset_id, "baseline")), 404, "tag_not_found")
    assert version_tags(client, dataset_id) == {v1: [], v2: []}
    events = history(client, dataset_id, "baseline")
    assert moves(events) == [("created", v1, None), ("moved", v2, v1), ("deleted", None, v2)]
    assert events[2]["at"] >= events[1]["at"]

    # Created again after its deletion: a new creation, the history goes on.
    assert put_tag(client, dataset_id, "baseline", v1).status_code == 201
    assert moves(history(client, dataset_id, "baseline"))[3:] == [("created", v1, None)]
    problem(client.get(tag_url(dataset_id, "never", "/history")), 404, "tag_not_found")
    problem(client.get(tag_url("999999", "baseline")), 404, "dataset_not_found")
    problem(put_tag(client, "999999", "baseline", v1), 404, "dataset_not_found")
    problem(put_tag(client, dataset_id, "baseline", "999999"), 404, "version_not_found")
    problem(put_tag(client, dataset_id, "baseline", "x"), 422, "invalid_id")
    problem(client.put(tag_url(dataset_id, "baseline"), json={"move": True}), 422, "invalid_request")
    problem(
        client.put(tag_url(dataset_id, "baseline"), json={"version_id": v1, "mvoe": 1}), 422, "unknown_field"
    )


def test_unique_per_dataset(client: TestClient) -> None:
    qa, qa_v1, qa_v2 = two_versions(client, "qa")
    other, other_v1, _ = two_versions(client, "other")
    assert put_tag(client, qa, "release", qa_v2).status_code == 201
    assert put_tag(client, other, "release", other_v1).status_code == 201
    assert client.get(tag_url(qa, "release")).json()["version_id"] == qa_v2
    assert client.get(tag_url(other, "release")).json()["version_id"] == other_v1
    # A version of another dataset is not this one's.
    problem(put_tag(client, qa, "elsewhere", other_v1), 404, "version_not_found")
    # Several tags on one version, listed sorted with it.
    assert put_tag(client, qa, "Baseline", qa_v2).status_code == 201
    assert put_tag(client, qa, "candidate", qa_v1).status_code == 201
    assert version_tags(client, qa) == {qa_v2: ["Baseline", "release"], qa_v1: ["candidate"]}
    one = client.get(f"/v1/datasets/{qa}/versions/{qa_v2}").json()
    assert one["tags"] == ["Baseline", "release"]
    assert table_count(client, "version_tags") == 4


def test_list_in_code_point_order_a_page_at_a_time(client: TestClient) -> None:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    if engine.dialect.name == "postgresql":
        # The test cluster's collation is C: give the column a natural-language one, which
        # sorts "zeta" before "Zeta" and "é" before "f", to see the listing keep code points.
        with engine.begin() as conn:
            conn.execute(sa.text('ALTER TABLE version_tags ALTER COLUMN name TYPE text COLLATE "und-x-icu"'))
    dataset_id, v1, _ = two_versions(client)
    names = [
        "zeta",
        "Zeta",
        "a b",
        "a-b",
        "é",
        "e",
        "日本",
        "😀",
        "\uff46\uff55\uff4c\uff4c",
        "_x",
        "1.0",
        "\uff11\uff12\uff13",
    ]
    for name in names:
        assert put_tag(client, dataset_id, name, v1).status_code == 201, name
    listed: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/v1/datasets/{dataset_id}/tags", params=params).json()
        assert len(page["data"]) <= 5
        listed += [tag["name"] for tag in page["data"]]
        assert all(tag["version_id"] == v1 for tag in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert listed == sorted(names)
    assert version_tags(client, dataset_id)[v1] == sorted(names)
    empty = upsert(client, [example("a", {"q": 1})], dataset={"name": "untagged"})
    assert client.get(f"/v1/datasets/{empty['dataset_id']}/tags").json() == {"data": [], "next_cursor": None}
    problem(client.get(f"/v1/datasets/{dataset_id}/tags", params={"cursor": "a\x00"}), 422, "invalid_text")
    problem(client.get("/v1/datasets/999999/tags"), 404, "dataset_not_found")


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("", "invalid_tag"),
        ("x" * 513, "invalid_tag"),
        ("123", "invalid_tag"),
        ("0", "invalid_tag"),
        ("a/b", "invalid_tag"),
        (" ", "invalid_tag"),
        ("\t\n\u3000", "invalid_tag"),
        ("a\x00b", "invalid_text"),
    ],
)
def test_names_refused_everywhere(client: TestClient, tag: str, code: str) -> None:
    dataset_id, v1, _ = two_versions(client)
    base = f"/v1/datasets/{dataset_id}"
    if tag and "/" not in tag:
        # As a path segment (an empty or slashed one does not reach the routes).
        for response in [
            put_tag(client, dataset_id, tag, v1),
            client.get(tag_url(dataset_id, tag)),
            client.delete(tag_url(dataset_id, tag)),
            client.get(tag_url(dataset_id, tag, "/history")),
        ]:
            assert problem(response, 422, code)["parameter"] == "tag"
    for path, parameter, other in [
        ("/examples", "tag", {}),
        ("/manifest", "tag", {}),
        ("/experiments", "tag", {}),
        ("/diff", "from_tag", {"to_version_id": v1}),
        ("/diff", "to_tag", {"from_version_id": v1}),
    ]:
        refused = problem(client.get(base + path, params={parameter: tag, **other}), 422, code)
        assert refused["parameter"] == parameter, path
    body: dict[str, Any] = {"dataset": {"id": dataset_id}, "tag": tag, "examples": []}
    assert problem(client.post("/v1/datasets/upsert", json=body), 422, code)["path"] == "$.tag"
    ndjson = orjson.dumps({"dataset": {"id": dataset_id}, "tag": tag}) + b"\n"
    refused = client.post(
        "/v1/datasets/upsert", content=ndjson, headers={"content-type": "application/x-ndjson"}
    )
    assert problem(refused, 422, code)["path"] == "$.tag"
    assert problem(client.post(f"{base}/experiments", json={"tag": tag}), 422, code)["path"] == "$.tag"
    assert table_count(client, "version_tags") == 0 and table_count(client, "version_tag_events") == 0


def test_names_accepted_at_the_edges(client: TestClient) -> None:
    dataset_id, v1, _ = two_versions(client)
    for tag in ["x" * 512, "\uff11\uff12\uff13", "v1", "12a", "a b", "a?b#c", "😀" * 512]:
        assert put_tag(client, dataset_id, tag, v1).status_code == 201, tag
        assert client.get(tag_url(dataset_id, tag)).json()["name"] == tag
        assert (
            client.get(f"/v1/datasets/{dataset_id}/manifest", params={"tag": tag}).json()["version_id"] == v1
        )
    lone = client.post(
        "/v1/datasets/upsert",
        content=b'{"dataset": {"id": "%s"}, "tag": "\\ud800", "examples": []}' % dataset_id.encode(),
        headers={"content-type": "application/json"},
    )
    assert problem(lone, 422, "lone_surrogate")["path"] == "$.tag"


def test_a_tag_wherever_a_version_id_is_accepted(client: TestClient) -> None:
    dataset_id, v1, v2 = two_versions(client)
    assert put_tag(client, dataset_id, "old", v1).status_code == 201
    base = f"/v1/datasets/{dataset_id}"

    def get(path: str, **params: Any) -> Any:
        response = client.get(base + path, params=params)
        assert response.status_code == 200, response.text
        return response

    page = get("/examples", tag="old").json()
    assert page["version_id"] == v1 and page == get("/examples", version_id=v1).json()
    assert {e["source_id"]: e["input"] for e in page["data"]} == {"a": {"q": 1}, "b": {"q": 2}}
    ndjson = client.get(base + "/examples", params={"tag": "old"}, headers={"accept": "application/x-ndjson"})
    assert [orjson.loads(line)["source_id"] for line in ndjson.content.splitlines()] == ["a", "b"]
    manifest = get("/manifest", tag="old").json()
    assert manifest == get("/manifest", version_id=v1).json() and manifest["version_id"] == v1

    diff = get("/diff", from_tag="old", to_version_id=v2).json()
    assert diff == get("/diff", from_version_id=v1, to_version_id=v2).json()
    assert (diff["from_version_id"], diff["to_version_id"], diff["updated"]) == (v1, v2, ["b"])
    assert put_tag(client, dataset_id, "new", v2).status_code == 201
    assert get("/diff", from_tag="old", to_tag="new").json() == diff
    assert get("/diff", from_tag="new", to_tag="old").json()["deleted"] == ["c"]

    on_old = create(client, dataset_id, tag="old", name="pinned")
    assert on_old["version_id"] == v1
    latest = create(client, dataset_id, name="latest")
    assert latest["version_id"] == v2
    listed = get("/experiments", tag="old").json()["data"]
    assert [e["id"] for e in listed] == [on_old["id"]]
    assert [e["id"] for e in get("/experiments", tag="new").json()["data"]] == [latest["id"]]

    both = [
        ("/examples", {"tag": "old", "version_id": v1}, "tag"),
        ("/manifest", {"tag": "old", "version_id": v1}, "tag"),
        ("/experiments", {"tag": "old", "version_id": v1}, "tag"),
        ("/diff", {"from_tag": "old", "from_version_id": v1, "to_version_id": v2}, "from_tag"),
        ("/diff", {"from_version_id": v1, "to_tag": "new", "to_version_id": v2}, "to_tag"),
    ]
    for path, params, parameter in both:
        refused = problem(client.get(base + path, params=params), 422, "version_and_tag")
        assert refused["parameter"] == parameter, path
    both_in_body = client.post(base + "/experiments", json={"tag": "old", "version_id": v1})
    assert problem(both_in_body, 422, "version_and_tag")["path"] == "$.tag"

    unknown = [
        ("/examples", {"tag": "nope"}),
        ("/manifest", {"tag": "nope"}),
        ("/experiments", {"tag": "nope"}),
        ("/diff", {"from_tag": "nope", "to_version_id": v2}),
        ("/diff", {"from_version_id": v1, "to_tag": "nope"}),
    ]
    for path, params in unknown:
        assert problem(client.get(base + path, params=params), 404, "tag_not_found")["tag"] == "nope", path
    ndjson_unknown = client.get(
        base + "/examples", params={"tag": "nope"}, headers={"accept": "application/x-ndjson"}
    )
    problem(ndjson_unknown, 404, "tag_not_found")
    problem(client.post(base + "/experiments", json={"tag": "nope"}), 404, "tag_not_found")
    # A tag of another dataset is not this one's.
    other, _, other_v2 = two_versions(client, "other")
    assert put_tag(client, other, "elsewhere", other_v2).status_code == 201
    problem(client.get(base + "/manifest", params={"tag": "elsewhere"}), 404, "tag_not_found")

    missing = problem(client.get(base + "/diff", params={"to_tag": "new"}), 422, "invalid_request")
    assert missing["parameter"] == "from_version_id"
    assert problem(client.get(base + "/diff", params={"from_tag": "new"}), 422, "invalid_request")[
        "parameter"
    ] == ("to_version_id")


def test_upsert_tags_the_version_it_produced(client: TestClient) -> None:
    first = upsert(client, [example("a", {"q": 1})], tag="v-one")
    dataset_id, v1 = first["dataset_id"], first["version_id"]
    assert first["tag"] == "v-one" and not first["noop"]
    assert version_tags(client, dataset_id) == {v1: ["v-one"]}
    untagged = upsert(client, [example("a", {"q": 1})])
    assert untagged["tag"] is None and untagged["noop"]

    # Unchanged: the latest is tagged (no event when the tag is already there).
    same = upsert(client, [example("a", {"q": 1})], tag="v-one")
    assert same["noop"] and same["version_id"] == v1 and same["tag"] == "v-one"
    assert same["tag_change"] == "unchanged" and untagged["tag_change"] is None
    assert len(history(client, dataset_id, "v-one")) == 1
    stable = upsert(client, [example("a", {"q": 1})], tag="stable")
    assert (stable["tag"], stable["tag_change"]) == ("stable", "created")
    assert version_tags(client, dataset_id) == {v1: ["stable", "v-one"]}

    # A change with a tag on another version: refused, nothing written.
    changed = {"dataset": {"name": "qa"}, "examples": [example("a", {"q": 2})], "tag": "v-one"}
    refused = problem(client.post("/v1/datasets/upsert", json=changed), 409, "tag_exists")
    assert (refused["tag"], refused["version_id"]) == ("v-one", v1)
    assert "move_tag" in refused["detail"]
    dry = problem(client.post("/v1/datasets/upsert", json={**changed, "dry_run": True}), 409, "tag_exists")
    assert dry["version_id"] == v1
    assert (
        table_count(client, "dataset_versions") == 1 and table_count(client, "dataset_example_revisions") == 1
    )
    assert client.get(f"/v1/datasets/{dataset_id}/manifest").json()["version_id"] == v1
    assert len(history(client, dataset_id, "v-one")) == 1

    # A dry run checks and writes nothing.
    would = client.post("/v1/datasets/upsert", json={**changed, "tag": "fresh", "dry_run": True})
    assert would.status_code == 200 and would.json()["tag"] == "fresh" and would.json()["version_id"] is None
    assert would.json()["tag_change"] == "created"
    would_move = client.post("/v1/datasets/upsert", json={**changed, "move_tag": True, "dry_run": True})
    assert would_move.status_code == 200 and would_move.json()["tag"] == "v-one"
    assert would_move.json()["tag_change"] == "moved"
    # A dry run of a no-op says what it would do to the tag too.
    noop_body = {"dataset": {"name": "qa"}, "examples": [example("a", {"q": 1})], "dry_run": True}
    for tag, change in (("v-one", "unchanged"), ("brand-new", "created")):
        answer = client.post("/v1/datasets/upsert", json={**noop_body, "tag": tag}).json()
        assert (answer["noop"], answer["dry_run"], answer["tag_change"]) == (True, True, change), answer
    assert table_count(client, "version_tags") == 2 and table_count(client, "version_tag_events") == 2
    assert table_count(client, "dataset_versions") == 1

    # move_tag moves it onto the new version, in the upsert's transaction.
    moved = client.post("/v1/datasets/upsert", json={**changed, "move_tag": True})
    assert moved.status_code == 200, moved.text
    assert moved.json()["tag_change"] == "moved"
    v2 = moved.json()["version_id"]
    assert v2 != v1 and moved.json()["tag"] == "v-one"
    assert version_tags(client, dataset_id) == {v2: ["v-one"], v1: ["stable"]}
    assert moves(history(client, dataset_id, "v-one")) == [("created", v1, None), ("moved", v2, v1)]

    # NDJSON carries the tag in its header line.
    lines = (
        orjson.dumps({"dataset": {"id": dataset_id}, "tag": "streamed"})
        + b"\n"
        + orjson.dumps(example("b", {"q": 3}))
        + b"\n"
    )
    streamed = client.post(
        "/v1/datasets/upsert", content=lines, headers={"content-type": "application/x-ndjson"}
    )
    assert streamed.status_code == 200, streamed.text
    assert client.get(tag_url(dataset_id, "streamed")).json()["version_id"] == streamed.json()["version_id"]

    # The plan takes no tag; move_tag is a boolean.
    plan = {"dataset": {"id": dataset_id}, "tag": "x", "examples": []}
    assert (
        problem(client.post("/v1/datasets/upsert/plan", json=plan), 422, "unknown_field")["path"] == "$.tag"
    )
    not_bool = {"dataset": {"id": dataset_id}, "tag": "x", "move_tag": "yes", "examples": []}
    problem(client.post("/v1/datasets/upsert", json=not_bool), 422, "invalid_request")


def test_upsert_with_nothing_to_tag(client: TestClient) -> None:
    for dry_run in (False, True):
        body = {"dataset": {"name": "empty"}, "tag": "t", "dry_run": dry_run, "examples": []}
        refused = problem(client.post("/v1/datasets/upsert", json=body), 422, "dataset_has_no_version")
        assert refused["tag"] == "t"
    assert table_count(client, "datasets") == 0 and table_count(client, "version_tags") == 0
    # A new dataset's dry run with examples would get a new version: the tag is free.
    body = {"dataset": {"name": "empty"}, "tag": "t", "dry_run": True, "examples": [example("a", {"q": 1})]}
    assert client.post("/v1/datasets/upsert", json=body).json()["tag"] == "t"
    assert table_count(client, "datasets") == 0


def test_deleting_a_dataset_deletes_its_tags_and_their_history(client: TestClient) -> None:
    dataset_id, v1, v2 = two_versions(client)
    other, other_v1, _ = two_versions(client, "other")
    assert put_tag(client, dataset_id, "a", v1).status_code == 201
    assert put_tag(client, dataset_id, "a", v2, move=True).status_code == 200
    assert put_tag(client, dataset_id, "b", v2).status_code == 201
    assert client.delete(tag_url(dataset_id, "b")).status_code == 204
    assert put_tag(client, other, "a", other_v1).status_code == 201
    assert client.delete(f"/v1/datasets/{dataset_id}").status_code == 204
    assert table_count(client, "version_tags") == 1 and table_count(client, "version_tag_events") == 1
    assert client.get(tag_url(other, "a")).json()["version_id"] == other_v1
    # The same name is free again for a new dataset of the same name.
    again, again_v1, _ = two_versions(client)
    assert put_tag(client, again, "a", again_v1).status_code == 201
    assert moves(history(client, again, "a")) == [("created", again_v1, None)]


def test_migration_0005_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        run_migrations(engine, "0004")
        assert "version_tags" not in sa.inspect(engine).get_table_names()
        run_migrations(engine)
        inspector = sa.inspect(engine)
        assert {"version_tags", "version_tag_events"} <= set(inspector.get_table_names())
        assert inspector.get_pk_constraint("version_tags")["constrained_columns"] == ["dataset_id", "name"]
    finally:
        engine.dispose()


def test_percent_encoded_tags_over_http(sqlite_url: str, server_factory: Callable[..., Server]) -> None:
    """Through a real server (the test client decodes a path twice): a tag is one path segment,
    percent-encoded, whatever it holds but '/'."""
    server = server_factory(sqlite_url)
    with httpx.Client(base_url=server.url) as http:
        body = {"dataset": {"name": "qa"}, "examples": [example("a", {"q": 1})]}
        first = http.post("/v1/datasets/upsert", json=body).json()
        dataset_id, v1 = first["dataset_id"], first["version_id"]
        names = ["a%2Fb", "100%", "a?b#c&d=e", "in side", "caf\u00e9", "\\", "+plus", ".x."]
        for name in names:
            created = http.put(tag_url(dataset_id, name), json={"version_id": v1})
            assert created.status_code == 201 and created.json()["name"] == name, (name, created.text)
            assert http.get(tag_url(dataset_id, name, "/history")).json()["data"][0]["action"] == "created"
        listed = http.get(f"/v1/datasets/{dataset_id}/tags").json()["data"]
        assert [tag["name"] for tag in listed] == sorted(names)
        # A tag with '/' reaches the tag rule however it is sent: 422 invalid_tag, never a 404
        # or a redirect; an escaped '/' before "/history" is part of the tag.
        for path in ["a%2Fb", "%2F", "a/b", "a%2Fb/history", "a%2Fhistory", "/", "a/b/history"]:
            for method in ("PUT", "GET", "DELETE"):
                if method != "GET" and path.endswith("history"):
                    continue
                slashed = http.request(
                    method, f"/v1/datasets/{dataset_id}/tags/{path}", json={"version_id": v1}
                )
                assert slashed.status_code == 422, (method, path, slashed.status_code, slashed.text)
                assert slashed.json()["code"] == "invalid_tag" and slashed.json()["parameter"] == "tag"
        # Escapes that are not UTF-8 (a lone surrogate's, a stray byte) are refused, not decoded
        # into a tag named with U+FFFD.
        for path in ["%ED%A0%80", "a%FF", "%ED%A0%80/history"]:
            for method in ("PUT", "GET"):
                refused = http.request(
                    method, f"/v1/datasets/{dataset_id}/tags/{path}", json={"version_id": v1}
                )
                assert refused.status_code == 422, (method, path, refused.text)
                assert refused.json()["code"] == "invalid_text" and refused.json()["parameter"] == "tag"
        assert [tag["name"] for tag in http.get(f"/v1/datasets/{dataset_id}/tags").json()["data"]] == sorted(
            names
        )
