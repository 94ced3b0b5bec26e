"""GET /v1/datasets/{id}/export on SQLite and PostgreSQL: the acceptance test is the round trip.
An exported file (JSONL or CSV) read back by the core reader with the id key gives exactly the
version's manifest (same pairs, same digest), and a mirror upsert of it through the SDK against
a real server process is a no-op."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import groundset
import groundset_core
import httpx
import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.db.tables import version_tags
from groundset_server.services import exports
from groundset_server.services.values import now
from tests.conftest import Server, example

ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = ROOT / "fixtures/examples/qa-v1.jsonl"
EDGES = [2**53 - 1, -(2**53 - 1), 1e308, 5e-324, -0.0, 0.1, 1e20, 1e21]
FORMATS = ["jsonl", "csv"]


def generated() -> list[dict[str, Any]]:
    """Examples with every shape the CSV plan must handle: strings in every example (plain
    columns), strings in some (typed, absent elsewhere), numbers at the edges of the hash domain,
    nested and empty objects, keys with '.', ':' and spaces, unicode, absent and null parts."""
    items: list[dict[str, Any]] = []
    for i in range(40):
        input_: dict[str, Any] = {
            "question": f'q{i} é😀 \u2028 "quoted", comma\r\nnext',
            "context": {"doc": "" if i % 3 == 0 else f"d{i}", "n": EDGES[i % len(EDGES)]},
            "empty": {},
        }
        if i % 2:
            input_["sometimes"] = f"s{i}"
        if i % 5 == 0:
            input_["odd"] = {"a.b": 1, "c:d": [None, True], " pad ": "x"}
        if i % 7 == 0:
            input_["context"]["deep"] = {"list": [{"x": EDGES}], "s": "\u0000nul"}
        item: dict[str, Any] = {"source_id": f"{i:03d}" if i % 4 else str(i), "input": input_}
        if i % 3 == 1:
            item["output"] = {"answer": f"a{i}", "score": EDGES[i % len(EDGES)]}
        elif i % 3 == 2:
            item["output"] = None
        if i % 4 == 1:
            item["metadata"] = {"topic": "t", "tags": ["x", i]}
        elif i % 4 == 2:
            item["metadata"] = None
        elif i % 4 == 3:
            item["metadata"] = {}
        item["content_hash"] = groundset.example_hash(item["input"], item.get("output"), item.get("metadata"))
        items.append(item)
    return items


def quickstart() -> list[dict[str, Any]]:
    records = [orjson.loads(line) for line in QUICKSTART.read_bytes().splitlines() if line.strip()]
    return [example(r["id"], r["input"], r.get("output"), r.get("metadata")) for r in records]


def upsert(
    client: TestClient, name: str, items: list[dict[str, Any]], mode: str = "merge"
) -> tuple[str, str]:
    body = {"dataset": {"name": name}, "examples": items, "mode": mode}
    response = client.post("/v1/datasets/upsert", json=body)
    assert response.status_code == 200, response.text
    body = response.json()
    return body["dataset_id"], body["version_id"]


def manifest(client: TestClient, dataset_id: str, version_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/datasets/{dataset_id}/manifest", params={"version_id": version_id})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def export(client: TestClient, dataset_id: str, tmp_path: Path, **query: str) -> Path:
    response = client.get(f"/v1/datasets/{dataset_id}/export", params=query)
    assert response.status_code == 200, response.text
    export_format = query.get("format", "jsonl")
    path = tmp_path / f"export-{len(list(tmp_path.iterdir()))}.{export_format}"
    path.write_bytes(response.content)
    return path


def read_back(path: Path, id_key: str) -> tuple[list[tuple[str, str]], str]:
    pairs, issues, more = groundset_core.read_hashes(path, id_key=id_key)
    assert (issues, more) == ([], 0), issues[:5]
    return sorted(pairs), groundset_core.manifest_digest(pairs)


@pytest.mark.parametrize("export_format", FORMATS)
@pytest.mark.parametrize("data", ["quickstart", "generated"])
def test_an_export_reads_back_to_the_version(
    client: TestClient, tmp_path: Path, export_format: str, data: str
) -> None:
    items = quickstart() if data == "quickstart" else generated()
    dataset_id, version = upsert(client, data, items)
    # A second version, so that the first is read as of then (the look-back query).
    changed = [*items[1:], example("new", {"question": "later"})]
    upsert(client, data, changed, mode="mirror")
    latest = client.get(f"/v1/datasets/{dataset_id}/manifest").json()
    for by_version, expected, sent in [
        ({"version_id": version}, manifest(client, dataset_id, version), items),
        ({}, latest, changed),
    ]:
        path = export(client, dataset_id, tmp_path, format=export_format, id_key="key", **by_version)
        pairs, digest = read_back(path, "key")
        assert pairs == sorted(map(tuple, expected["examples"]))
        assert digest == expected["digest"]
        assert len(pairs) == len(sent)


def test_csv_columns_are_strings_where_they_can_be_and_typed_elsewhere(client: TestClient) -> None:
    dataset_id, _ = upsert(client, "plan", generated())
    response = client.get(f"/v1/datasets/{dataset_id}/export", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = rows[0]
    assert header[0] == "id"
    # A string in every example: a plain column; in some, or another type: a typed one.
    assert "input.question" in header and "input.context.doc" in header
    assert "input.sometimes:json" in header and "input.context.n:json" in header
    # Objects: a key the header cannot name makes the object one typed column; an object that is
    # empty everywhere is one typed column too; one that is not everywhere an object is typed.
    assert "input.odd:json" in header and "input.empty:json" in header
    assert "input.context.deep:json" in header
    typed = {"output.answer:json", "output.score:json", "metadata.topic:json", "metadata.tags:json"}
    assert typed <= set(header)
    assert not any(name.startswith(("input.odd.", "input.context.deep.")) for name in header)
    cells = dict(zip(header, rows[1], strict=True))
    assert cells["input.sometimes:json"] == ""  # absent in example 0
    assert cells["input.context.doc"] == ""  # the empty string, in a plain column
    assert cells["input.empty:json"] == "{}"
    assert response.content.endswith(b"\r\n") and b"\r\n0" not in response.content[:1]


def test_jsonl_lines_carry_the_id_key_and_every_part(client: TestClient) -> None:
    dataset_id, version = upsert(client, "lines", [example("7", {"q": 1}), example("a", {"q": 2}, {"a": 1})])
    response = client.get(f"/v1/datasets/{dataset_id}/export", params={"id_key": "source"})
    assert response.headers["content-type"] == "application/jsonl"
    assert response.headers["content-disposition"] == f'attachment; filename="lines-v{version}.jsonl"'
    assert response.headers["x-version-id"] == version
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    # A numeric-looking source id stays a string: the id is not part of the content hash.
    assert lines == [
        {"source": "7", "input": {"q": 1}, "output": {}, "metadata": {}},
        {"source": "a", "input": {"q": 2}, "output": {"a": 1}, "metadata": {}},
    ]
    csv_answer = client.get(f"/v1/datasets/{dataset_id}/export", params={"format": "csv"})
    assert csv_answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv_answer.content == b"id,input.q:json,output.a:json\r\n7,1,\r\na,2,1\r\n"


def test_a_name_outside_ascii_gets_both_filename_forms(client: TestClient) -> None:
    dataset_id, version = upsert(client, 'qa "é"/1', [example("a", {"q": 1})])
    response = client.get(f"/v1/datasets/{dataset_id}/export", params={"format": "csv"})
    ascii_form = f'filename="qa_____1-v{version}.csv"'
    utf8_form = f"filename*=UTF-8''qa%20%22%C3%A9%22%2F1-v{version}.csv"
    assert response.headers["content-disposition"] == f"attachment; {ascii_form}; {utf8_form}"


def test_refusals_come_before_any_byte(client: TestClient) -> None:
    dataset_id, version = upsert(client, "refused", [example("a", {"q": 1})])
    url = f"/v1/datasets/{dataset_id}/export"

    def problem(status: int, code: str, **query: str) -> dict[str, Any]:
        response = client.get(url, params=query)
        assert (response.status_code, response.json()["code"]) == (status, code), response.text
        assert response.headers["content-type"] == "application/problem+json"
        body: dict[str, Any] = response.json()
        return body

    for id_key in ["input", "output", "metadata", ""]:
        assert problem(422, "invalid_id_key", id_key=id_key)["parameter"] == "id_key"
    for id_key in ["a.b", "a:json", " id"]:
        problem(422, "invalid_id_key", id_key=id_key, format="csv")
        assert client.get(url, params={"id_key": id_key}).status_code == 200  # JSONL reads them
    problem(422, "invalid_request", format="xlsx")
    problem(404, "version_not_found", version_id="999")
    problem(422, "invalid_id", version_id="x")
    problem(404, "tag_not_found", tag="nope")
    problem(422, "version_and_tag", version_id=version, tag="t")
    assert client.get("/v1/datasets/999999/export").json()["code"] == "dataset_not_found"


def test_a_tag_names_the_version_to_export(client: TestClient, tmp_path: Path) -> None:
    dataset_id, first = upsert(client, "tagged", [example("a", {"q": 1})])
    upsert(client, "tagged", [example("a", {"q": 2})])
    # Written to the tags table directly: this test is the export's, not the tag routes'.
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        at = now()
        row = {"dataset_id": int(dataset_id), "name": "baseline", "version_id": int(first)}
        conn.execute(sa.insert(version_tags).values(**row, created_at=at, updated_at=at))
    path = export(client, dataset_id, tmp_path, tag="baseline")
    assert read_back(path, "id")[1] == manifest(client, dataset_id, first)["digest"]


def test_pages_are_read_in_order_across_page_boundaries(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small pages, so that both passes cross many page boundaries.
    monkeypatch.setattr(exports, "EXPORT_PAGE", 7)
    items = [example(f"s{i}", {"q": f"{i}"}, {"a": i} if i % 2 else None) for i in range(50)]
    dataset_id, version = upsert(client, "paged", items)
    for export_format in FORMATS:
        path = export(client, dataset_id, tmp_path, format=export_format)
        pairs, digest = read_back(path, "id")
        assert len(pairs) == 50 and digest == manifest(client, dataset_id, version)["digest"]


@pytest.mark.parametrize("export_format", FORMATS)
def test_a_mirror_of_the_exported_file_is_a_no_op(
    database_url: str, server_factory: Callable[..., Server], tmp_path: Path, export_format: str
) -> None:
    server = server_factory(database_url)
    client = groundset.Client(base_url=server.url)
    items = generated()
    first = client.upsert_dataset(
        name="mirror",
        examples=[{k: v for k, v in item.items() if k != "content_hash"} for item in items],
        source_id_key="source_id",
    )
    path = tmp_path / f"mirror.{export_format}"
    response = httpx.get(
        f"{server.url}/v1/datasets/{first.dataset_id}/export", params={"format": export_format}, timeout=60
    )
    assert response.status_code == 200, response.text
    path.write_bytes(response.content)
    again = client.upsert_dataset(name="mirror", path=path, source_id_key="id", mode="mirror")
    assert again.noop and again.version_id == first.version_id and again.digest == first.digest


def test_a_dataset_deleted_during_its_export_ends_the_answer_with_an_error(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    server = server_factory(database_url)
    # Large enough (4 pages of ~10 MB) that the server is still writing when the dataset goes.
    items = [example(f"e{i:05d}", {"text": f"{i} " + "x" * 2000}) for i in range(20_000)]
    created = httpx.post(
        f"{server.url}/v1/datasets/upsert",
        json={"dataset": {"name": "deleted"}, "examples": items},
        timeout=120,
    )
    assert created.status_code == 200, created.text
    dataset_id = created.json()["dataset_id"]
    with (
        httpx.stream("GET", f"{server.url}/v1/datasets/{dataset_id}/export", timeout=60) as response,
        pytest.raises(httpx.RemoteProtocolError),
    ):
        chunks = response.iter_raw(1 << 16)
        next(chunks)
        assert httpx.delete(f"{server.url}/v1/datasets/{dataset_id}", timeout=60).status_code == 204
        received = sum(len(chunk) for chunk in chunks)
        pytest.fail(f"the export ended as a complete file of {received} more bytes")


def test_a_version_without_examples_exports_as_an_empty_file(client: TestClient, tmp_path: Path) -> None:
    dataset_id, _ = upsert(client, "emptied", [example("a", {"q": 1})])
    emptied = client.post(
        "/v1/datasets/upsert",
        json={"dataset": {"name": "emptied"}, "examples": [], "mode": "mirror", "allow_empty": True},
    )
    assert emptied.status_code == 200, emptied.text
    digest = manifest(client, dataset_id, emptied.json()["version_id"])["digest"]
    for export_format, content in [("jsonl", b""), ("csv", b"id,input:json\r\n")]:
        path = export(client, dataset_id, tmp_path, format=export_format)
        assert path.read_bytes() == content
        assert read_back(path, "id") == ([], digest)
