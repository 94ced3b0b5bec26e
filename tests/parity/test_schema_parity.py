"""The same bad records against the same dataset JSON Schema give the same issues in both SDKs:
row, code, path in the example, schema path, message and source id, whether the SDK's local
check (a large sync, before uploading) or the server (a one-request sync) found them."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import groundset
import pytest

SCHEMAS: dict[str, Any] = {
    "input": {
        "type": "object",
        "required": ["question"],
        "properties": {
            "question": {"type": "string", "minLength": 1},
            "choices": {"type": "array", "items": {"$ref": "#/$defs/choice"}, "maxItems": 3},
        },
        "$defs": {"choice": {"type": "string", "pattern": "^[A-D]: "}},
    },
    "output": {
        "type": "object",
        "required": ["answer"],
        "properties": {"answer": {"type": "string"}},
        "additionalProperties": False,
    },
    "metadata": {"type": "object", "properties": {"a key": {"type": "integer"}, "topic": {"const": "math"}}},
}
BAD = [
    {"id": "b1", "input": {"question": "", "choices": ["A: x", "E: y", 3, "B: z"]}, "output": {"answer": 1, "x": 2}},
    {"id": "b2", "input": {"choices": []}, "metadata": {"a key": 1.5, "topic": "art"}},
    {"id": "b3", "input": {"question": 5}, "output": {"answer": "é"}},
]


def records(large: bool) -> list[dict[str, Any]]:
    good = [
        {"id": f"ok{i}", "input": {"question": f"q{i}"}, "output": {"answer": "A"}} for i in range(1100 if large else 3)
    ]
    return [*good[:2], BAD[0], *good[2:], BAD[1], BAD[2]]


def python_issues(client: groundset.Client, name: str, examples: list[dict[str, Any]]) -> list[list[Any]]:
    with pytest.raises(groundset.ExampleError) as refused:
        client.upsert_dataset(name=name, examples=examples, source_id_key="id")
    return [[i.row, i.code, i.path, i.schema_path, i.message, i.source_id] for i in refused.value.errors]


def test_both_sdks_list_the_same_schema_violations(server: Any) -> None:
    name = f"schema-{uuid.uuid4().hex[:8]}"
    with groundset.Client(base_url=server.base_url) as client:
        client.upsert_dataset(name=name, examples=records(False)[:2], source_id_key="id")
        client.set_schema(name=name, **SCHEMAS)
        python = [python_issues(client, name, records(large)) for large in (False, True)]
    script = """
import { upsertDataset } from '../../js/dist/index.js';
const [name, cases] = JSON.parse(process.argv[1]);
const out = [];
for (const examples of cases) {
  try {
    await upsertDataset({ dataset: { datasetName: name }, examples, sourceIdKey: 'id' });
    out.push('accepted');
  } catch (error) {
    out.push(error.errors.map((i) => [i.row, i.code, i.path, i.schemaPath ?? null, i.message, i.sourceId ?? null]));
  }
}
console.log(JSON.stringify(out));
"""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, json.dumps([name, [records(False), records(True)]])],
        cwd=Path(__file__).parent,
        env={**os.environ, "GROUNDSET_BASE_URL": server.base_url},
        capture_output=True,
        text=True,
        check=True,
    )
    node = json.loads(done.stdout)
    assert python == node
    small, large = python
    # The server's answer (small) and the local check (large) agree, but for the rows.
    assert [issue[1:] for issue in small] == [issue[1:] for issue in large]
    paths = {issue[2] for issue in small}
    assert {"$.input.question", "$.input.choices[1]", "$.input.choices[2]", '$.metadata["a key"]', "$.input"} <= paths
    assert len(small) >= 9
