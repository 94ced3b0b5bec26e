"""The reads the web UI's first screens need, on SQLite and PostgreSQL: the dataset list with
each dataset's example count and tags in one call, and a version's examples searched by text
(`q`) and picked by source id (`source_id`), paged through the matches."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.db.tables import dataset_version_digests as version_digests
from tests.conftest import example
from tests.test_experiments import problem
from tests.test_upsert import upsert


def examples_of(client: TestClient, dataset_id: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/v1/datasets/{dataset_id}/examples", params=params)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def source_ids(client: TestClient, dataset_id: str, **params: Any) -> list[str]:
    return [item["source_id"] for item in examples_of(client, dataset_id, **params)["data"]]


def test_the_dataset_list_has_each_dataset_s_example_count_and_tags(client: TestClient) -> None:
    qa = {"dataset": {"name": "qa"}}
    first = upsert(client, [example("a", {"q": 1}), example("b", {"q": 2}), example("c", {"q": 3})], **qa)
    second = upsert(client, [example("a", {"q": 1})], mode="mirror", **qa)
    other = upsert(client, [example("x", {"q": 1})], dataset={"name": "other"})
    dataset_id = first["dataset_id"]
    for tag, version in (
        ("prod", first["version_id"]),
        ("Zeta", second["version_id"]),
        ("beta", second["version_id"]),
    ):
        assert client.put(
            f"/v1/datasets/{dataset_id}/tags/{tag}", json={"version_id": version}
        ).status_code in (
            200,
            201,
        )
    listed = {item["name"]: item for item in client.get("/v1/datasets").json()["data"]}
    # The latest version's count: 1 after the mirror deleted b and c (3 before).
    assert listed["qa"]["example_count"] == 1
    assert listed["qa"]["latest_version_id"] == second["version_id"]
    # Every tag of the dataset, whichever version it is on, in code point order.
    assert listed["qa"]["tags"] == ["Zeta", "beta", "prod"]
    assert listed["other"]["example_count"] == 1
    assert listed["other"]["tags"] == []
    one = client.get(f"/v1/datasets/{dataset_id}").json()
    assert (one["example_count"], one["tags"]) == (1, ["Zeta", "beta", "prod"])
    # A page of one still carries both.
    page = client.get("/v1/datasets", params={"limit": 1}).json()
    assert [(d["name"], d["example_count"], d["tags"]) for d in page["data"]] == [
        ("qa", 1, ["Zeta", "beta", "prod"])
    ]
    assert client.get(f"/v1/datasets/{other['dataset_id']}").json()["tags"] == []


def _searchable(client: TestClient) -> tuple[str, str, str]:
    body = {"dataset": {"name": "search"}}
    first = upsert(
        client,
        [
            example("item-1", {"question": "Where is the Café?"}, {"answer": "Paris"}),
            example("item-2", {"question": "What is 50% of 10?"}, {"answer": "5"}),
            example("item-3", {"question": "What is 50x?"}, metadata={"topic": "snake_case"}),
            example("item-4", {"question": 'He said "hi" to C:\\temp'}),
            example("other-5", {"question": "a\u0000b", "note": "line\nbreak"}),
            example("weird%_id", {"question": "nothing"}),
        ],
        **body,
    )
    second = upsert(
        client, [example("item-1", {"question": "Where is the museum?"}, {"answer": "Paris"})], **body
    )
    return first["dataset_id"], first["version_id"], second["version_id"]


def test_text_search_over_source_ids_and_content(client: TestClient) -> None:
    dataset_id, v1, v2 = _searchable(client)
    assert source_ids(client, dataset_id, q="item-") == ["item-1", "item-2", "item-3", "item-4"]
    # Letter case ignored; non-ASCII text found as it is stored (canonical JSON keeps it raw).
    assert source_ids(client, dataset_id, q="CAFÉ".lower(), version_id=v1) == ["item-1"]
    assert source_ids(client, dataset_id, q="where IS the", version_id=v1) == ["item-1"]
    # Each version is searched as it was: the latest holds the museum, the first the café.
    assert source_ids(client, dataset_id, q="café") == []
    assert source_ids(client, dataset_id, q="museum") == ["item-1"]
    assert source_ids(client, dataset_id, q="museum", version_id=v1) == []
    assert examples_of(client, dataset_id, q="museum")["version_id"] == v2
    # Output and metadata are searched too, member names included.
    assert source_ids(client, dataset_id, q="paris") == ["item-1"]
    assert source_ids(client, dataset_id, q="snake_case") == ["item-3"]
    assert source_ids(client, dataset_id, q='"topic"') == ["item-3"]
    # LIKE's wildcards are plain characters: 50% is not 50x, _ is not any character.
    assert source_ids(client, dataset_id, q="50%") == ["item-2"]
    assert source_ids(client, dataset_id, q="snake%case") == []
    assert source_ids(client, dataset_id, q="snakeXcase".replace("X", "_")) == ["item-3"]
    assert source_ids(client, dataset_id, q="%_") == ["weird%_id"]
    # Quotes, backslashes, line breaks and U+0000 as the user types them (stored escaped).
    assert source_ids(client, dataset_id, q='said "hi"') == ["item-4"]
    assert source_ids(client, dataset_id, q="C:\\temp") == ["item-4"]
    assert source_ids(client, dataset_id, q="line\nbreak") == ["other-5"]
    assert source_ids(client, dataset_id, q="a\u0000b") == ["other-5"]
    assert source_ids(client, dataset_id, q="no such text anywhere") == []
    # An empty search is no search.
    assert len(source_ids(client, dataset_id, q="")) == 6


def test_search_pages_go_through_the_matches(client: TestClient) -> None:
    dataset_id, _, _ = _searchable(client)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"q": "what is", "limit": 1}
        if cursor is not None:
            params["cursor"] = cursor
        page = examples_of(client, dataset_id, **params)
        seen += [item["source_id"] for item in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["item-2", "item-3"]
    assert pages <= 3
    # The NDJSON form keeps the same examples.
    response = client.get(
        f"/v1/datasets/{dataset_id}/examples",
        params={"q": "what is"},
        headers={"accept": "application/x-ndjson"},
    )
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert [line["source_id"] for line in lines] == ["item-2", "item-3"]


def test_examples_picked_by_source_id(client: TestClient) -> None:
    dataset_id, v1, _ = _searchable(client)
    picked = examples_of(
        client, dataset_id, source_id=["item-3", "item-1", "missing", "weird%_id"], version_id=v1
    )
    assert [item["source_id"] for item in picked["data"]] == ["item-1", "item-3", "weird%_id"]
    assert picked["data"][0]["input"] == {"question": "Where is the Café?"}
    # Exact: a prefix is not a source id.
    assert source_ids(client, dataset_id, source_id="item") == []
    # Both: the examples matching both.
    assert source_ids(client, dataset_id, source_id=["item-2", "item-3"], q="50%") == ["item-2"]


def test_search_refusals(client: TestClient) -> None:
    dataset_id, _, _ = _searchable(client)
    url = f"/v1/datasets/{dataset_id}/examples"
    many = [("source_id", f"s{i}") for i in range(1001)]
    body = problem(client.get(url, params=many), 422, "too_many_source_ids")
    assert body["parameter"] == "source_id"
    assert len(source_ids(client, dataset_id, source_id=[f"s{i}" for i in range(1000)])) == 0
    problem(client.get(url, params={"q": "x" * 1001}), 422, "query_too_long")
    problem(client.get(url, params={"source_id": "a\u0000b"}), 422, "invalid_text")
    problem(
        client.get(url, params={"q": "x" * 1001}, headers={"accept": "application/x-ndjson"}),
        422,
        "query_too_long",
    )
    problem(client.get("/v1/datasets/424242/examples", params={"q": "x"}), 404, "dataset_not_found")


def test_versions_answer_their_digest_stored_or_computed(client: TestClient) -> None:
    """The versions list reads each digest stored with its version; a version made before the
    digests were stored (no row) gets it computed from its pairs, the same value."""
    body = {"dataset": {"name": "digests"}}
    first = upsert(client, [example("a", {"q": 1}), example("b", {"q": 2})], **body)
    second = upsert(client, [example("b", {"q": 20}), example("c", {"q": 3})], **body)
    dataset_id = first["dataset_id"]
    listed = client.get(f"/v1/datasets/{dataset_id}/versions").json()["data"]
    assert [v["digest"] for v in listed] == [second["digest"], first["digest"]]
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(
            sa.delete(version_digests).where(version_digests.c.version_id == int(first["version_id"]))
        )
    again = client.get(f"/v1/datasets/{dataset_id}/versions").json()["data"]
    assert [v["digest"] for v in again] == [second["digest"], first["digest"]]
    one = client.get(f"/v1/datasets/{dataset_id}/versions/{first['version_id']}").json()
    assert one["digest"] == first["digest"]


def test_diff_of_every_pair_of_versions_matches_their_manifests(client: TestClient) -> None:
    """The diff reads only the examples with a revision between the two versions; every pair
    of five versions (either order, and a version with itself) gives what their manifests say,
    through deletes, a revival, an edit undone and another dataset's versions in between."""
    body = {"dataset": {"name": "history"}}
    other = {"dataset": {"name": "interleaved"}}
    steps = [
        ("mirror", [example("a", {"q": 1}), example("b", {"q": 2}), example("c", {"q": 3})]),
        ("merge", [example("b", {"q": 20}), example("d", {"q": 4})]),
        ("mirror", [example("a", {"q": 1}), example("b", {"q": 2}), example("d", {"q": 4})]),
        ("mirror", [example("a", {"q": 1}), example("c", {"q": 3}), example("d", {"q": 40})]),
        ("merge", [example("b", {"q": 2}), example("e", {"q": 5})]),
    ]
    ids = []
    for index, (mode, items) in enumerate(steps):
        ids.append(upsert(client, items, mode=mode, **body)["version_id"])
        upsert(client, [example(f"o{index}", {"q": index})], **other)
    dataset_id = client.get("/v1/datasets", params={"name": "history"}).json()["data"][0]["id"]

    answers = {
        version: client.get(f"/v1/datasets/{dataset_id}/manifest", params={"version_id": version}).json()
        for version in ids
    }
    manifests = {version: dict(answer["examples"]) for version, answer in answers.items()}
    digests = {version: answer["digest"] for version, answer in answers.items()}
    for first in ids:
        for second in ids:
            diff = client.get(
                f"/v1/datasets/{dataset_id}/diff", params={"from_version_id": first, "to_version_id": second}
            ).json()
            old, new = manifests[first], manifests[second]
            assert diff["created"] == sorted(set(new) - set(old)), (first, second)
            assert diff["deleted"] == sorted(set(old) - set(new)), (first, second)
            assert diff["updated"] == sorted(s for s in new if s in old and old[s] != new[s]), (first, second)
            assert (diff["from_digest"], diff["to_digest"]) == (digests[first], digests[second])
    # b edited in 2 and back in 3: no change from 1 to 3; c deleted in 3 and revived in 4 as it was.
    one_to_four = client.get(
        f"/v1/datasets/{dataset_id}/diff", params={"from_version_id": ids[0], "to_version_id": ids[3]}
    ).json()
    assert (one_to_four["created"], one_to_four["updated"], one_to_four["deleted"]) == (["d"], [], ["b"])
