"""Files read by the core: ``hash_file``, ``upsert_dataset(path=)``, ``groundset hash`` and
``groundset upsert`` agree with each other and with the server, for every format; the issue-12
cases 01, 02, 03, 06 and 07 (inputs copied into fixtures/cases/); every bad record reported."""

from __future__ import annotations

import csv
import errno
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import groundset
from support import REPO_ROOT, load_vectors

CASES = REPO_ROOT / "fixtures" / "cases"
EXAMPLES = REPO_ROOT / "fixtures" / "examples"


def cli_digest(run: Any, file: Path, *options: str) -> str:
    done = run("hash", str(file), *options, "--digest")
    assert done.exit_code == 0, done.output
    digest: str = done.stdout.strip()
    return digest


def stored(client: groundset.Client, name: str) -> list[tuple[str, Any, Any, Any]]:
    return [(e.source_id, e.input, e.output, e.metadata) for e in client.get_dataset(name=name)]


def no_dataset(client: groundset.Client, name: str) -> bool:
    return name not in [info.name for info in client.list_datasets()]


# --- the shared cases ------------------------------------------------------------------------


def test_case_01_a_csv_cell_over_131072_characters(client: groundset.Client, run: Any, unique_name: str) -> None:
    folder = CASES / "01-csv-long-field"
    csv_file, jsonl_file = folder / "long-context.csv", folder / "long-context.jsonl"
    with csv_file.open(encoding="utf-8", newline="") as opened:
        csv.field_size_limit(10**9)
        longest = max(len(cell) for row in csv.reader(opened) for cell in row)
    assert longest > 131_072
    from_csv = client.upsert_dataset(name=unique_name, path=csv_file, source_id_key="id")
    from_jsonl = client.upsert_dataset(name=unique_name + "-jsonl", path=jsonl_file, source_id_key="id")
    assert from_csv.created == 2 and from_csv.digest == from_jsonl.digest
    (first, _second) = stored(client, unique_name)
    assert first[0] == "doc-1" and len(first[1]["context"]) == longest and first[2] == {"answer": "blue"}
    assert cli_digest(run, csv_file, "--id-key", "id") == from_csv.digest
    cli = run("upsert", str(csv_file), "-d", unique_name + "-cli", "--id-key", "id", "--json")
    assert cli.exit_code == 0 and json.loads(cli.stdout)["digest"] == from_csv.digest


def test_case_02_a_byte_order_mark_is_skipped(
    client: groundset.Client, run: Any, tmp_path: Path, unique_name: str
) -> None:
    folder = CASES / "02-utf8-bom"
    for name, options in (
        ("excel-export.csv", ["--id-key", "id"]),
        ("excel-export-no-id.csv", []),
        ("notepad-saved.jsonl", ["--id-key", "id"]),
    ):
        with_bom = folder / name
        data = with_bom.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        control = tmp_path / name
        control.write_bytes(data[3:])
        key = "id" if options else None
        upserted = client.upsert_dataset(name=f"{unique_name}-{name}", path=with_bom, source_id_key=key)
        expected = groundset.manifest_digest(groundset.hash_file(control, source_id_key=key))
        assert upserted.digest == expected and upserted.created >= 1
        assert cli_digest(run, with_bom, *options) == cli_digest(run, control, *options) == expected
        cli = run("upsert", str(with_bom), "-d", f"{unique_name}-{name}-cli", *options, "--json")
        assert cli.exit_code == 0 and json.loads(cli.stdout)["digest"] == expected, cli.output
    assert stored(client, f"{unique_name}-excel-export.csv")[0] == (
        "q1",
        {"question": "What is 2+2?"},
        {"answer": "4"},
        {},
    )


@pytest.mark.parametrize(
    ("name", "fields", "header"),
    [("row-too-long.csv", 4, 3), ("row-too-short.csv", 3, 4)],
)
def test_case_03_ragged_rows_are_refused(
    client: groundset.Client, run: Any, unique_name: str, name: str, fields: int, header: int
) -> None:
    file = CASES / "03-csv-ragged-rows" / name
    with pytest.raises(groundset.ExampleError) as caught:
        client.upsert_dataset(name=unique_name, path=file, source_id_key="id")
    (issue,) = caught.value.errors
    assert (issue.code, issue.line, issue.row) == ("field_count", 3, 1)
    assert f"{fields} fields" in issue.message and f"header has {header}" in issue.message
    for command in (("upsert", str(file), "-d", unique_name, "--id-key", "id"), ("hash", str(file), "--id-key", "id")):
        done = run(*command)
        assert done.exit_code == 1 and f"{file}:3: field_count at $" in done.stderr, done.output
    assert no_dataset(client, unique_name)


@pytest.mark.parametrize(
    ("name", "line", "path"), [("dup-keys.jsonl", 1, "$.output.answer"), ("dup-keys.json", 1, "$.output.answer")]
)
def test_case_06_a_member_name_twice_is_refused(
    client: groundset.Client, run: Any, unique_name: str, name: str, line: int, path: str
) -> None:
    file = CASES / "06-jsonl-duplicate-keys" / name
    with pytest.raises(groundset.ExampleError) as by_sdk:
        client.upsert_dataset(name=unique_name, path=file, source_id_key="id")
    with pytest.raises(groundset.ExampleError) as by_hash:
        groundset.hash_file(file, source_id_key="id")
    for error in (by_sdk.value, by_hash.value):
        assert (error.code, error.line, error.path) == ("duplicate_key", line, path)
    if name.endswith(".jsonl"):
        assert [(issue.line, issue.path) for issue in by_sdk.value.errors] == [
            (1, "$.output.answer"),
            (2, "$.input.question"),
        ]
    for command in ("upsert", "hash"):
        extra = ("-d", unique_name) if command == "upsert" else ()
        done = run(command, str(file), *extra, "--id-key", "id")
        assert done.exit_code == 1 and f"{file}:{line}: duplicate_key at {path}" in done.stderr, done.output
    assert no_dataset(client, unique_name)


def test_a_repeated_source_id_in_a_file_names_the_first_line(
    client: groundset.Client, run: Any, tmp_path: Path, unique_name: str
) -> None:
    """A file's records are named by line (``FILE:LINE:``): the first record with the id too,
    not by a 0-based row beside 1-based lines."""
    file = tmp_path / "dup.jsonl"
    file.write_text('{"id":1,"input":{"q":1}}\n{"id":"1","input":{"q":2}}\n{"id":1.0,"input":{"q":3}}\n')
    with pytest.raises(groundset.ExampleError) as by_sdk:
        client.upsert_dataset(name=unique_name, path=file, source_id_key="id")
    assert [(issue.line, issue.row, issue.code) for issue in by_sdk.value.errors] == [
        (2, 1, "duplicate_source_id"),
        (3, 2, "duplicate_source_id"),
    ]
    assert [issue.message for issue in by_sdk.value.errors] == ['the source id "1" is also the id of line 1'] * 2
    done = run("hash", str(file), "--id-key", "id")
    assert done.exit_code == 1, done.output
    assert f'{file}:3: duplicate_source_id at $.id [source id 1]: the source id "1" is also the id of line 1\n' in (
        done.stderr
    )
    # In memory, records are rows (0-based, as "row N:" counts them) on both sides.
    with pytest.raises(groundset.ExampleError) as in_memory:
        client.upsert_dataset(
            name=unique_name, examples=[{"id": 1, "input": {}}, {"id": "1", "input": {}}], source_id_key="id"
        )
    assert str(in_memory.value) == (
        'row 1: duplicate_source_id at $.id [source id 1]: the source id "1" is also the id of row 0'
    )
    assert no_dataset(client, unique_name)


def test_case_07_numeric_source_ids(client: groundset.Client, run: Any, unique_name: str) -> None:
    folder = CASES / "07-numeric-source-ids"
    too_big = folder / "int64-ids.jsonl"
    with pytest.raises(groundset.ExampleError) as by_hash:
        groundset.hash_file(too_big, source_id_key="id")
    with pytest.raises(groundset.ExampleError) as by_sdk:
        client.upsert_dataset(name=unique_name, path=too_big, source_id_key="id")
    for error in (by_hash.value, by_sdk.value):
        assert [(i.line, i.code, i.path) for i in error.errors] == [
            (1, "invalid_source_id", "$.id"),
            (2, "invalid_source_id", "$.id"),
        ]
        assert "write it as a string" in error.errors[0].message
    done = run("upsert", str(too_big), "-d", unique_name, "--id-key", "id")
    assert done.exit_code == 1 and f"{too_big}:1: invalid_source_id at $.id" in done.stderr
    assert f"{too_big}:2: invalid_source_id at $.id" in done.stderr
    assert no_dataset(client, unique_name)
    # The same ids given in memory get the same answer.
    rows = [json.loads(line) for line in too_big.read_text(encoding="utf-8").splitlines()]
    with pytest.raises(groundset.ExampleError) as in_memory:
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    assert [i.code for i in in_memory.value.errors] == ["invalid_source_id"] * 2

    floats = folder / "float-ids.jsonl"
    pairs = groundset.hash_file(floats, source_id_key="id")
    assert [source_id for source_id, _ in pairs] == ["7", "8"]
    result = client.upsert_dataset(name=unique_name, path=floats, source_id_key="id")
    assert result.digest == groundset.manifest_digest(pairs) == cli_digest(run, floats, "--id-key", "id")
    assert [e[0] for e in stored(client, unique_name)] == ["7", "8"]
    rows = [json.loads(line) for line in floats.read_text(encoding="utf-8").splitlines()]
    assert isinstance(rows[0]["id"], float)
    again = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    assert again.noop and again.digest == result.digest


# --- hash --digest equals the server's digest, for every fixture form ---------------------------


def _forms(folder: Path) -> list[tuple[str, list[str]]]:
    """The same three examples as JSONL, JSON and CSV, structured and flat."""
    rows: list[dict[str, Any]] = [
        {
            "id": "q1",
            "input": {"question": "2+2?", "context": "math"},
            "output": {"answer": "4"},
            "metadata": {"t": "a"},
        },
        {
            "id": 2,
            "input": {"question": 'say "hi",\nthen go', "context": ""},
            "output": {"answer": "hi"},
            "metadata": {"t": "b"},
        },
        {"id": "q3", "input": {"question": "é ∑ 😀", "context": "x"}, "output": {"answer": ""}, "metadata": {"t": "c"}},
    ]
    flat = [{"id": r["id"], **r["input"], **r["output"], **r["metadata"]} for r in rows]
    # A structured record has no member but its parts and the id key: read by content, it has no id.
    anonymous = [{part: value for part, value in r.items() if part != "id"} for r in rows]
    for stem, records in (("structured", rows), ("anonymous", anonymous)):
        (folder / f"{stem}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        (folder / f"{stem}.json").write_text(json.dumps({"examples": records}, indent=2), encoding="utf-8")
    (folder / "flat.jsonl").write_text("".join(json.dumps(r) + "\n" for r in flat), encoding="utf-8")
    (folder / "flat.json").write_text(json.dumps(flat), encoding="utf-8")
    dotted = ["input.question", "input.context", "output.answer", "metadata.t"]
    for name, id_column in (("dotted.csv", ["id"]), ("anonymous.csv", [])):
        with (folder / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(id_column + dotted)
            for r in rows:
                ids = [r["id"]] if id_column else []
                writer.writerow([*ids, *r["input"].values(), r["output"]["answer"], r["metadata"]["t"]])
    with (folder / "flat.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "question", "context", "answer", "t"])
        for r in rows:
            writer.writerow([r["id"], *r["input"].values(), r["output"]["answer"], r["metadata"]["t"]])
    flat_keys = ["--input-keys", "question,context", "--output-keys", "answer", "--metadata-keys", "t"]
    return [
        ("anonymous.jsonl", []),
        ("anonymous.json", []),
        ("flat.jsonl", flat_keys),
        ("flat.json", flat_keys),
        ("anonymous.csv", []),
        ("flat.csv", flat_keys),
        ("structured.jsonl", ["--id-key", "id"]),
        ("structured.json", ["--id-key", "id"]),
        ("flat.jsonl", ["--id-key", "id", *flat_keys]),
        ("dotted.csv", ["--id-key", "id"]),
        ("flat.csv", ["--id-key", "id", "--output-keys", "answer", "--metadata-keys", "t"]),
    ]


def test_hash_digest_equals_the_servers_for_every_form(
    client: groundset.Client, run: Any, tmp_path: Path, unique_name: str
) -> None:
    digests: dict[str, set[str]] = {}
    for number, (name, options) in enumerate(_forms(tmp_path)):
        file = tmp_path / name
        digest = cli_digest(run, file, *options)
        done = run("upsert", str(file), "-d", f"{unique_name}-{number}", *options, "--json")
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout)["digest"] == digest, (name, options)
        digests.setdefault(" ".join(o for o in options if o == "--id-key"), set()).add(digest)
    # Flat and structured, JSON and CSV: the same examples, one digest (with ids, and by content).
    # CSV values are strings, so the id 2 is "2" there as in JSONL's integer rule.
    assert [len(found) for found in digests.values()] == [1, 1]
    assert digests[""] != digests["--id-key"]
    for name in ("qa-v1.jsonl", "qa-v2.jsonl"):
        file = EXAMPLES / name
        result = client.upsert_dataset(name=f"{unique_name}-{name}", path=file, source_id_key="id")
        assert result.digest == cli_digest(run, file, "--id-key", "id")


def test_upsert_path_sends_the_file_as_the_core_reads_it(
    client: groundset.Client, tmp_path: Path, unique_name: str
) -> None:
    """Large (plan, then NDJSON with only the needed content) and small, by path and in memory."""
    rows = [{"id": f"r{n}", "input": {"n": n, "x": [1.0, 1e21, "é"]}, "output": {"a": str(n)}} for n in range(2_500)]
    file = tmp_path / "big.jsonl"
    file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    by_path = client.upsert_dataset(name=unique_name, path=file, source_id_key="id")
    assert by_path.created == 2_500
    in_memory = client.upsert_dataset(name=unique_name + "-mem", examples=rows, source_id_key="id")
    assert (
        in_memory.digest == by_path.digest == groundset.manifest_digest(groundset.hash_file(file, source_id_key="id"))
    )
    rows[7]["output"] = {"a": "changed"}
    file.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    changed = client.upsert_dataset(name=unique_name, path=file, source_id_key="id", format="jsonl")
    assert (changed.updated, changed.unchanged) == (1, 2_499)
    example = next(e for e in client.get_dataset(name=unique_name) if e.source_id == "r7")
    assert example.input == {"n": 7, "x": [1, 1e21, "é"]} and example.output == {"a": "changed"}
    # threads= reads the file on that many threads, to the same records as on every core.
    one_thread = client.upsert_dataset(name=unique_name + "-one", path=file, source_id_key="id", threads=1)
    assert one_thread.digest == client.get_dataset(name=unique_name).digest
    assert groundset.read_examples(file, source_id_key="id", threads=1) == groundset.read_examples(
        file, source_id_key="id"
    )
    with pytest.raises(ValueError, match="threads must be None or a non-negative integer"):
        groundset.read_examples(file, threads=-1)
    assert groundset.read_examples(file, source_id_key="id")[7] == {
        "source_id": "r7",
        "content_hash": groundset.example_hash(rows[7]["input"], rows[7]["output"]),
        "input": rows[7]["input"],
        "output": {"a": "changed"},
        "metadata": {},
    }


def test_a_file_with_150_bad_lines(client: groundset.Client, run: Any, tmp_path: Path, unique_name: str) -> None:
    file = tmp_path / "bad.jsonl"
    lines = [json.dumps({"id": f"ok{n}", "input": {"n": n}}) for n in range(50)]
    lines += [json.dumps({"id": n + 0.5, "input": {}}) for n in range(150)]
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(groundset.ExampleError) as caught:
        client.upsert_dataset(name=unique_name, path=file, source_id_key="id")
    error = caught.value
    assert len(error.errors) == 100 and error.more_errors == 50
    assert [issue.line for issue in error.errors] == list(range(51, 151))
    assert str(error).endswith("... and 50 more")
    done = run("upsert", str(file), "-d", unique_name, "--id-key", "id")
    assert done.exit_code == 1
    listed = [line for line in done.stderr.splitlines() if line.startswith(f"{file}:")]
    assert len(listed) == 100 and listed[0].startswith(f"{file}:51: invalid_source_id at $.id: ")
    assert "... and 50 more" in done.stderr and "150 bad records; nothing was sent" in done.stderr
    assert run("hash", str(file), "--id-key", "id").exit_code == 1
    assert no_dataset(client, unique_name)


def test_format_option_and_unknown_extension(run: Any, tmp_path: Path) -> None:
    file = tmp_path / "rows.txt"
    file.write_text("id,input.q\na,1\n", encoding="utf-8")
    unknown = run("hash", str(file))
    assert unknown.exit_code == 1 and "(pass --format jsonl, json or csv)" in unknown.stderr
    assert groundset.hash_file(file, format="csv", source_id_key="id")[0][0] == "a"
    assert cli_digest(run, file, "--format", "csv", "--id-key", "id") == groundset.manifest_digest(
        groundset.hash_file(file, format="csv", source_id_key="id")
    )
    with pytest.raises(FileNotFoundError):
        groundset.hash_file(tmp_path / "absent.csv")


# --- the source-id rule: golden vectors ----------------------------------------------------------


def test_source_id_vectors() -> None:
    vectors = load_vectors()
    assert vectors["max_source_id_chars"] == groundset.MAX_SOURCE_ID_CHARS
    assert vectors["max_safe_integer"] == groundset.MAX_SAFE_INTEGER
    assert len(vectors["source_ids"]) >= 20
    for case in vectors["source_ids"]:
        value = json.loads(case["json"])
        if "source_id" in case:
            assert groundset.source_id(value) == case["source_id"], case["name"]
        else:
            with pytest.raises(groundset.HashError) as caught:
                groundset.source_id(value)
            assert (caught.value.code, caught.value.path) == (case["code"], "$"), case["name"]


def test_source_id_of_python_values() -> None:
    assert groundset.source_id(-(2**53 - 1)) == "-9007199254740991"
    for bad in (2**53, 2**200, -(2**64), True, False, float("nan"), float("inf"), b"x", ("a",)):
        with pytest.raises(groundset.HashError) as caught:
            groundset.source_id(bad)
        assert caught.value.code == "invalid_source_id", bad
    with pytest.raises(groundset.HashError, match="write it as a string"):
        groundset.source_id(2**53 + 1)


# --- property: generated records as CSV and JSONL -----------------------------------------------

_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12)
_records = st.lists(st.fixed_dictionaries({"q": _text, "ctx": _text, "a": _text, "m": _text}), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=_records, with_ids=st.booleans())
def test_generated_csv_and_jsonl_hash_as_the_server_stores_them(
    client: groundset.Client, tmp_path_factory: pytest.TempPathFactory, records: list[dict[str, str]], with_ids: bool
) -> None:
    folder = tmp_path_factory.mktemp("generated")
    # Read by content (no id key), a structured record has no id member and a CSV no id column.
    ids = [{"id": f"r{n}"} if with_ids else {} for n in range(len(records))]
    with (folder / "rows.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id"] * with_ids + ["input.q", "input.ctx", "output.a", "metadata.m"])
        writer.writerows([*i.values(), r["q"], r["ctx"], r["a"], r["m"]] for i, r in zip(ids, records, strict=True))
    structured = [
        {**i, "input": {"q": r["q"], "ctx": r["ctx"]}, "output": {"a": r["a"]}, "metadata": {"m": r["m"]}}
        for i, r in zip(ids, records, strict=True)
    ]
    (folder / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in structured), encoding="utf-8")
    key = "id" if with_ids else None
    from_csv = groundset.hash_file(folder / "rows.csv", source_id_key=key)
    from_jsonl = groundset.hash_file(folder / "rows.jsonl", source_id_key=key)
    assert from_csv == from_jsonl
    name = f"generated-{folder.name}"
    for file in ("rows.csv", "rows.jsonl"):
        result = client.upsert_dataset(
            name=name, path=folder / file, source_id_key=key, mode="mirror", allow_empty=True
        )
        assert result.digest == groundset.manifest_digest(from_csv), file


def test_a_file_that_cannot_be_read_is_a_hash_error_io_error_as_in_typescript(tmp_path: Path) -> None:
    """The same concept in both SDKs (js/tests/files.test.ts holds the same words): HashError
    ``io_error`` naming the path and the system's reason; here also an OSError with its errno."""
    missing = tmp_path / "nope.jsonl"
    client = groundset.Client(base_url="http://127.0.0.1:9")  # never reached: the file is read first
    calls: list[Callable[[], object]] = [
        lambda: groundset.hash_file(missing),
        lambda: groundset.read_examples(missing),
        lambda: groundset.hash_jsonl(missing),
        lambda: client.upsert_dataset(name="x", path=missing),
    ]
    for call in calls:
        with pytest.raises(groundset.HashError) as raised:
            call()
        error = raised.value
        assert (error.code, error.path) == ("io_error", "$")
        assert str(error) == f"io_error at $: cannot open {missing}: No such file or directory (os error 2)"
        assert isinstance(error, FileNotFoundError) and error.errno == errno.ENOENT and error.filename == str(missing)


STRAY_TEXT_LINES = [
    f"{REPO_ROOT}/fixtures/read/stray-text.jsonl:1:28: invalid_json at $: unexpected text after the JSON value; "
    "the line holds a carriage return (\\r) at column 27: a lone CR is a line break only in a file without LF, "
    "so in this file it is inside the line (remove it, or make it a line break)",
    f"{REPO_ROOT}/fixtures/read/stray-text.jsonl:2:28: invalid_json at $: unexpected text after the JSON value",
    f"{REPO_ROOT}/fixtures/read/stray-text.jsonl:3:31: invalid_json at $: unexpected text after the JSON value",
]
"""js/tests/files.test.ts expects the same lines of the TypeScript SDK."""


def test_stray_text_on_a_line_is_named_by_line_and_column_with_a_hint_for_a_lone_cr() -> None:
    with pytest.raises(groundset.ExampleError) as raised:
        groundset.hash_file(REPO_ROOT / "fixtures/read/stray-text.jsonl", source_id_key="id")
    assert [issue.column for issue in raised.value.errors] == [28, 28, 31]
    assert str(raised.value).splitlines()[1:] == [f"  {line}" for line in STRAY_TEXT_LINES]
