"""A version's examples read a page at a time (queries.example_set_page: the JSON pages, the
NDJSON stream, the export, the schema check) are the version's whole example set
(queries.example_set_query, the manifest) on both databases: every version of a history with
edits, deletions (mirror) and an example deleted then brought back, at several page sizes."""

from __future__ import annotations

from typing import Any

import groundset
import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.db.engine import read_transaction, write_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.services.queries import example_set_page, example_set_query
from tests.conftest import example
from tests.test_upsert import upsert

Content = dict[str, dict[str, Any]]


def history(client: TestClient) -> tuple[str, list[tuple[str, Content]]]:
    """A dataset of five versions: its id, and each version's id with its content by source id
    (written here from the requests, apart from the server's reading)."""
    state: Content = {}
    versions: list[tuple[str, Content]] = []

    def sync(items: dict[str, dict[str, Any]], mode: str = "merge") -> str:
        nonlocal state
        answer = upsert(client, [example(s, i) for s, i in items.items()], mode=mode)
        state = dict(items) if mode == "mirror" else {**state, **items}
        versions.append((answer["version_id"], dict(state)))
        return str(answer["dataset_id"])

    dataset_id = sync({f"e{i:02d}": {"q": i} for i in range(30)})
    sync({"e03": {"q": "three"}, "e07": {"q": "seven"}} | {f"e{i:02d}": {"q": i} for i in range(30, 35)})
    sync(
        {s: v for s, v in state.items() if s not in {"e00", "e05", "e10", "e11", "e12", "e13", "e34"}},
        "mirror",
    )
    sync({"e05": {"q": "back"}, "e03": {"q": "three again"}})
    sync({"e20": {"q": "twenty"}, "e35": {"q": 35}})
    return dataset_id, versions


def pairs(content: Content) -> list[tuple[str, str]]:
    return sorted((s, groundset.example_hash(i, None, None)) for s, i in content.items())


@pytest.mark.parametrize("limit", [1, 4, 7, 1000])
def test_json_pages_are_the_version(client: TestClient, limit: int) -> None:
    dataset_id, versions = history(client)
    for version_id, content in versions:
        seen: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"version_id": version_id, "limit": limit}
            if cursor is not None:
                params["cursor"] = cursor
            page = client.get(f"/v1/datasets/{dataset_id}/examples", params=params).json()
            assert len(page["data"]) <= limit
            seen.extend(page["data"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
            assert len(page["data"]) == limit and cursor == page["data"][-1]["id"]
        ids = [int(e["id"]) for e in seen]
        assert ids == sorted(set(ids)), version_id
        assert sorted((e["source_id"], e["content_hash"]) for e in seen) == pairs(content), version_id
        assert {e["source_id"]: e["input"] for e in seen} == content


def test_ndjson_and_export_are_the_version(client: TestClient) -> None:
    dataset_id, versions = history(client)
    ndjson = {"accept": "application/x-ndjson"}
    for version_id, content in versions:
        url = f"/v1/datasets/{dataset_id}/examples"
        lines = [
            orjson.loads(x)
            for x in client.get(url, params={"version_id": version_id}, headers=ndjson).content.splitlines()
        ]
        assert sorted((e["source_id"], e["content_hash"]) for e in lines) == pairs(content)
        # From a cursor in the middle, at most five.
        middle = lines[len(lines) // 2]["id"]
        tail = client.get(
            url, params={"version_id": version_id, "cursor": middle, "limit": 5}, headers=ndjson
        )
        assert [orjson.loads(x) for x in tail.content.splitlines()] == lines[len(lines) // 2 + 1 :][:5]
        exported = client.get(f"/v1/datasets/{dataset_id}/export", params={"version_id": version_id})
        assert exported.status_code == 200, exported.text
        assert {
            orjson.loads(x)["id"]: orjson.loads(x)["input"] for x in exported.content.splitlines()
        } == content
        manifest = client.get(f"/v1/datasets/{dataset_id}/manifest", params={"version_id": version_id}).json()
        assert manifest["digest"] == groundset.manifest_digest(pairs(content))


@pytest.mark.parametrize("size", [1, 3, 10])
def test_pages_equal_the_whole_set_in_either_transaction(client: TestClient, size: int) -> None:
    """In a read snapshot and in a write transaction alike (the page form depends on no
    isolation level), the pages joined are the whole set's rows in id order."""
    dataset_id, versions = history(client)
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    columns = [examples.c.id, examples.c.source_id, revisions.c.content_hash, revisions.c.version_id]
    for transaction in (read_transaction, write_transaction):
        with transaction(engine) as conn:
            for version_id, _ in versions:
                whole = conn.execute(
                    example_set_query(conn, int(dataset_id), int(version_id), columns).order_by(examples.c.id)
                ).all()
                paged: list[sa.Row[Any]] = []
                last = None
                while True:
                    rows = conn.execute(
                        example_set_page(conn, int(dataset_id), int(version_id), columns, last, size)
                    ).all()
                    paged.extend(rows)
                    if len(rows) < size:
                        break
                    last = rows[-1].id
                assert [tuple(r) for r in paged] == [tuple(r) for r in whole], (version_id, size)
                assert all(int(r.version_id) <= int(version_id) for r in whole)
