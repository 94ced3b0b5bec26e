"""The one-round-trip no-op (issue 19): an upsert that sends `manifest_digest` instead of its
examples, on SQLite and PostgreSQL. Equal to the latest version's digest: the no-op, with the
request's tag and dataset fields applied; anything else, however small: 409 `digest_differs`,
nothing written."""

from __future__ import annotations

from typing import Any

import groundset
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.conftest import example
from tests.test_upsert import table_count, upsert

BASE = [
    example("a", {"q": 1}, {"answer": "x"}, {"split": "train"}),
    example("b", {"q": 2}, {"answer": "y"}),
    example("c", {"q": 3}),
]


def digest_of(examples: list[dict[str, Any]]) -> str:
    return groundset.manifest_digest([(e["source_id"], e["content_hash"]) for e in examples])


def by_digest(client: TestClient, digest: str, **fields: Any) -> Any:
    body = {"dataset": {"name": "qa"}, "manifest_digest": digest, **fields}
    return client.post("/v1/datasets/upsert", json=body)


def noop(client: TestClient, digest: str, **fields: Any) -> dict[str, Any]:
    response = by_digest(client, digest, **fields)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["noop"] is True and (answer["created"], answer["updated"], answer["deleted"]) == (0, 0, 0)
    return answer


def differs(client: TestClient, digest: str, **fields: Any) -> dict[str, Any]:
    response = by_digest(client, digest, **fields)
    assert response.status_code == 409, response.text
    problem: dict[str, Any] = response.json()
    assert problem["code"] == "digest_differs" and problem["manifest_digest"] == digest
    return problem


def test_equal_digest_is_the_noop_in_either_mode(client: TestClient) -> None:
    v1 = upsert(client, BASE)
    versions = table_count(client, "dataset_versions")
    for mode in ("merge", "mirror"):
        answer = noop(client, digest_of(BASE), mode=mode)
        assert answer["version_id"] == answer["previous_version_id"] == v1["version_id"]
        assert answer["dataset_id"] == v1["dataset_id"] and answer["dataset_name"] == "qa"
        assert answer["unchanged"] == 3 and answer["digest"] == v1["digest"] == digest_of(BASE)
        assert answer["tag"] is None and answer["dry_run"] is False
        assert answer.get("unchanged_source_ids") is None
    # The listing by order is not part of the digest: the same examples listed otherwise match.
    noop(client, digest_of(list(reversed(BASE))))
    assert table_count(client, "dataset_versions") == versions
    version = client.get(f"/v1/datasets/{v1['dataset_id']}/versions/{v1['version_id']}").json()
    assert version["digest"] == v1["digest"]


def one_byte_changes() -> dict[str, list[dict[str, Any]]]:
    return {
        "input": [example("a", {"q": 0}, {"answer": "x"}, {"split": "train"}), *BASE[1:]],
        "output": [example("a", {"q": 1}, {"answer": "z"}, {"split": "train"}), *BASE[1:]],
        "metadata": [example("a", {"q": 1}, {"answer": "x"}, {"split": "trait"}), *BASE[1:]],
        "source id": [{**BASE[0], "source_id": "A"}, *BASE[1:]],
        "hash moved to another id": [
            {**BASE[0], "content_hash": BASE[1]["content_hash"]},
            {**BASE[1], "content_hash": BASE[0]["content_hash"]},
            BASE[2],
        ],
        "added": [*BASE, example("d", {"q": 4})],
        "removed": BASE[:2],
        "none": [],
    }


@pytest.mark.parametrize("mode", ["merge", "mirror"])
def test_any_change_is_never_a_noop(client: TestClient, mode: str) -> None:
    v1 = upsert(client, BASE)
    for name, changed in one_byte_changes().items():
        assert digest_of(changed) != v1["digest"], name
        problem = differs(client, digest_of(changed), mode=mode)
        assert problem["dataset_id"] == v1["dataset_id"], name
        assert problem["latest_version_id"] == v1["version_id"] and problem["digest"] == v1["digest"], name
    # A digest that is no manifest's at all, and one hex digit off.
    last = v1["digest"][-1]
    differs(client, v1["digest"][:-1] + ("0" if last != "0" else "1"))
    assert table_count(client, "dataset_versions") == 1
    # The full upsert of each change still makes its version (nothing was taken for a no-op).
    written = upsert(client, one_byte_changes()["output"], mode=mode)
    assert not written["noop"] and written["digest"] == digest_of(one_byte_changes()["output"])
    noop(client, written["digest"], mode=mode)
    differs(client, v1["digest"], mode=mode)


def test_tag_description_and_metadata_apply_in_the_one_request(client: TestClient) -> None:
    v1 = upsert(client, BASE, tag="old")
    answer = noop(client, digest_of(BASE), tag="gold", description="the QA set", metadata={"team": "x"})
    assert answer["tag"] == "gold"
    dataset = client.get(f"/v1/datasets/{v1['dataset_id']}").json()
    assert dataset["description"] == "the QA set" and dataset["metadata"] == {"team": "x"}
    version = client.get(f"/v1/datasets/{v1['dataset_id']}/versions/{v1['version_id']}").json()
    assert sorted(version["tags"]) == ["gold", "old"]

    v2 = upsert(client, [*BASE, example("d", {"q": 4})])
    refused = by_digest(client, v2["digest"], tag="gold")
    assert refused.status_code == 409 and refused.json()["code"] == "tag_exists", refused.text
    moved = noop(client, v2["digest"], tag="gold", move_tag=True)
    assert moved["version_id"] == v2["version_id"] and moved["tag"] == "gold"
    tagged = client.get(f"/v1/datasets/{v1['dataset_id']}/versions/{v2['version_id']}").json()
    assert tagged["tags"] == ["gold"]
    # A version's own description and metadata go with a new version only: nothing written here.
    noop(client, v2["digest"], version_description="ignored", version_metadata={"run": 1})
    assert table_count(client, "dataset_versions") == 2


def test_dry_run_writes_nothing(client: TestClient) -> None:
    v1 = upsert(client, BASE)
    answer = noop(client, digest_of(BASE), dry_run=True, tag="gold", description="changed")
    assert answer["dry_run"] is True and answer["tag"] == "gold" and answer["version_id"] == v1["version_id"]
    assert answer["created_source_ids"] == answer["updated_source_ids"] == answer["deleted_source_ids"] == []
    assert answer["unchanged_source_ids"] is None and answer["unchanged"] == 3
    assert table_count(client, "version_tags") == 0
    assert client.get(f"/v1/datasets/{v1['dataset_id']}").json()["description"] is None
    differs(client, digest_of(BASE[:1]), dry_run=True)


def test_expected_version_id(client: TestClient) -> None:
    v1 = upsert(client, BASE)
    noop(client, digest_of(BASE), expected_version_id=v1["version_id"])
    stale = by_digest(client, digest_of(BASE), expected_version_id="999999")
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict", stale.text


def test_a_writer_before_the_check_is_seen(client: TestClient) -> None:
    """The digest is compared with the latest version under the dataset's lock: a version
    written after the client computed its digest (or after an earlier check) makes it differ."""
    v1 = upsert(client, BASE)
    noop(client, v1["digest"])
    v2 = upsert(client, [example("b", {"q": 20})])
    problem = differs(client, v1["digest"])
    assert problem["latest_version_id"] == v2["version_id"] and problem["digest"] == v2["digest"]


def test_a_dataset_that_does_not_exist_is_not_created(client: TestClient) -> None:
    problem = differs(client, digest_of(BASE))
    # Members without a value are left out of a problem, as everywhere.
    assert {"dataset_id", "latest_version_id", "digest"}.isdisjoint(problem)
    assert "does not exist" in problem["detail"]
    assert table_count(client, "datasets") == 0
    missing = client.post(
        "/v1/datasets/upsert", json={"dataset": {"id": "4242"}, "manifest_digest": digest_of([])}
    )
    assert missing.status_code == 404 and missing.json()["code"] == "dataset_not_found", missing.text


def test_empty_datasets(client: TestClient) -> None:
    # A dataset with no version: nothing to compare with, even for the empty manifest.
    created = upsert(client, [])
    problem = differs(client, digest_of([]))
    assert problem["dataset_id"] == created["dataset_id"] and "latest_version_id" not in problem
    # A version of no examples (a mirror emptied it): the empty manifest is its no-op.
    upsert(client, BASE)
    emptied = upsert(client, [], mode="mirror", allow_empty=True)
    answer = noop(client, digest_of([]), mode="mirror")
    assert answer["unchanged"] == 0 and answer["version_id"] == emptied["version_id"]
    differs(client, digest_of(BASE), mode="mirror")


def test_digest_and_examples_go_apart(client: TestClient) -> None:
    upsert(client, BASE)
    both = client.post(
        "/v1/datasets/upsert",
        json={"dataset": {"name": "qa"}, "manifest_digest": digest_of(BASE), "examples": []},
    )
    assert both.status_code == 422 and both.json()["field"] == "manifest_digest", both.text
    bad = by_digest(client, "ABC")
    assert bad.status_code == 422, bad.text
    header = b'{"dataset":{"name":"qa"},"manifest_digest":"' + digest_of(BASE).encode() + b'"}\n'
    ndjson = {"content-type": "application/x-ndjson"}
    alone = client.post("/v1/datasets/upsert", content=header, headers=ndjson)
    assert alone.status_code == 200 and alone.json()["noop"] is True, alone.text
    line = b'{"source_id":"a","content_hash":"' + BASE[0]["content_hash"].encode() + b'"}\n'
    with_lines = client.post("/v1/datasets/upsert", content=header + line, headers=ndjson)
    assert with_lines.status_code == 422 and with_lines.json()["field"] == "manifest_digest", with_lines.text
    # The plan has no such member.
    plan = client.post(
        "/v1/datasets/upsert/plan",
        json={"dataset": {"name": "qa"}, "manifest_digest": digest_of(BASE), "examples": []},
    )
    assert plan.status_code == 422 and plan.json()["code"] == "unknown_field", plan.text


def test_digests_are_stored_with_each_version_and_for_older_ones_when_needed(client: TestClient) -> None:
    v1 = upsert(client, BASE)
    v2 = upsert(client, [example("d", {"q": 4})])
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    query = sa.text("SELECT version_id, digest FROM dataset_version_digests ORDER BY version_id")
    with engine.connect() as conn:
        stored = [(str(row[0]), row[1]) for row in conn.execute(query)]
    assert stored == [(v1["version_id"], v1["digest"]), (v2["version_id"], v2["digest"])]
    # A version made before migration 0009 has no row: it is computed once, then kept, also
    # when the request's digest differs.
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM dataset_version_digests"))
    differs(client, digest_of(BASE))
    with engine.connect() as conn:
        assert [tuple(row) for row in conn.execute(query)] == [(int(v2["version_id"]), v2["digest"])]
    noop(client, v2["digest"])


def test_the_check_waits_for_no_writer(client: TestClient, database_url: str) -> None:
    """The plain no-op and `digest_differs` are decided in a read transaction: another writer
    holding the database (SQLite) or the dataset's row (PostgreSQL) does not hold them up."""
    v1 = upsert(client, BASE)
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.begin()
                conn.execute(sa.text("SELECT id FROM datasets WHERE name = 'qa' FOR UPDATE"))
            answer = noop(client, v1["digest"], mode="mirror", dry_run=True, tag="would")
            assert answer["tag"] == "would"
            differs(client, digest_of(BASE[:1]))
            conn.rollback()
    finally:
        engine.dispose()
