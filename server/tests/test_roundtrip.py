"""JSON round-trips exactly on both databases: re-hashing what is read gives the stored hash."""

from __future__ import annotations

from typing import Any

import groundset
import orjson
from fastapi.testclient import TestClient

from tests.conftest import example


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": "end"}
    for level in range(depth):
        value = {"level": level, "child": value, "siblings": [level, str(level), None, True]}
    return value


VALUES: list[dict[str, Any]] = [
    {"nul": "a\u0000b", "controls": "\u0001\u001f\t\n\r\b\f"},
    {"neg_zero": -0.0, "small": 1e-7, "big": 1e21, "tiny": 5e-324, "third": 333333333.33333329},
    {"astral": "😀𝄞\U0010ffff", "bidi": "\u202e", "ls": "\u2028", "decomposed": "e\u0301", "é": "\u00e9"},
    {"big_int": 2**53, "two68": 2**68, "neg": -(2**53)},
    {"large": nested(120), "wide": {f"k{i}": list(range(20)) for i in range(500)}},
]


def test_exact_round_trip(client: TestClient) -> None:
    items = [example(f"r{i}", value, {"echo": value}, {"m": value}) for i, value in enumerate(VALUES)]
    response = client.post("/v1/datasets/upsert", json={"dataset": {"name": "rt"}, "examples": items})
    assert response.status_code == 200, response.text
    dataset_id = response.json()["dataset_id"]
    page = client.get(f"/v1/datasets/{dataset_id}/examples")
    read = {item["source_id"]: item for item in page.json()["data"]}
    for item in items:
        got = read[item["source_id"]]
        assert got["content_hash"] == item["content_hash"]
        assert groundset.example_hash(got["input"], got["output"], got["metadata"]) == item["content_hash"]
    # The stored text is the canonical form, so the answer holds it byte for byte.
    raw = orjson.loads(page.content)["data"]
    for got in raw:
        assert groundset.example_hash(got["input"], got["output"], got["metadata"]) == got["content_hash"]
    assert b"a\\u0000b" in page.content and b"1e+21" in page.content and b"5e-324" in page.content
    # Sending it again is a no-op: nothing was altered on the way in or out.
    again = client.post(
        "/v1/datasets/upsert",
        json={
            "dataset": {"name": "rt"},
            "examples": [
                {
                    "source_id": g["source_id"],
                    "content_hash": groundset.example_hash(g["input"], g["output"], g["metadata"]),
                    "input": g["input"],
                    "output": g["output"],
                    "metadata": g["metadata"],
                }
                for g in read.values()
            ],
        },
    )
    assert again.json()["noop"] is True
