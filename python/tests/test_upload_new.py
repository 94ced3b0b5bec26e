"""A new dataset's upload sent while its examples are hashed (``groundset._upsert.upload_new``),
against a real server: what is sent, what is stored, and a bad record found after the first
chunks left: every bad record reported, as the whole hash reports them, and nothing written."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import groundset
from conftest import ServerProcess
from groundset import _upsert
from support import typical_examples
from test_stream import args_of

COUNT = 5_000


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The streamed path from a few thousand examples, hashed 1,000 at a time (5 chunks)."""
    monkeypatch.setattr(_upsert, "STREAM_THRESHOLD", 3_000)
    monkeypatch.setattr(_upsert, "STREAM_CHUNK", 1_000)


class _Counted(httpx.SyncByteStream):
    def __init__(self, inner: Any, sent: list[int]) -> None:
        self.inner = inner
        self.sent = sent

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            self.sent.append(len(chunk))
            yield chunk


class Counting(httpx.BaseTransport):
    """The real transport, noting each request's method, path and query, and the bytes of
    its body that left (without reading the body ahead of the server)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests: list[tuple[str, str, list[int]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent: list[int] = []
        self.requests.append((request.method, request.url.path + "?" + request.url.query.decode(), sent))
        request.stream = _Counted(request.stream, sent)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def spoiled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with bad records after the first chunk: a repeat of row 5's id (row 1,200), a NaN
    in an input (row 1,500), no id (row 3,200), a repeat of row 10's id in the last chunk (row
    4,990) and a repeat within the last chunk (row 4,995 of 4,991's)."""
    rows = [dict(row) for row in rows]
    rows[1_200]["id"] = rows[5]["id"]
    rows[1_500]["input"] = {"q": math.nan}
    del rows[3_200]["id"]
    rows[4_990]["id"] = rows[10]["id"]
    rows[4_995]["id"] = rows[4_991]["id"]
    return rows


def test_a_new_dataset_is_uploaded_while_hashed(server: ServerProcess, unique_name: str) -> None:
    rows = typical_examples(COUNT)
    transport = Counting()
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=transport)) as client:
        result = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
        # No manifest digest first: one look-up, then the upload with every content.
        assert [(method, path.split("?")[0]) for method, path, _ in transport.requests] == [
            ("GET", "/v1/datasets"),
            ("POST", "/v1/datasets/upsert"),
        ]
        assert f"name={unique_name}" in transport.requests[0][1]
        assert (result.created, result.version_id is not None) == (COUNT, True)
        # Stored as the whole hash would have sent it: the digest of the examples' manifest.
        assert result.digest == arguments(rows).prepare().digest()
        # Again: the dataset exists, so the usual path (its digest alone, a no-op).
        transport.requests.clear()
        again = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
        assert [(method, path.split("?")[0]) for method, path, _ in transport.requests] == [
            ("GET", "/v1/datasets"),
            ("POST", "/v1/datasets/upsert"),
        ]
        assert again.noop and again.version_id == result.version_id


def test_below_the_threshold_or_by_id_nothing_is_asked_first(server: ServerProcess, unique_name: str) -> None:
    transport = Counting()
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=transport)) as client:
        client.upsert_dataset(name=unique_name, examples=typical_examples(2_000), source_id_key="id")
        assert [method for method, _, _ in transport.requests] == ["POST", "POST"]
        rows = typical_examples(COUNT)
        first = client.upsert_dataset(name=unique_name + "-by-id", examples=rows, source_id_key="id")
        transport.requests.clear()
        again = client.upsert_dataset(dataset_id=str(first.dataset_id), examples=rows, source_id_key="id")
        assert again.noop and [method for method, _, _ in transport.requests] == ["POST"]


def arguments(rows: list[dict[str, Any]]) -> _upsert.UpsertArgs:
    """``upsert_dataset(examples=rows, source_id_key="id")``'s checked arguments."""
    return args_of(name="n", examples=rows, source_id_key="id")


def expected_error(rows: list[dict[str, Any]]) -> groundset.ExampleError:
    """The error of the whole hash before any request (the path for an existing dataset)."""
    with pytest.raises(groundset.ExampleError) as raised:
        arguments(rows).prepare()
    return raised.value


def test_a_bad_record_found_midway_writes_nothing_and_every_one_is_reported(
    server: ServerProcess, unique_name: str
) -> None:
    rows = spoiled(typical_examples(COUNT))
    transport = Counting()
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=transport)) as client:
        with pytest.raises(groundset.ExampleError) as raised:
            client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
        # The first chunk (1,000 examples of ~1 KB) had left before the first bad record was hashed.
        (_, _, sent), *_ = [request for request in transport.requests if request[0] == "POST"]
        assert sum(sent) > 500_000
        assert client.list_datasets(name=unique_name) == []
        # The server is fine: the same name loads once the records are right.
        good = typical_examples(COUNT)
        assert client.upsert_dataset(name=unique_name, examples=good, source_id_key="id").created == COUNT
    error = raised.value
    assert [(issue.row, issue.code) for issue in error.errors] == [
        (1_200, "duplicate_source_id"),
        (1_500, "non_finite_number"),
        (3_200, "missing_source_id"),
        (4_990, "duplicate_source_id"),
        (4_995, "duplicate_source_id"),
    ]
    # The same records, words and paths as the whole hash gives them.
    assert str(error) == str(expected_error(rows))
    assert error.errors == expected_error(rows).errors


def test_the_async_client_uploads_while_hashing_and_refuses_midway(server: ServerProcess, unique_name: str) -> None:
    rows = typical_examples(COUNT)

    async def scenario() -> tuple[groundset.UpsertResult, groundset.ExampleError]:
        async with groundset.AsyncClient(base_url=server.base_url) as client:
            with pytest.raises(groundset.ExampleError) as raised:
                await client.upsert_dataset(name=unique_name, examples=spoiled(rows), source_id_key="id")
            assert await client.list_datasets(name=unique_name) == []
            result = await client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
            return result, raised.value

    result, error = asyncio.run(scenario())
    assert result.created == COUNT and len(error.errors) == 5


def test_a_retried_upload_sends_the_same_body(server: ServerProcess, unique_name: str) -> None:
    """Refused once (503) after it was sent whole: the retry's body is the same bytes, from
    the hashes kept (not hashed again)."""

    class BusyOnce(httpx.BaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.HTTPTransport()
            self.bodies: list[bytes] = []

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                self.bodies.append(request.read())
                if len(self.bodies) == 1:
                    return httpx.Response(503, headers={"retry-after": "0"}, json={"title": "busy"})
            return self.inner.handle_request(request)

    rows = typical_examples(COUNT)
    busy = BusyOnce()
    with groundset.Client(base_url=server.base_url, http_client=httpx.Client(transport=busy), max_retries=1) as client:
        assert client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id").created == COUNT
    first, second = busy.bodies
    assert first == second and first.count(b"\n") == COUNT + 1
    header = json.loads(first.split(b"\n", 1)[0])
    assert header == {"dataset": {"name": unique_name}, "dry_run": False, "mode": "merge"}


def test_a_header_the_server_refuses_is_raised_as_it(server: ServerProcess, unique_name: str) -> None:
    """A name no new dataset may have (white space at an end): the server refuses the upload's
    header, reads the rest, and its problem is raised; nothing is written."""
    rows = typical_examples(COUNT)
    with groundset.Client(base_url=server.base_url) as client:
        with pytest.raises(groundset.ValidationError) as raised:
            client.upsert_dataset(name=f" {unique_name}", examples=rows, source_id_key="id")
        assert raised.value.code == "invalid_selector"
        assert client.list_datasets(name=f" {unique_name}") == []
