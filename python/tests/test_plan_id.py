"""A large sync names its plan's `plan_id` (issue 19) and sends only the examples the plan needs;
when the server no longer holds the plan (409 `plan_expired`) the SDK sends the whole manifest
once, and the caller sees no error. Against real server processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import groundset
from conftest import ServerProcess
from test_noop_digest import PLAN, UPSERT, Session, rows
from test_upsert import Recorder

COUNT = 12_000


def ndjson_lines(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def one_percent(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "output": {"a": f"changed {i}"}} if i % 100 == 7 else row for i, row in enumerate(data)]


def test_a_one_percent_sync_sends_only_the_needed_lines(server: ServerProcess, unique_name: str) -> None:
    session = Session(server)
    data = rows(COUNT)
    session.sync(unique_name, data)
    changed = one_percent(data)
    changed.append({"id": "new", "input": {"q": "new"}})
    result = session.sync(unique_name, changed, mode="mirror")
    assert session.paths() == [UPSERT, PLAN, UPSERT]
    header, *lines = ndjson_lines(session.recorder.sent[2][3])
    edited = sorted(row["id"] for i, row in enumerate(changed) if i % 100 == 7 or row["id"] == "new")
    assert isinstance(header["plan_id"], str) and header["mode"] == "mirror"
    assert sorted(line["source_id"] for line in lines) == edited
    assert all("input" in line for line in lines)
    assert (result.created, result.updated, result.unchanged, result.deleted) == (
        1,
        COUNT // 100,
        COUNT - COUNT // 100,
        0,
    )
    digest = groundset.manifest_digest(
        (row["id"], groundset.example_hash(row["input"], row.get("output"), row.get("metadata"))) for row in changed
    )
    assert result.digest == digest == session.client.get_dataset(name=unique_name).digest
    # Nothing left to change: the digest alone says so.
    assert session.sync(unique_name, changed, mode="mirror").noop and session.paths() == [UPSERT]


@pytest.fixture(scope="module")
def forgetful_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server that keeps a plan for a millisecond: every plan_id has expired when it comes."""
    process = ServerProcess(tmp_path_factory.mktemp("forgetful"), env={"GROUNDSET_PLAN_TTL_SECONDS": "0.001"})
    process.start()
    yield process
    process.stop()


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_expired_plan_falls_back_to_the_whole_manifest(
    forgetful_server: ServerProcess, unique_name: str, dry_run: bool
) -> None:
    session = Session(forgetful_server)
    data = rows(COUNT)
    base = session.sync(unique_name, data)
    changed = one_percent(data)
    result = session.sync(unique_name, changed, dry_run=dry_run)
    assert session.paths() == [UPSERT, PLAN, UPSERT, UPSERT]
    planned, whole = ndjson_lines(session.recorder.sent[2][3]), ndjson_lines(session.recorder.sent[3][3])
    assert "plan_id" in planned[0] and "plan_id" not in whole[0]
    assert len(planned) == 1 + COUNT // 100 and len(whole) == 1 + COUNT
    assert sum("input" in line for line in whole) == COUNT // 100
    assert (result.updated, result.unchanged, result.dry_run) == (COUNT // 100, COUNT - COUNT // 100, dry_run)
    written = session.client.get_dataset(name=unique_name).digest
    assert (written == base.digest) is dry_run and (written == result.digest) is not dry_run


class Split(Recorder):
    """Plans go to another server process (as a load balancer could send them), the rest here."""

    def __init__(self, planner: ServerProcess) -> None:
        super().__init__()
        self.planner = planner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == PLAN:
            request.url = request.url.copy_with(port=self.planner.port)
        return super().handle_request(request)


def test_a_plan_of_another_server_process_is_expired_there(
    server: ServerProcess, tmp_path: Path, unique_name: str
) -> None:
    planner = ServerProcess(tmp_path, database_url=server.database_url)
    planner.start()
    try:
        session = Session(server, Split(planner))
        data = rows(COUNT)
        session.sync(unique_name, data)
        result = session.sync(unique_name, one_percent(data))
        assert session.paths() == [UPSERT, PLAN, UPSERT, UPSERT]
        assert "plan_id" in ndjson_lines(session.recorder.sent[2][3])[0]
        assert (result.updated, result.unchanged) == (COUNT // 100, COUNT - COUNT // 100)
        assert session.client.get_dataset(name=unique_name).digest == result.digest
    finally:
        planner.stop()
