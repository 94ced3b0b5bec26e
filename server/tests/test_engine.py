"""The pure upsert engine, without HTTP or SQL."""

from __future__ import annotations

import doctest

import groundset_core
import pytest

from groundset_server.engine import upsert
from groundset_server.engine.upsert import CurrentExample, IncomingExample, Sync, classify
from groundset_server.services.writer import delete_rows, revision_rows

A, B, C = "a" * 64, "b" * 64, "c" * 64


def incoming(source_id: str, hash_: str, content: bool = True, position: int = 0) -> IncomingExample:
    text = f'{{"x":"{source_id}"}}' if content else None
    return IncomingExample(
        position, source_id, hash_, text, "{}" if content else None, "{}" if content else None
    )


CURRENT = {
    "same": CurrentExample(1, A, False),
    "changed": CurrentExample(2, A, False),
    "gone": CurrentExample(3, A, False),
    "dead": CurrentExample(4, A, True),
}
REQUEST = [incoming("same", A), incoming("changed", B), incoming("new", C), incoming("dead", A)]


def test_classify_merge_and_mirror() -> None:
    merge = classify(CURRENT, REQUEST, "merge")
    assert merge.counts == {"created": 2, "updated": 1, "unchanged": 1, "deleted": 0}
    assert merge.source_ids["created"] == ["new", "dead"]
    mirror = classify(CURRENT, REQUEST, "mirror")
    assert mirror.deleted == [(3, "gone")]
    assert sorted(mirror.final_manifest()) == [("changed", B), ("dead", A), ("new", C), ("same", A)]


def test_batches_add_up_to_one_request_and_catch_duplicates_across_them() -> None:
    sync = Sync(CURRENT, "mirror")
    first = sync.add(REQUEST[:2])
    second = sync.add([*REQUEST[2:], incoming("same", A, position=9)])
    assert [e.source_id for _, e in first.created + second.created] == ["new"]
    assert [(row, e.source_id) for row, e in second.revived] == [(4, "dead")]
    assert [(row, e.source_id) for row, e in first.updated] == [(2, "changed")]
    assert [e.position for e in second.duplicates] == [9]
    assert sync.finish() == [(3, "gone")]
    assert sync.counts == classify(CURRENT, REQUEST, "mirror").counts


def test_revision_rows_of_a_step() -> None:
    step = Sync(CURRENT, "merge", new_ids=lambda count: list(range(10, 10 + count))).add(REQUEST)
    rows = revision_rows(step, version_id=9, now="t")
    kinds = {(row[0], row[6]) for row in rows}
    assert kinds == {(10, "CREATE"), (4, "CREATE"), (2, "PATCH")}
    assert all(row[1] == 9 and row[2] is not None for row in rows)
    assert delete_rows([(3, "gone")], 9, "t") == [(3, 9, None, None, None, None, "DELETE", "t")]


def test_the_new_state_holds_the_written_ids_the_changes_and_the_deletions() -> None:
    sync = Sync(CURRENT, "mirror", new_ids=lambda count: list(range(10, 10 + count)))
    sync.add(REQUEST)
    sync.finish()
    state = sync.new_state()
    assert state["new"] == CurrentExample(10, C, False)
    assert state["dead"] == CurrentExample(4, A, False)
    assert state["changed"] == CurrentExample(2, B, False)
    assert state["gone"] == CurrentExample(3, None, True)
    assert state["same"] == CURRENT["same"]
    assert sorted(sync.final_manifest()) == sorted(upsert.current_manifest(state))


def test_noop_and_missing_content() -> None:
    current = {"a": CurrentExample(1, A, False)}
    same = classify(current, [incoming("a", A, content=False)], "mirror")
    assert not same.changed
    sync = Sync(current, "merge")
    stale = sync.add([incoming("a", B, content=False), incoming("n", C, content=False)])
    assert stale.missing_content == ["a", "n"]
    assert sync.needed == ["n", "a"]


def test_docstring_example() -> None:
    assert doctest.testmod(upsert).failed == 0


def test_the_compact_state_reads_back_and_digests_as_the_pairs() -> None:
    # Ids whose UTF-16 order differs from their code point order, an escape, and a deletion.
    rows = {
        "\U0001f600": CurrentExample(1, A, False),
        "\uff61": CurrentExample(2, B, False),
        'quote"': CurrentExample(3, C, False),
        "gone": CurrentExample(4, None, True),
    }
    state = upsert.ExampleState.of(rows)
    assert dict(state) == rows
    assert state.live == 3
    pairs = [(source_id, row.content_hash) for source_id, row in rows.items() if row.content_hash]
    assert sorted(state.manifest()) == sorted(pairs)
    expected = groundset_core.manifest_digest(pairs)
    assert groundset_core.manifest_digest_packed(list(state), state.hashes, state.deleted) == expected
    with pytest.raises(ValueError, match="32 for each of the 4 source ids"):
        groundset_core.manifest_digest_packed(list(state), state.hashes[:-1])
    with pytest.raises(ValueError, match="3 flags"):
        groundset_core.manifest_digest_packed(list(state), state.hashes, state.deleted[:-1])


def test_a_new_state_leaves_the_state_it_started_from_as_it_was() -> None:
    current = upsert.ExampleState.of(CURRENT)
    sync = Sync(current, "mirror", new_ids=lambda count: list(range(10, 10 + count)))
    sync.add(REQUEST)
    sync.finish()
    assert sync.new_state()["gone"] == CurrentExample(3, None, True)
    # The cached snapshot another request may be reading (a deleted example has no hash).
    assert dict(current) == {**CURRENT, "dead": CurrentExample(4, None, True)}
