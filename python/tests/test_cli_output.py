"""How ``groundset`` writes where it writes: to a pipe whose reader went away (exit 141 without a
word), to an 80-column terminal (the versions table keeps its ids whole), to a file whose
extension names no format (refused), and refusals said in the CLI's flags rather than the
SDK's arguments. Real processes (a pipe, a pseudo-terminal) where the behaviour is the
process's; the session's real server where one is needed."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import groundset
from test_cli import plain, write_jsonl

GROUNDSET = [sys.executable, "-m", "groundset"]


def _closed_pipe(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """``groundset ARGS`` writing to a pipe nobody reads any more (``... | head -1`` once head exited)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [*GROUNDSET, *args], stdout=write, stderr=subprocess.PIPE, env=env, timeout=60, check=False
        )
    finally:
        os.close(write)


def test_a_closed_pipe_exits_141_quietly(tmp_path: Path, server: Any, client: groundset.Client) -> None:
    rows = [{"id": f"id{n}", "input": {"q": n}} for n in range(2000)]
    path = write_jsonl(tmp_path / "rows.jsonl", rows)
    env = {**os.environ, "GROUNDSET_BASE_URL": server.base_url}
    name = f"pipe-{os.getpid()}-{tmp_path.name}"[:60]
    client.upsert_dataset(name=name, path=path, source_id_key="id")
    for args in (
        ["hash", str(path), "--id-key", "id"],  # plain writes
        ["versions", name],  # rich's table
        ["experiments", name, "--json"],
        ["export", name, "-o", "-"],  # the SDK writing to stdout's buffer
    ):
        done = _closed_pipe(args, env)
        assert (done.returncode, done.stderr.decode()) == (141, ""), args
    # The same commands to a reader that stays: status 0.
    whole = subprocess.run([*GROUNDSET, "hash", str(path), "--id-key", "id"], capture_output=True, check=False)
    assert whole.returncode == 0 and len(whole.stdout.splitlines()) == 2000


def test_versions_keep_their_ids_whole_at_80_columns(server: Any, client: groundset.Client, tmp_path: Path) -> None:
    name = f"narrow-{tmp_path.name}"[:60]
    for n in range(2):
        client.upsert_dataset(name=name, examples=[{"id": f"e{n}", "input": {"q": n}}], source_id_key="id")
    versions = client.list_versions(name=name)
    for tag in ("baseline-for-the-quarterly-review-of-the-evaluation-set", "release-candidate-2026-11-30-rc2"):
        client.tag_version(name=name, tag=tag, version_id=versions[-1].id)
    main, terminal = pty.openpty()
    env = {**os.environ, "GROUNDSET_BASE_URL": server.base_url, "COLUMNS": "80", "LINES": "50", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen([*GROUNDSET, "versions", name], stdout=terminal, stderr=terminal, env=env)
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closed (EIO)
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=60) == 0
    text = re.sub(r"\x1b\[[0-9;]*m", "", b"".join(chunks).decode())  # styles (bold headers)
    lines = [line for line in text.splitlines() if line.strip()]
    assert max(len(line) for line in lines) <= 80, text
    first_cells = [line.split("│")[1].strip() for line in lines if line.startswith("│") and line.split("│")[1].strip()]
    assert first_cells == [version.id for version in versions], text
    assert "…" not in text, text
    digests = {version.digest[:12] for version in versions}
    assert digests <= set(text.replace("│", " ").split()), text


def test_export_refuses_an_extension_that_names_no_format(
    run: Any, client: groundset.Client, tmp_path: Path, unique_name: str
) -> None:
    client.upsert_dataset(name=unique_name, examples=[{"id": "a", "input": {"q": 1}}], source_id_key="id")
    for name in ("out.txt", "out.parquet", "out", "out.jsnol"):
        refused = run("export", unique_name, "-o", str(tmp_path / name))
        assert refused.exit_code == 2, refused.output
        message = plain(refused.output)
        assert "does not end in an extension that names a format (.csv, .jsonl, .ndjson, any case)" in message
        assert "--format jsonl" in message
        assert not (tmp_path / name).exists()
    chosen = run("export", unique_name, "-o", str(tmp_path / "out.txt"), "--format", "jsonl")
    assert chosen.exit_code == 0, chosen.output
    assert json.loads((tmp_path / "out.txt").read_text(encoding="utf-8"))["id"] == "a"
    assert run("export", unique_name, "-o", str(tmp_path / "OUT.NDJSON")).exit_code == 0


def test_refusals_name_the_cli_flags(run: Any, client: groundset.Client, tmp_path: Path, unique_name: str) -> None:
    """Where the SDK would say version_id= or `force: true`, the CLI names its own flags."""
    client.upsert_dataset(name=unique_name, examples=[{"id": "a", "input": {"q": 1}}], source_id_key="id")
    cases = [
        (["export", unique_name, "-o", str(tmp_path / "x.jsonl"), "--tag", "3"], 2, "--tag '3'", "pass --version 3"),
        (["experiments", unique_name, "--tag", "3"], 2, "--tag '3'", "pass --version 3"),
        (["diff", unique_name, "--from-tag", "12", "--to", "1"], 2, "--from-tag '12'", "pass --from 12"),
        (["compare", "-d", unique_name, "n", "n", "--head-tag", "7"], 2, "--head-tag '7'", "pass --head-version 7"),
        (["tag", unique_name, "123", "1"], 2, "TAG '123'", "a tag needs another character"),
    ]
    for args, status, where, fix in cases:
        refused = run(*args)
        message = plain(refused.output)
        assert refused.exit_code == status, (args, refused.output)
        assert where in message and fix in message, (args, message)
        assert "version_id=" not in message and "tag=" not in message, message
    as_json = run("experiments", unique_name, "--tag", "3", "--json")
    assert json.loads(as_json.stdout)["error"]["code"] == "invalid_tag"

    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"type": "object", "required": ["missing"]}), encoding="utf-8")
    violated = run("schema", unique_name, "--input", str(schema))
    assert violated.exit_code == 1
    assert "(pass --force to set it anyway)" in plain(violated.output) and "force: true" not in violated.output
    assert run("schema", unique_name, "--input", str(schema), "--force").exit_code == 0


def test_a_database_gone_under_the_server_is_printed_as_the_servers_503(tmp_path: Path) -> None:
    """The server answers 503 database_gone naming the cause (its SQLite file deleted);
    the CLI prints that problem in one line and exits 1, at once: one request, not retried
    (the server logs each request that met the missing file)."""
    from typer.testing import CliRunner

    from conftest import ServerProcess
    from groundset.cli import app

    server = ServerProcess(tmp_path)
    server.start()
    try:
        database = server.database_path
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        done = CliRunner().invoke(app, ["--base-url", server.base_url, "datasets"])
    finally:
        server.stop()
    # The log names the file in full, the answer by its name alone.
    logged = f"the database {database} cannot be used: the SQLite database file 'groundset.db' cannot be opened"
    assert server.log().count(logged) == 1
    assert done.exit_code == 1
    assert done.stderr.startswith(
        "error: 503 database_gone: the SQLite database file 'groundset.db' cannot be opened "
        "(unable to open database file)"
    ), done.stderr
    assert "Traceback" not in done.output
