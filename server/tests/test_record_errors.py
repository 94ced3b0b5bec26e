"""Every refused example of an upsert or plan body in one problem (issue 12): up to
MAX_REPORTED_ERRORS listed with code, path, line (NDJSON) or index (JSON) and source id, the
rest counted, across the blocks of a streamed NDJSON body; nothing written. And a leading
UTF-8 byte-order mark is skipped in JSON and NDJSON bodies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import groundset_core
import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from tests.conftest import example

BLOCK_BYTES = 2048
"""Small NDJSON blocks, so a body of a few hundred lines is decoded in many batches."""
NDJSON = {"content-type": "application/x-ndjson"}
TABLES = ["datasets", "dataset_versions", "dataset_examples", "dataset_example_revisions"]
ZERO = "0" * 64


@pytest.fixture
def small_blocks(database_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, api_key=None, ndjson_block_bytes=BLOCK_BYTES))
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


def row_counts(client: TestClient) -> dict[str, int]:
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in TABLES}


def seeded(client: TestClient) -> dict[str, int]:
    """A dataset "qa" with three examples at one version: the row counts a refusal must keep."""
    items = [example(name, {"q": name}) for name in "abc"]
    created = client.post("/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": items})
    assert created.status_code == 200 and created.json()["created"] == 3, created.text
    return row_counts(client)


def chunks(body: bytes, size: int = 700) -> Iterator[bytes]:
    """The body as a client streams it: pieces that cut lines anywhere."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def refusal(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["type"].endswith(problem["code"]) and problem["status"] == 422
    return problem


FOUR_BAD = [
    # (example, code, path, source_id)
    ({"source_id": "a", "content_hash": ZERO, "input": [1]}, "not_an_object", "$.examples[1].input", "a"),
    ({**example("b", {"q": 1}), "content_hash": ZERO}, "hash_mismatch", "$.examples[2]", "b"),
    ({**example("c", {"q": 2}), "source_id": ""}, "invalid_source_id", "$.examples[4].source_id", None),
    (
        {**example("d", {"q": 3}), "content_hash": "xyz"},
        "invalid_content_hash",
        "$.examples[5].content_hash",
        "d",
    ),
]


@pytest.mark.parametrize("mode", ["mirror", "merge"])
def test_json_body_lists_every_bad_example(client: TestClient, mode: str) -> None:
    before = seeded(client)
    bad = [item for item, *_ in FOUR_BAD]
    examples = [example("ok1", {}), bad[0], bad[1], example("ok2", {}), bad[2], bad[3]]
    body = {"dataset": {"name": "qa"}, "mode": mode, "examples": examples}
    problem = refusal(client.post("/v1/datasets/upsert", json=body))
    # The first failure's code, path and source ids stay where clients read them.
    assert problem["code"] == "not_an_object" and problem["path"] == "$.examples[1].input"
    assert problem["detail"].startswith("4 examples refused; the first: not_an_object at $.examples[1].input")
    assert problem["source_ids"] == ["a", "b", "d"]
    assert problem["more_errors"] == 0
    expected = []
    for (_, code, path, source_id), index in zip(FOUR_BAD, [1, 2, 4, 5], strict=True):
        item = {"code": code, "path": path, "index": index}
        if source_id is not None:
            item["source_id"] = source_id
        expected.append(item)
    assert [{k: v for k, v in e.items() if k != "detail"} for e in problem["errors"]] == expected
    assert all(e["detail"] and "line" not in e for e in problem["errors"])
    assert "must not be an empty string" in problem["errors"][2]["detail"]
    assert row_counts(client) == before


def test_json_plan_lists_every_bad_entry(client: TestClient) -> None:
    before = seeded(client)
    entries = [
        {"source_id": "a", "content_hash": ZERO, "extra": 1},
        {"source_id": "ok", "content_hash": ZERO},
        {"source_id": "", "content_hash": ZERO},
        {"source_id": "d", "content_hash": "xyz"},
        5,
    ]
    body = {"dataset": {"name": "qa"}, "mode": "mirror", "examples": entries}
    problem = refusal(client.post("/v1/datasets/upsert/plan", json=body))
    assert problem["code"] == "unknown_field" and problem["detail"].startswith("4 examples refused")
    assert [(e["code"], e["path"], e["index"], e.get("source_id")) for e in problem["errors"]] == [
        ("unknown_field", "$.examples[0].extra", 0, "a"),
        ("invalid_source_id", "$.examples[2].source_id", 2, None),
        ("invalid_content_hash", "$.examples[3].content_hash", 3, "d"),
        ("invalid_example", "$.examples[4]", 4, None),
    ]
    assert problem["more_errors"] == 0
    assert row_counts(client) == before


def test_json_body_lists_the_first_hundred(client: TestClient) -> None:
    before = seeded(client)
    items = [{**example(f"m{i:03}", {"i": i}), "content_hash": ZERO} for i in range(150)]
    problem = refusal(client.post("/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": items}))
    assert problem["code"] == "hash_mismatch" and problem["detail"].startswith("150 examples refused")
    assert (
        len(problem["errors"]) == groundset_core.MAX_REPORTED_ERRORS == 100 and problem["more_errors"] == 50
    )
    assert [e["index"] for e in problem["errors"]] == list(range(100))
    assert problem["source_ids"] == [f"m{i:03}" for i in range(10)]
    assert row_counts(client) == before


def _ndjson_with_bad_lines(header: dict[str, Any], with_content: bool) -> tuple[bytes, list[int]]:
    """200 good lines (several blocks, written before the first bad one is met), then 300
    lines of which every other one (150) is refused; returns the body and the bad lines."""
    lines = [orjson.dumps(header)]
    bad_lines = []
    for i in range(500):
        item = example(f"s{i:03}", {"text": "lorem ipsum " * 3, "i": i})
        if not with_content:
            item = {"source_id": item["source_id"], "content_hash": item["content_hash"]}
        if i >= 200 and i % 2:
            item["content_hash"] = "X" * 64
            bad_lines.append(len(lines) + 1)
        lines.append(orjson.dumps(item))
    return b"\n".join(lines) + b"\n", bad_lines


@pytest.mark.parametrize("route", ["/v1/datasets/upsert", "/v1/datasets/upsert/plan"])
def test_ndjson_lists_bad_lines_across_blocks(small_blocks: TestClient, route: str) -> None:
    before = seeded(small_blocks)
    header = {"dataset": {"name": "qa"}, "mode": "mirror"}
    body, bad_lines = _ndjson_with_bad_lines(header, with_content=route.endswith("upsert"))
    assert len(bad_lines) == 150 and len(body) > 20 * BLOCK_BYTES
    problem = refusal(small_blocks.post(route, content=chunks(body), headers=NDJSON))
    assert problem["code"] == "invalid_content_hash" and problem["line"] == bad_lines[0]
    assert problem["path"] == "$.content_hash"
    assert problem["detail"].startswith(
        "150 examples refused; the first: invalid_content_hash at $.content_hash"
    )
    assert len(problem["errors"]) == 100 and problem["more_errors"] == 50
    assert [e["line"] for e in problem["errors"]] == bad_lines[:100]
    assert {(e["code"], e["path"]) for e in problem["errors"]} == {("invalid_content_hash", "$.content_hash")}
    assert [e["source_id"] for e in problem["errors"][:3]] == ["s201", "s203", "s205"]
    assert all("index" not in e for e in problem["errors"])
    assert row_counts(small_blocks) == before
    # The same body without its bad lines goes in: the refusal was about those lines alone.
    good = b"".join(
        line + b"\n" for number, line in enumerate(body.split(b"\n")[:-1], 1) if number not in bad_lines
    )
    accepted = small_blocks.post(route, content=chunks(good), headers=NDJSON)
    assert accepted.status_code == 200, accepted.text


def test_ndjson_mixed_codes_keep_their_lines(small_blocks: TestClient) -> None:
    before = seeded(small_blocks)
    lines = [
        orjson.dumps({"dataset": {"name": "qa"}, "mode": "mirror"}),
        orjson.dumps(example("a", {})),
        orjson.dumps({**example("b", {}), "extra": 1}),
        b"not json",
        orjson.dumps({"source_id": 7.5, "content_hash": ZERO, "input": {}}),
        orjson.dumps({**example("e", {"q": 1}), "content_hash": ZERO}),
    ]
    problem = refusal(
        small_blocks.post("/v1/datasets/upsert", content=b"\n".join(lines) + b"\n", headers=NDJSON)
    )
    assert [(e["line"], e["code"], e["path"], e.get("source_id")) for e in problem["errors"]] == [
        (3, "unknown_field", "$.extra", "b"),
        (4, "invalid_json", "$", None),
        (5, "invalid_source_id", "$.source_id", None),
        (6, "hash_mismatch", "$", "e"),
    ]
    assert problem["code"] == "unknown_field" and problem["line"] == 3 and problem["more_errors"] == 0
    assert row_counts(small_blocks) == before


BOM = b"\xef\xbb\xbf"


def test_a_leading_byte_order_mark_is_skipped(client: TestClient) -> None:
    items = [example("a", {"q": 1}), example("b", {"q": 2})]
    json_body = BOM + orjson.dumps({"dataset": {"name": "bom"}, "mode": "mirror", "examples": items})
    created = client.post(
        "/v1/datasets/upsert", content=json_body, headers={"content-type": "application/json"}
    )
    assert created.status_code == 200 and created.json()["created"] == 2, created.text
    lines = [orjson.dumps({"dataset": {"name": "bom"}, "mode": "mirror"}), *map(orjson.dumps, items)]
    ndjson_body = BOM + b"\n".join(lines) + b"\n"
    again = client.post("/v1/datasets/upsert", content=ndjson_body, headers=NDJSON)
    assert again.status_code == 200 and again.json()["noop"] is True, again.text
    manifest = [{"source_id": x["source_id"], "content_hash": x["content_hash"]} for x in items]
    plan_lines = [orjson.dumps({"dataset": {"name": "bom"}, "mode": "mirror"}), *map(orjson.dumps, manifest)]
    plan = client.post("/v1/datasets/upsert/plan", content=BOM + b"\n".join(plan_lines), headers=NDJSON)
    assert plan.status_code == 200 and plan.json()["unchanged"] == 2, plan.text
    plan_json = BOM + orjson.dumps({"dataset": {"name": "bom"}, "mode": "mirror", "examples": manifest})
    assert client.post("/v1/datasets/upsert/plan", content=plan_json).json()["needed_source_ids"] == []
    # Only a leading mark: one inside the body is still refused.
    inside = b"\n".join([lines[0], BOM + lines[1], lines[2]])
    refused = client.post("/v1/datasets/upsert", content=inside, headers=NDJSON)
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_json"
    assert refused.json()["errors"][0]["line"] == 2


def test_duplicate_source_ids_are_listed_as_records(client: TestClient) -> None:
    before = seeded(client)
    items = [
        example("a", {}),
        example("b", {"x": 1}),
        example("a", {"y": 2}),
        example("b", {}),
        example("a", {}),
    ]
    body = {"dataset": {"name": "qa"}, "examples": items}
    problem = refusal(client.post("/v1/datasets/upsert", json=body))
    assert problem["code"] == "duplicate_source_id" and problem["path"] == "$.examples[2].source_id"
    assert [(e["code"], e["index"], e["path"], e["source_id"]) for e in problem["errors"]] == [
        ("duplicate_source_id", 2, "$.examples[2].source_id", "a"),
        ("duplicate_source_id", 3, "$.examples[3].source_id", "b"),
        ("duplicate_source_id", 4, "$.examples[4].source_id", "a"),
    ]
    assert problem["more_errors"] == 0
    lines = [orjson.dumps({"dataset": {"name": "qa"}}), *map(orjson.dumps, items)]
    lined = refusal(client.post("/v1/datasets/upsert", content=b"\n".join(lines), headers=NDJSON))
    assert lined["line"] == 4 and lined["path"] == "$.source_id"
    assert [(e["line"], e["source_id"]) for e in lined["errors"]] == [(4, "a"), (5, "b"), (6, "a")]
    assert all("index" not in e for e in lined["errors"])
    assert row_counts(client) == before
