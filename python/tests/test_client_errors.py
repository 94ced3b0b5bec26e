"""Errors: bad records named before anything is sent, server answers as the right class,
retries, an unreachable server and API keys."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import groundset
from conftest import API_KEY, ServerProcess, free_port
from groundset._http import Call
from groundset.errors import error_from_response


@pytest.fixture
def offline() -> groundset.Client:
    """A client of a port nothing listens on: a test that reaches the network fails loudly."""
    return groundset.Client(base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)


def example_error(call: Callable[[], object], *, code: str, row: int, path: str = "$") -> groundset.ExampleError:
    with pytest.raises(groundset.ExampleError) as caught:
        call()
    error = caught.value
    assert (error.code, error.row, error.path) == (code, row, path), str(error)
    assert f"row {row}" in str(error) or f"and {row}" in str(error), str(error)
    return error


def test_records_without_a_usable_source_id(offline: groundset.Client) -> None:
    rows: list[dict[str, Any]] = [{"id": "a", "input": {}}, {"input": {}}]
    error = example_error(
        lambda: offline.upsert_dataset(name="d", examples=rows, source_id_key="id"),
        code="missing_source_id",
        row=1,
        path="$.id",
    )
    assert "source_id_key='id'" in str(error)
    for bad in (1.5, True, "", None, ["x"], "x" * 513):
        rows = [{"id": "a", "input": {}}, {"id": "b", "input": {}}, {"id": bad, "input": {}}]
        example_error(
            lambda rows=rows: offline.upsert_dataset(name="d", examples=rows, source_id_key="id"),  # type: ignore[misc]
            code="invalid_source_id",
            row=2,
            path="$.id",
        )
    example_error(
        lambda: offline.upsert_dataset(name="d", examples=rows, source_id=lambda r: 7.5),  # type: ignore[arg-type,return-value]
        code="invalid_source_id",
        row=0,
    )
    # The one rule of the core: an integral float is its digits, 2^53 + 1 is refused with a way out.
    error = example_error(
        lambda: offline.upsert_dataset(
            name="d", examples=[{"id": 7.0, "input": {}}, {"id": 2**53 + 1, "input": {}}], source_id_key="id"
        ),
        code="invalid_source_id",
        row=1,
        path="$.id",
    )
    assert len(error.errors) == 1 and "write it as a string" in error.errors[0].message


def test_duplicate_source_ids_name_both_rows(offline: groundset.Client) -> None:
    rows: list[dict[str, Any]] = [{"id": 1, "input": {"q": 1}}, {"id": 2, "input": {"q": 2}}, {"id": "1", "input": {}}]
    error = example_error(
        lambda: offline.upsert_dataset(name="d", examples=rows, source_id_key="id"),
        code="duplicate_source_id",
        row=2,
        path="$.id",
    )
    assert "also the id of row 0" in str(error) and error.source_id == "1"


def test_flat_records_missing_a_named_key(offline: groundset.Client) -> None:
    rows = [{"id": 1, "q": "a", "a": "b"}, {"id": 2, "q": "c"}]
    error = example_error(
        lambda: offline.upsert_dataset(
            name="d", examples=rows, source_id_key="id", input_keys=["q"], output_keys=["a"]
        ),
        code="missing_key",
        row=1,
        path="$.a",
    )
    assert "output_keys" in str(error)
    example_error(
        lambda: offline.upsert_dataset(name="d", examples=[{"a b": 1}], input_keys=["a c"]),
        code="missing_key",
        row=0,
        path='$["a c"]',
    )


def test_a_record_that_is_not_a_mapping(offline: groundset.Client) -> None:
    rows: list[Any] = [{"input": {}}, [("input", {})]]
    example_error(lambda: offline.upsert_dataset(name="d", examples=rows), code="not_a_mapping", row=1)


@pytest.mark.parametrize(
    ("record", "code", "path"),
    [
        ({"input": {"x": [1, float("nan")]}}, "non_finite_number", "$.input.x[1]"),
        ({"output": {"a": 1}}, "not_an_object", "$.input"),
        ({"input": {"when": object()}}, "unsupported_type", "$.input.when"),
        ({"input": {"n": 2**53 + 1}}, "integer_not_exact", "$.input.n"),
    ],
)
def test_values_outside_json_name_row_and_path(
    offline: groundset.Client, record: dict[str, Any], code: str, path: str
) -> None:
    rows = [{"input": {"fine": True}}] * 3 + [record]
    with pytest.raises(groundset.ExampleError) as caught:
        offline.upsert_dataset(name="d", examples=rows)
    error = caught.value
    assert (error.code, error.path, error.row) == (code, path, 3)
    assert str(error).startswith(f"row 3: {code} at {path}: "), str(error)


def test_every_bad_record_is_reported_at_once(offline: groundset.Client) -> None:
    """Source-id problems, missing keys and values outside JSON, in row order: 100, then a count."""
    rows: list[Any] = [{"id": f"ok-{n}", "q": n} for n in range(200)]
    rows[3] = {"id": None, "q": 1}
    rows[5] = {"id": "x", "r": 1}
    rows[7] = {"id": "y", "q": float("inf")}
    rows[9] = {"id": "ok-0", "q": 2}
    for row in range(50, 196):
        rows[row] = {"id": 7.5, "q": row}
    with pytest.raises(groundset.ExampleError) as caught:
        offline.upsert_dataset(name="d", examples=rows, source_id_key="id", input_keys=["q"])
    error = caught.value
    found = [(issue.row, issue.code, issue.path) for issue in error.errors[:4]]
    assert found == [
        (3, "invalid_source_id", "$.id"),
        (5, "missing_key", "$.q"),
        (7, "non_finite_number", "$.input.q"),
        (9, "duplicate_source_id", "$.id"),
    ]
    assert error.errors[2].source_id == "y" and error.errors[3].source_id == "ok-0"
    assert len(error.errors) == groundset.MAX_REPORTED_ERRORS and error.more_errors == 150 - 100
    assert str(error).startswith("150 bad records:\n") and str(error).endswith("... and 50 more")


def test_arguments_that_do_not_go_together(offline: groundset.Client) -> None:
    rows: list[dict[str, Any]] = [{"input": {}}]
    with pytest.raises(ValueError, match="exactly one of name= and dataset_id="):
        offline.upsert_dataset(examples=rows)
    with pytest.raises(ValueError, match="exactly one of examples=, dataframe= and path="):
        offline.upsert_dataset(name="d")
    with pytest.raises(ValueError, match="given: examples, path"):
        offline.upsert_dataset(name="d", examples=rows, path="x.jsonl")
    with pytest.raises(ValueError, match="format= goes with path="):
        offline.upsert_dataset(name="d", examples=rows, format="csv")
    with pytest.raises(ValueError, match="threads= goes with path="):
        offline.upsert_dataset(name="d", examples=rows, threads=2)
    with pytest.raises(ValueError, match="threads= must be None or an int of 0 or more, not -1"):
        offline.upsert_dataset(name="d", path="x.jsonl", threads=-1)
    with pytest.raises(ValueError, match="name= must be a non-empty string"):
        offline.list_datasets(name="")
    with pytest.raises(ValueError, match="at most one of source_id_key= and source_id="):
        offline.upsert_dataset(name="d", examples=rows, source_id_key="id", source_id=lambda r: "x")
    with pytest.raises(ValueError, match="mode= must be 'merge' or 'mirror'"):
        offline.upsert_dataset(name="d", examples=rows, mode="replace")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="input_keys= must be a list of keys"):
        offline.upsert_dataset(name="d", examples=rows, input_keys="question")
    with pytest.raises(ValueError, match="base_url must be an http"):
        groundset.Client(base_url="localhost:6060")
    with pytest.raises(ValueError, match="base_url is the server's root, without /v1: 'http://h:6060', not"):
        groundset.Client(base_url="http://h:6060/v1/")


def test_server_errors_arrive_as_their_classes(client: groundset.Client, unique_name: str) -> None:
    with pytest.raises(groundset.NotFoundError) as not_found:
        client.get_dataset(dataset_id="987654")
    assert (not_found.value.status, not_found.value.code) == (404, "dataset_not_found")
    assert not_found.value.detail == "no dataset has the id 987654" and not_found.value.request_id

    with pytest.raises(groundset.NotFoundError) as by_name:
        client.list_versions(name=unique_name)
    assert by_name.value.code == "dataset_not_found" and unique_name in str(by_name.value)

    with pytest.raises(groundset.ValidationError) as invalid:
        client.get_dataset(dataset_id="not-a-number")
    assert (invalid.value.status, invalid.value.code) == (422, "invalid_id")

    result = client.upsert_dataset(name=unique_name, examples=[{"input": {"q": 1}}])
    with pytest.raises(groundset.NotFoundError) as no_version:
        client.get_dataset(name=unique_name, version_id="987654")
    assert no_version.value.code == "version_not_found"

    with pytest.raises(groundset.BadRequestError) as bad_json:
        client._send(Call("POST", "/v1/datasets/upsert", body=b"{not json"))
    assert (bad_json.value.status, bad_json.value.code) == (400, "invalid_json")

    wrong_hash = {"source_id": "x", "content_hash": "0" * 64, "input": {"q": 1}}
    with pytest.raises(groundset.ValidationError) as mismatch:
        client._request(
            "POST", "/v1/datasets/upsert", json={"dataset": {"name": unique_name}, "examples": [wrong_hash]}
        )
    assert mismatch.value.code == "hash_mismatch" and mismatch.value.problem["source_ids"] == ["x"]

    with pytest.raises(groundset.NotFoundError):
        client.delete_dataset(dataset_id="987654")
    client.delete_dataset(dataset_id=str(result.dataset_id))
    with pytest.raises(groundset.NotFoundError):
        client.get_dataset(name=unique_name)


def test_error_mapping_without_problem_details() -> None:
    error = error_from_response(502, "<html>bad gateway</html>", reason="Bad Gateway")
    assert type(error) is groundset.InternalServerError and error.code == "http_502"
    assert str(error) == "502 http_502: Bad Gateway"
    assert type(error_from_response(418, {})) is groundset.APIError
    copy = pickle.loads(pickle.dumps(error_from_response(409, {"code": "version_conflict", "detail": "moved"})))
    assert type(copy) is groundset.ConflictError and (copy.status, copy.code, copy.detail) == (
        409,
        "version_conflict",
        "moved",
    )


def test_deprecated_attribute_names() -> None:
    """``status_code``, ``message`` and ``body`` (before the one contract) still read, with a warning."""
    error = error_from_response(404, {"code": "dataset_not_found", "detail": "gone", "name": "qa"}, request="GET /x")
    assert (error.status, error.detail, error.problem["name"], error.request) == (404, "gone", "qa", "GET /x")
    with pytest.warns(DeprecationWarning, match=r"APIError.status_code is deprecated: use APIError.status"):
        assert error.status_code == 404
    with pytest.warns(DeprecationWarning, match="use APIError.detail"):
        assert error.message == "gone"
    with pytest.warns(DeprecationWarning, match="use APIError.problem"):
        assert error.body == {"code": "dataset_not_found", "detail": "gone", "name": "qa"}
    old = groundset.NotFoundError("gone", status_code=404, code="dataset_not_found", body={"name": "qa"})
    assert (old.status, old.problem) == (404, {"name": "qa"})


def test_an_unreachable_server_names_its_url_and_how_to_start_one(offline: groundset.Client) -> None:
    with pytest.raises(groundset.APIConnectionError) as caught:
        offline.list_datasets()
    message = str(caught.value)
    assert offline.base_url in message and "groundset-server serve --port" in message
    assert "GROUNDSET_BASE_URL" in message and caught.value.url == offline.base_url + "/v1/datasets"


class Flaky(httpx.BaseTransport):
    """The real transport behind ``failures``: each is raised or answered before the real one."""

    def __init__(self, failures: list[Exception | httpx.Response]) -> None:
        self.inner = httpx.HTTPTransport()
        self.failures = failures
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        return self.inner.handle_request(request)


def flaky_client(server: ServerProcess, failures: list[Exception | httpx.Response], retries: int) -> groundset.Client:
    http = httpx.Client(transport=Flaky(failures))
    return groundset.Client(base_url=server.base_url, max_retries=retries, http_client=http)


def test_retries_connection_errors_429_and_503(server: ServerProcess, unique_name: str) -> None:
    failures: list[Exception | httpx.Response] = [
        httpx.ConnectError("refused"),
        httpx.Response(503, headers={"retry-after": "0"}),
        httpx.Response(429, headers={"retry-after": "0"}),
    ]
    client = flaky_client(server, failures, retries=3)
    result = client.upsert_dataset(name=unique_name, examples=[{"input": {"q": 1}}])
    assert result.created == 1
    transport = client._http._transport
    assert isinstance(transport, Flaky) and transport.requests == 4


def test_gives_up_after_the_retries(server: ServerProcess) -> None:
    answers: list[Exception | httpx.Response] = [
        httpx.Response(503, headers={"retry-after": "0"}, json={"code": "overloaded", "detail": "busy"})
    ] * 3
    with pytest.raises(groundset.InternalServerError) as caught:
        flaky_client(server, answers, retries=2).list_datasets()
    assert (caught.value.status, caught.value.code, caught.value.detail) == (503, "overloaded", "busy")
    with pytest.raises(groundset.RateLimitError):
        flaky_client(server, [httpx.Response(429, headers={"retry-after": "0"})], retries=0).list_datasets()
    with pytest.raises(groundset.APITimeoutError):
        flaky_client(server, [httpx.ReadTimeout("slow")], retries=0).list_datasets()


def test_api_keys(api_key_server: ServerProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROUNDSET_API_KEY", raising=False)
    for key in (None, "wrong-key"):
        with pytest.raises(groundset.AuthenticationError) as caught:
            groundset.Client(base_url=api_key_server.base_url, api_key=key).list_datasets()
        assert (caught.value.status, caught.value.code) == (401, "unauthorized")
        assert "Authorization: Bearer" in caught.value.detail
    right = groundset.Client(base_url=api_key_server.base_url, api_key=API_KEY)
    assert right.upsert_dataset(name="keyed", examples=[{"input": {"q": 1}}]).created == 1
    monkeypatch.setenv("GROUNDSET_API_KEY", API_KEY)
    monkeypatch.setenv("GROUNDSET_BASE_URL", api_key_server.base_url)
    from_env = groundset.Client()
    assert from_env.base_url == api_key_server.base_url
    assert [info.name for info in from_env.list_datasets()] == ["keyed"]
