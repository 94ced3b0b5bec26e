"""CSV typed cells through the SDK's readers: a `….:json` column's cells are JSON values (an empty
one leaves the member out), as the core reads them for every binding (docs/hashing.md, section 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

import groundset

TYPED = (
    "id,input.question,input.score:json,input.tags:json,output:json,metadata.source:json\r\n"
    'q1,2+2?,0.5,"[""math"", 1]","{""answer"": 4}",\r\n'
    'q2,,-0.0,"{}",,"""web"""\r\n'
)


def test_typed_cells_read_as_json_values_and_hash_as_the_same_jsonl(tmp_path: Path) -> None:
    table = tmp_path / "typed.csv"
    table.write_text(TYPED, encoding="utf-8", newline="")
    examples = groundset.read_examples(table, source_id_key="id")
    assert [(e["source_id"], e["input"], e["output"], e["metadata"]) for e in examples] == [
        ("q1", {"question": "2+2?", "score": 0.5, "tags": ["math", 1]}, {"answer": 4}, {}),
        ("q2", {"question": "", "score": 0, "tags": {}}, {}, {"source": "web"}),
    ]
    lines = tmp_path / "typed.jsonl"
    lines.write_text(
        '{"id": "q1", "input": {"question": "2+2?", "score": 0.5, "tags": ["math", 1]}, "output": {"answer": 4}}\n'
        '{"id": "q2", "input": {"question": "", "score": -0.0, "tags": {}}, "metadata": {"source": "web"}}\n',
        encoding="utf-8",
    )
    assert groundset.hash_file(table, source_id_key="id") == groundset.hash_file(lines, source_id_key="id")


def test_bad_json_in_a_cell_names_the_line_column_and_path(tmp_path: Path) -> None:
    table = tmp_path / "bad.csv"
    table.write_text('id,input.v:json\na,"{""k"": 1, ""k"": 2}"\nb,1\nc,nan\n', encoding="utf-8", newline="")
    with pytest.raises(groundset.ExampleError) as refused:
        groundset.hash_file(table, source_id_key="id")
    found = [(issue.line, issue.code, issue.path, issue.source_id) for issue in refused.value.errors]
    assert found == [(2, "duplicate_key", "$.input.v.k", "a"), (4, "invalid_json", "$.input.v", "c")]
    assert 'column 2 ("input.v:json") holds JSON text' in refused.value.errors[0].message
