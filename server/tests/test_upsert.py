"""Upsert behaviour on both databases: classes, versions, revisions, history, plan protocol."""

from __future__ import annotations

from typing import Any

import groundset
import orjson
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from tests.conftest import example


def upsert(client: TestClient, examples: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    body = {"dataset": {"name": "qa"}, "mode": "merge", "examples": examples, **fields}
    response = client.post("/v1/datasets/upsert", json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def counts(result: dict[str, Any]) -> tuple[int, int, int, int]:
    return result["created"], result["updated"], result["unchanged"], result["deleted"]


def table_count(client: TestClient, table: str) -> int:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def example_set(client: TestClient, dataset_id: str, version_id: str | None = None) -> dict[str, Any]:
    params = {"limit": "2"} | ({"version_id": version_id} if version_id else {})
    found: dict[str, Any] = {}
    cursor = None
    while True:
        response = client.get(
            f"/v1/datasets/{dataset_id}/examples", params=params | ({"cursor": cursor} if cursor else {})
        )
        assert response.status_code == 200, response.text
        page = response.json()
        for item in page["data"]:
            found[item["source_id"]] = item["input"]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_create_patch_delete_noop_and_history(client: TestClient) -> None:
    v1 = upsert(client, [example("a", {"q": 1}), example("b", {"q": 2}), example("c", {"q": 3})])
    assert counts(v1) == (3, 0, 0, 0) and not v1["noop"] and v1["previous_version_id"] is None
    dataset_id = v1["dataset_id"]

    v2 = upsert(client, [example("a", {"q": 1}), example("b", {"q": 20}), example("d", {"q": 4})])
    assert counts(v2) == (1, 1, 1, 0) and v2["previous_version_id"] == v1["version_id"]

    v3 = upsert(client, [example("a", {"q": 1}), example("d", {"q": 4})], mode="mirror")
    assert counts(v3) == (0, 0, 2, 2)

    revisions_before = table_count(client, "dataset_example_revisions")
    noop = upsert(client, [example("a", {"q": 1}), example("d", {"q": 4})], mode="mirror")
    assert noop["noop"] is True and noop["version_id"] == v3["version_id"]
    assert counts(noop) == (0, 0, 2, 0) and noop["digest"] == v3["digest"]
    assert table_count(client, "dataset_versions") == 3
    assert table_count(client, "dataset_example_revisions") == revisions_before

    # Revive: c was deleted in v3 and comes back on the same example row, as a CREATE.
    ids_before = {
        e["source_id"]: e["id"]
        for e in client.get(f"/v1/datasets/{dataset_id}/examples?version_id={v1['version_id']}").json()[
            "data"
        ]
    }
    v4 = upsert(client, [example("c", {"q": 30})])
    assert counts(v4) == (1, 0, 0, 0)
    latest = client.get(f"/v1/datasets/{dataset_id}/examples").json()["data"]
    assert {e["source_id"]: e["id"] for e in latest}["c"] == ids_before["c"]

    # The example set at every version.
    assert example_set(client, dataset_id, v1["version_id"]) == {"a": {"q": 1}, "b": {"q": 2}, "c": {"q": 3}}
    assert example_set(client, dataset_id, v2["version_id"]) == {
        "a": {"q": 1},
        "b": {"q": 20},
        "c": {"q": 3},
        "d": {"q": 4},
    }
    assert example_set(client, dataset_id, v3["version_id"]) == {"a": {"q": 1}, "d": {"q": 4}}
    assert example_set(client, dataset_id, v4["version_id"]) == {"a": {"q": 1}, "d": {"q": 4}, "c": {"q": 30}}
    assert example_set(client, dataset_id) == example_set(client, dataset_id, v4["version_id"])

    # Versions: newest first, with counts, example counts and digests computed on read.
    listed = client.get(f"/v1/datasets/{dataset_id}/versions").json()["data"]
    assert [v["id"] for v in listed] == [
        v4["version_id"],
        v3["version_id"],
        v2["version_id"],
        v1["version_id"],
    ]
    assert [(v["created"], v["updated"], v["deleted"], v["example_count"]) for v in listed] == [
        (1, 0, 0, 3),
        (0, 0, 2, 2),
        (1, 1, 0, 4),
        (3, 0, 0, 3),
    ]
    assert [v["digest"] for v in listed] == [v4["digest"], v3["digest"], v2["digest"], v1["digest"]]
    page = client.get(f"/v1/datasets/{dataset_id}/versions?limit=3").json()
    assert len(page["data"]) == 3 and page["next_cursor"] is not None
    rest = client.get(f"/v1/datasets/{dataset_id}/versions?limit=3&cursor={page['next_cursor']}").json()
    assert [v["id"] for v in rest["data"]] == [v1["version_id"]]

    # Revision kinds per version, straight from the table.
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        kinds = conn.execute(
            sa.text("SELECT version_id, revision_kind, count(*) FROM dataset_example_revisions GROUP BY 1, 2")
        ).all()
    assert {(str(v), k, n) for v, k, n in kinds} == {
        (v1["version_id"], "CREATE", 3),
        (v2["version_id"], "CREATE", 1),
        (v2["version_id"], "PATCH", 1),
        (v3["version_id"], "DELETE", 2),
        (v4["version_id"], "CREATE", 1),
    }

    # Manifest and digest agree with the SDK; diff between any two versions.
    manifest = client.get(f"/v1/datasets/{dataset_id}/manifest?version_id={v2['version_id']}").json()
    assert manifest["digest"] == v2["digest"] == groundset.manifest_digest(manifest["examples"])
    assert [pair[0] for pair in manifest["examples"]] == ["a", "b", "c", "d"]
    diff = client.get(
        f"/v1/datasets/{dataset_id}/diff",
        params={"from_version_id": v1["version_id"], "to_version_id": v3["version_id"]},
    ).json()
    assert (diff["created"], diff["updated"], diff["deleted"]) == (["d"], [], ["b", "c"])
    back = client.get(
        f"/v1/datasets/{dataset_id}/diff",
        params={"from_version_id": v3["version_id"], "to_version_id": v1["version_id"]},
    ).json()
    assert (back["created"], back["deleted"]) == (["b", "c"], ["d"])


def test_dry_run_writes_nothing(client: TestClient) -> None:
    first = upsert(client, [example("a", {"q": 1}), example("b", {"q": 2})])
    dry = upsert(client, [example("a", {"q": 9}), example("c", {"q": 3})], mode="mirror", dry_run=True)
    assert dry["dry_run"] and counts(dry) == (1, 1, 0, 1) and dry["version_id"] is None
    assert dry["created_source_ids"] == ["c"] and dry["updated_source_ids"] == ["a"]
    assert dry["deleted_source_ids"] == ["b"] and dry["unchanged_source_ids"] == []
    assert table_count(client, "dataset_versions") == 1
    real = upsert(client, [example("a", {"q": 9}), example("c", {"q": 3})], mode="mirror")
    assert real["digest"] == dry["digest"] and real["previous_version_id"] == first["version_id"]
    # A dry run against a dataset that does not exist creates nothing.
    none = client.post(
        "/v1/datasets/upsert",
        json={"dataset": {"name": "nope"}, "dry_run": True, "examples": [example("x", {})]},
    ).json()
    assert none["dataset_id"] is None and none["created"] == 1
    assert client.get("/v1/datasets?name=nope").json()["data"] == []


def test_select_by_id_and_metadata(client: TestClient) -> None:
    first = upsert(
        client,
        [example("a", {"q": 1})],
        description="QA set",
        metadata={"owner": "me"},
        version_description="first",
        version_metadata={"n": 1},
    )
    by_id = client.post(
        "/v1/datasets/upsert",
        json={"dataset": {"id": first["dataset_id"]}, "examples": [example("b", {"q": 2})]},
    )
    assert by_id.status_code == 200 and by_id.json()["created"] == 1
    dataset = client.get(f"/v1/datasets/{first['dataset_id']}").json()
    assert (
        dataset["name"] == "qa"
        and dataset["description"] == "QA set"
        and dataset["metadata"] == {"owner": "me"}
    )
    assert dataset["example_count"] == 2 and dataset["latest_version_id"] == by_id.json()["version_id"]
    oldest = client.get(f"/v1/datasets/{first['dataset_id']}/versions").json()["data"][-1]
    assert oldest["description"] == "first" and oldest["metadata"] == {"n": 1}
    missing = client.post("/v1/datasets/upsert", json={"dataset": {"id": "999999"}, "examples": []})
    assert missing.status_code == 404 and missing.json()["code"] == "dataset_not_found"


def test_expected_version_id(client: TestClient) -> None:
    first = upsert(client, [example("a", {"q": 1})], expected_version_id=None)
    conflict = client.post(
        "/v1/datasets/upsert",
        json={"dataset": {"name": "qa"}, "expected_version_id": "0", "examples": [example("b", {})]},
    )
    assert conflict.status_code == 409 and conflict.json()["code"] == "version_conflict"
    assert conflict.json()["latest_version_id"] == first["version_id"]
    ok = upsert(client, [example("b", {})], expected_version_id=first["version_id"])
    assert ok["created"] == 1


def test_plan_protocol_and_stale_manifest(client: TestClient) -> None:
    items = [example(f"s{i}", {"i": i}) for i in range(5)]
    upsert(client, items)
    changed = [*items[:4], example("s4", {"i": 40}), example("s5", {"i": 5})]
    manifest = [{"source_id": e["source_id"], "content_hash": e["content_hash"]} for e in changed]
    plan = client.post(
        "/v1/datasets/upsert/plan", json={"dataset": {"name": "qa"}, "mode": "mirror", "examples": manifest}
    )
    assert plan.status_code == 200, plan.text
    body = plan.json()
    assert sorted(body["needed_source_ids"]) == ["s4", "s5"]
    assert (body["created"], body["updated"], body["unchanged"], body["deleted"]) == (1, 1, 4, 0)
    base = body["base_version_id"]

    # Send content only for what the plan asked for.
    needed = set(body["needed_source_ids"])
    request = [
        e if e["source_id"] in needed else {"source_id": e["source_id"], "content_hash": e["content_hash"]}
        for e in changed
    ]
    first_digest = groundset.manifest_digest([(e["source_id"], e["content_hash"]) for e in items])
    assert body["base_digest"] == first_digest
    done = upsert(client, request, mode="mirror", expected_version_id=base)
    assert counts(done) == (1, 1, 4, 0)
    # The state the upsert wrote is the one the next plan sees (the server keeps it cached).
    again = client.post(
        "/v1/datasets/upsert/plan", json={"dataset": {"name": "qa"}, "mode": "mirror", "examples": manifest}
    ).json()
    assert (again["base_version_id"], again["base_digest"]) == (done["version_id"], done["digest"])
    assert again["needed_source_ids"] == [] and again["unchanged"] == 6

    # A content-less example whose hash the server does not hold: stale, nothing written.
    versions = table_count(client, "dataset_versions")
    stale_item = example("s1", {"i": 100})
    del stale_item["input"]
    stale = client.post(
        "/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": [stale_item, example("z", {})]}
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_manifest"
    assert stale.json()["source_ids"] == ["s1"]
    assert table_count(client, "dataset_versions") == versions

    # Plan on a dataset that does not exist yet: everything is needed.
    fresh = client.post(
        "/v1/datasets/upsert/plan", json={"dataset": {"name": "new"}, "examples": manifest}
    ).json()
    assert fresh["base_version_id"] is None and len(fresh["needed_source_ids"]) == 6
    assert fresh["base_digest"] == groundset.manifest_digest([])


def test_ndjson_upsert_plan_and_export(client: TestClient) -> None:
    header = {"dataset": {"name": "nd"}, "mode": "merge"}
    items = [example(f"n{i}", {"i": i, "s": "é😀"}) for i in range(50)]
    body = b"\n".join(orjson.dumps(x) for x in [header, *items]) + b"\n"
    response = client.post(
        "/v1/datasets/upsert", content=body, headers={"content-type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 50
    plan_body = b"\n".join(
        orjson.dumps(x)
        for x in [header, *({"source_id": e["source_id"], "content_hash": e["content_hash"]} for e in items)]
    )
    plan = client.post(
        "/v1/datasets/upsert/plan", content=plan_body, headers={"content-type": "application/x-ndjson"}
    )
    assert plan.json()["needed_source_ids"] == [] and plan.json()["unchanged"] == 50
    export = client.get(
        f"/v1/datasets/{result['dataset_id']}/examples", headers={"accept": "application/x-ndjson"}
    )
    assert export.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(line) for line in export.content.splitlines()]
    assert len(lines) == 50
    assert all(
        groundset.example_hash(x["input"], x["output"], x["metadata"]) == x["content_hash"] for x in lines
    )
    # The NDJSON export takes a cursor and a limit like the pages do.
    after = client.get(
        f"/v1/datasets/{result['dataset_id']}/examples",
        params={"cursor": lines[9]["id"], "limit": 7},
        headers={"accept": "application/x-ndjson"},
    )
    assert [orjson.loads(line)["id"] for line in after.content.splitlines()] == [
        x["id"] for x in lines[10:17]
    ]
    too_big = client.get(f"/v1/datasets/{result['dataset_id']}/examples", params={"limit": 10001})
    assert too_big.status_code == 422 and too_big.json()["code"] == "invalid_limit"

    bad = b'{"dataset": {"name": "nd"}}\n' + orjson.dumps(example("ok", {})) + b'\n{"source_id": "x", \n'
    problem = client.post(
        "/v1/datasets/upsert", content=bad, headers={"content-type": "application/x-ndjson"}
    )
    assert (
        problem.status_code == 400
        and problem.json()["code"] == "invalid_json"
        and problem.json()["line"] == 3
    )
    bad_line = (
        b'{"dataset": {"name": "nd"}}\n'
        + orjson.dumps(example("ok", {}))
        + b"\n"
        + orjson.dumps({**example("x", {}), "content_hash": "0" * 64})
    )
    mismatch = client.post(
        "/v1/datasets/upsert", content=bad_line, headers={"content-type": "application/x-ndjson"}
    )
    assert mismatch.status_code == 422 and mismatch.json()["code"] == "hash_mismatch"
    assert mismatch.json()["line"] == 3 and mismatch.json()["source_ids"] == ["x"]
    with_examples = client.post(
        "/v1/datasets/upsert",
        content=b'{"dataset": {"name": "nd"}, "examples": []}\n',
        headers={"content-type": "application/x-ndjson"},
    )
    assert with_examples.status_code == 400 and with_examples.json()["code"] == "invalid_ndjson"


def test_reads_list_pagination_and_delete(client: TestClient) -> None:
    for name in ["d1", "d2", "d3"]:
        client.post(
            "/v1/datasets/upsert", json={"dataset": {"name": name}, "examples": [example("a", {"n": name})]}
        )
    page = client.get("/v1/datasets?limit=2").json()
    assert [d["name"] for d in page["data"]] == ["d1", "d2"] and page["next_cursor"]
    rest = client.get(f"/v1/datasets?limit=2&cursor={page['next_cursor']}").json()
    assert [d["name"] for d in rest["data"]] == ["d3"] and rest["next_cursor"] is None
    only = client.get("/v1/datasets?name=d2").json()["data"]
    assert len(only) == 1 and only[0]["name"] == "d2"
    target = only[0]["id"]
    assert client.delete(f"/v1/datasets/{target}").status_code == 204
    for path in ["", "/versions", "/examples", "/manifest"]:
        gone = client.get(f"/v1/datasets/{target}{path}")
        assert gone.status_code == 404 and gone.json()["code"] == "dataset_not_found"
    assert client.delete(f"/v1/datasets/{target}").status_code == 404
    assert client.get("/v1/datasets/not-an-id").json()["code"] == "invalid_id"
    other = client.get("/v1/datasets?name=d1").json()["data"][0]["id"]
    missing_version = client.get(f"/v1/datasets/{other}/examples?version_id=987654")
    assert missing_version.status_code == 404 and missing_version.json()["code"] == "version_not_found"
    assert table_count(client, "dataset_examples") == 2


def test_empty_dataset_by_name(client: TestClient) -> None:
    first = upsert(client, [])
    assert first["noop"] and first["version_id"] is None and first["dataset_id"]
    assert first["digest"] == groundset.manifest_digest([])
    assert client.get(f"/v1/datasets/{first['dataset_id']}/examples").json()["data"] == []


def test_two_servers_on_one_database_see_each_others_writes(database_url: str) -> None:
    first = create_app(Settings(database_url=database_url, api_key=None))
    second = create_app(Settings(database_url=database_url, api_key=None))
    with TestClient(first) as a, TestClient(second) as b:
        upsert(a, [example("x", {"v": 1}), example("y", {"v": 2})])
        manifest = [{"source_id": "x", "content_hash": groundset.example_hash({"v": 1})}]
        assert (
            a.post("/v1/datasets/upsert/plan", json={"dataset": {"name": "qa"}, "examples": manifest}).json()[
                "needed_source_ids"
            ]
            == []
        )
        upsert(b, [example("x", {"v": 10})])  # the data moves on the other server
        # The content-less upsert the plan led to takes x's content from the revision the plan
        # saw: the last writer wins, no refusal.
        won = a.post("/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": manifest})
        assert won.status_code == 200 and won.json()["updated"] == 1, won.text
        dataset_id = won.json()["dataset_id"]
        assert b.get(f"/v1/datasets/{dataset_id}/examples").json()["data"][0]["input"] == {"v": 1}
        assert b.delete(f"/v1/datasets/{dataset_id}").status_code == 204
        # Made again: no revision holds x's hash, which is named to be sent with content.
        upsert(b, [example("y", {"v": 2})])
        stale = a.post("/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": manifest})
        assert stale.status_code == 409 and stale.json()["code"] == "stale_manifest"
        assert (
            stale.json()["needed_source_ids"] == ["x"] and "send the request again" in stale.json()["detail"]
        )
        recreated = b.get("/v1/datasets?name=qa").json()["data"][0]["id"]
        assert b.delete(f"/v1/datasets/{recreated}").status_code == 204
        again = a.post(
            "/v1/datasets/upsert/plan", json={"dataset": {"name": "qa"}, "examples": manifest}
        ).json()
        assert again["dataset_id"] is None and again["needed_source_ids"] == ["x"]
    first.state.engine.dispose()
    second.state.engine.dispose()


def test_content_taken_by_hash_is_held_to_the_schema(client: TestClient) -> None:
    old = example("x", {"n": "one"})
    first = upsert(client, [old])
    upsert(client, [example("x", {"n": 1})])
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    assert client.put(f"/v1/datasets/{first['dataset_id']}/schema", json={"input": schema}).status_code == 200
    # x back to its first content by hash alone: the content the server takes violates the schema.
    bare = {"source_id": "x", "content_hash": old["content_hash"]}
    refused = client.post("/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": [bare]})
    assert refused.status_code == 422 and refused.json()["code"] == "schema_violation", refused.text
    assert refused.json()["errors"][0]["source_id"] == "x"
