"""The ``groundset`` command: exit codes and output, against the session's server."""

from __future__ import annotations

import json
import os
import re
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


def plain(text: str) -> str:
    """Text without rich's box drawing and line breaks, to find a phrase in it."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


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
    # Without --to the latest version, without --from the version before --to, as the web UI's diff.
    for defaulted in ([], ["--to", listed[0]["id"]], ["--from", listed[1]["id"]]):
        assert json.loads(run("diff", unique_name, *defaulted, "--json").stdout) == diff_json, defaulted
    first = run("diff", unique_name, "--to", listed[1]["id"])
    assert first.exit_code == 1 and f"version {listed[1]['id']} is the dataset's first" in plain(first.output)

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
    assert done.exit_code == 1 and f"{bad_json}:3:22: invalid_json at $.input: " in done.stderr, done.stderr

    no_id = write_jsonl(tmp_path / "no-id.jsonl", [ROWS[0], {"input": {"q": 1}}])
    done = run("upsert", str(no_id), "-d", unique_name, "--id-key", "id")
    assert done.exit_code == 1 and f"{no_id}:2: missing_source_id at $.id: " in done.stderr, done.stderr

    nan = tmp_path / "nan.jsonl"
    nan.write_text('{"id": "x", "input": {"x": NaN}}\n{"id": "y", "input": [1]}\n', encoding="utf-8")
    done = run("upsert", str(nan), "-d", unique_name, "--id-key", "id")
    assert done.exit_code == 1 and f"{nan}:1:28: invalid_json at $.input.x: " in done.stderr, done.stderr
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
    command = [
        sys.executable,
        "-m",
        "groundset.cli",
        "upsert",
        str(file),
        "-d",
        unique_name,
        "--id-key",
        "id",
        "--json",
    ]
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


def test_help_keeps_its_defaults_and_wraps_paragraphs(run: Any) -> None:
    wide = CliRunner().invoke(app, ["upsert", "--help"], env={"COLUMNS": "200"})
    text = " ".join(wide.stdout.split())
    assert "identity (a string, or an integer) [default: the content hash]." in text
    assert "The file's format [default: from its extension]." in text
    # A paragraph of the docstring is one paragraph, not the source's lines.
    assert "--digest with the same options prints the digest" in wide.stdout
    flags = [
        line
        for line in wide.stdout.splitlines()
        if any(f in line for f in ("--dry-run", "--allow-empty", "--json", "--help"))
    ]
    assert len(flags) == 4 and not any("<bool>" in line for line in flags)
    top = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert top.exit_code == 0 and "--help" in top.stdout and "<bool>" not in top.stdout
    for command in ("hash", "datasets", "versions", "diff", "export", "tags"):
        shown = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert "<bool>" not in shown.stdout
        # rich took "[default: ...]" written in a help text for markup: "identity ." was left.
        assert shown.exit_code == 0 and not re.search(r"\w \.(\s|$)", plain(shown.stdout))


def test_a_spreadsheet_without_key_options_gets_a_hint(run: Any, tmp_path: Path) -> None:
    """The core says what is wrong and how to fix it (the same words as ``upsert_dataset(path=...)``);
    the CLI adds only its own option names, and never repeats the core's advice."""
    sheet = tmp_path / "sheet.csv"
    sheet.write_text('id,question,answer\n1,"2+2?",4\n', encoding="utf-8")
    done = run("hash", str(sheet), "--id-key", "id")
    assert done.exit_code == 1
    text = " ".join(done.stderr.split())
    assert f'{sheet}:1: invalid_header at $: column 3 ("answer") is not part of a record' in text
    assert (
        'to read the columns as they are, name its input fields (input keys), or prefix the columns with "input."'
        in (text)
    )
    assert text.count(
        "hint:"
    ) == 1 and "hint: on the command line, the input, output and metadata keys are --input-keys" in (text)
    # The header's issues are no records.
    assert "nothing was sent" not in done.stderr and f"error: {sheet}: a bad header (2 problems)\n" in done.stderr
    fixed = run("hash", str(sheet), "--id-key", "id", "--output-keys", "answer", "--digest")
    assert fixed.exit_code == 0

    without_id = run("hash", str(sheet), "--json")
    assert without_id.exit_code == 1 and 'column 1 ("id")' in without_id.stderr
    assert json.loads(without_id.stdout)["error"]["hints"][1] == (
        "on the command line, the id key is --id-key NAME (e.g. --id-key id)"
    )

    semicolon = tmp_path / "semicolon.csv"
    semicolon.write_text("id;question;answer\n1;What?;Paris\n", encoding="utf-8")
    done = run("hash", str(semicolon), "--id-key", "id")
    assert done.exit_code == 1 and "hint:" not in done.stderr
    assert 'the file seems to use ";" as its delimiter; CSV here is comma-separated' in done.stderr
    assert done.stderr.count("delimiter") == 1

    spaced = tmp_path / "spacehdr.csv"
    spaced.write_text("id, input.q\n1,a\n", encoding="utf-8")
    done = run("hash", str(spaced), "--id-key", "id")
    assert done.exit_code == 1 and "hint:" not in done.stderr
    assert 'column 2 (" input.q") has white space at the start or end of its name' in done.stderr

    jsonl = write_jsonl(tmp_path / "flat.jsonl", [{"id": "a", "q": "x"}])
    done = run("hash", str(jsonl), "--id-key", "id")
    text = " ".join(done.stderr.split())
    assert done.exit_code == 1 and "not_an_object at $.input [source id a]" in text
    assert "name its input fields (input keys)" in text and "hint: on the command line" in text
    assert run("hash", str(jsonl), "--id-key", "id", "--input-keys", "q").exit_code == 0


def test_words_of_the_command_line(run: Any, tmp_path: Path, unique_name: str) -> None:
    file = write_jsonl(tmp_path / "qa.jsonl", ROWS[:1])
    empty_name = run("upsert", str(file), "-d", "")
    assert empty_name.exit_code == 2 and "'--dataset' / '-d': must be a non-empty string" in empty_name.stderr
    assert "name=" not in empty_name.stderr

    text = tmp_path / "qa.txt"
    text.write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    unknown = run("hash", str(text))
    assert unknown.exit_code == 1 and "(pass --format jsonl, json or csv)" in unknown.stderr

    one = run("hash", str(file), "--id-key", "id")
    assert one.exit_code == 0 and "(1 example)" in one.stderr

    nothing = tmp_path / "empty.jsonl"
    nothing.write_text("", encoding="utf-8")
    merged = run("upsert", str(nothing), "-d", unique_name)
    assert merged.exit_code == 0 and "no change, no version yet" in merged.stdout and "None" not in merged.stdout

    run("upsert", str(write_jsonl(tmp_path / "all.jsonl", ROWS)), "-d", unique_name, "--id-key", "id")
    bounded = run("upsert", str(file), "-d", unique_name, "--id-key", "id", "--mode", "mirror", "--max-delete", "1")
    message = " ".join(bounded.stderr.split())
    assert bounded.exit_code == 1 and "would delete 2 examples (b, c), more than --max-delete 1" in message
    assert "max_deletes" not in message.replace("max_deletes_exceeded", "")


def test_conflicting_options_are_usage_errors(run: Any, tmp_path: Path, unique_name: str) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,question,answer\n1,q,a\n", encoding="utf-8")
    for command in (["hash", str(sheet)], ["upsert", str(sheet), "-d", unique_name]):
        both = run(*command, "--id-key", "id", "--input-keys", "question", "--output-keys", "question,answer")
        assert both.exit_code == 2
        assert "the key 'question' is named in both --input-keys and --output-keys" in plain(both.stderr)
    for flag in (["--max-delete", "3"], ["--allow-empty"]):
        merge = run("upsert", str(sheet), "-d", unique_name, "--output-keys", "answer", *flag)
        assert merge.exit_code == 2 and "applies to --mode mirror only" in plain(merge.stderr)
    assert run("versions", unique_name).exit_code == 1  # nothing was created


def test_a_column_repeated_in_a_header_is_one_problem(run: Any, tmp_path: Path, unique_name: str) -> None:
    """A name written three times is one cause: one issue naming every repeat, and a header is
    not counted as bad records."""
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,input.q,input.q,input.q\n1,a,b,c\n2,d,e,f\n", encoding="utf-8")
    for command in (["hash", str(sheet)], ["upsert", str(sheet), "-d", unique_name]):
        done = run(*command, "--id-key", "id")
        assert done.exit_code == 1
        assert done.stderr.startswith(
            f'{sheet}:1: invalid_header at $: columns 3 and 4 ("input.q") repeat the name of column 2\n'
        ), done.stderr
        assert done.stderr.rstrip("\n").endswith(
            f"error: {sheet}: a bad header" + ("; nothing was sent" if command[0] == "upsert" else "")
        ), done.stderr
    assert run("versions", unique_name).exit_code == 1  # nothing was created


def test_json_refusals_print_json(run: Any, tmp_path: Path, unique_name: str) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"id": "a", "input": [1]}, {"id": 1.5, "input": {}}])
    for command in (["upsert", str(bad), "-d", unique_name], ["hash", str(bad)]):
        done = run(*command, "--id-key", "id", "--json")
        assert done.exit_code == 1 and f"{bad}: 2 bad records" in done.stderr
        error = json.loads(done.stdout)["error"]
        assert error["more_errors"] == 0 and error["detail"].startswith(f"{bad}: 2 bad records")
        assert [(e["line"], e["code"], e["path"]) for e in error["errors"]][1] == (2, "invalid_source_id", "$.id")

    good = write_jsonl(tmp_path / "good.jsonl", ROWS)
    hashed = run("hash", str(good), "--id-key", "id", "--json")
    shown = json.loads(hashed.stdout)
    assert hashed.exit_code == 0 and shown["count"] == 3 and [p[0] for p in shown["pairs"]] == ["a", "b", "c"]
    assert shown["digest"] == groundset.manifest_digest([tuple(p) for p in shown["pairs"]])
    digest_only = run("hash", str(good), "--id-key", "id", "--json", "--digest")
    assert json.loads(digest_only.stdout) == {"digest": shown["digest"], "count": 3}

    assert run("upsert", str(good), "-d", unique_name, "--id-key", "id").exit_code == 0
    one = write_jsonl(tmp_path / "one.jsonl", ROWS[:1])
    guard = run(
        "upsert", str(one), "-d", unique_name, "--id-key", "id", "--mode", "mirror", "--max-delete", "0", "--json"
    )
    error = json.loads(guard.stdout)["error"]
    assert guard.exit_code == 1 and error["code"] == "max_deletes_exceeded" and error["status"] == 409
    missing = run("versions", f"{unique_name}-absent", "--json")
    assert missing.exit_code == 1 and json.loads(missing.stdout)["error"]["code"] == "dataset_not_found"


def test_connection_mistakes_name_their_fix(api_key_server: ServerProcess, tmp_path: Path) -> None:
    """A missing API key says how to give one, a wrong one that it was refused; a base URL
    ending in /v1 is refused before any request (every route is /v1/..., so it would be a bare
    404)."""
    env = {"GROUNDSET_API_KEY": "", "COLUMNS": "200"}
    keyless = CliRunner().invoke(app, ["--base-url", api_key_server.base_url, "datasets"], env=env)
    assert keyless.exit_code == 1 and "401" in keyless.stderr
    assert "hint: set GROUNDSET_API_KEY, or pass --api-key KEY before the command" in plain(keyless.stderr)
    # A key sent and refused is not a missing one: the hint says so, by option and by variable.
    refused_key = "the server refused the API key sent, from --api-key or GROUNDSET_API_KEY"
    for argv, environment in (
        (["--api-key", "wrong"], env),
        ([], {**env, "GROUNDSET_API_KEY": "wrong"}),
    ):
        wrong = CliRunner().invoke(app, ["--base-url", api_key_server.base_url, *argv, "datasets"], env=environment)
        assert wrong.exit_code == 1 and "401" in wrong.stderr
        assert refused_key in plain(wrong.stderr) and "hint: set" not in plain(wrong.stderr), wrong.stderr
    versioned = CliRunner().invoke(app, ["--base-url", api_key_server.base_url + "/v1", "datasets"], env=env)
    assert versioned.exit_code == 1
    assert f"base_url is the server's root, without /v1: '{api_key_server.base_url}'" in plain(versioned.stderr)


def test_missing_keys_are_named_by_their_option(run: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,question,answer\n1,q,4\n", encoding="utf-8")
    done = run("hash", str(sheet), "--id-key", "id", "--output-keys", "expected")
    assert done.exit_code == 1
    assert 'missing_key at $.expected [source id 1]: no key "expected" (named in --output-keys)' in plain(done.stderr)
    assert "output_keys" not in done.stderr


def test_standard_input_as_the_file(run: Any, server: ServerProcess, tmp_path: Path, unique_name: str) -> None:
    """`-` reads standard input (its format given), as the file would be read."""
    text = "".join(json.dumps(row) + "\n" for row in ROWS)
    file = write_jsonl(tmp_path / "qa.jsonl", ROWS)
    from_file = run("hash", str(file), "--id-key", "id", "--digest")
    piped = CliRunner().invoke(app, ["hash", "-", "--format", "jsonl", "--id-key", "id", "--digest"], input=text)
    assert piped.exit_code == 0, piped.stderr
    assert piped.stdout == from_file.stdout
    unformatted = CliRunner().invoke(app, ["hash", "-", "--id-key", "id"], input=text)
    assert unformatted.exit_code == 2 and "reading standard input (-) needs --format" in plain(unformatted.stderr)
    bad = CliRunner().invoke(app, ["hash", "-", "--format", "jsonl", "--id-key", "id"], input=text + "{\n")
    assert bad.exit_code == 1 and "<stdin>:4:2: invalid_json" in bad.stderr
    argv = ["--base-url", server.base_url, "upsert", "-", "--format", "jsonl", "-d", unique_name, "--id-key", "id"]
    done = CliRunner().invoke(app, [*argv, "--json"], input=text)
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["created"] == 3


def test_a_spreadsheet_export_with_empty_margins(run: Any, tmp_path: Path) -> None:
    """Rows of empty cells below the table and empty-named columns beside it, as a spreadsheet
    saves them, are not data: the file hashes as the table alone."""
    table = tmp_path / "table.csv"
    table.write_text("id,question,answer\n1,2+2?,4\n2,1+1?,2\n", encoding="utf-8")
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,question,answer,,\r\n1,2+2?,4,,\r\n2,1+1?,2,,\r\n,,,,\r\n,,,,\r\n", encoding="utf-8")
    options = ("--id-key", "id", "--output-keys", "answer", "--digest")
    expected = run("hash", str(table), *options)
    assert expected.exit_code == 0, expected.stderr
    assert run("hash", str(sheet), *options).stdout == expected.stdout
    sheet.write_text("id,question,answer,\n1,2+2?,4,\n2,1+1?,2,note\n", encoding="utf-8")
    done = run("hash", str(sheet), *options)
    assert done.exit_code == 1
    assert f"{sheet}:3: field_count" in done.stderr and "column 4 has no name in the header" in plain(done.stderr)
