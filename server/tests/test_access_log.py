"""The server's log lines, read from a real process's stderr on both databases: a client that
closes its streamed upload before the body's end (the Python SDK on a bad record found after the
first chunks left) is an info line with status 499, no 500 and no traceback, and nothing is
written; a path is logged as it was sent, percent-encoded, so a decoded newline cannot forge a
line."""

from __future__ import annotations

import re
from typing import Any

import groundset
import httpx
import pytest
from groundset import _upsert

from tests.conftest import Server

ROWS = 5_000


def rows() -> list[dict[str, Any]]:
    """``ROWS`` records whose last chunk repeats an id: found after four chunks were sent."""
    records: list[dict[str, Any]] = [
        {"id": f"r{i}", "input": {"q": i, "text": "x" * 400}} for i in range(ROWS)
    ]
    records[ROWS - 5]["id"] = "r7"
    return records


def log_of(server: Server) -> str:
    server.stop()
    assert server.process is not None and server.process.stderr is not None
    return server.process.stderr.read()


def test_an_upload_the_client_cut_off_is_logged_at_info(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The streamed path from a few thousand records, 1,000 a chunk (the SDK's real code).
    monkeypatch.setattr(_upsert, "STREAM_THRESHOLD", 3_000)
    monkeypatch.setattr(_upsert, "STREAM_CHUNK", 1_000)
    server = Server(database_url, args=["--log-level", "info"], capture_stderr=True).start()
    try:
        with groundset.Client(base_url=server.url) as client:
            with pytest.raises(groundset.ExampleError) as raised:
                client.upsert_dataset(name="cut", examples=rows(), source_id_key="id")
            assert "r7" in str(raised.value)
            assert client.list_datasets(name="cut") == []
    finally:
        log = log_of(server)
    logged = r"^\S+ \S+ INFO groundset_server request_id=\w+ POST /v1/datasets/upsert 499 "
    assert re.search(logged, log, re.M), log
    for alarm in ("ClientDisconnect", "Traceback", "ERROR", " 500 "):
        assert alarm not in log, log


def test_a_path_is_logged_escaped(database_url: str) -> None:
    server = Server(database_url, args=["--log-level", "info"], capture_stderr=True).start()
    try:
        answer = httpx.get(server.url + "/v1/datasets/unknown/tags/new%0Aforged%20line%C3%A9")
        assert answer.status_code in (404, 422), answer.text
    finally:
        log = log_of(server)
    lines = [line for line in log.splitlines() if "request_id=" in line and "/tags/" in line]
    assert len(lines) == 1, log
    assert "GET /v1/datasets/unknown/tags/new%0Aforged%20line%C3%A9 " in lines[0]
    assert not any(line.startswith("forged") for line in log.splitlines()), log
