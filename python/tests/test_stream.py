"""The streamed NDJSON bodies of a large sync (groundset._stream): byte for byte the lines the
core's ``canonicalize`` writes for each example, in bounded blocks, for examples given as Python
values and read from files; and a planned sync of awkward source ids against a real server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from groundset_core import canonicalize

import groundset
from conftest import ServerProcess
from groundset import _stream
from groundset._upsert import Prepared, UpsertArgs
from test_upsert import Recorder

AWKWARD_IDS = [
    'quote " in it',
    "back\\slash",
    "tab\tnew\nline",
    "control \x01 and \x1f",
    "del \x7f",
    "non-ASCII é ß 漢字",
    "emoji 🎉",
    "line separator \u2028",
    "</script>",
]


def args_of(**given: Any) -> UpsertArgs:
    """The checked arguments of ``upsert_dataset(**given)`` (defaults as the method has them)."""
    defaults: dict[str, Any] = {name: None for name in UpsertArgs.__dataclass_fields__}
    defaults.update(mode="merge", dry_run=False, allow_empty=False, move_tag=False, validate=True, progress=False)
    return UpsertArgs.from_call({**defaults, **given})


def records(count: int, ids: list[str] | None = None) -> list[dict[str, Any]]:
    ids = ids or []
    return [
        {
            "id": ids[i] if i < len(ids) else f"row-{i}",
            "input": {"q": f"question {i}", "nested": [{"content_hash": "x"}, {"a": i / 3}]},
            "output": {"a": "é" * (i % 3)},
            "metadata": {"n": i},
        }
        for i in range(count)
    ]


def old_line(prepared: Prepared, index: int, with_content: bool) -> bytes:
    """The line the SDK wrote before the bodies were streamed: the core's canonical JSON of the
    entry, with its content as Python values or as the file's canonical texts."""
    if not with_content:
        return canonicalize({"source_id": prepared.source_ids[index], "content_hash": prepared.hashes[index]})
    if prepared.texts is None:
        return canonicalize(prepared.entry(index, True))
    _line, _index, source_id, content_hash, input, output, metadata = prepared.texts[index]
    assert input is not None and output is not None and metadata is not None  # with_content=True
    content = {"input": json.loads(input), "output": json.loads(output), "metadata": json.loads(metadata)}
    return canonicalize({"source_id": source_id, "content_hash": content_hash, **content})


def old_body(header: dict[str, Any], prepared: Prepared, needed: set[str] | None) -> bytes:
    lines = [canonicalize(header)]
    for index, source_id in enumerate(prepared.source_ids):
        lines.append(old_line(prepared, index, needed is not None and source_id in needed))
    return b"\n".join(lines) + b"\n"


def blocks_of(body: _stream.Body) -> list[bytes]:
    return list(body())


@pytest.mark.parametrize("ids", [[], AWKWARD_IDS[:1], AWKWARD_IDS], ids=["plain", "one-quote", "awkward"])
def test_bare_block_is_the_cores_canonical_json_of_each_line(ids: list[str]) -> None:
    source_ids = [*ids, "plain-1", "plain-2"]
    hashes = [f"{i:064x}" for i in range(len(source_ids))]
    expected = b"".join(
        canonicalize({"source_id": s, "content_hash": h}) + b"\n" for s, h in zip(source_ids, hashes, strict=True)
    )
    assert _stream.bare_block(source_ids, hashes) == expected
    assert [json.loads(line)["source_id"] for line in expected.splitlines()] == source_ids


@pytest.mark.parametrize("needed_every", [None, 1, 7, 2_001], ids=["plan", "all", "some", "few"])
def test_python_values_stream_the_bytes_they_were_sent_as_before(needed_every: int | None) -> None:
    count = 2 * _stream.LINES_PER_BLOCK + 17
    prepared = args_of(name="d", examples=records(count, AWKWARD_IDS), source_id_key="id").prepare()
    header = {"dataset": {"name": "d"}, "mode": "merge"}
    if needed_every is None:
        body = prepared.plan_body()
        needed = None
    else:
        needed = {s for i, s in enumerate(prepared.source_ids) if i % needed_every == 0}
        body = prepared.ndjson(header, needed)
    blocks = blocks_of(body)
    assert b"".join(blocks) == old_body(header, prepared, needed)
    # Bounded: the header, then a block per LINES_PER_BLOCK examples; anew on every call (a retry).
    assert [block.count(b"\n") for block in blocks] == [1, 2_000, 2_000, 17]
    assert blocks_of(body) == blocks


def test_a_files_canonical_texts_stream_the_bytes_they_were_sent_as_before(tmp_path: Path) -> None:
    path = tmp_path / "examples.jsonl"
    rows = records(_stream.LINES_PER_BLOCK + 5, AWKWARD_IDS)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    prepared = args_of(name="d", path=path, source_id_key="id").prepare()
    assert prepared.source_ids[: len(AWKWARD_IDS)] == AWKWARD_IDS
    header = {"dataset": {"name": "d"}, "mode": "mirror"}
    for needed in (set(prepared.source_ids), set(AWKWARD_IDS[::2]), set()):
        assert b"".join(blocks_of(prepared.ndjson(header, needed))) == old_body(header, prepared, needed)
    plan_header = {"dataset": {"name": "d"}, "mode": "merge"}
    assert b"".join(blocks_of(prepared.plan_body())) == old_body(plan_header, prepared, None)


def test_a_planned_sync_of_awkward_ids_against_the_server(server: ServerProcess, unique_name: str) -> None:
    rows = records(3_000, AWKWARD_IDS)
    recorder = Recorder()
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=recorder)) as client:
        assert client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id").created == 3_000
        rows[0] = {**rows[0], "output": {"a": "edited"}}
        rows[5] = {**rows[5], "output": {"a": "edited too"}}
        recorder.sent.clear()
        second = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
        assert (second.updated, second.unchanged, second.created) == (2, 2_998, 0)
        paths = [path for _, path, _, _ in recorder.sent]
        assert paths == ["/v1/datasets/upsert", "/v1/datasets/upsert/plan", "/v1/datasets/upsert"]
        sent = [json.loads(line) for line in recorder.sent[2][3].splitlines()[1:]]
        assert [line["source_id"] for line in sent if "input" in line] == [AWKWARD_IDS[0], AWKWARD_IDS[5]]
        held = {example.source_id: example.output for example in client.get_dataset(name=unique_name).examples}
        assert held[AWKWARD_IDS[0]] == {"a": "edited"} and held[AWKWARD_IDS[5]] == {"a": "edited too"}
        assert set(held) == {row["id"] for row in rows}


class BusyOnce(Recorder):
    """The real transport, but the first NDJSON request to ``path`` is answered 503
    (Retry-After: 0) after its body was read whole, as a busy server would."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.refused: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        ndjson = request.headers.get("content-type") == "application/x-ndjson"
        if request.url.path == self.path and ndjson and not self.refused:
            self.refused.append(request.read())
            return httpx.Response(503, headers={"retry-after": "0"}, json={"title": "busy"})
        return super().handle_request(request)


@pytest.mark.parametrize("path", ["/v1/datasets/upsert/plan", "/v1/datasets/upsert"])
def test_a_retried_body_is_streamed_again_whole(server: ServerProcess, unique_name: str, path: str) -> None:
    rows = records(3_000)
    with groundset.Client(base_url=server.base_url) as client:
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    rows[7] = {**rows[7], "output": {"a": "edited"}}
    busy = BusyOnce(path)
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=busy), max_retries=1) as client:
        result = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    assert (result.updated, result.unchanged) == (1, 2_999)
    # The refused attempt and the retry sent the same bytes: the body's blocks were made anew.
    retried = [body for _, sent_path, _, body in busy.sent if sent_path == path][-1]
    # The plan: every pair; the upsert by its plan_id: the one needed example.
    assert busy.refused == [retried] and retried.count(b"\n") == (3_001 if path.endswith("/plan") else 2)
