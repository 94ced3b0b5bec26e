"""What the ``groundset`` CLI says when it is refused: a small sync the server checked says that
nothing was written (it was sent), a 10 MB value breaking the schema is not printed back whole,
a server out of reach is ``connection_error`` in ``--json``, and ``--format`` takes any case."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

import groundset
from conftest import ServerProcess, free_port

CLI = Path(sys.executable).parent / "groundset"
PATTERN = {"type": "object", "properties": {"x": {"type": "string", "pattern": "^(a+)+$"}}}


def test_a_small_sync_refused_by_the_server_says_nothing_was_written(
    client: groundset.Client, run: Any, unique_name: str, tmp_path: Path
) -> None:
    client.upsert_dataset(name=unique_name, examples=[{"id": "a", "input": {"x": "a"}}], source_id_key="id")
    client.set_schema(name=unique_name, input=PATTERN)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "b", "input": {"x": "ab"}}) + "\n")
    done = run("upsert", str(bad), "-d", unique_name, "--id-key", "id")
    assert done.exit_code == 1, done.stderr
    assert done.stderr.rstrip("\n").endswith(f"error: {bad}: 1 bad record; nothing was written"), done.stderr
    assert len(client.list_versions(name=unique_name)) == 1


def test_a_long_value_breaking_the_schema_is_cut_in_every_message(
    client: groundset.Client, server: ServerProcess, run: Any, unique_name: str, tmp_path: Path
) -> None:
    """The tester's 150 records of a 100,001-character value: each message shows its first 40
    characters and its length, in the CLI's lines, its --json and the server's 422 body."""
    client.upsert_dataset(name=unique_name, examples=[{"id": "a", "input": {"x": "a"}}], source_id_key="id")
    client.set_schema(name=unique_name, input=PATTERN)
    long = "a" * 100_000 + "!"
    rows = [{"id": f"L{i}", "input": {"x": long}} for i in range(150)]
    shown = f'"{"a" * 40}"… (100001 characters) does not match "^(a+)+$"'
    # 150 records: one request, checked by the server; with 1,000 valid ones before them, a
    # planned sync checked here against the plan's schema.
    valid = [{"id": f"v{i}", "input": {"x": "a"}} for i in range(1000)]
    for name, records, first in (("long150", rows, 1), ("long1150", valid + rows, 1001)):
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(row) + "\n" for row in records))
        done = run("upsert", str(path), "-d", unique_name, "--id-key", "id")
        assert done.exit_code == 1 and len(done.stderr) < 40_000, (name, len(done.stderr))
        assert f"{path}:{first}: schema_violation at $.input.x [source id L0]: {shown}\n" in done.stderr, done.stderr[
            :2000
        ]
        as_json = run("upsert", str(path), "-d", unique_name, "--id-key", "id", "--json")
        assert len(as_json.stdout) < 80_000, (name, len(as_json.stdout))
        assert json.loads(as_json.stdout)["error"]["errors"][0]["message"] == shown
    example = {"source_id": "L0", "input": {"x": long}, "content_hash": groundset.example_hash({"x": long})}
    body = {"dataset": {"name": unique_name}, "examples": [example]}
    answer = httpx.post(f"{server.base_url}/v1/datasets/upsert", json=body, timeout=60)
    assert answer.status_code == 422 and len(answer.content) < 5_000, len(answer.content)
    assert answer.json()["errors"][0]["detail"] == shown
    assert len(client.list_versions(name=unique_name)) == 1


def test_a_server_out_of_reach_is_connection_error_in_json(tmp_path: Path) -> None:
    """The real console script, at a port nothing listens on."""
    records = tmp_path / "r.jsonl"
    records.write_text('{"id": "1", "input": {}}\n')
    url = f"http://127.0.0.1:{free_port()}"
    for command in (["datasets"], ["upsert", str(records), "-d", "qa", "--id-key", "id"]):
        done = subprocess.run(
            [str(CLI), "--base-url", url, *command, "--json"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 1, done.stderr
        error = json.loads(done.stdout)["error"]
        assert error["code"] == "connection_error", error
        assert error["detail"].startswith(f"cannot reach the groundset server at {url} ")
    assert groundset.APIConnectionError("x", url=url).code == "connection_error"
    assert groundset.APITimeoutError("x", url=url).code == "timeout"


def test_format_and_mode_take_any_case(run: Any, tmp_path: Path) -> None:
    records = tmp_path / "r.data"
    records.write_text('{"id": "1", "input": {"q": 1}}\n')
    assert run("hash", str(records), "--id-key", "id", "--format", "JSONL").exit_code == 0
    refused = run("hash", str(records), "--id-key", "id", "--format", "xml")
    assert refused.exit_code == 2
    assert "Invalid value for '--format': 'xml' is not one of 'jsonl', 'json', 'csv'." in refused.output
    assert "Value error" not in refused.output
