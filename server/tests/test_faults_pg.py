"""Faults on PostgreSQL with real server processes: the database restarted mid-upsert, the
connection pool exhausted by slow clients. A request that meets one is answered 503 with
``Retry-After`` (never a hang, never a half-written version) and the SDK's retry succeeds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import groundset
import httpx
import orjson
import pytest
import sqlalchemy as sa

from groundset_server.db.engine import make_engine
from tests.conftest import Server, example
from tests.pg import Cluster, bin_dir

pytestmark = pytest.mark.skipif(bin_dir() is None, reason="PostgreSQL binaries not installed")


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A cluster of the test's own, which it may restart without disturbing the others."""
    cluster = Cluster()
    yield cluster
    cluster.stop()


def _wait_for_insert(url: str, timeout: float = 30) -> None:
    """Until a server's upsert is writing (in a transaction not committed yet)."""
    engine = make_engine(url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                # A transaction with an id of its own has written.
                if conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                    )
                ).scalar_one():
                    return
            time.sleep(0.01)
        raise AssertionError("the upsert never wrote")
    finally:
        engine.dispose()


def _sync_once_writing(
    base_url: str, database_url: str, name: str, records: list[dict[str, Any]], max_retries: int
) -> tuple[threading.Thread, list[object]]:
    """An SDK sync of ``records`` in a thread, returned once the server is writing it; its
    outcome (the result or the error) lands in the list."""
    outcome: list[object] = []

    def sync() -> None:
        try:
            with groundset.Client(base_url=base_url, max_retries=max_retries) as client:
                outcome.append(
                    client.upsert_dataset(name=name, examples=records, source_id_key="id", progress=False)
                )
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=sync)
    thread.start()
    _wait_for_insert(database_url)
    return thread, outcome


def test_database_restarted_mid_upsert(own_cluster: Cluster, server_factory: Callable[..., Server]) -> None:
    url = own_cluster.new_database()
    server = server_factory(url)
    records = [{"id": f"r{i:06}", "input": {"text": "lorem ipsum " * 40, "i": i}} for i in range(30_000)]
    thread, outcome = _sync_once_writing(server.url, url, "r", records, max_retries=8)
    own_cluster.restart()
    thread.join(timeout=60)
    assert not thread.is_alive(), "the sync hangs"
    [result] = outcome
    assert isinstance(result, groundset.UpsertResult), result
    assert result.created == 30_000
    # Exactly one version, whole: the attempt the restart cut left nothing.
    with httpx.Client(base_url=server.url) as http:
        versions = http.get(f"/v1/datasets/{result.dataset_id}/versions").json()["data"]
        assert [(v["id"], v["example_count"]) for v in versions] == [(result.version_id, 30_000)]
        manifest = http.get(f"/v1/datasets/{result.dataset_id}/manifest").json()
    expected = sorted([r["id"], groundset.example_hash(r["input"])] for r in records)
    assert sorted(manifest["examples"]) == expected and manifest["digest"] == result.digest
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM dataset_example_revisions")).scalar_one() == 30_000
    engine.dispose()


def test_database_down_is_503_with_retry_after(
    own_cluster: Cluster, server_factory: Callable[..., Server]
) -> None:
    url = own_cluster.new_database()
    server = server_factory(url)
    own_cluster._run(
        [str(own_cluster.bindir / "pg_ctl"), "-D", str(own_cluster.data), "-m", "immediate", "stop"]
    )
    started = time.monotonic()
    answer = httpx.post(
        server.url + "/v1/datasets/upsert",
        json={"dataset": {"name": "d"}, "examples": [example("a", {})]},
        timeout=30,
    )
    assert time.monotonic() - started < 12
    assert answer.status_code == 503 and answer.json()["code"] == "database_unavailable", answer.text
    assert answer.headers["retry-after"] == "1"
    own_cluster.restart()  # back: the pool's checked connections serve again
    again = httpx.post(
        server.url + "/v1/datasets/upsert", json={"dataset": {"name": "d"}, "examples": [example("a", {})]}
    )
    assert again.status_code == 200 and again.json()["created"] == 1, again.text


def test_pool_exhausted_by_slow_clients_waits_then_503(
    pg_cluster: Cluster, server_factory: Callable[..., Server]
) -> None:
    url = pg_cluster.new_database()
    server = server_factory(url, env={"GROUNDSET_POOL_SIZE": "2", "GROUNDSET_POOL_TIMEOUT": "1"})
    release = threading.Event()
    items = (example(f"e{i}", {"text": "lorem ipsum " * 40, "i": i}) for i in range(10_000))
    first_block = b"".join(orjson.dumps(item) + b"\n" for item in items)
    answers: list[int] = []

    def slow(name: str) -> None:
        def body() -> Iterator[bytes]:
            # More than one block of the server's NDJSON reader (4 MB): it opens the write
            # transaction and writes the first, then holds it, and its connection, waiting.
            yield orjson.dumps({"dataset": {"name": name}}) + b"\n" + first_block
            release.wait(20)
            yield orjson.dumps(example("last", {})) + b"\n"

        answer = httpx.post(
            server.url + "/v1/datasets/upsert",
            content=body(),
            headers={"content-type": "application/x-ndjson"},
            timeout=30,
        )
        answers.append(answer.status_code)

    slow_clients = [threading.Thread(target=slow, args=(f"slow{n}",)) for n in range(2)]
    for thread in slow_clients:
        thread.start()
    engine = make_engine(url)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if (
                conn.execute(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")
                ).scalar_one()
                >= 2
            ):
                break
        time.sleep(0.05)
    engine.dispose()
    started = time.monotonic()
    busy = httpx.get(server.url + "/v1/datasets", timeout=30)
    waited = time.monotonic() - started
    assert busy.status_code == 503 and busy.json()["code"] == "database_busy", busy.text
    assert busy.headers["retry-after"] == "1" and 0.9 < waited < 5
    release.set()
    for thread in slow_clients:
        thread.join(timeout=30)
    assert answers == [200, 200]
    assert httpx.get(server.url + "/v1/datasets").status_code == 200


def test_server_killed_mid_upsert_with_another_serving(
    pg_cluster: Cluster, server_factory: Callable[..., Server]
) -> None:
    url = pg_cluster.new_database()
    doomed, survivor = server_factory(url), server_factory(url)
    records = [{"id": f"k{i:06}", "input": {"i": i}} for i in range(100_000)]
    thread, outcome = _sync_once_writing(doomed.url, url, "k", records, max_retries=0)
    assert doomed.process is not None
    doomed.process.kill()
    doomed.process.wait()
    thread.join(timeout=30)
    assert len(outcome) == 1 and isinstance(outcome[0], groundset.GroundsetError), outcome
    # Nothing of it: the dataset it was creating is not there, on the process still serving.
    assert httpx.get(survivor.url + "/v1/datasets", params={"name": "k"}).json()["data"] == []
    with groundset.Client(base_url=survivor.url) as client:
        result = client.upsert_dataset(name="k", examples=records, source_id_key="id", progress=False)
    assert result.created == 100_000
    with httpx.Client(base_url=survivor.url) as http:
        versions = http.get(f"/v1/datasets/{result.dataset_id}/versions").json()["data"]
        assert [(v["id"], v["example_count"]) for v in versions] == [(result.version_id, 100_000)]
        manifest = http.get(f"/v1/datasets/{result.dataset_id}/manifest").json()
    assert manifest["digest"] == result.digest
    assert manifest["digest"] == groundset.manifest_digest(
        [(r["id"], groundset.example_hash(r["input"])) for r in records]
    )


def test_database_restarted_mid_run_uploads(
    own_cluster: Cluster, server_factory: Callable[..., Server]
) -> None:
    url = own_cluster.new_database()
    server = server_factory(url)
    records = [{"id": f"x{i:05}", "input": {"i": i}} for i in range(2_000)]
    engine = make_engine(url)
    stored_at_restart: list[int] = []

    def restart_once_runs_are_stored() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                stored = conn.execute(sa.text("SELECT count(*) FROM experiment_runs")).scalar_one()
            if stored >= 300:
                break
            time.sleep(0.01)
        own_cluster.restart()
        stored_at_restart.append(stored)

    with groundset.Client(base_url=server.url, max_retries=8) as client:
        version = client.upsert_dataset(name="x", examples=records, source_id_key="id", progress=False)
        restarter = threading.Thread(target=restart_once_runs_are_stored)
        restarter.start()

        def task(input: dict[str, int]) -> dict[str, int]:
            time.sleep(0.002)
            return {"twice": input["i"] * 2}

        experiment = groundset.run_experiment(
            version, task, client=client, batch_size=50, print_summary=False, progress=False
        )
        restarter.join(timeout=30)
    engine.dispose()
    engine = make_engine(url)
    with engine.connect() as conn:
        runs = conn.execute(
            sa.text("SELECT count(*), count(DISTINCT example_id) FROM experiment_runs WHERE error IS NULL")
        ).one()
        versions = conn.execute(sa.text("SELECT count(*) FROM dataset_versions")).scalar_one()
    engine.dispose()
    # Every run stored once, none failed; the dataset still has its one version.
    assert tuple(runs) == (2_000, 2_000) and versions == 1
    assert 300 <= stored_at_restart[0] < 2_000  # the restart came while runs were uploaded
    assert experiment.id is not None
