"""A plan's NDJSON lines decoded and classified by the core in one call
(``groundset_core.classify_manifest`` through ``Sync.add_lines``): the same classification as
decoding the lines and giving them to ``Sync.add``, every refused line named by its line as the
general decoder names it, a block with a repeated source id left to ``Sync.add`` untouched; and
the plan route's answers the same as for the JSON body, which takes the general path."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from typing import Any

import groundset_core
import orjson
import pytest
from fastapi.testclient import TestClient

from groundset_server.engine.upsert import ExampleState, Sync
from tests.conftest import example
from tests.test_record_errors import small_blocks  # noqa: F401 (a fixture: NDJSON bodies in blocks of 2 KiB)

NDJSON = {"content-type": "application/x-ndjson"}


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def line(source_id: str, content_hash: str) -> bytes:
    """A manifest line as the SDKs write it (canonical member order, no whitespace)."""
    return orjson.dumps({"content_hash": content_hash, "source_id": source_id})


def base_state() -> ExampleState:
    """200 examples s0..s199 (row ids 1000 + n), s5 and s6 deleted."""
    state = ExampleState()
    state.extend([f"s{n}" for n in range(200)], range(1000, 1200), [digest(f"v{n}") for n in range(200)])
    for n in (5, 6):
        state.put(f"s{n}", 1000 + n, None, True)
    return state


def manifest_lines() -> list[bytes]:
    """Lines of every kind: unchanged in the state's order and out of it, changed, new, revived,
    and lines off the fast path (other member order, whitespace, CRLF, escapes, non-ASCII)."""
    lines = [line(f"s{n}", digest(f"v{n}")) for n in range(0, 120)]
    lines[10] = line("s10", digest("changed"))
    lines[5] = line("s5", digest("v5"))  # revived
    lines[6] = line("s6", digest("new content"))  # revived with new content
    out_of_order = [line(f"s{n}", digest(f"v{n}")) for n in range(149, 120, -1)]
    random.Random(7).shuffle(out_of_order)
    lines += out_of_order
    lines += [
        line("new-1", digest("n1")),
        orjson.dumps({"source_id": "s150", "content_hash": digest("reordered members")}),
        b' {"content_hash": "%s", "source_id": "s151"} ' % digest("v151").encode(),
        line("s152", digest("crlf")) + b"\r",
        b'{"content_hash":"%s","source_id":"q\\"uote"}' % digest("q").encode(),
        b'{"content_hash":"%s","source_id":"\\u00e9t\\u00e9"}' % digest("e").encode(),
        line("caf\u00e9", digest("cafe")),
        line("new-2", digest("n2")),
        # The TypeScript SDK's member order, with an escaped quote the fast path leaves alone.
        b'{"source_id":"ts\\"x","content_hash":"%s"}' % digest("ts").encode(),
        b"",
        b"   ",
        line("7", digest("seven")),
    ]
    lines += [line(f"s{n}", digest(f"v{n}")) for n in range(160, 200)]
    return lines


def blocks_of(lines: list[bytes], size: int, first_line: int = 2) -> Iterator[tuple[bytes, int]]:
    for start in range(0, len(lines), size):
        yield b"".join(x + b"\n" for x in lines[start : start + size]), first_line + start


def sync_state(sync: Sync) -> tuple[Any, ...]:
    changes = sync.changes
    return (
        sync.counts,
        list(changes),
        list(changes.ids),
        bytes(changes.hashes),
        bytes(sync.seen),
        sync.changed,
    )


@pytest.mark.parametrize("block_lines", [1, 7, 1000])
@pytest.mark.parametrize("mode", ["merge", "mirror"])
def test_the_core_classifies_as_decoding_then_adding(block_lines: int, mode: str) -> None:
    lines = manifest_lines()
    by_core, by_python = Sync(base_state(), mode), Sync(base_state(), mode)  # type: ignore[arg-type]
    for block, first_line in blocks_of(lines, block_lines):
        assert by_core.add_lines(block, first_line, 512) == ([], None)
        records, failures = groundset_core.decode_ndjson_records(
            block, first_line=first_line, with_content=False
        )
        assert failures == []
        assert not by_python.add(records).duplicates
    assert by_core.finish() == by_python.finish()
    assert sync_state(by_core) == sync_state(by_python)
    needed = set(by_core.needed)
    assert {
        "new-1",
        "new-2",
        'ts"x',
        'q"uote',
        "été",
        "café",
        "7",
        "s5",
        "s6",
        "s10",
        "s150",
        "s152",
    } == needed
    assert by_core.counts["created"] == 9 and by_core.counts["updated"] == 3
    # s120 and s153..s159 are left out.
    assert by_core.counts["deleted"] == (0 if mode == "merge" else 8)


def test_needed_source_ids_keep_the_order_of_sync_add() -> None:
    """Per block: the new ones, then the revived, then the changed, each in line order."""
    state = base_state()
    sync = Sync(state, "merge")
    block = b"".join(
        x + b"\n"
        for x in [
            line("s1", digest("changed 1")),
            line("s5", digest("v5")),
            line("brand-new", digest("b")),
            line("s2", digest("v2")),
            line("s0", digest("changed 0")),
        ]
    )
    assert sync.add_lines(block, 2, 512) == ([], None)
    assert sync.needed == ["brand-new", "s5", "s1", "s0"]
    assert sync.counts == {"created": 2, "updated": 2, "unchanged": 1, "deleted": 0}
    assert list(sync.changes.ids) == [0, 1005, 1001, 1000]
    assert sync.changes["s0"].content_hash == digest("changed 0")
    assert [sync.seen[n] for n in range(7)] == [1, 1, 1, 0, 0, 1, 0]


BAD = [
    # (line, code, path, source_id): lines close to the fast path's form, each refused
    (
        b'{"content_hash":"%s","source_id":"a"}' % digest("a").upper().encode(),
        "invalid_content_hash",
        "$.content_hash",
        "a",
    ),
    (
        b'{"content_hash":"%s","source_id":"b"}' % digest("b")[:63].encode(),
        "invalid_content_hash",
        "$.content_hash",
        "b",
    ),
    (b'{"content_hash":"%s","source_id":""}' % digest("c").encode(), "invalid_source_id", "$.source_id", ""),
    (
        b'{"content_hash":"%s","source_id":"%s"}' % (digest("d").encode(), b"d" * 513),
        "invalid_source_id",
        "$.source_id",
        "d" * 513,
    ),
    (
        b'{"content_hash":"%s","source_id":"e\\u0000"}' % digest("e").encode(),
        "invalid_source_id",
        "$.source_id",
        "e\0",
    ),
    (
        b'{"content_hash":"%s","source_id":"f\x01"}' % digest("f").encode(),
        "invalid_json",
        "$.source_id",
        None,
    ),
    (b'{"content_hash":"%s","source_id":"g\xff"}' % digest("g").encode(), "invalid_json", "$", None),
    (b'{"content_hash":"%s","source_id":"h"' % digest("h").encode(), "invalid_json", "$", None),
    (b'{"content_hash":"%s","source_id":"i","x":1}' % digest("i").encode(), "unknown_field", "$.x", "i"),
    (b'{"content_hash":"%s","source_id":7}' % digest("j").encode(), "invalid_source_id", "$.source_id", None),
    (b"[]", "invalid_example", "$", None),
    (
        b'{"source_id":"k","content_hash":"%s"}' % digest("k").upper().encode(),
        "invalid_content_hash",
        "$.content_hash",
        "k",
    ),
    (b'{"source_id":"l","content_hash":"%s"' % digest("l").encode(), "invalid_json", "$", None),
]


def test_every_bad_line_is_named_by_its_line_at_once() -> None:
    good = [line(f"s{n}", digest(f"v{n}")) for n in range(40)]
    lines = [x for pair in zip(good, [bad for bad, *_ in BAD], strict=False) for x in pair] + good[len(BAD) :]
    block = b"".join(x + b"\n" for x in lines)
    sync = Sync(base_state(), "mirror")
    failures, step = sync.add_lines(block, 10, 512)
    assert step is None
    found = [(line, source_id, error.code, error.path) for line, source_id, error in failures]
    assert found == [(11 + 2 * n, source_id, code, path) for n, (_, code, path, source_id) in enumerate(BAD)]
    # Exactly what the general decoder says of the same lines, message and column included.
    _, expected = groundset_core.decode_ndjson_records(block, first_line=10, with_content=False)
    assert [(a, b, str(e), e.column) for a, b, e in failures] == [
        (a, b, str(e), e.column) for a, b, e in expected
    ]
    # Nothing classified.
    assert sync.counts == {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
    assert not any(sync.seen) and len(sync.changes) == 0


def test_a_lower_source_id_bound_is_kept() -> None:
    sync = Sync(base_state(), "merge")
    failures, _ = sync.add_lines(
        line("long-id", digest("x")) + b"\n" + line("s1", digest("v1")) + b"\n", 1, 5
    )
    assert [(n, s, e.code) for n, s, e in failures] == [(1, "long-id", "invalid_source_id")]


@pytest.mark.parametrize(
    ("blocks", "repeated"),
    [
        ([[("s1", "v1"), ("s2", "v2"), ("s1", "v1")]], [(4, "s1")]),  # an old one twice in a block
        ([[("n1", "x"), ("s2", "v2"), ("n1", "y")]], [(4, "n1")]),  # a new one twice in a block
        ([[("s1", "v1")], [("s2", "v2"), ("s1", "w")]], [(4, "s1")]),  # an old one again, later
        ([[("n1", "x")], [("s2", "v2"), ("n1", "x")]], [(4, "n1")]),  # a new one again, later
        ([[("s5", "v5")], [("s5", "v5")]], [(3, "s5")]),  # a revived one again
    ],
)
def test_a_repeated_source_id_leaves_the_block_to_sync_add(
    blocks: list[list[tuple[str, str]]], repeated: list[tuple[int, str]]
) -> None:
    sync = Sync(base_state(), "merge")
    first_line = 2
    steps = []
    for pairs in blocks:
        data = b"".join(line(s, digest(v)) + b"\n" for s, v in pairs)
        before = (bytes(sync.seen), len(sync.changes))
        failures, step = sync.add_lines(data, first_line, 512)
        assert failures == []
        if step is not None:
            steps.append(step)
            assert step.duplicates
        else:
            assert (bytes(sync.seen), len(sync.changes)) != before  # classified
        first_line += len(pairs)
    assert len(steps) == 1
    assert [(e.position, e.source_id) for e in steps[0].duplicates] == repeated


def test_the_state_must_be_whole() -> None:
    state = base_state()
    with pytest.raises(ValueError, match="one entry for each of the 200"):
        groundset_core.classify_manifest(
            line("s1", digest("v1")),
            first_line=1,
            keys=list(state.positions)[:-1],
            positions=state.positions,
            hashes=state.hashes,
            deleted=state.deleted,
            seen=bytearray(200),
            needed={},
        )


def test_sync_keeping_source_ids_is_refused() -> None:
    with pytest.raises(ValueError, match="keeps no source ids"):
        Sync(base_state(), "merge", keep_source_ids=True).add_lines(b"", 1, 512)


def test_plan_answers_as_its_json_body(small_blocks: TestClient) -> None:  # noqa: F811
    items = [example(f"s{n}", {"q": n}) for n in range(300)]
    created = small_blocks.post(
        "/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "mode": "mirror", "examples": items}
    )
    assert created.status_code == 200, created.text
    manifest = [(x["source_id"], x["content_hash"]) for x in items[:250]]
    manifest[3] = ("s3", digest("changed"))
    manifest[200:210] = [(f"new-{n}", digest(f"n{n}")) for n in range(10)]
    manifest[100:150] = manifest[149:99:-1]
    header = {"dataset": {"name": "qa"}, "mode": "mirror", "max_deletes": 100}
    lines = [orjson.dumps(header), *(line(s, h) for s, h in manifest)]
    ndjson = small_blocks.post("/v1/datasets/upsert/plan", content=b"\n".join(lines), headers=NDJSON)
    examples = [{"source_id": s, "content_hash": h} for s, h in manifest]
    json = small_blocks.post("/v1/datasets/upsert/plan", json={**header, "examples": examples})
    assert ndjson.status_code == json.status_code == 200, ndjson.text
    by_lines, by_json = ndjson.json(), json.json()
    assert by_lines.pop("plan_id") and by_json.pop("plan_id")
    assert by_lines == by_json
    assert (by_lines["created"], by_lines["updated"], by_lines["deleted"]) == (10, 1, 60)
    # Every bad line of the streamed body named at once, with its line, across the blocks.
    bad = [*lines[:40], BAD[0][0], *lines[40:200], BAD[2][0], *lines[200:], BAD[8][0]]
    refused = small_blocks.post("/v1/datasets/upsert/plan", content=b"\n".join(bad), headers=NDJSON)
    assert refused.status_code == 422, refused.text
    assert [(e["line"], e["code"]) for e in refused.json()["errors"]] == [
        (41, "invalid_content_hash"),
        (202, "invalid_source_id"),
        (len(bad), "unknown_field"),
    ]
    # A source id again in a later block: refused, the line named.
    again = [*lines, line("s7", manifest[7][1])]
    duplicate = small_blocks.post("/v1/datasets/upsert/plan", content=b"\n".join(again), headers=NDJSON)
    assert duplicate.status_code == 422 and duplicate.json()["code"] == "duplicate_source_id"
    assert [(e["line"], e["source_id"]) for e in duplicate.json()["errors"]] == [(len(again), "s7")]


def test_the_digest_with_an_earlier_order_is_the_digest() -> None:
    """``manifest_digest_ordered`` gives ``manifest_digest_packed``'s digest, with or without the
    order kept from an earlier state of fewer source ids (the next version's merge)."""
    state = base_state()
    first, order = groundset_core.manifest_digest_ordered(list(state), state.hashes, state.deleted)
    assert first == groundset_core.manifest_digest_packed(list(state), state.hashes, state.deleted)
    assert sorted(order[i : i + 4] for i in range(0, len(order), 4)) == sorted(
        n.to_bytes(4, "little") for n in range(200)
    )
    # More source ids after the earlier ones, some ordering before them in UTF-16 (U+E000 after
    # U+1F600's surrogates), one revived and one deleted: the same digest as a full sort.
    for source_id in ["\ue000", "\U0001f600", "a", "s1x", "0"]:
        state.put(source_id, 1, digest(source_id), False)
    state.put("s5", 1005, digest("back"), False)
    state.put("s7", 1007, None, True)
    expected = groundset_core.manifest_digest_packed(list(state), state.hashes, state.deleted)
    again, longer = groundset_core.manifest_digest_ordered(list(state), state.hashes, state.deleted, order)
    assert again == expected != first and len(longer) == 4 * 205
    assert (
        groundset_core.manifest_digest_ordered(list(state), state.hashes, state.deleted, longer)[0]
        == expected
    )


@pytest.mark.parametrize(
    "order",
    [b"\x00\x00\x00", (0).to_bytes(4, "little") * 2, (9).to_bytes(4, "little"), bytes(4 * 201)],
)
def test_an_order_that_is_no_earlier_order_is_refused(order: bytes) -> None:
    state = base_state()
    with pytest.raises(ValueError, match="not an earlier order"):
        groundset_core.manifest_digest_ordered(list(state), state.hashes, state.deleted, order)


def test_the_snapshot_keeps_the_order_for_the_next_version(client: TestClient) -> None:
    """An upsert's answer carries the new version's digest, computed with the order kept from the
    last one; it is the version's digest all the same (a re-sync of it is a no-op by digest)."""
    items = [example(f"s{n}", {"q": n}) for n in range(50)]
    body = {"dataset": {"name": "qa"}, "mode": "mirror", "examples": items}
    assert client.post("/v1/datasets/upsert", json=body).status_code == 200
    items[3] = example("s3", {"q": "changed"})
    items += [example("\u00e9", {}), example("A", {})]
    second = client.post("/v1/datasets/upsert", json={**body, "examples": items}).json()
    pairs = [(x["source_id"], x["content_hash"]) for x in items]
    assert second["digest"] == groundset_core.manifest_digest(pairs)
    noop = client.post(
        "/v1/datasets/upsert", json={**body, "examples": [], "manifest_digest": second["digest"]}
    )
    assert noop.status_code == 422  # the digest goes alone, without `examples`
    del body["examples"]
    assert client.post("/v1/datasets/upsert", json={**body, "manifest_digest": second["digest"]}).json()[
        "noop"
    ]
