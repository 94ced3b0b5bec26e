"""``groundset schema`` against a real server: print, set from files, the refusal over the latest
version and --force, an upsert refused with every violation (file and line), --delete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def test_schema_command(run: Any, tmp_path: Path, unique_name: str) -> None:
    data = tmp_path / "qa.jsonl"
    data.write_text(json.dumps({"id": "a", "input": {"question": "2+2?"}}) + "\n")
    assert run("upsert", str(data), "-d", unique_name, "--id-key", "id").exit_code == 0
    assert "no schema" in run("schema", unique_name).output
    schema = tmp_path / "input.json"
    schema.write_text(json.dumps({"type": "object", "required": ["question", "level"]}))
    refused = run("schema", unique_name, "--input", str(schema))
    assert refused.exit_code == 1 and "schema_violation" in refused.output, refused.output
    forced = run("schema", unique_name, "--input", str(schema), "--force", "--json")
    assert forced.exit_code == 0, forced.output
    assert json.loads(forced.output)["forced"] is True
    shown = run("schema", unique_name)
    assert "(forced)" in shown.output and '"level"' in shown.output

    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps({"id": i, "input": {"level": 1}}) + "\n" for i in ("b", "c")))
    upsert = run("upsert", str(bad), "-d", unique_name, "--id-key", "id")
    assert upsert.exit_code == 1
    assert "schema_violation" in upsert.output and "[source id c]" in upsert.output, upsert.output

    broken = tmp_path / "broken.json"
    broken.write_text("{")
    assert run("schema", unique_name, "--output", str(broken)).exit_code == 1
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"type": "strin"}))
    wrong = run("schema", unique_name, "--output", str(invalid))
    assert wrong.exit_code == 1 and "$.output.type" in wrong.output, wrong.output
    assert run("schema", unique_name, "--delete").exit_code == 0
    assert "no schema" in run("schema", unique_name).output
    assert run("schema", unique_name, "--delete").exit_code == 1


def test_a_refused_schema_lists_every_violation(run: Any, tmp_path: Path, unique_name: str) -> None:
    data = tmp_path / "qa.jsonl"
    data.write_text("".join(json.dumps({"id": f"e{i}", "input": {}, "metadata": {"k": i}}) + "\n" for i in range(105)))
    assert run("upsert", str(data), "-d", unique_name, "--id-key", "id").exit_code == 0
    schema = tmp_path / "metadata.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"k": {"type": "string"}}}))
    refused = run("schema", unique_name, "--metadata", str(schema))
    assert refused.exit_code == 1
    lines = refused.output.splitlines()
    listed = [line for line in lines if line.startswith("schema_violation at $.metadata.k [source id ")]
    assert len(listed) == 100, refused.output
    assert 'schema_violation at $.metadata.k [source id e7]: 7 is not of type "string"' in lines
    assert "... and 5 more" in lines
    assert lines[-1].startswith("error: 422 schema_violation: 105 violations of the dataset's JSON Schema")


def test_a_schema_file_that_is_not_there_is_named_by_its_option(run: Any, tmp_path: Path, unique_name: str) -> None:
    for part in ("input", "output", "metadata"):
        missing = run("schema", unique_name, f"--{part}", str(tmp_path / "nope.json"))
        assert missing.exit_code == 2
        assert f"Invalid value for '--{part}'" in missing.output and "nope.json" in missing.output
        assert "Errno" not in missing.output
    folder = run("schema", unique_name, "--input", str(tmp_path))
    assert folder.exit_code == 2 and "is a directory" in " ".join(folder.output.replace("│", "").split())
