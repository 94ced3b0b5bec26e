"""The ``groundset`` command: exit codes and output, against the session's server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

import groundset
from conftest import ServerProcess, free_port
from groundset.cli import app

ROWS = [
    {"id": "a", "input": {"q": "2+2?"}, "output": {"a": "4"}},
    {"id": "b", "input": {"q": "1+1?"}, "output": {"a": "2"}},
    {"id": "c", "input": {"q": "3+3?"}, "output": {"a": "6"}},
]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_upsert_jsonl_then_no_change_then_mirror(run: Any, tmp_path: Path, unique_name: str) -> None:
    file = write_jsonl(tmp_path / "qa.jsonl", ROWS)
    first = run("upsert", str(file), "--dataset", unique_name, "--id-key", "id")
    assert first.exit_code == 0, first.output
    assert "3 created, 0 updated, 0 unchanged, 0 deleted" in first.stdout and "digest " in first.stdout

    again = run("upsert", str(file), "--dataset", unique_name, "--id-key", "id", "--json")
    assert again.exit_code == 0, again.output
    result = json.loads(again.stdout)
    assert result["noop"] and result["unchanged"] == 3 and result["dataset_name"] == unique_name

    write_jsonl(file, ROWS[:2])
    preview = run("upsert", str(file), "-d", unique_name, "--id-key", "id", "--mode", "mirror", "--dry-run")
    assert preview.exit_code == 0 and "dry run, nothing written" in preview.stdout and "deleted: c" in preview.stdout
    mirrored = run("upsert", str(file), "-d", unique_name, "--id-key", "id", "--mode", "mirror", "--json")
    assert json.loads(mirrored.stdout)["deleted"] == 1

    versions = run("versions", unique_name, "--json")
    assert versions.exit_code == 0
    listed = json.loads(versions.stdout)
    assert [v["example_count"] for v in listed] == [2, 3]
    table = run("versions", unique_name)
    assert table.exit_code == 0 and listed[0]["digest"][:12] in table.stdout

    diff = run("diff", unique_name, "--from", listed[1]["id"], "--to", listed[0]["id"])
    assert diff.exit_code == 0 and "deleted (1): c" in diff.stdout and "created (0)" in diff.stdout
    diff_json = json.loads(
        run("diff", unique_name, "--from", listed[1]["id"], "--to", listed[0]["id"], "--json").stdout
    )
    assert diff_json["deleted"] == ["c"]

    datasets = run("datasets", "--json")
    assert unique_name in [d["name"] for d in json.loads(datasets.stdout)]
    assert unique_name in run("datasets").stdout


def test_upsert_csv_with_dotted_columns(run: Any, server: ServerProcess, tmp_path: Path, unique_name: str) -> None:
    file = tmp_path / "qa.csv"
    file.write_text('id,input.question,input.context,output.answer\n7,2+2?,math,4\n8,"a, b?",,c\n', encoding="utf-8")
    done = run("upsert", str(file), "--dataset", unique_name, "--id-key", "id", "--json")
    assert done.exit_code == 0, done.output
    dataset = groundset.Client(base_url=server.base_url).get_dataset(name=unique_name)
    by_id = {e.source_id: e for e in dataset}
    assert by_id["7"].input == {"question": "2+2?", "context": "math"} and by_id["8"].output == {"answer": "c"}
    assert by_id["8"].input == {"question": "a, b?", "context": ""}


def test_upsert_json_flat_records_with_key_lists(
    run: Any, server: ServerProcess, tmp_path: Path, unique_name: str
) -> None:
    file = tmp_path / "qa.json"
    rows = [{"id": 1, "q": "x", "ctx": "y", "a": "z", "tag": "t"}]
    file.write_text(json.dumps(rows), encoding="utf-8")
    keys = ["--input-keys", "q,ctx", "--output-keys", "a", "--metadata-keys", "tag"]
    done = run("upsert", str(file), "-d", unique_name, "--id-key", "id", *keys)
    assert done.exit_code == 0, done.output
    (example,) = groundset.Client(base_url=server.base_url).get_dataset(name=unique_name).examples
    assert (example.input, example.output, example.metadata) == ({"q": "x", "ctx": "y"}, {"a": "z"}, {"tag": "t"})


def test_errors_exit_non_zero_and_name_the_place(run: Any, tmp_path: Path, unique_name: str) -> None:
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"id": "a", "input": {}}\n\n{"id": "b", "input": \n', encoding="utf-8")
    done = run("upsert", str(bad_json), "-d", unique_name)
    assert done.exit_code == 1 and f"{bad_json}:3: invalid_json at $.input: " in done.stderr, done.stderr

    no_id = write_jsonl(tmp_path / "no-id.jsonl", [ROWS[0], {"input": {"q": 1}}])
    done = run("upsert", str(no_id), "-d", unique_name, "--id-key", "id")
    assert done.exit_code == 1 and f"{no_id}:2: missing_source_id at $.id: " in done.stderr, done.stderr

    nan = tmp_path / "nan.jsonl"
    nan.write_text('{"id": "x", "input": {"x": NaN}}\n{"id": "y", "input": [1]}\n', encoding="utf-8")
    done = run("upsert", str(nan), "-d", unique_name, "--id-key", "id")
    assert done.exit_code == 1 and f"{nan}:1: invalid_json at $.input.x: " in done.stderr, done.stderr
    assert f"{nan}:2: not_an_object at $.input [source id y]: " in done.stderr
    assert "2 bad records; nothing was sent" in done.stderr

    missing = run("upsert", str(tmp_path / "absent.jsonl"), "-d", unique_name)
    assert missing.exit_code == 2
    assert run("versions", unique_name).exit_code == 1

    offline = CliRunner().invoke(app, ["--base-url", f"http://127.0.0.1:{free_port()}", "datasets"])
    assert offline.exit_code == 1 and "cannot reach the groundset server" in offline.stderr
    assert "groundset-server serve" in offline.stderr


def test_hash_prints_pairs_and_digest(run: Any, tmp_path: Path) -> None:
    file = write_jsonl(tmp_path / "qa.jsonl", ROWS)
    done = run("hash", str(file), "--id-key", "id")
    assert done.exit_code == 0
    pairs = [tuple(line.split("\t")) for line in done.stdout.splitlines()]
    expected = [(str(r["id"]), groundset.example_hash(r["input"], r["output"])) for r in ROWS]
    assert pairs == expected
    digest = groundset.manifest_digest(expected)
    assert f"digest {digest} (3 examples)" in done.stderr
    only = run("hash", str(file), "--id-key", "id", "--digest")
    assert only.exit_code == 0 and only.stdout == digest + "\n"
    assert run("hash", str(file), "--id-key", "nope").exit_code == 1


def test_console_script_in_a_real_process(server: ServerProcess, tmp_path: Path, unique_name: str) -> None:
    file = write_jsonl(tmp_path / "qa.jsonl", ROWS)
    env = {**os.environ, "GROUNDSET_BASE_URL": server.base_url}
    command = [sys.executable, "-m", "groundset.cli", "upsert", str(file), "-d", unique_name, "--json"]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 3
    failed = subprocess.run(
        [sys.executable, "-m", "groundset.cli", "diff", unique_name, "--from", "1", "--to", "999999"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 1 and "version_not_found" in failed.stderr
