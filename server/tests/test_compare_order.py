"""A comparison's examples with the regressions first (the web UI's comparison page), on SQLite
and PostgreSQL: each part by example id, every example once at any page size, the cursor of
one order refused by the other."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.test_compare import compare, every_example, scene
from tests.test_experiments import problem


def test_regressions_first_then_the_others(client: TestClient) -> None:
    ids = scene(client)
    base, head = ids["base"], ids["head"]
    # The scene's regressions are a and c; b, d and e are not.
    first = every_example(client, base, head, order="regressions_first")
    assert [item["source_id"] for item in first] == ["a", "c", "b", "d", "e"]
    assert [item["regression"] for item in first] == [True, True, False, False, False]
    for limit in (1, 3, 5):
        cursor, seen = None, []
        while True:
            page = compare(
                client,
                base,
                head,
                order="regressions_first",
                limit=limit,
                **({"cursor": cursor} if cursor else {}),
            )
            seen += [item["source_id"] for item in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ["a", "c", "b", "d", "e"], limit
    # With a filter, the order applies to what it keeps; the default order is unchanged.
    kept = every_example(
        client, base, head, order="regressions_first", only=["output_changed", "improvements"]
    )
    assert [item["source_id"] for item in kept] == ["c", "b"]
    assert [item["source_id"] for item in every_example(client, base, head)] == ["a", "b", "c", "d", "e"]
    url = "/v1/experiments/compare"
    one = compare(client, base, head, order="regressions_first", limit=1)
    assert one["next_cursor"].startswith("r")
    params = {"base": base, "head": head}
    problem(client.get(url, params=params | {"cursor": one["next_cursor"]}), 422, "invalid_id")
    for bad in ("12", "x12", "r", "rx"):
        problem(
            client.get(url, params=params | {"order": "regressions_first", "cursor": bad}), 422, "invalid_id"
        )
    problem(client.get(url, params=params | {"order": "worst_first"}), 422, "invalid_request")
