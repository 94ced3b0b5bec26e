"""Case 08 (inputs in fixtures/cases/08-postgres-nul-in-text): the same answer on SQLite and PostgreSQL for
every string. Names with U+0000 are 422 `invalid_text` naming the field; free text holding it
is stored and read back exactly; nothing is a 500, and the server answers the next request."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from groundset_server.db.engine import make_engine, run_migrations
from tests.conftest import Server, example
from tests.test_experiments import create, examples_at, post_runs, problem, stored_runs
from tests.test_upsert import table_count, upsert

CASE = json.loads(
    (Path(__file__).parents[2] / "fixtures/cases/08-postgres-nul-in-text/inputs.json").read_text()
)
NUL_ERROR: str = CASE["run_error"]
"""A task's exception message quoting raw bytes, as case 08's task raises it."""
TEXTS = ["scraped\x00", "\x00", "a\x00b\x00", 'quote " back \\ slash \x00\n\t\x1f é 😀']


def usable(client: TestClient) -> None:
    """An ordinary request after the refused one is answered as usual."""
    response = client.post(
        "/v1/datasets/upsert", json={"dataset": {"name": "plain"}, "examples": [example("p", {})]}
    )
    assert response.status_code == 200, response.text


def invalid_text(response: Any, path: str) -> dict[str, Any]:
    body = problem(response, 422, "invalid_text")
    assert body["path"] == path, body
    return body


@pytest.mark.parametrize("route", ["/v1/datasets/upsert", "/v1/datasets/upsert/plan"])
def test_dataset_name_with_nul_is_invalid_text(client: TestClient, route: str) -> None:
    body = {"dataset": {"name": "nul\x00name"}, "examples": [example("a", {"q": 1})]}
    invalid_text(client.post(route, json=body), "$.dataset.name")
    header = b'{"dataset": {"name": "nul\\u0000name"}}\n'
    lined = invalid_text(
        client.post(route, content=header, headers={"content-type": "application/x-ndjson"}), "$.dataset.name"
    )
    assert lined["line"] == 1
    assert table_count(client, "datasets") == 0
    usable(client)


@pytest.mark.parametrize("text", TEXTS)
def test_descriptions_read_back_exactly(client: TestClient, text: str) -> None:
    done = upsert(client, [example("a", {"q": 1})], description=text, version_description=text + "v")
    dataset = client.get(f"/v1/datasets/{done['dataset_id']}").json()
    assert dataset["description"] == text
    version = client.get(f"/v1/datasets/{done['dataset_id']}/versions/{done['version_id']}").json()
    assert version["description"] == text + "v"
    listed = client.get("/v1/datasets", params={"name": "qa"}).json()["data"]
    assert [d["description"] for d in listed] == [text]
    # The same description again changes nothing: what is read compares equal to what is sent.
    again = upsert(client, [example("a", {"q": 1})], description=text)
    assert (
        again["noop"]
        and client.get(f"/v1/datasets/{done['dataset_id']}").json()["updated_at"] == dataset["updated_at"]
    )
    usable(client)


def test_experiment_name_and_description(client: TestClient) -> None:
    dataset_id = upsert(client, [example("a", {"q": 1})])["dataset_id"]
    url = f"/v1/datasets/{dataset_id}/experiments"
    invalid_text(client.post(url, json={"name": "run\x00"}), "$.name")
    assert table_count(client, "experiments") == 0
    made = create(client, dataset_id, name="baseline", description="prompt:\x00end")
    assert client.get(f"/v1/experiments/{made['id']}").json()["description"] == "prompt:\x00end"
    assert made["description"] == "prompt:\x00end"
    listed = client.get(url).json()["data"]
    assert [e["description"] for e in listed] == ["prompt:\x00end"]
    usable(client)


def test_a_batch_of_runs_with_nul_in_one_error_is_stored_whole(client: TestClient) -> None:
    dataset_id = upsert(client, [example(f"r{i}", {"q": i}) for i in range(3)])["dataset_id"]
    experiment = create(client, dataset_id, name="nul-in-error")
    ids = {source_id: item["id"] for source_id, item in examples_at(client, dataset_id).items()}
    runs = [
        {"example_id": ids["r0"], "output": {"a": 0}},
        {"example_id": ids["r1"], "error": NUL_ERROR},
        {"example_id": ids["r2"], "output": {"a": "\x00"}},
    ]
    response = post_runs(client, experiment["id"], runs)
    assert response.status_code == 201, response.text
    stored = {run["source_id"]: run for run in stored_runs(client, experiment["id"])}
    assert [(s, r["error"], r["output"]) for s, r in sorted(stored.items())] == [
        ("r0", None, {"a": 0}),
        ("r1", NUL_ERROR, None),
        ("r2", None, {"a": "\x00"}),
    ]
    summary = client.get(f"/v1/experiments/{experiment['id']}").json()["summary"]
    assert (summary["runs"], summary["errored_runs"], summary["successful_runs"]) == (3, 1, 2)
    # The errored run is replaced by the next one posted for it, as any errored run.
    retried = post_runs(client, experiment["id"], [{"example_id": ids["r1"], "output": {"a": 1}}])
    assert retried.json()["replaced"] == 1
    usable(client)


def test_evaluations(client: TestClient) -> None:
    dataset_id = upsert(client, [example("a", {"q": 1}), example("b", {"q": 2})])["dataset_id"]
    experiment = create(client, dataset_id)
    ids = [item["id"] for item in examples_at(client, dataset_id).values()]
    bad_name = [{"example_id": ids[0], "evaluations": [{"name": "ok"}, {"name": "e\x00"}]}]
    invalid_text(post_runs(client, experiment["id"], bad_name), "$.runs[0].evaluations[1].name")
    assert table_count(client, "experiment_runs") == 0
    evaluated = {"name": "judge", "label": "l\x00", "explanation": "\x00why", "error": "e\x00", "score": 0.5}
    runs = post_runs(
        client, experiment["id"], [{"example_id": ids[0], "evaluations": [evaluated]}, {"example_id": ids[1]}]
    )
    assert runs.status_code == 201, runs.text
    url = f"/v1/experiments/{experiment['id']}/evaluations"
    second_run = runs.json()["data"][1]["id"]
    invalid_text(
        client.post(url, json={"evaluations": [{"run_id": second_run, "name": "\x00"}]}),
        "$.evaluations[0].name",
    )
    posted = client.post(
        url, json={"evaluations": [{"run_id": second_run, "name": "judge", "label": "\x00"}]}
    )
    assert posted.status_code == 200, posted.text
    read = {run["source_id"]: run["evaluations"] for run in stored_runs(client, experiment["id"])}
    first = read["a"][0]
    assert (first["label"], first["explanation"], first["error"]) == ("l\x00", "\x00why", "e\x00")
    assert read["b"][0]["label"] == "\x00"
    # Replaced in place (same run and name): the upsert statement writes the same representation.
    client.post(url, json={"evaluations": [{"run_id": second_run, "name": "judge", "explanation": "x\x00"}]})
    replaced = {run["source_id"]: run["evaluations"] for run in stored_runs(client, experiment["id"])}["b"][0]
    assert (replaced["label"], replaced["explanation"]) == (None, "x\x00")
    usable(client)


def test_lone_surrogates_are_refused_with_their_path(client: TestClient) -> None:
    """No UTF-8 column can hold one: refused at the edge, not a 500 in the driver."""
    dataset_id = upsert(client, [example("a", {"q": 1})])["dataset_id"]
    url = f"/v1/datasets/{dataset_id}/experiments"
    for member in ("name", "description"):
        response = client.post(
            url, content=f'{{"{member}": "x\\ud800"}}', headers={"content-type": "application/json"}
        )
        assert problem(response, 422, "lone_surrogate")["path"] == f"$.{member}"
    described = b'{"dataset": {"name": "qa"}, "description": "\\udc00", "examples": []}'
    found = problem(
        client.post("/v1/datasets/upsert", content=described, headers={"content-type": "application/json"}),
        422,
        "lone_surrogate",
    )
    assert found["path"] == "$.description"
    usable(client)


@pytest.mark.parametrize(
    ("url", "code", "member"),
    [
        ("/v1/datasets?name=a%00b", "invalid_text", ("parameter", "name")),
        ("/v1/datasets/1%00", "invalid_id", ("dataset_id", "1\x00")),
        ("/v1/datasets/%00/versions", "invalid_id", ("dataset_id", "\x00")),
        ("/v1/datasets?cursor=%00", "invalid_id", ("cursor_id", "\x00")),
        ("/v1/experiments/%00/runs", "invalid_id", ("experiment_id", "\x00")),
    ],
)
def test_query_and_path_parameters_with_nul(
    client: TestClient, url: str, code: str, member: tuple[str, str]
) -> None:
    upsert(client, [example("a", {})])
    body = problem(client.get(url), 422, code)
    assert body[member[0]] == member[1]
    usable(client)


def test_parameters_too_long_for_any_row(client: TestClient) -> None:
    upsert(client, [example("a", {})])
    assert client.get("/v1/datasets", params={"name": "n" * 20_000}).json()["data"] == []
    dataset_id = client.get("/v1/datasets").json()["data"][0]["id"]
    problem(
        client.get(f"/v1/datasets/{dataset_id}/examples", params={"version_id": "9" * 40}), 422, "invalid_id"
    )
    usable(client)


def test_the_connection_survives_refused_text(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    """On a real server and one keep-alive connection, as case 08's client saw it."""
    server = server_factory(database_url)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        refused = http.post("/v1/datasets/upsert", json={"dataset": {"name": "\x00"}, "examples": []})
        assert refused.status_code == 422 and refused.json()["code"] == "invalid_text"
        stored = http.post(
            "/v1/datasets/upsert",
            json={
                "dataset": {"name": "d"},
                "description": "\x00",
                "examples": [example("a", {"q": "x\x00y"})],
            },
        )
        assert stored.status_code == 200, stored.text
        assert http.get(f"/v1/datasets/{stored.json()['dataset_id']}").json()["description"] == "\x00"


def test_migration_converts_stored_free_text(database_url: str) -> None:
    """Rows written before migration 0003 (plain text) read back unchanged after it."""
    engine = make_engine(database_url)
    run_migrations(engine, "0002")
    # SQLite stored U+0000 before the migration; PostgreSQL could not.
    text = "old \x00 text" if engine.dialect.name == "sqlite" else 'old "text" \\ é'
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO datasets (name, description, metadata, created_at, updated_at) "
                "VALUES ('old', :text, '{}', 't', 't'), ('none', NULL, '{}', 't', 't')"
            ),
            {"text": text},
        )
    engine.dispose()
    app = create_app(Settings(database_url=database_url, api_key=None))
    with TestClient(app) as client:
        data = client.get("/v1/datasets").json()["data"]
        assert [(d["name"], d["description"]) for d in data] == [("old", text), ("none", None)]
    with app.state.engine.connect() as conn:
        raw = conn.execute(sa.text("SELECT description FROM datasets ORDER BY id")).scalars().all()
    assert raw[1] is None and raw[0].startswith('"')
    app.state.engine.dispose()


def test_source_id_with_nul_is_refused_by_the_core_rule(client: TestClient) -> None:
    item = example("a\x00b", {"q": 1})
    for route in ("/v1/datasets/upsert", "/v1/datasets/upsert/plan"):
        body = problem(
            client.post(route, json={"dataset": {"name": "qa"}, "examples": [item]}), 422, "invalid_source_id"
        )
        assert body["path"] == "$.examples[0].source_id"
        line = b'{"dataset": {"name": "qa"}}\n' + orjson.dumps(item) + b"\n"
        lined = problem(
            client.post(route, content=line, headers={"content-type": "application/x-ndjson"}),
            422,
            "invalid_source_id",
        )
        assert (lined["line"], lined["path"]) == (2, "$.source_id")
    assert table_count(client, "datasets") == 0
    usable(client)


def test_case_08(client: TestClient) -> None:
    """The case's inputs one after the other, as its script sent them: each answer as on the
    other database, and the next request answered."""
    content = client.post(
        "/v1/datasets/upsert",
        json={"dataset": {"name": "nul-content"}, "examples": [example("a", CASE["input_content"])]},
    )
    assert content.status_code == 200, content.text
    read = examples_at(client, content.json()["dataset_id"])["a"]["input"]
    assert read == CASE["input_content"]
    named = client.post(
        "/v1/datasets/upsert",
        json={"dataset": {"name": CASE["dataset_name"]}, "examples": [example("a", {"q": 1})]},
    )
    invalid_text(named, "$.dataset.name")
    described = upsert(client, [example("a", {"q": 1})], description=CASE["description"])
    assert client.get(f"/v1/datasets/{described['dataset_id']}").json()["description"] == CASE["description"]
    sid = client.post(
        "/v1/datasets/upsert",
        json={"dataset": {"name": "nul-sid"}, "examples": [example(CASE["source_id"], {"q": 1})]},
    )
    assert problem(sid, 422, "invalid_source_id")["path"] == "$.examples[0].source_id"
    usable(client)
