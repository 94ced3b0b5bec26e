"""PostgreSQL under concurrent writers: reads of one version see that version only, and a row
deleted or locked under a request is a 404 or a retry, never a 500.

A real server process on a real cluster, driven by threads: the races need the server's own
connection pool and a second writer at once, which an in-process client does not give."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import groundset
import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from groundset_server.retry import ATTEMPTS, RetryMiddleware
from tests.conftest import Server, example
from tests.test_body_limit import chunked

# PostgreSQL alone: SQLite's one writer at a time and its snapshot per read transaction rule
# these races out.
pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _mirror(url: str, name: str, count: int) -> dict[str, Any]:
    items = [example(str(k), {"v": random.random()}) for k in range(count)]
    body = {"dataset": {"name": name}, "mode": "mirror", "examples": items}
    response = httpx.post(url + "/v1/datasets/upsert", json=body, timeout=60)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def _run_for(seconds: float, *loops: Callable[[], None]) -> None:
    """Each of ``loops`` called over and over in its own thread for ``seconds``; the first
    exception of any is raised."""
    stop = threading.Event()
    failures: list[BaseException] = []

    def forever(loop: Callable[[], None]) -> None:
        try:
            while not stop.is_set():
                loop()
        except BaseException as error:
            failures.append(error)
            stop.set()

    threads = [threading.Thread(target=forever, args=(loop,)) for loop in loops]
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def test_concurrent_bulk_loads_of_two_datasets_each_write_their_own(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    """Two large mirrors at once, each into its own dataset, through the bulk path (rows held
    back and copied in large COPYs on two connections): each version holds exactly its own
    request's examples, and their digests are what the client computes."""
    server = server_factory(database_url)
    count = 12_000
    payloads = {
        name: [example(f"{name}-{k}", {"k": k, "of": name}) for k in range(count)]
        for name in ("left", "right")
    }
    answers: dict[str, dict[str, Any]] = {}

    def load(name: str) -> None:
        body = {"dataset": {"name": name}, "mode": "mirror", "examples": payloads[name]}
        response = httpx.post(server.url + "/v1/datasets/upsert", json=body, timeout=300)
        assert response.status_code == 200, response.text
        answers[name] = response.json()

    threads = [threading.Thread(target=load, args=(name,)) for name in payloads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name, items in payloads.items():
        answer = answers[name]
        assert answer["created"] == count
        assert answer["digest"] == groundset.manifest_digest(
            [(i["source_id"], i["content_hash"]) for i in items]
        )
        manifest = httpx.get(
            f"{server.url}/v1/datasets/{answer['dataset_id']}/manifest",
            params={"version_id": answer["version_id"]},
            timeout=60,
        ).json()
        # Read back from the rows written, not from the answer's digest.
        assert sorted(map(tuple, manifest["examples"])) == sorted(
            (i["source_id"], i["content_hash"]) for i in items
        )


def test_a_version_read_while_mirrors_commit_is_that_version(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    """Every read of an exact version (its examples, manifest and own record) gives that
    version's digest while a mirror loop writes a new version of every example: a read that
    looked up "is it the latest" in one statement and read in another saw the next version."""
    server = server_factory(database_url)
    digests: dict[str, str] = {}
    first = _mirror(server.url, "race", 100)
    digests[first["version_id"]] = first["digest"]
    dataset = f"{server.url}/v1/datasets/{first['dataset_id']}"
    wrong: list[str] = []
    reads = Counter[str]()

    def upsert() -> None:
        answer = _mirror(server.url, "race", 100)
        digests[answer["version_id"]] = answer["digest"]

    def read() -> None:
        version = httpx.get(dataset).json()["latest_version_id"]
        params = {"version_id": version, "limit": 10000}
        listed = httpx.get(f"{dataset}/examples", params=params).json()["data"]
        pairs = [(e["source_id"], e["content_hash"]) for e in listed]
        manifest = httpx.get(f"{dataset}/manifest", params=params).json()
        seen = {
            "examples": groundset.manifest_digest(pairs),
            "manifest": groundset.manifest_digest([tuple(p) for p in manifest["examples"]]),
            "manifest.digest": manifest["digest"],
            "version.digest": httpx.get(f"{dataset}/versions/{version}").json()["digest"],
        }
        for what, digest in seen.items():
            reads[what] += 1
            if digest != digests[version]:
                wrong.append(f"{what} of version {version}")

    _run_for(10, upsert, read, read, read)
    assert reads["examples"] >= 10, reads
    assert not wrong, f"{len(wrong)} of {sum(reads.values())} reads saw another version: {wrong[:5]}"


def _latest_experiment(client: TestClient, dataset: str) -> tuple[str, list[dict[str, Any]]]:
    """An experiment of the dataset's latest version and a batch of failed runs for it, each
    with its example's content hash there."""
    version = client.get(f"/v1/datasets/{dataset}").json()["latest_version_id"]
    listed = client.get(f"/v1/datasets/{dataset}/examples", params={"version_id": version}).json()["data"]
    created = client.post(f"/v1/datasets/{dataset}/experiments", json={"version_id": version})
    assert created.status_code == 201, created.text
    runs = [{"example_id": e["id"], "content_hash": e["content_hash"], "error": "failed"} for e in listed]
    return created.json()["id"], runs


def test_a_sync_committed_between_the_statements_of_a_request_is_not_seen(
    database_url: str, client: TestClient, server_factory: Callable[..., Server]
) -> None:
    """Deterministic: another server process commits a mirror (every example changed, one
    deleted) just before the request's first statement that reads the examples; the request
    still answers the state it began with: a version's examples, manifest and record, the
    dataset's latest version with its example count, and runs checked against their version."""
    writer = server_factory(database_url)
    engine: sa.Engine = client.app.state.engine  # type: ignore[attr-defined]
    armed = [False]

    @sa.event.listens_for(engine, "before_cursor_execute")
    def commit_a_sync_first(*args: Any) -> None:
        statement: str = args[2]
        # A version's record reads its stored digest rather than its examples.
        reads = "dataset_examples" in statement or "dataset_version_digests" in statement
        if armed[0] and statement.startswith("SELECT") and reads:
            armed[0] = False
            _mirror(writer.url, "race", 19)

    seen: dict[str, str] = {}
    for read in ["examples", "manifest", "version", "dataset", "runs"]:
        before = _mirror(writer.url, "race", 20)
        dataset, version = before["dataset_id"], before["version_id"]
        url = f"/v1/datasets/{dataset}"
        experiment, runs = _latest_experiment(client, dataset)
        armed[0] = True
        params = {"version_id": version}
        if read == "examples":
            listed = client.get(f"{url}/examples", params=params).json()["data"]
            seen[read] = groundset.manifest_digest([(e["source_id"], e["content_hash"]) for e in listed])
        elif read == "manifest":
            seen[read] = client.get(f"{url}/manifest", params=params).json()["digest"]
        elif read == "version":
            seen[read] = client.get(f"{url}/versions/{version}").json()["digest"]
        elif read == "dataset":
            answer = client.get(url).json()
            seen[read] = f"{answer['latest_version_id']} of {answer['example_count']} examples"
            before["digest"] = f"{version} of 20 examples"
        else:
            posted = client.post(f"/v1/experiments/{experiment}/runs", json={"runs": runs})
            seen[read] = before["digest"] if posted.status_code == 201 else posted.text
        assert not armed[0], f"{read}: no statement read the examples"
        seen[read] = "right" if seen[read] == before["digest"] else f"wrong: {seen[read]}"
    assert seen == dict.fromkeys(seen, "right")


def _delete_under_writers(
    base: str, name: str, delay: float, note: Callable[[httpx.Response, str, int, set[str]], None]
) -> None:
    """A dataset of 1,500 examples deleted ``delay`` s after one thread starts creating
    experiments of it and another posting runs to one of them."""
    with httpx.Client(base_url=base, timeout=60) as http:
        items = [example(str(k), {"k": k, "pad": "x" * 100}) for k in range(1500)]
        upserted = http.post("/datasets/upsert", json={"dataset": {"name": name}, "examples": items})
        dataset = upserted.json()["dataset_id"]
        listed = http.get(f"/datasets/{dataset}/examples", params={"limit": 1000}).json()["data"]
        experiment = http.post(f"/datasets/{dataset}/experiments", json={}).json()["id"]
        started = threading.Barrier(3)

        def create() -> None:
            with httpx.Client(base_url=base, timeout=60) as own:
                started.wait()
                for _ in range(8):
                    created = own.post(f"/datasets/{dataset}/experiments", json={})
                    note(created, "create", 201, {"dataset_not_found"})

        def post_runs() -> None:
            with httpx.Client(base_url=base, timeout=60) as own:
                started.wait()
                for start in range(0, 1000, 100):
                    runs = [{"example_id": e["id"], "output": 1} for e in listed[start : start + 100]]
                    posted = own.post(f"/experiments/{experiment}/runs", json={"runs": runs})
                    note(posted, "runs", 201, {"experiment_not_found"})

        threads = [threading.Thread(target=create), threading.Thread(target=post_runs)]
        for thread in threads:
            thread.start()
        started.wait()
        time.sleep(delay)
        note(http.delete(f"/datasets/{dataset}"), "delete", 204, set())
        for thread in threads:
            thread.join()


def test_deleting_a_dataset_under_new_experiments_and_runs_is_a_404_never_a_500(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    """A dataset deleted while experiments of it are created and runs posted to them: each
    request either succeeds or answers 404 (the dataset or experiment is gone), and a deadlock
    between the delete and a batch of runs is retried, never answered 500."""
    server = server_factory(database_url)
    answers = Counter[str]()
    unexpected: list[str] = []

    def note(response: httpx.Response, what: str, ok: int, gone: set[str]) -> None:
        if response.status_code == ok:
            answers[f"{what} {ok}"] += 1
        elif response.status_code == 404 and response.json()["code"] in gone:
            answers[f"{what} 404"] += 1
        else:
            unexpected.append(f"{what}: {response.status_code} {response.text[:300]}")

    for round_ in range(6):
        _delete_under_writers(server.url + "/v1", f"fk{round_}", 0.02 * round_, note)
    assert not unexpected, f"{len(unexpected)} unexpected answers ({answers}): {unexpected[:3]}"
    assert answers["delete 204"] == 6


def _colliding_app(engine: sa.Engine, failures: Counter[str], **options: Any) -> Starlette:
    """An app whose one route fails ``failures[sqlstate]`` times with a real PostgreSQL error
    of that SQLSTATE (raised by the server, as a deadlock or a vanished parent is), then
    answers the size of the body it read and how many attempts it took."""
    attempts = Counter[str]()

    async def collide(request: Request) -> JSONResponse:
        state = request.query_params["state"]
        body = await request.body()
        attempts[state] += 1
        if failures[state] > 0:
            failures[state] -= 1
            detail = 'Key (dataset_id)=(7) is not present in table "datasets".'
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    f"DO $$ BEGIN RAISE EXCEPTION 'collision' USING ERRCODE = '{state}', "
                    f"DETAIL = '{detail}'; END $$"
                )
        return JSONResponse({"bytes": len(body), "attempts": attempts[state]})

    retry = Middleware(RetryMiddleware, **options)
    return Starlette(routes=[Route("/collide", collide, methods=["POST"])], middleware=[retry])


def test_collisions_are_run_again_then_answered(database_url: str) -> None:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    failures = Counter[str]({"40P01": 2, "40001": 99, "23503": 99})
    body = b"x" * 100_000
    with TestClient(_colliding_app(engine, failures)) as client:
        # Twice a deadlock, then through: the body is read again whole.
        answer = client.post("/collide", params={"state": "40P01"}, content=chunked(body))
        assert answer.status_code == 200 and answer.json() == {"bytes": len(body), "attempts": 3}
        gave_up = client.post("/collide", params={"state": "40001"}, content=body)
        assert gave_up.status_code == 503 and gave_up.headers["retry-after"] == "1"
        assert gave_up.json()["code"] == "write_conflict"
        assert failures["40001"] == 99 - ATTEMPTS
        vanished = client.post("/collide", params={"state": "23503"}, content=body)
        assert vanished.status_code == 404 and vanished.json()["code"] == "dataset_not_found"
    failures["40P01"] = 1
    with TestClient(_colliding_app(engine, failures, replay_bytes=1000)) as client:
        # A body too large to keep is not sent again.
        not_kept = client.post("/collide", params={"state": "40P01"}, content=body)
        assert not_kept.status_code == 503 and failures["40P01"] == 0
    engine.dispose()
