"""upsert_dataset against a real server: flows, identity modes, record shapes, dry runs, no-ops,
and the plan path, checked on what was actually sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pandas
import pytest

import groundset
from conftest import ServerProcess
from groundset import _upsert
from support import typical_examples

QA = [
    {"id": "a", "question": "2+2?", "answer": "4", "topic": "math"},
    {"id": "b", "question": "capital of France?", "answer": "Paris", "topic": "geo"},
    {"id": "c", "question": "H2O is?", "answer": "water", "topic": "chem"},
]
FLAT: dict[str, Any] = {
    "source_id_key": "id",
    "input_keys": ["question"],
    "output_keys": ["answer"],
    "metadata_keys": ["topic"],
}


class Recorder(httpx.BaseTransport):
    """The real transport, keeping every request it sends (method, path, content type, body)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[tuple[str, str, str, bytes]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        self.sent.append((request.method, request.url.path, request.headers.get("content-type", ""), body))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def structured(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "input": {"question": r["question"]}, "output": {"answer": r["answer"]}} for r in rows]


def test_create_evolve_and_reupsert_in_merge_mode(client: groundset.Client, unique_name: str) -> None:
    first = client.upsert_dataset(name=unique_name, examples=QA, **FLAT)
    assert (first.created, first.updated, first.unchanged, first.deleted) == (3, 0, 0, 0)
    assert first.previous_version_id is None and first.version_id is not None and not first.noop
    assert first.dataset_name == unique_name and first.dataset_id is not None
    # The server's name filter: the one dataset of that name, or none (never NotFoundError).
    assert [(info.id, info.name) for info in client.list_datasets(name=unique_name)] == [
        (first.dataset_id, unique_name)
    ]
    assert client.list_datasets(name=unique_name + "-none") == []

    evolved = [{**QA[0], "answer": "four"}, {"id": "d", "question": "1+1?", "answer": "2", "topic": "math"}]
    second = client.upsert_dataset(name=unique_name, examples=evolved, **FLAT)
    assert (second.created, second.updated, second.unchanged, second.deleted) == (1, 1, 0, 0)
    assert second.previous_version_id == first.version_id and second.version_id != first.version_id

    dataset = client.get_dataset(name=unique_name)
    assert len(dataset) == 4 and dataset.version_id == second.version_id and dataset.digest == second.digest
    by_id = {example.source_id: example for example in dataset}
    assert by_id["a"].output == {"answer": "four"} and by_id["b"].input == {"question": "capital of France?"}
    assert by_id["a"].metadata == {"topic": "math"}
    assert by_id["a"].content_hash == groundset.example_hash(
        {"question": "2+2?"}, {"answer": "four"}, {"topic": "math"}
    )

    again = client.upsert_dataset(dataset_id=first.dataset_id, examples=evolved, **FLAT)
    assert again.noop and again.version_id == second.version_id and again.digest == second.digest
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)

    old = client.get_dataset(name=unique_name, version_id=first.version_id)
    assert sorted(e.source_id for e in old) == ["a", "b", "c"] and old.digest == first.digest


def test_mirror_mode_deletes_what_is_not_given(client: groundset.Client, unique_name: str) -> None:
    rows = structured(QA)
    first = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", mode="mirror")
    changed = [rows[0], {**rows[1], "output": {"answer": "Paris, France"}}]
    second = client.upsert_dataset(name=unique_name, examples=changed, source_id_key="id", mode="mirror")
    assert (second.created, second.updated, second.unchanged, second.deleted) == (0, 1, 1, 1)
    expected = groundset.manifest_digest([(r["id"], groundset.example_hash(r["input"], r["output"])) for r in changed])
    assert second.digest == expected
    diff = client.diff_versions(
        name=unique_name, from_version_id=str(first.version_id), to_version_id=str(second.version_id)
    )
    assert (diff.created, diff.updated, diff.deleted) == ([], ["b"], ["c"])
    assert [v.id for v in client.list_versions(name=unique_name)] == [second.version_id, first.version_id]


def test_content_identity_turns_an_edit_into_delete_and_create(client: groundset.Client, unique_name: str) -> None:
    rows = [{"input": row["input"], "output": row["output"]} for row in structured(QA)]
    client.upsert_dataset(name=unique_name, examples=[*rows, rows[0]], mode="mirror")
    dataset = client.get_dataset(name=unique_name)
    assert len(dataset) == 3  # the repeated example is one example
    assert all(example.source_id == example.content_hash for example in dataset)
    edited = [{**rows[0], "output": {"answer": "four"}}, *rows[1:]]
    result = client.upsert_dataset(name=unique_name, examples=edited, mode="mirror")
    assert (result.created, result.updated, result.unchanged, result.deleted) == (1, 0, 2, 1)


def test_source_id_function_for_composite_keys(client: groundset.Client, unique_name: str) -> None:
    rows = [{"lang": lang, "n": n, "input": {"text": f"{lang}{n}"}} for lang in ("en", "fr") for n in (1, 2)]
    result = client.upsert_dataset(name=unique_name, examples=rows, source_id=lambda r: f"{r['lang']}/{r['n']}")
    assert result.created == 4
    assert sorted(e.source_id for e in client.get_dataset(name=unique_name)) == ["en/1", "en/2", "fr/1", "fr/2"]


def test_integer_ids_and_input_defaulting_to_the_other_keys(client: groundset.Client, unique_name: str) -> None:
    rows = [{"id": 7, "question": "q", "context": "c", "answer": "a"}]
    client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", output_keys=["answer"])
    (example,) = client.get_dataset(name=unique_name).examples
    assert (example.source_id, example.input, example.output) == (
        "7",
        {"question": "q", "context": "c"},
        {"answer": "a"},
    )


def test_dataframe_with_numpy_values_and_missing_ones(client: groundset.Client, unique_name: str) -> None:
    frame = pandas.DataFrame(
        {"id": [1, 2], "question": ["a", "b"], "score": [0.5, float("nan")], "count": pandas.array([3, None])}
    )
    result = client.upsert_dataset(
        name=unique_name, dataframe=frame, source_id_key="id", input_keys=["question"], metadata_keys=["score", "count"]
    )
    assert result.created == 2
    by_id = {e.source_id: e for e in client.get_dataset(name=unique_name)}
    assert by_id["1"].metadata == {"score": 0.5, "count": 3}
    assert by_id["2"].metadata == {"score": None, "count": None}
    same = client.upsert_dataset(
        name=unique_name, dataframe=frame, source_id_key="id", input_keys=["question"], metadata_keys=["score", "count"]
    )
    assert same.noop
    assert list(client.get_dataset(name=unique_name).to_pandas().columns) == [
        "id", "source_id", "content_hash", "input", "output", "metadata",
    ]  # fmt: skip


def test_dataframe_without_key_options_is_flat(client: groundset.Client, unique_name: str) -> None:
    """A DataFrame of plain columns is a table: its input is every column but the id key; a
    frame of ``input``/``output`` columns holds structured records."""
    frame = pandas.DataFrame({"id": ["a", "b"], "question": ["q1", "q2"], "context": ["c1", "c2"]})
    assert client.upsert_dataset(name=unique_name, dataframe=frame, source_id_key="id").created == 2
    by_id = {e.source_id: e for e in client.get_dataset(name=unique_name)}
    assert (by_id["a"].input, by_id["a"].output) == ({"question": "q1", "context": "c1"}, {})
    structured = pandas.DataFrame({"id": ["a"], "input": [{"question": "q1", "context": "c1"}]})
    assert client.upsert_dataset(name=unique_name, dataframe=structured, source_id_key="id").noop
    with pytest.raises(TypeError, match="examples= got a pandas DataFrame; pass it as dataframe="):
        client.upsert_dataset(name=unique_name, examples=frame, source_id_key="id")


def test_dry_run_writes_nothing_and_lists_each_class(client: groundset.Client, unique_name: str) -> None:
    preview = client.upsert_dataset(name=unique_name, examples=QA, dry_run=True, **FLAT)
    assert preview.dry_run and preview.dataset_id is None and preview.version_id is None
    assert sorted(preview.created_source_ids or []) == ["a", "b", "c"]
    assert unique_name not in [info.name for info in client.list_datasets()]

    first = client.upsert_dataset(name=unique_name, examples=QA, **FLAT)
    changed = [{**QA[0], "answer": "four"}, QA[1]]
    preview = client.upsert_dataset(name=unique_name, examples=changed, mode="mirror", dry_run=True, **FLAT)
    assert (preview.updated_source_ids, preview.unchanged_source_ids, preview.deleted_source_ids) == (
        ["a"],
        ["b"],
        ["c"],
    )
    assert client.get_dataset(name=unique_name).version_id == first.version_id
    assert len(client.list_versions(name=unique_name)) == 1


def test_dataset_and_version_descriptions(client: groundset.Client, unique_name: str) -> None:
    client.upsert_dataset(
        name=unique_name,
        examples=QA,
        description="arithmetic and more",
        metadata={"owner": "evals"},
        version_description="first cut",
        version_metadata={"commit": "abc123"},
        **FLAT,
    )
    dataset = client.get_dataset(name=unique_name)
    assert (dataset.description, dataset.metadata) == ("arithmetic and more", {"owner": "evals"})
    (version,) = client.list_versions(name=unique_name)
    assert (version.description, version.metadata, version.example_count) == ("first cut", {"commit": "abc123"}, 3)


def test_expected_version_id_guards_against_a_concurrent_change(client: groundset.Client, unique_name: str) -> None:
    first = client.upsert_dataset(name=unique_name, examples=QA, **FLAT)
    client.upsert_dataset(name=unique_name, examples=[{**QA[0], "answer": "four"}], **FLAT)
    with pytest.raises(groundset.ConflictError) as caught:
        client.upsert_dataset(name=unique_name, examples=QA, expected_version_id=first.version_id, **FLAT)
    assert caught.value.code == "version_conflict" and caught.value.status == 409


def test_a_large_sync_plans_and_sends_only_changed_content(server: ServerProcess, unique_name: str) -> None:
    rows = typical_examples(50_000)
    recorder = Recorder()
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=recorder)) as client:
        first = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", progress=False)
        assert first.created == 50_000
        # A new dataset needs every content: the digest is refused (digest_differs, no dataset),
        # then no plan, one NDJSON request with all of it.
        assert [(m, p) for m, p, _, _ in recorder.sent] == [("POST", "/v1/datasets/upsert")] * 2
        initial_size = len(recorder.sent[1][3])
        recorder.sent.clear()

        changed = {3, 4_999, 49_999}
        for index in changed:
            rows[index] = {**rows[index], "output": {"answer": f"edited {index}"}}
        second = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", progress=False)
        assert (second.updated, second.unchanged, second.created) == (3, 49_997, 0)

    paths = [(m, p) for m, p, _, _ in recorder.sent]
    assert paths == [
        ("POST", "/v1/datasets/upsert"),
        ("POST", "/v1/datasets/upsert/plan"),
        ("POST", "/v1/datasets/upsert"),
    ]
    plan_header, *manifest = [json.loads(line) for line in recorder.sent[1][3].splitlines()]
    assert plan_header == {"dataset": {"name": unique_name}, "mode": "merge"}
    assert len(manifest) == 50_000 and all(set(entry) == {"source_id", "content_hash"} for entry in manifest)
    _, _, content_type, body = recorder.sent[2]
    assert content_type == "application/x-ndjson"
    header, *lines = [json.loads(line) for line in body.splitlines()]
    # No guard of the plan's version: the server takes content it holds by hash, whatever moved.
    assert "expected_version_id" not in header and "examples" not in header
    # Only the three changed examples, with content: the server holds the rest under plan_id.
    assert isinstance(header["plan_id"], str)
    assert sorted(line["source_id"] for line in lines) == sorted(f"ex-{i}" for i in changed)
    assert all("input" in line for line in lines)
    assert len(body) < initial_size / 1000

    # Unchanged: the manifest's digest is the latest version's, so the one request is the no-op.
    recorder.sent.clear()
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=recorder)) as client:
        third = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", progress=False)
        assert [p for _, p, _, _ in recorder.sent] == ["/v1/datasets/upsert"]
        assert json.loads(recorder.sent[0][3]) == {
            "dataset": {"name": unique_name},
            "dry_run": False,
            "manifest_digest": second.digest,
            "mode": "merge",
        }
        assert (third.noop, third.version_id, third.digest) == (True, second.version_id, second.digest)
        assert (third.unchanged, third.created, third.updated, third.deleted) == (50_000, 0, 0, 0)
        # A description to set goes in that one request too.
        recorder.sent.clear()
        described = client.upsert_dataset(
            name=unique_name, examples=rows, source_id_key="id", description="qa set", progress=False
        )
        assert described.noop and [p for _, p, _, _ in recorder.sent] == ["/v1/datasets/upsert"]
        assert client.get_dataset(name=unique_name).description == "qa set"
        assert client.get_dataset(name=unique_name).digest == second.digest


def test_small_sync_is_one_request(server: ServerProcess, unique_name: str) -> None:
    recorder = Recorder()
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=recorder)) as client:
        client.upsert_dataset(name=unique_name, examples=QA, **FLAT)
    ((method, path, content_type, body),) = recorder.sent
    assert (method, path, content_type) == ("POST", "/v1/datasets/upsert", "application/json")
    assert len(json.loads(body)["examples"]) == 3 and len(QA) <= _upsert.PLAN_THRESHOLD


def test_the_async_client(server: ServerProcess, unique_name: str) -> None:
    async def scenario() -> tuple[groundset.UpsertResult, groundset.UpsertResult, groundset.Dataset]:
        async with groundset.AsyncClient(base_url=server.base_url) as client:
            first = await client.upsert_dataset(name=unique_name, examples=QA, **FLAT)
            again = await client.upsert_dataset(name=unique_name, examples=QA, **FLAT)
            dataset = await client.get_dataset(dataset_id=str(first.dataset_id))
            assert [v.id for v in await client.list_versions(name=unique_name)] == [first.version_id]
            assert unique_name in [info.name for info in await client.list_datasets()]
            assert [info.id for info in await client.list_datasets(name=unique_name)] == [first.dataset_id]
            assert await client.list_datasets(name=unique_name + "-none") == []
            await client.delete_dataset(name=unique_name)
            with pytest.raises(groundset.NotFoundError):
                await client.get_dataset(name=unique_name)
            return first, again, dataset

    first, again, dataset = asyncio.run(scenario())
    assert first.created == 3 and again.noop and again.version_id == first.version_id
    assert len(dataset) == 3 and dataset.digest == first.digest


def test_the_async_client_streams_a_planned_sync(server: ServerProcess, unique_name: str) -> None:
    rows = typical_examples(_upsert.PLAN_THRESHOLD + 500)
    sent: list[tuple[str, str]] = []

    async def record(request: httpx.Request) -> None:
        sent.append((request.url.path, request.headers.get("content-type", "")))

    async def scenario() -> groundset.UpsertResult:
        async with (
            httpx.AsyncClient(event_hooks={"request": [record]}) as http,
            groundset.AsyncClient(base_url=server.base_url, http_client=http) as client,
        ):
            await client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
            edited = [{**rows[0], "output": {"answer": "edited"}}, *rows[1:]]
            return await client.upsert_dataset(name=unique_name, examples=edited, source_id_key="id")

    result = asyncio.run(scenario())
    assert (result.updated, result.unchanged) == (1, len(rows) - 1)
    assert sent[-2:] == [
        ("/v1/datasets/upsert/plan", "application/x-ndjson"),
        ("/v1/datasets/upsert", "application/x-ndjson"),
    ]


def test_progress_bars_only_when_asked_or_on_a_terminal(
    client: groundset.Client, unique_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = typical_examples(_upsert.PLAN_THRESHOLD + 10)
    client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    assert capsys.readouterr().err == ""  # stderr is not a terminal here
    client.upsert_dataset(name=unique_name, examples=rows[:-1], source_id_key="id", mode="mirror", progress=True)
    err = capsys.readouterr().err
    assert "hash:" in err and "upload:" in err and "ex/s" in err


def test_result_summary_and_repr(client: groundset.Client, unique_name: str) -> None:
    result = client.upsert_dataset(name=unique_name, examples=QA, **FLAT)
    assert result.summary() == (
        f"dataset {unique_name!r} ({result.dataset_id}): version {result.version_id} (new): "
        "3 created, 0 updated, 0 unchanged, 0 deleted"
    )
    assert repr(result).startswith("<UpsertResult dataset ") and result.digest[:12] in repr(result)
    again = client.upsert_dataset(name=unique_name, examples=QA, **FLAT)
    assert f"no change, still version {result.version_id}" in str(again)


class Interfering(Recorder):
    """The recorder, running ``interfere`` once just before the first upsert after a plan."""

    def __init__(self, interfere: Callable[[], object]) -> None:
        super().__init__()
        self.interfere: Callable[[], object] | None = interfere

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        planned = any(path.endswith("/upsert/plan") for _, path, _, _ in self.sent)
        interfere = self.interfere
        if interfere is not None and planned and request.url.path.endswith("/v1/datasets/upsert"):
            self.interfere = None
            interfere()
        return super().handle_request(request)


def test_a_sync_the_dataset_moves_under_takes_effect_without_a_second_plan(
    client: groundset.Client, server: ServerProcess, unique_name: str
) -> None:
    rows = typical_examples(1_500)
    client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", progress=False)
    edited = [{**rows[0], "output": {"answer": "someone else"}}]
    recorder = Interfering(lambda: client.upsert_dataset(name=unique_name, examples=edited, source_id_key="id"))
    rows[1] = {**rows[1], "output": {"answer": "mine"}}
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=recorder)) as racing:
        result = racing.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", progress=False)
    # Row 0 went without content and the server took it from the revision the plan saw: the
    # other writer's edit is undone, as this sync (the last writer) has it; no second plan.
    assert [p for _, p, _, _ in recorder.sent] == [
        "/v1/datasets/upsert",
        "/v1/datasets/upsert/plan",
        "/v1/datasets/upsert",
    ]
    assert (result.updated, result.unchanged) == (2, 1_498)
    assert client.get_dataset(name=unique_name).digest == result.digest


def test_a_dataset_made_again_after_the_plan_gets_the_content_it_lacks(
    client: groundset.Client, server: ServerProcess, unique_name: str
) -> None:
    rows = typical_examples(1_500)
    client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", progress=False)

    def remake() -> None:
        client.delete_dataset(name=unique_name)
        client.upsert_dataset(name=unique_name, examples=rows[:1], source_id_key="id")

    recorder = Interfering(remake)
    rows[1] = {**rows[1], "output": {"answer": "mine"}}
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=recorder)) as racing:
        result = racing.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", progress=False)
    # The first upsert is refused (stale_manifest, needed_source_ids: every hash the new dataset
    # lacks); the second carries their content, and row 0's still none.
    paths = [p for _, p, _, _ in recorder.sent]
    assert paths == ["/v1/datasets/upsert", "/v1/datasets/upsert/plan", "/v1/datasets/upsert", "/v1/datasets/upsert"]
    resent = [json.loads(line) for line in recorder.sent[3][3].splitlines()[1:]]
    assert [line["source_id"] for line in resent if "input" not in line] == [rows[0]["id"]]
    assert (result.created, result.unchanged) == (1_499, 1)
    assert client.get_dataset(name=unique_name).digest == result.digest
