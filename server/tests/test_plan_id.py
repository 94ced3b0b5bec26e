"""An upsert with a plan's `plan_id` (issue 19) on SQLite and PostgreSQL: its body carries only the
examples the plan needs, and it writes exactly what the whole manifest with content-less entries
for the others writes, whatever committed between the plan and the upsert. Refusals:
`plan_expired` (not held: expired, evicted, consumed) and `plan_mismatch` (every cause, every
line), nothing written."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import groundset
import orjson
import pytest
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from tests.conftest import example
from tests.test_noop_digest import BASE as NOOP_BASE
from tests.test_noop_digest import one_byte_changes
from tests.test_upsert import counts, table_count, upsert

PLAN = "/v1/datasets/upsert/plan"
UPSERT = "/v1/datasets/upsert"
NDJSON = {"content-type": "application/x-ndjson"}


def bare(e: dict[str, Any]) -> dict[str, Any]:
    return {"source_id": e["source_id"], "content_hash": e["content_hash"]}


def plan(
    client: TestClient, examples: list[dict[str, Any]], name: str = "qa", **fields: Any
) -> dict[str, Any]:
    body = {"dataset": {"name": name}, "examples": [bare(e) for e in examples], **fields}
    response = client.post(PLAN, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def with_plan(
    client: TestClient,
    examples: list[dict[str, Any]],
    planned: dict[str, Any],
    name: str = "qa",
    **fields: Any,
) -> Any:
    """The upsert naming ``planned``'s id, with the examples it needs alone."""
    needed = set(planned["needed_source_ids"])
    lines = [e for e in examples if e["source_id"] in needed]
    body = {"dataset": {"name": name}, "plan_id": planned["plan_id"], "examples": lines, **fields}
    return client.post(UPSERT, json=body)


def whole(
    client: TestClient, examples: list[dict[str, Any]], needed: set[str], name: str, **fields: Any
) -> dict[str, Any]:
    """The upsert of the whole manifest: content for ``needed``, content-less entries for the rest."""
    lines = [e if e["source_id"] in needed else bare(e) for e in examples]
    return upsert(client, lines, dataset={"name": name}, **fields)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    problem: dict[str, Any] = response.json()
    assert problem["code"] == code, problem
    return problem


def contents(client: TestClient, result: dict[str, Any]) -> dict[str, Any]:
    """The version's examples by source id: hash and content, without ids."""
    found: dict[str, Any] = {}
    params = {"version_id": result["version_id"], "limit": "1000"}
    page = client.get(f"/v1/datasets/{result['dataset_id']}/examples", params=params).json()
    for e in page["data"]:
        found[e["source_id"]] = (e["content_hash"], e["input"], e["output"], e["metadata"])
    assert page["next_cursor"] is None
    return found


BASE = [example(f"s{i}", {"i": i}, {"a": i}) for i in range(12)]


def history(client: TestClient, name: str) -> None:
    """Two versions: the base, then s11 deleted (by a mirror), so that it can be revived."""
    upsert(client, BASE, dataset={"name": name})
    upsert(client, BASE[:11], dataset={"name": name}, mode="mirror")


def next_manifest() -> list[dict[str, Any]]:
    """s0 changed, s1 left out (a mirror deletes it), s11 revived with new content, s20 new."""
    return [
        example("s0", {"i": 0}, {"a": "changed"}),
        *BASE[2:11],
        example("s11", {"i": 11}, {"a": "back"}),
        example("s20", {"i": 20}),
    ]


@pytest.mark.parametrize("mode", ["merge", "mirror"])
def test_plan_then_plan_id_writes_what_the_whole_manifest_writes(client: TestClient, mode: str) -> None:
    for name in ("planned", "whole"):
        history(client, name)
    manifest = next_manifest()
    planned = plan(client, manifest, "planned", mode=mode)
    assert isinstance(planned["plan_id"], str) and planned["plan_id"]
    assert sorted(planned["needed_source_ids"]) == ["s0", "s11", "s20"]
    via_plan = ok(with_plan(client, manifest, planned, "planned", mode=mode))
    full = whole(client, manifest, set(planned["needed_source_ids"]), "whole", mode=mode)
    assert counts(via_plan) == counts(full) == (2, 1, 9, 1 if mode == "mirror" else 0)
    assert via_plan["digest"] == full["digest"] and via_plan["noop"] is False
    assert contents(client, via_plan) == contents(client, full)
    # The state written is what the next plan starts from, and it is the manifest's in a mirror.
    again = plan(client, manifest, "planned", mode=mode)
    assert (again["base_version_id"], again["base_digest"]) == (via_plan["version_id"], via_plan["digest"])
    assert again["needed_source_ids"] == []
    if mode == "mirror":
        assert via_plan["digest"] == groundset.manifest_digest(
            [(e["source_id"], e["content_hash"]) for e in manifest]
        )


def test_ndjson_body_and_dry_run(client: TestClient) -> None:
    history(client, "qa")
    manifest = next_manifest()
    planned = plan(client, manifest, mode="mirror")
    needed = set(planned["needed_source_ids"])
    header = {"dataset": {"name": "qa"}, "mode": "mirror", "plan_id": planned["plan_id"]}
    lines = [header, *(e for e in manifest if e["source_id"] in needed)]
    body = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    dry = ok(
        client.post(
            UPSERT, content=body.replace(b'"mirror",', b'"mirror","dry_run":true,', 1), headers=NDJSON
        )
    )
    assert dry["dry_run"] is True and dry["version_id"] is None
    assert (sorted(dry["created_source_ids"]), dry["updated_source_ids"], dry["deleted_source_ids"]) == (
        ["s11", "s20"],
        ["s0"],
        ["s1"],
    )
    assert sorted(dry["unchanged_source_ids"]) == sorted(f"s{i}" for i in range(2, 11))
    versions = table_count(client, "dataset_versions")
    assert versions == 2
    # A dry run commits nothing: the plan is still there for the upsert.
    done = ok(client.post(UPSERT, content=body, headers=NDJSON))
    assert counts(done) == (2, 1, 9, 1) and done["digest"] == dry["digest"]
    # Consumed by the upsert that committed with it.
    refused(client.post(UPSERT, content=body, headers=NDJSON), 409, "plan_expired")
    assert table_count(client, "dataset_versions") == 3


def test_plan_id_is_consumed_even_by_a_noop_and_not_by_a_refusal(client: TestClient) -> None:
    upsert(client, BASE, tag="gold")
    upsert(client, [example("x", {})])
    planned = plan(client, BASE)
    assert planned["needed_source_ids"] == []
    # Refused (the tag is on the first version): not consumed.
    refused(with_plan(client, BASE, planned, tag="gold"), 409, "tag_exists")
    answer = ok(with_plan(client, BASE, planned, tag="gold", move_tag=True))
    assert answer["noop"] is True and answer["tag_change"] == "moved"
    refused(with_plan(client, BASE, planned), 409, "plan_expired")


@pytest.mark.parametrize("mode", ["merge", "mirror"])
def test_a_one_byte_change_is_never_a_noop(client: TestClient, mode: str) -> None:
    for index, (label, changed) in enumerate(one_byte_changes().items()):
        names = (f"p{index}", f"w{index}")
        for name in names:
            upsert(client, NOOP_BASE, dataset={"name": name})
        guard = {"allow_empty": True} if mode == "mirror" else {}
        if label == "hash moved to another id":
            # The contents do not hash to these: the lines go without them (a revision holds them).
            changed = [bare(e) for e in changed]
        planned = plan(client, changed, names[0], mode=mode, **guard)
        via_plan = ok(with_plan(client, changed, planned, names[0], mode=mode, **guard))
        full = whole(client, changed, set(planned["needed_source_ids"]), names[1], mode=mode, **guard)
        assert (via_plan["noop"], via_plan["digest"], counts(via_plan)) == (
            full["noop"],
            full["digest"],
            counts(full),
        ), label
        if mode == "mirror":
            assert via_plan["noop"] is False, label


def test_a_writer_between_plan_and_upsert_last_writer_wins(client: TestClient) -> None:
    upsert(client, BASE)
    manifest = [example("s0", {"i": 0}, {"a": "mine"}), *BASE[1:]]
    planned = plan(client, manifest, mode="mirror")
    assert planned["needed_source_ids"] == ["s0"]
    # Another writer changes an example the plan saw unchanged, one it needs, and adds one.
    theirs = upsert(
        client,
        [
            example("s0", {"i": 0}, {"a": "theirs"}),
            example("s5", {"i": 5}, {"a": "theirs"}),
            example("t", {}),
        ],
    )
    done = ok(with_plan(client, manifest, planned, mode="mirror"))
    assert done["previous_version_id"] == theirs["version_id"]
    assert counts(done) == (0, 2, 10, 1)
    expected = groundset.manifest_digest([(e["source_id"], e["content_hash"]) for e in manifest])
    assert done["digest"] == expected
    held = contents(client, done)
    assert held["s5"][2] == {"a": 5} and held["s0"][2] == {"a": "mine"} and "t" not in held


def test_a_dataset_made_again_between_plan_and_upsert_is_stale(client: TestClient) -> None:
    first = upsert(client, BASE)
    manifest = [*BASE[:11], example("new", {})]
    planned = plan(client, manifest)
    assert client.delete(f"/v1/datasets/{first['dataset_id']}").status_code in (200, 204)
    upsert(client, [example("other", {})])
    versions = table_count(client, "dataset_versions")
    problem = refused(with_plan(client, manifest, planned), 409, "stale_manifest")
    assert sorted(problem["needed_source_ids"]) == sorted(e["source_id"] for e in BASE[:11])
    assert table_count(client, "dataset_versions") == versions


def test_a_needed_example_left_out_is_a_content_less_entry(client: TestClient) -> None:
    upsert(client, BASE)
    upsert(client, [example("s0", {"i": 0}, {"a": "edited"})])
    # Back to the first content, which a revision holds: taken from it without being sent.
    planned = plan(client, BASE)
    assert planned["needed_source_ids"] == ["s0"]
    body = {"dataset": {"name": "qa"}, "plan_id": planned["plan_id"], "examples": []}
    done = ok(client.post(UPSERT, json=body))
    assert counts(done) == (0, 1, 11, 0) and contents(client, done)["s0"][2] == {"a": 0}
    # New content held nowhere: missing_content names it, on no line of the body.
    manifest = [*BASE, example("fresh", {"x": 1})]
    planned = plan(client, manifest)
    body = {
        "dataset": {"name": "qa"},
        "plan_id": planned["plan_id"],
        "examples": [],
        "expected_version_id": done["version_id"],
    }
    problem = refused(client.post(UPSERT, json=body), 422, "missing_content")
    assert [(e["source_id"], e.get("line"), e.get("index")) for e in problem["errors"]] == [
        ("fresh", None, None)
    ]


def test_plan_mismatch_names_every_line(client: TestClient) -> None:
    upsert(client, BASE)
    manifest = [
        example("s0", {"i": 0}, {"a": "changed"}),
        example("s1", {"i": 1}, {"a": "changed"}),
        *BASE[2:],
    ]
    planned = plan(client, manifest)
    header = {"dataset": {"name": "qa"}, "plan_id": planned["plan_id"]}
    lines = [
        header,
        manifest[0],  # line 2: as planned
        BASE[5],  # line 3: planned unchanged
        example("s1", {"i": 1}, {"a": "other"}),  # line 4: another content than planned
        example("zz", {}),  # line 5: not in the manifest
    ]
    body = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    problem = refused(client.post(UPSERT, content=body, headers=NDJSON), 422, "plan_mismatch")
    listed = [(e["line"], e["source_id"], e["path"], e["code"]) for e in problem["errors"]]
    assert listed == [
        (3, "s5", "$.source_id", "plan_mismatch"),
        (4, "s1", "$.content_hash", "plan_mismatch"),
        (5, "zz", "$.source_id", "plan_mismatch"),
    ]
    assert problem["line"] == 3 and problem["more_errors"] == 0
    # The JSON body names them by index.
    answer = client.post(UPSERT, json={**header, "examples": lines[1:]})
    problem = refused(answer, 422, "plan_mismatch")
    assert [(e["index"], e["path"]) for e in problem["errors"]] == [
        (1, "$.examples[1].source_id"),
        (2, "$.examples[2].content_hash"),
        (3, "$.examples[3].source_id"),
    ]
    assert table_count(client, "dataset_versions") == 1
    # Still usable as planned.
    assert counts(ok(with_plan(client, manifest, planned))) == (0, 2, 10, 0)


def test_plan_mismatch_of_the_header(client: TestClient) -> None:
    upsert(client, BASE)
    upsert(client, BASE, dataset={"name": "other"})
    manifest = [*BASE[1:], example("n", {})]
    planned = plan(client, manifest, mode="mirror", max_deletes=3)
    for fields, words in [
        ({"mode": "merge", "max_deletes": 3}, "`mode` is 'merge'"),
        ({"mode": "mirror"}, "`max_deletes` is null, the plan's is 3"),
        ({"mode": "mirror", "max_deletes": 3, "allow_empty": True}, "`allow_empty` is true"),
        ({"mode": "mirror", "max_deletes": 3, "dataset": {"name": "other"}}, "selects name 'other'"),
    ]:
        body = {
            "dataset": {"name": "qa"},
            "plan_id": planned["plan_id"],
            "examples": [example("n", {})],
            **fields,
        }
        problem = refused(client.post(UPSERT, json=body), 422, "plan_mismatch")
        assert words in problem["detail"], problem
    both = {"dataset": {"name": "qa"}, "plan_id": planned["plan_id"], "examples": [], "mode": "merge"}
    detail = refused(client.post(UPSERT, json=both), 422, "plan_mismatch")["detail"]
    assert "`mode` is 'merge'" in detail and "`max_deletes` is null" in detail
    selected = {"dataset": {"id": planned["dataset_id"]}, "mode": "mirror", "max_deletes": 3}
    by_id = ok(with_plan(client, manifest, planned, **selected))
    assert counts(by_id) == (1, 0, 11, 1)


def test_plan_id_with_manifest_digest_is_refused(client: TestClient) -> None:
    body = {"dataset": {"name": "qa"}, "plan_id": "x", "manifest_digest": "0" * 64}
    problem = refused(client.post(UPSERT, json=body), 422, "invalid_request")
    assert problem["field"] == "plan_id"
    refused(
        client.post(UPSERT, json={"dataset": {"name": "qa"}, "plan_id": "nope", "examples": []}),
        409,
        "plan_expired",
    )
    assert table_count(client, "datasets") == 0


@pytest.fixture
def small_store(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, api_key=None, plan_ttl_seconds=0.3, plan_max_count=2)
    app = create_app(settings)
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


def test_plan_expired_after_its_ttl_and_after_eviction(small_store: TestClient) -> None:
    client = small_store
    upsert(client, BASE)
    manifest = [example("s0", {"i": 0}, {"a": "changed"}), *BASE[1:]]
    planned = plan(client, manifest)
    time.sleep(0.4)
    problem = refused(with_plan(client, manifest, planned), 409, "plan_expired")
    assert planned["plan_id"] in problem["detail"]
    assert table_count(client, "dataset_versions") == 1
    # The oldest evicted by a third plan.
    first, second, third = (plan(client, manifest) for _ in range(3))
    refused(with_plan(client, manifest, first), 409, "plan_expired")
    assert counts(ok(with_plan(client, manifest, third))) == (0, 1, 11, 0)
    # The second's base is no longer the latest: the slow path, same result (nothing to change).
    assert ok(with_plan(client, manifest, second))["noop"] is True


def test_a_plan_over_the_memory_bound_is_not_kept(database_url: str) -> None:
    app = create_app(Settings(database_url=database_url, api_key=None, plan_max_bytes=1000))
    with TestClient(app) as client:
        upsert(client, BASE)
        assert plan(client, BASE)["plan_id"] is None
        assert plan(client, BASE[:2])["plan_id"] is None  # the base state counts
        assert plan(client, BASE[:2], "new")["plan_id"] is not None
    app.state.engine.dispose()
