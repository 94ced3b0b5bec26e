"""export_dataset against a real server: the file (JSONL or CSV, to a path or a file object)
reads back to the version's digest and mirrors back as a no-op; refusals leave no file."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, get_args

import pytest

import groundset
from groundset._export import ExportFormat
from test_cli import plain

EXAMPLES: list[dict[str, Any]] = [
    {
        "id": f"e{i}",
        "input": {"question": f"q{i} é", "n": [2**53 - 1, -0.0, 1e308, 5e-324][i % 4], "deep": {"k.x": i}},
        **({"output": {"answer": f"a{i}"}} if i % 2 else {}),
        **({"metadata": {"tags": ["x"] * i}} if i % 3 == 0 else {}),
    }
    for i in range(12)
]


@pytest.mark.parametrize("export_format", get_args(ExportFormat))
def test_an_export_reads_back_to_the_version_and_mirrors_as_a_no_op(
    client: groundset.Client, unique_name: str, tmp_path: Path, export_format: ExportFormat
) -> None:
    synced = client.upsert_dataset(name=unique_name, examples=EXAMPLES, source_id_key="id")
    path = tmp_path / f"out.{export_format}"
    result = groundset.export_dataset(name=unique_name, format=export_format, path=path, client=client)
    assert result == groundset.ExportResult(
        str(synced.dataset_id), str(synced.version_id), export_format, str(path), path.stat().st_size
    )
    assert groundset.manifest_digest(groundset.hash_file(path, source_id_key="id")) == synced.digest
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    again = client.upsert_dataset(name=unique_name, path=path, source_id_key="id", mode="mirror")
    assert again.noop and again.version_id == synced.version_id
    # To a file object, the same bytes; an older version by id or by tag.
    buffer = io.BytesIO()
    by_id = groundset.export_dataset(
        dataset_id=synced.dataset_id, version_id=synced.version_id, format=export_format, file=buffer, client=client
    )
    assert (by_id.path, by_id.size, buffer.getvalue()) == (None, result.size, path.read_bytes())
    client.upsert_dataset(name=unique_name, examples=EXAMPLES[:3], source_id_key="id", mode="mirror")
    client.tag_version(name=unique_name, tag="before", version_id=str(synced.version_id))
    tagged = io.BytesIO()
    groundset.export_dataset(name=unique_name, tag="before", format=export_format, file=tagged, client=client)
    assert tagged.getvalue() == path.read_bytes()


def test_refusals_leave_no_file(client: groundset.Client, unique_name: str, tmp_path: Path) -> None:
    client.upsert_dataset(name=unique_name, examples=EXAMPLES[:2], source_id_key="id")
    path = tmp_path / "refused.csv"
    with pytest.raises(groundset.ValidationError) as refused:
        groundset.export_dataset(name=unique_name, format="csv", id_key="a.b", path=path, client=client)
    assert refused.value.code == "invalid_id_key"
    with pytest.raises(groundset.NotFoundError) as missing:
        groundset.export_dataset(name=unique_name, tag="nope", path=path, client=client)
    assert missing.value.code == "tag_not_found"
    with pytest.raises(groundset.NotFoundError):
        groundset.export_dataset(name=unique_name + "-none", path=path, client=client)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="exactly one of path= and file="):
        groundset.export_dataset(name=unique_name, client=client)
    with pytest.raises(ValueError, match="format="):
        groundset.export_dataset(name=unique_name, format="xlsx", path=path, client=client)  # type: ignore[arg-type]


def test_the_cli_exports_to_a_file_or_stdout(
    client: groundset.Client, run: Any, unique_name: str, tmp_path: Path
) -> None:
    synced = client.upsert_dataset(name=unique_name, examples=EXAMPLES, source_id_key="id")
    path = tmp_path / "out.csv"  # the format from the extension
    done = run("export", unique_name, "-o", str(path))
    assert done.exit_code == 0, done.output
    assert f"version {synced.version_id} -> {path} (csv," in done.output
    assert path.read_bytes().startswith(b"id,input.deep:json,input.n:json,input.question,")
    assert groundset.manifest_digest(groundset.hash_file(path, source_id_key="id")) == synced.digest
    printed = run("export", unique_name, "-o", "-", "--version", str(synced.version_id), "--id-key", "key")
    assert printed.exit_code == 0, printed.output
    assert printed.stdout_bytes.startswith(b'{"key":"e0","input":')
    both = run("export", unique_name, "-o", str(path), "--version", "1", "--tag", "t")
    assert both.exit_code == 2 and "not both" in both.output
    refused = run("export", unique_name, "-o", str(tmp_path / "x.csv"), "--id-key", "input", "--json")
    assert refused.exit_code == 1 and '"invalid_id_key"' in refused.stdout
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.parametrize(
    ("name", "written"),
    [("out.csv", "csv"), ("OUT.CSV", "csv"), ("out.jsonl", "jsonl"), ("out.ndjson", "jsonl"), ("out.txt", "jsonl")],
)
def test_the_format_follows_the_extension(
    client: groundset.Client, run: Any, unique_name: str, tmp_path: Path, name: str, written: ExportFormat
) -> None:
    """As the CLI does: a path's extension names the format; a format it contradicts is refused."""
    synced = client.upsert_dataset(name=unique_name, examples=EXAMPLES[:2], source_id_key="id")
    path = tmp_path / name
    result = groundset.export_dataset(name=unique_name, path=path, client=client)
    assert result.format == written
    assert path.read_bytes().startswith(b"id," if written == "csv" else b'{"id":"e0"')
    assert groundset.manifest_digest(groundset.hash_file(path, source_id_key="id", format=written)) == synced.digest
    other: ExportFormat = "jsonl" if written == "csv" else "csv"
    if name != "out.txt":
        with pytest.raises(ValueError, match=f"format= '{other}' contradicts the extension of path="):
            groundset.export_dataset(name=unique_name, format=other, path=tmp_path / ("again" + name), client=client)
        assert not (tmp_path / ("again" + name)).exists()
        refused = run("export", unique_name, "-o", str(tmp_path / ("cli" + name)), "--format", other)
        assert refused.exit_code == 2 and "contradicts the extension" in plain(refused.output)
    # A file object has no extension: JSONL unless told.
    assert groundset.export_dataset(name=unique_name, file=io.BytesIO(), client=client).format == "jsonl"


def test_a_path_whose_folder_is_missing_is_named(client: groundset.Client, run: Any, tmp_path: Path) -> None:
    target = tmp_path / "nonexist" / "x.jsonl"
    cli = run("export", "qa-never-made", "-o", str(target))
    assert cli.exit_code == 2
    assert "Invalid value for '--output'" in cli.output
    assert f"its folder '{tmp_path / 'nonexist'}' does not exist" in " ".join(cli.output.replace("│", "").split())
    assert ".part" not in cli.output and "Errno" not in cli.output
    # The SDK refuses it before asking the server anything (no such dataset would be a 404).
    with pytest.raises(FileNotFoundError, match=f"^cannot write {target}: its folder {target.parent} does not exist$"):
        groundset.export_dataset(name="qa-never-made", path=target, client=client)
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        groundset.export_dataset(name="qa-never-made", path=tmp_path, client=client)
