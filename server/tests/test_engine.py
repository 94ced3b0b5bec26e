"""The pure upsert engine, without HTTP or SQL."""

from __future__ import annotations

import json

from groundset_server.engine.upsert import (
    CurrentExample,
    IncomingExample,
    build_writes,
    classify,
    counts,
    final_manifest,
)

A, B, C = "a" * 64, "b" * 64, "c" * 64


def incoming(source_id: str, hash_: str, content: bool = True) -> IncomingExample:
    return IncomingExample(source_id, hash_, {"x": source_id} if content else None, None, None, content)


def test_classify_merge_and_mirror() -> None:
    current = {
        "same": CurrentExample(1, A, False),
        "changed": CurrentExample(2, A, False),
        "gone": CurrentExample(3, A, False),
        "dead": CurrentExample(4, A, True),
    }
    request = [incoming("same", A), incoming("changed", B), incoming("new", C), incoming("dead", A)]
    merge = classify(current, request, "merge")
    assert counts(merge) == {"created": 2, "updated": 1, "unchanged": 1, "deleted": 0}
    assert merge.revived == {"dead": 4}
    mirror = classify(current, request, "mirror")
    assert mirror.deleted == [(3, "gone")]
    assert sorted(final_manifest(current, mirror)) == [("changed", B), ("dead", A), ("new", C), ("same", A)]

    writes = build_writes(mirror, version_id=9, dataset_id=1, now="t", canonical=lambda v: json.dumps(v))
    assert [row["source_id"] for row in writes.new_examples] == ["new"]
    assert [r["revision_kind"] for r in writes.revisions_for_new] == ["CREATE"]
    kinds = {(r["example_id"], r["revision_kind"]) for r in writes.revisions}
    assert kinds == {(4, "CREATE"), (2, "PATCH"), (3, "DELETE")}
    assert all(r["version_id"] == 9 for r in writes.revisions)


def test_noop_and_missing_content() -> None:
    current = {"a": CurrentExample(1, A, False)}
    same = classify(current, [incoming("a", A, content=False)], "mirror")
    assert not same.changed and not same.missing_content
    stale = classify(current, [incoming("a", B, content=False), incoming("n", C, content=False)], "merge")
    assert stale.missing_content == ["a", "n"]
    assert sorted(stale.needed_source_ids()) == ["a", "n"]
