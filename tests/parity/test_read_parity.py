"""Cross-language test of reading files and source ids: the Python SDK, the TypeScript SDK (node
on the built js package), the CLI and the server accept and refuse the same source ids and give
the same digests for the same files.

For each file: ``groundset.hash_file``, ``Client.upsert_dataset(path=)``, ``groundset hash
--digest`` and ``groundset upsert`` (a real process each), ``hashFile`` and ``upsertDataset({ path })``
in Node, all against one real server: the same digest, or the same refusal (line, code, path).
For each source id of fixtures/hash-vectors.json: Python's ``source_id``, Node's ``sourceIdOf``,
the CLI on a one-line JSONL file and the server's REST API give the same spelling, or all refuse
it. The REST API's ``source_id`` is the spelled string (the SDKs spell numeric ids before sending):
a string id is sent as it is, an accepted number as its spelling, a refused one as its JSON text.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import groundset
import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / ".venv" / "bin" / "groundset"
FIXTURES = ROOT / "fixtures"

# (file, source_id_key, extra options): every format, structured and flat, good and bad.
FILES: list[tuple[str, str | None, dict[str, Any]]] = [
    ("examples/qa-v1.jsonl", "id", {}),
    ("examples/qa-v2.jsonl", None, {}),
    ("cases/01-csv-long-field/long-context.csv", "id", {}),
    ("cases/01-csv-long-field/long-context.jsonl", "id", {}),
    ("cases/02-utf8-bom/excel-export.csv", "id", {}),
    ("cases/02-utf8-bom/excel-export-no-id.csv", None, {}),
    ("cases/02-utf8-bom/notepad-saved.jsonl", "id", {}),
    ("cases/03-csv-ragged-rows/row-too-long.csv", "id", {}),
    ("cases/03-csv-ragged-rows/row-too-short.csv", "id", {}),
    ("cases/06-jsonl-duplicate-keys/dup-keys.jsonl", "id", {}),
    ("cases/06-jsonl-duplicate-keys/dup-keys.json", "id", {}),
    ("cases/07-numeric-source-ids/int64-ids.jsonl", "id", {}),
    ("cases/07-numeric-source-ids/float-ids.jsonl", "id", {}),
    ("read/multiline.csv", "id", {}),
    ("read/examples.json", "id", {}),
    ("read/stray-text.jsonl", "id", {}),
    ("cases/03-csv-ragged-rows/row-too-short.csv", "id", {"output_keys": ["output.answer"], "format": "csv"}),
]


def refusal(error: groundset.ExampleError) -> dict[str, Any]:
    return {"issues": [[issue.line, issue.column, issue.code, issue.path, issue.message] for issue in error.errors]}


def cli(server: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GROUNDSET_BASE_URL": server.base_url}
    return subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, check=False)


def cli_options(key: str | None, options: dict[str, Any]) -> list[str]:
    argv = ["--id-key", key] if key is not None else []
    for name in ("input_keys", "output_keys", "metadata_keys"):
        if name in options:
            argv += [f"--{name.replace('_', '-')}", ",".join(options[name])]
    if "format" in options:
        argv += ["--format", options["format"]]
    return argv


def cli_refusal(done: subprocess.CompletedProcess[str], file: Path) -> dict[str, Any]:
    """The CLI's ``FILE:LINE[:COLUMN]: CODE at PATH [source id ID]: message`` lines as issues."""
    assert done.returncode == 1, done.stderr
    issues = []
    for line in done.stderr.splitlines():
        if line.startswith(f"{file}:"):
            location, rest = line[len(f"{file}:") :].split(": ", 1)
            number, _, column = location.partition(":")
            code, rest = rest.split(" at ", 1)
            where, message = rest.split(": ", 1)
            path = where.split(" [source id", 1)[0]
            for part in ("input", "output", "metadata"):  # the CLI names its options, the SDKs' keys
                message = message.replace(f"(named in --{part}-keys)", f"(named in {part}_keys)")
            issues.append([int(number), int(column) if column else None, code, path, message])
    return {"issues": issues}


def python_side(server: Any, file: Path, key: str | None, options: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    try:
        found["hash"] = {"digest": groundset.manifest_digest(groundset.hash_file(file, source_id_key=key, **options))}
    except groundset.ExampleError as error:
        found["hash"] = refusal(error)
    with groundset.Client(base_url=server.base_url) as client:
        try:
            result = client.upsert_dataset(name=name, path=file, source_id_key=key, **options)
            found["upsert"] = {"digest": result.digest}
        except groundset.ExampleError as error:
            found["upsert"] = refusal(error)
    hashed = cli(server, "hash", str(file), *cli_options(key, options), "--digest")
    found["cli hash"] = {"digest": hashed.stdout.strip()} if hashed.returncode == 0 else cli_refusal(hashed, file)
    upserted = cli(server, "upsert", str(file), "-d", name + "-cli", *cli_options(key, options), "--json")
    found["cli upsert"] = (
        {"digest": json.loads(upserted.stdout)["digest"]} if upserted.returncode == 0 else cli_refusal(upserted, file)
    )
    return found


def server_source_id(server: Any, text: str, content_hash: str) -> dict[str, str]:
    """The server's answer to a dry-run upsert of one example whose id is this JSON text."""
    body = (
        f'{{"dataset": {{"name": "ids-{uuid.uuid4().hex[:8]}"}}, "dry_run": true, '
        f'"examples": [{{"source_id": {text}, "content_hash": "{content_hash}", "input": {{}}}}]}}'
    )
    answer = httpx.post(
        f"{server.base_url}/v1/datasets/upsert",
        content=body.encode(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    if answer.status_code == 200:
        (created,) = answer.json()["created_source_ids"]
        return {"sourceId": created}
    assert answer.status_code == 422, answer.text
    return {"error": answer.json()["code"]}


def test_files_and_source_ids_agree_across_languages(server: Any, tmp_path: Path) -> None:
    vectors = json.loads((FIXTURES / "hash-vectors.json").read_text(encoding="utf-8"))
    id_texts = [case["json"] for case in vectors["source_ids"]] + [
        "7.00",
        "-0",
        "1E1",
        "123456789012345678901234567890",
    ]
    tasks: dict[str, Any] = {"files": [], "ids": id_texts}
    expected: list[dict[str, Any]] = []
    for number, (relative, key, options) in enumerate(FILES):
        file = FIXTURES / relative
        name = f"parity-{number}-{uuid.uuid4().hex[:8]}"
        found = python_side(server, file, key, options, name)
        assert len({json.dumps(answer, sort_keys=True) for answer in found.values()}) == 1, (relative, found)
        expected.append(found["hash"])
        tasks["files"].append(
            {
                "path": str(file),
                "dataset": name + "-ts",
                "sourceIdKey": key,
                "format": options.get("format"),
                "inputKeys": options.get("input_keys"),
                "outputKeys": options.get("output_keys"),
                "metadataKeys": options.get("metadata_keys"),
            }
        )
    # Both answers occur: the comparison means something.
    assert any("digest" in answer for answer in expected) and any("issues" in answer for answer in expected)

    tasks_path, results_path = tmp_path / "tasks.json", tmp_path / "node.json"
    tasks_path.write_text(json.dumps(tasks), encoding="utf-8")
    node_env = {**os.environ, "GROUNDSET_BASE_URL": server.base_url}
    script = ROOT / "tests/parity/read_files.mjs"
    subprocess.run(["node", str(script), str(tasks_path), str(results_path)], check=True, env=node_env)
    node = json.loads(results_path.read_text(encoding="utf-8"))
    for (relative, _key, _options), want, got in zip(FILES, expected, node["files"], strict=True):
        assert got == {"hash": want, "upsert": want}, relative

    empty_hash = groundset.example_hash({})
    for text, node_answer in zip(id_texts, node["ids"], strict=True):
        try:
            python_answer = {"sourceId": groundset.source_id(json.loads(text))}
        except groundset.HashError as error:
            python_answer = {"error": error.code}
        line_file = tmp_path / "one.jsonl"
        line_file.write_text(f'{{"id": {text}, "input": {{}}}}\n', encoding="utf-8")
        done = cli(server, "hash", str(line_file), "--id-key", "id")
        cli_answer = (
            {"sourceId": done.stdout.split("\t")[0]}
            if done.returncode == 0
            else {"error": cli_refusal(done, line_file)["issues"][0][2]}
        )
        value = json.loads(text)
        spelled = python_answer.get("sourceId")
        sent = text if isinstance(value, str) or spelled is None else json.dumps(spelled)
        server_answer = server_source_id(server, sent, empty_hash)
        answers = {"python": python_answer, "node": node_answer, "cli": cli_answer, "server": server_answer}
        assert len({json.dumps(answer) for answer in answers.values()}) == 1, (text[:40], answers)


# (records, options): structured records in memory that break the member rule (or a part's
# shape), each record with one problem. ``source_id`` names the member a source-id function
# returns (``lambda record: record[k]`` / ``(record) => record[k]``).
BAD_RECORDS: list[tuple[list[Any], dict[str, str]]] = [
    (
        [
            {"id": "1", "input": {"q": 1}, "ouput": {"a": 1}},
            {"id": "2", "input": {}},
            {"id": "3", "input": {}, "output": {}, "metdata": {}, "note": "x"},
            {"id": "4", "question": "q", "answer": "a"},
            {"id": "5", "Input": {"q": 1}},
            {"id": "6", "input": [1]},
            {"id": "7", "input": {}, "output": [1]},
            {"id": "8", "input": {}, "metadata": "m"},
            {"id": "9", "input": {}, "output": None, "metadata": None},
        ],
        {"source_id_key": "id"},
    ),
    ([{"id": "1", "input": {}}, {"input": {}, "output": {}}, {}], {}),
    ([{"k": "a", "input": {}, "extra": 1}, {"k": "b", "question": "q"}], {"source_id": "k"}),
]


# Records with several problems each (a content problem and an id problem, a repeated id):
# both SDKs list every one, in the same order. Options as Python names them.
MIXED_RECORDS: list[tuple[list[Any], dict[str, Any]]] = [
    (
        [
            {"input": {}, "ouput": {}},
            {"id": 1.5, "input": {}, "x": 1},
            {"id": "a", "input": {}},
            {"id": "a", "input": {}, "typo": 1},
            {"id": "b", "input": [1]},
            {"id": "b", "input": {}},
        ],
        {"source_id_key": "id"},
    ),
    (
        [{"id": "a", "q": "x"}, {"q": "y", "answer": "z"}, {"id": "a", "q": "w"}],
        {"source_id_key": "id", "output_keys": ["answer"]},
    ),
]
# Codes whose message is the core's (the others name an SDK's options, in its own spelling).
CORE_CODES = {"unknown_field", "not_an_object", "invalid_source_id", "duplicate_source_id"}


def issues_in_both_sdks(server: Any, cases: list[tuple[list[Any], dict[str, Any]]]) -> tuple[list[Any], list[Any]]:
    """``[row, code, path, message, source id]`` of each case's ExampleError: Python's, Node's."""
    python: list[list[list[Any]]] = []
    with groundset.Client(base_url=server.base_url) as client:
        for records, options in cases:
            chosen = {name: value for name, value in options.items() if name != "source_id"}
            key = options.get("source_id")
            if key is not None:
                chosen["source_id"] = lambda record, key=key: record[key]
            with pytest.raises(groundset.ExampleError) as refused:
                client.upsert_dataset(name=f"members-{uuid.uuid4().hex[:8]}", examples=records, **chosen)
            python.append([[i.row, i.code, i.path, i.message, i.source_id] for i in refused.value.errors])
    script = """
import { upsertDataset } from '../../js/dist/index.js';
const cases = JSON.parse(process.argv[1]);
const names = {
  source_id_key: 'sourceIdKey', input_keys: 'inputKeys', output_keys: 'outputKeys', metadata_keys: 'metadataKeys',
};
const out = [];
for (const [records, options] of cases) {
  const chosen = {};
  for (const [name, value] of Object.entries(options)) if (names[name]) chosen[names[name]] = value;
  if (options.source_id !== undefined) chosen.sourceId = (record) => record[options.source_id];
  try {
    await upsertDataset({ dataset: { datasetName: `members-${out.length}` }, examples: records, ...chosen });
    out.push('accepted');
  } catch (error) {
    out.push(error.errors.map((i) => [i.row, i.code, i.path, i.message, i.sourceId ?? null]));
  }
}
console.log(JSON.stringify(out));
"""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, json.dumps(cases)],
        cwd=Path(__file__).parent,
        env={**os.environ, "GROUNDSET_BASE_URL": server.base_url},
        capture_output=True,
        text=True,
        check=True,
    )
    return python, json.loads(done.stdout)


def test_records_with_several_problems_get_the_same_issues_in_both_sdks(server: Any) -> None:
    python, node = issues_in_both_sdks(server, MIXED_RECORDS)
    for ours, theirs in zip(python, node, strict=True):
        assert [[row, code, path, sid] for row, code, path, _, sid in theirs] == [
            [row, code, path, sid] for row, code, path, _, sid in ours
        ]
        assert [i[3] for i in theirs if i[1] in CORE_CODES] == [i[3] for i in ours if i[1] in CORE_CODES]
    assert [issue[:3] + issue[4:] for issue in python[0]] == [
        [0, "missing_source_id", "$.id", None],
        [0, "unknown_field", "$.ouput", None],
        [1, "invalid_source_id", "$.id", None],
        [1, "unknown_field", "$.x", None],
        [3, "unknown_field", "$.typo", "a"],
        [3, "duplicate_source_id", "$.id", "a"],
        [4, "not_an_object", "$.input", "b"],
        [5, "duplicate_source_id", "$.id", "b"],
    ]
    assert python[0][5][3] == 'the source id "a" is also the id of row 2'
    assert [issue[:3] for issue in python[1]] == [
        [0, "missing_key", "$.answer"],
        [1, "missing_source_id", "$.id"],
        [2, "missing_key", "$.answer"],
        [2, "duplicate_source_id", "$.id"],
    ]


def test_bad_records_in_memory_get_the_same_issues_in_both_sdks(server: Any) -> None:
    """The member rule of structured records is the core's, for files and for records in memory:
    both SDKs report the same issues (row, code, path, message, source id) for the same records,
    and the rule's messages are those of a file's records."""
    python, node = issues_in_both_sdks(server, BAD_RECORDS)
    assert node == python
    first = python[0]
    assert [issue[:3] for issue in first] == [
        [0, "unknown_field", "$.ouput"],
        [2, "unknown_field", "$.metdata"],
        [3, "not_an_object", "$.input"],
        [4, "not_an_object", "$.input"],
        [5, "not_an_object", "$.input"],
        [6, "not_an_object", "$.output"],
        [7, "not_an_object", "$.metadata"],
    ]
    assert '"ouput" (did you mean "output"?)' in first[0][3] and first[0][4] == "1"
    assert '("Input" is not "input")' in first[3][3] and 'its members are ["id", "question", "answer"]' in first[2][3]
    assert [issue[:3] for issue in python[1]] == [[0, "unknown_field", "$.id"], [2, "not_an_object", "$.input"]]
    assert [issue[:3] for issue in python[2]] == [[1, "not_an_object", "$.input"]]
    # A file's record gets the same issue as the same record in memory.
    with pytest.raises(groundset.ExampleError) as in_file:
        groundset.hash_file(_jsonl(BAD_RECORDS[0][0][:1]), source_id_key="id")
    assert [in_file.value.errors[0].code, in_file.value.errors[0].message] == first[0][1:4:2]


def _jsonl(records: list[Any]) -> Path:
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"members-{uuid.uuid4().hex}.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path
