"""The mirror guard from the Python side: ``allow_empty`` / ``max_deletes`` of ``upsert_dataset``
and ``--allow-empty`` / ``--max-delete`` of ``groundset upsert``, against the session's server.
Case 11 (a mirror from an empty or header-only file) is run on its own inputs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

import groundset
from conftest import ServerProcess
from groundset import _upsert
from groundset.cli import app
from support import typical_examples
from test_upsert import Recorder

CASE = Path(__file__).resolve().parents[2] / "fixtures" / "cases" / "11-mirror-empty-file"
ROWS = [{"id": f"r{i}", "input": {"q": i}} for i in range(3)]


def mirror(server: ServerProcess, name: str, file: Path, *flags: str) -> Any:
    """``groundset upsert FILE --mode mirror --json FLAGS`` against ``server``."""
    command = ["upsert", str(file), "--dataset", name, "--id-key", "id", "--mode", "mirror", "--json", *flags]
    return CliRunner().invoke(app, ["--base-url", server.base_url, *command])


def versions(client: groundset.Client, name: str) -> list[tuple[int, int]]:
    return [(v.example_count, v.deleted) for v in client.list_versions(name=name)]


@pytest.mark.parametrize("empty", ["evalset-truncated.jsonl", "header-only.csv"])
def test_case_11_an_empty_file_does_not_wipe_the_dataset(
    server: ServerProcess, client: groundset.Client, unique_name: str, empty: str
) -> None:
    synced = mirror(server, unique_name, CASE / "evalset.jsonl")
    assert synced.exit_code == 0, synced.output
    assert json.loads(synced.stdout)["created"] == 3

    for flags in [(), ("--dry-run",)]:
        refused = mirror(server, unique_name, CASE / empty, *flags)
        assert refused.exit_code == 1, refused.output
        # --json: the refusal is a JSON object on stdout too, for a script that reads only stdout.
        problem = json.loads(refused.stdout)["error"]
        assert problem["code"] == "mirror_would_empty" and problem["status"] == 409
        assert problem["problem"]["deleted"] == 3 and "--allow-empty" in problem["detail"]
        message = " ".join(refused.stderr.split())
        assert "mirror_would_empty" in message and "would delete all 3 examples" in message
        assert "q1, q2, q3" in message and "--allow-empty" in message and str(CASE / empty) in message
    assert versions(client, unique_name) == [(3, 0)]
    assert len(client.get_dataset(name=unique_name)) == 3

    emptied = mirror(server, unique_name, CASE / empty, "--allow-empty")
    assert emptied.exit_code == 0, emptied.output
    assert json.loads(emptied.stdout)["deleted"] == 3
    assert versions(client, unique_name) == [(0, 3), (3, 0)]
    # The dataset is empty now: nothing left to wipe, so the same mirror is a no-op, not a refusal.
    again = mirror(server, unique_name, CASE / empty)
    assert again.exit_code == 0 and json.loads(again.stdout)["noop"] is True


def test_cli_max_delete(server: ServerProcess, client: groundset.Client, unique_name: str, tmp_path: Path) -> None:
    assert mirror(server, unique_name, CASE / "evalset.jsonl").exit_code == 0
    one = tmp_path / "one.jsonl"
    one.write_text((CASE / "evalset.jsonl").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")

    refused = mirror(server, unique_name, one, "--max-delete", "1")
    assert refused.exit_code == 1, refused.output
    message = " ".join(refused.stderr.split())
    assert "max_deletes_exceeded" in message and "would delete 2 examples (q2, q3)" in message
    assert "--max-delete 1" in message
    assert versions(client, unique_name) == [(3, 0)]

    assert mirror(server, unique_name, one, "--max-delete", "-1").exit_code == 2
    allowed = mirror(server, unique_name, one, "--max-delete", "2")
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.stdout)["deleted"] == 2


def test_sdk_raises_conflict_errors_with_their_codes(client: groundset.Client, unique_name: str) -> None:
    client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")
    with pytest.raises(groundset.ConflictError) as empty:
        client.upsert_dataset(name=unique_name, examples=[], mode="mirror")
    assert empty.value.code == "mirror_would_empty" and empty.value.status == 409
    assert empty.value.problem["deleted"] == 3 and empty.value.problem["example_count"] == 3
    # In Python's words, not the REST body's (`allow_empty: true`).
    assert "Pass allow_empty=True if that is meant" in str(empty.value) and "allow_empty: true" not in str(empty.value)

    with pytest.raises(groundset.ConflictError) as bounded:
        client.upsert_dataset(name=unique_name, examples=ROWS[:1], source_id_key="id", mode="mirror", max_deletes=1)
    assert bounded.value.code == "max_deletes_exceeded"
    assert (bounded.value.problem["deleted"], bounded.value.problem["max_deletes"]) == (2, 1)
    assert sorted(bounded.value.problem["source_ids"]) == ["r1", "r2"]
    assert "more than max_deletes=1" in str(bounded.value) and "Raise max_deletes" in str(bounded.value)

    dry = client.upsert_dataset(name=unique_name, examples=[], mode="mirror", dry_run=True, allow_empty=True)
    assert dry.dry_run and dry.deleted == 3
    assert len(client.list_versions(name=unique_name)) == 1
    done = client.upsert_dataset(name=unique_name, examples=ROWS[:1], source_id_key="id", mode="mirror", max_deletes=2)
    assert done.deleted == 2
    # Merge never deletes: the mirror's options are refused with it rather than ignored.
    for guard in ({"max_deletes": 0}, {"allow_empty": True}):
        with pytest.raises(ValueError, match="mode='mirror' only"):
            client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id", **guard)


def test_a_refused_plan_stops_a_large_sync_before_any_upload(server: ServerProcess, unique_name: str) -> None:
    rows = typical_examples(_upsert.PLAN_THRESHOLD + 200)
    recorder = Recorder()
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=recorder)) as client:
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", progress=False)
        recorder.sent.clear()
        kept = rows[:-150]
        with pytest.raises(groundset.ConflictError) as refused:
            client.upsert_dataset(
                name=unique_name, examples=kept, source_id_key="id", mode="mirror", max_deletes=100, progress=False
            )
        assert refused.value.code == "max_deletes_exceeded" and refused.value.problem["deleted"] == 150
        # The digest differs, then one plan, no upsert, no second plan: the refusal is not taken
        # for a moved dataset.
        assert [path for _, path, _, _ in recorder.sent] == ["/v1/datasets/upsert", "/v1/datasets/upsert/plan"]
        plan_header = json.loads(recorder.sent[1][3].splitlines()[0])
        assert plan_header == {"dataset": {"name": unique_name}, "mode": "mirror", "max_deletes": 100}

        recorder.sent.clear()
        done = client.upsert_dataset(
            name=unique_name, examples=kept, source_id_key="id", mode="mirror", max_deletes=150, progress=False
        )
        assert done.deleted == 150
        assert [path for _, path, _, _ in recorder.sent][-1] == "/v1/datasets/upsert"
        upsert_header = json.loads(recorder.sent[-1][3].splitlines()[0])
        assert upsert_header["max_deletes"] == 150 and "allow_empty" not in upsert_header


def test_the_async_client_takes_the_same_keywords(server: ServerProcess, unique_name: str) -> None:
    async def scenario() -> tuple[str, int]:
        async with groundset.AsyncClient(base_url=server.base_url) as client:
            await client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")
            try:
                await client.upsert_dataset(name=unique_name, examples=[], mode="mirror")
            except groundset.ConflictError as error:
                code = error.code
            emptied = await client.upsert_dataset(name=unique_name, examples=[], mode="mirror", allow_empty=True)
            return code, emptied.deleted

    assert asyncio.run(scenario()) == ("mirror_would_empty", 3)


@pytest.mark.parametrize(
    ("keywords", "error"),
    [
        ({"max_deletes": -1}, ValueError),
        ({"max_deletes": True}, TypeError),
        ({"max_deletes": 2.0}, TypeError),
        ({"allow_empty": "yes"}, TypeError),
        ({"allow_empty": None}, TypeError),
    ],
)
def test_bad_guard_arguments_are_refused_before_any_request(
    server: ServerProcess, keywords: dict[str, Any], error: type[Exception]
) -> None:
    recorder = Recorder()
    with (
        groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=recorder)) as client,
        pytest.raises(error, match=r"allow_empty=|max_deletes="),
    ):
        client.upsert_dataset(name="never", examples=ROWS, mode="mirror", **keywords)
    assert recorder.sent == []
