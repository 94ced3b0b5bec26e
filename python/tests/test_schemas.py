"""Dataset JSON Schemas through the Python SDK against a real server: set, get, delete, the
refusal over the latest version and force, and the local check before upload, which lists the
same issues as the server (path in the example, schema path, message, source id, row, line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import groundset_core
import pytest

import groundset
from conftest import ServerProcess
from groundset import PLAN_THRESHOLD

QUESTION = {
    "type": "object",
    "required": ["question"],
    "properties": {"question": {"type": "string", "minLength": 1}, "level": {"enum": ["easy", "hard"]}},
}
BAD = [
    {"id": "c", "input": {"question": ""}},
    {"id": "d", "input": {"question": "ok?", "level": "medium"}},
    {"id": "e", "input": {"question": "fine"}},
    {"id": "f", "input": {"level": "easy"}},
]
EXPECTED = [
    ("c", "$.input.question", "/input/properties/question/minLength"),
    ("d", "$.input.level", "/input/properties/level/enum"),
    ("f", "$.input", "/input/required"),
]


def seed(client: groundset.Client, name: str) -> None:
    client.upsert_dataset(name=name, examples=[{"id": "a", "input": {"question": "2+2?"}}], source_id_key="id")


def issues(error: groundset.ExampleError) -> list[tuple[str | None, str, str | None]]:
    return [(issue.source_id, issue.path, issue.schema_path) for issue in error.errors]


def test_set_get_delete_and_force(client: groundset.Client, unique_name: str) -> None:
    seed(client, unique_name)
    assert client.get_schema(name=unique_name) is None
    stored = client.set_schema(name=unique_name, input=QUESTION, metadata=True)
    assert isinstance(stored, groundset.DatasetSchema)
    assert (stored.input, stored.output, stored.metadata, stored.forced) == (QUESTION, None, True, False)
    assert client.get_schema(name=unique_name) == stored
    with pytest.raises(groundset.ValidationError) as violated:
        client.set_schema(name=unique_name, input={"required": ["level"]})
    assert violated.value.code == "schema_violation"
    assert [(e["source_id"], e["path"]) for e in violated.value.problem["errors"]] == [("a", "$.input")]
    assert client.set_schema(name=unique_name, input={"required": ["level"]}, force=True).forced is True
    client.delete_schema(name=unique_name)
    assert client.get_schema(name=unique_name) is None
    with pytest.raises(groundset.NotFoundError) as gone:
        client.delete_schema(name=unique_name)
    assert gone.value.code == "schema_not_found"
    with pytest.raises(groundset_core.InvalidSchemaError) as invalid:
        client.set_schema(name=unique_name, input={"type": "strin"}, output={"$ref": "https://example.com/x"})
    assert [(part, path) for part, path, _ in invalid.value.issues] == [
        ("input", "$.input.type"),
        ("output", "$.output"),
    ]


def many_with_bad() -> list[dict[str, Any]]:
    """More records than one request takes (a plan first), four of them bad as BAD."""
    rows: list[dict[str, Any]] = [{"id": f"ok{i}", "input": {"question": f"q{i}"}} for i in range(PLAN_THRESHOLD + 5)]
    for offset, row in zip((3, 40, 41, 200), BAD, strict=True):
        rows.insert(offset, row)
    return rows


def test_local_check_lists_what_the_server_would(client: groundset.Client, unique_name: str, tmp_path: Path) -> None:
    seed(client, unique_name)
    client.set_schema(name=unique_name, input=QUESTION)
    # A small sync is one request: the server's refusal, as the same ExampleError.
    with pytest.raises(groundset.ExampleError) as small:
        client.upsert_dataset(name=unique_name, examples=BAD, source_id_key="id")
    assert small.value.code == "schema_violation"
    assert issues(small.value) == EXPECTED
    assert [issue.row for issue in small.value.errors] == [0, 1, 3]
    # A large sync: checked here against the schema the plan carries, before uploading.
    rows = many_with_bad()
    with pytest.raises(groundset.ExampleError) as local:
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    with pytest.raises(groundset.ExampleError) as server:
        client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id", validate=False)
    assert issues(local.value) == issues(server.value) == EXPECTED
    assert [i.row for i in local.value.errors] == [i.row for i in server.value.errors] == [3, 40, 200]
    assert [i.message for i in local.value.errors] == [i.message for i in server.value.errors]
    # A file: the line of each record, locally and from the server.
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(groundset.canonicalize(row).decode() + "\n" for row in rows))
    for validate in (True, False):
        with pytest.raises(groundset.ExampleError) as from_file:
            client.upsert_dataset(name=unique_name, path=path, source_id_key="id", validate=validate)
        assert issues(from_file.value) == EXPECTED
        assert [issue.line for issue in from_file.value.errors] == [4, 41, 201]
        # Named FILE:LINE, as the reader's own errors and the CLI name a file's records.
        assert str(from_file.value).startswith(f"{path}: 3 bad records:\n  {path}:4: schema_violation")
        assert f"\n  {path}:201: schema_violation" in str(from_file.value)
    # A small file is one request: the server's refusal, named the same way.
    small_file = tmp_path / "small.jsonl"
    small_file.write_text("".join(groundset.canonicalize(row).decode() + "\n" for row in BAD))
    with pytest.raises(groundset.ExampleError) as small_refusal:
        client.upsert_dataset(name=unique_name, path=small_file, source_id_key="id")
    assert f"\n  {small_file}:1: schema_violation" in str(small_refusal.value)
    assert "row " not in str(small_refusal.value)
    assert [e.source_id for e in client.get_dataset(name=unique_name).examples] == ["a"]


def test_a_new_dataset_and_a_dataset_without_schema_are_not_checked(client: groundset.Client, unique_name: str) -> None:
    result = client.upsert_dataset(name=unique_name, examples=BAD, source_id_key="id")
    assert result.created == 4


def test_async_client(server: ServerProcess, unique_name: str) -> None:
    async def main() -> tuple[Any, Any]:
        async with groundset.AsyncClient(base_url=server.base_url) as client:
            await client.upsert_dataset(
                name=unique_name, examples=[{"id": "a", "input": {"question": "x"}}], source_id_key="id"
            )
            await client.set_schema(name=unique_name, input=QUESTION)
            with pytest.raises(groundset.ExampleError) as local:
                await client.upsert_dataset(name=unique_name, examples=BAD, source_id_key="id")
            got = await client.get_schema(name=unique_name)
            await client.delete_schema(name=unique_name)
            return local.value, got

    local, got = anyio.run(main)
    assert issues(local) == EXPECTED and got is not None and got.input == QUESTION


def test_records_and_violations_are_counted_apart(
    client: groundset.Client, run: Any, unique_name: str, tmp_path: Path
) -> None:
    """A record may break several rules: the headline counts records, then violations."""
    seed(client, unique_name)
    client.set_schema(name=unique_name, input=QUESTION)
    twice = [
        {"id": "g", "input": {"question": "", "level": "medium"}},
        {"id": "h", "input": {"level": "x"}},
        {"id": "i", "input": {"question": "fine"}},
    ]
    with pytest.raises(groundset.ExampleError) as refused:
        client.upsert_dataset(name=unique_name, examples=twice, source_id_key="id")
    assert len(refused.value.errors) == 4
    assert str(refused.value).startswith("2 bad records (4 violations):\n")
    path = tmp_path / "twice.jsonl"
    path.write_text("".join(groundset.canonicalize(row).decode() + "\n" for row in twice))
    done = run("upsert", str(path), "-d", unique_name, "--id-key", "id")
    # A small sync is checked by the server: sent, and nothing written.
    assert done.exit_code == 1 and f"{path}: 2 bad records (4 violations); nothing was written" in done.stderr
    with pytest.raises(groundset.ExampleError) as one_each:
        client.upsert_dataset(name=unique_name, examples=BAD, source_id_key="id")
    assert str(one_each.value).startswith("3 bad records:\n")
