"""A real ``groundset-server serve`` process: concurrency, env configuration, crash safety."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import groundset
import httpx
import orjson
import pytest
import sqlalchemy as sa

from groundset_server.db.engine import make_engine
from tests.conftest import Server, example
from tests.pg import free_port


def test_concurrent_upserts_are_serialized(database_url: str, server_factory: Callable[..., Server]) -> None:
    server = server_factory(database_url)
    batches = [[example(f"c{i}", {"writer": w, "i": i}) for i in range(300)] for w in range(4)]
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(batches))

    def send(items: list[dict[str, Any]]) -> None:
        try:
            barrier.wait()
            response = httpx.post(
                server.url + "/v1/datasets/upsert",
                json={"dataset": {"name": "race"}, "mode": "merge", "examples": items},
                timeout=60,
            )
            assert response.status_code == 200, response.text
            results.append(response.json())
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=send, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    # Exactly one request created the 300 examples; each later one patched all of them.
    assert sorted(r["created"] for r in results) == [0, 0, 0, 300]
    assert sorted(r["updated"] for r in results) == [0, 300, 300, 300]
    versions = sorted(int(r["version_id"]) for r in results)
    assert len(set(versions)) == 4
    # Each version's base is the one before it: a chain with no lost update.
    by_version = {int(r["version_id"]): r for r in results}
    for before, after in itertools.pairwise(versions):
        assert by_version[after]["previous_version_id"] == str(before)
    dataset_id = results[0]["dataset_id"]
    listed = httpx.get(f"{server.url}/v1/datasets/{dataset_id}/versions").json()["data"]
    assert len(listed) == 4 and listed[0]["example_count"] == 300
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM dataset_examples")).scalar_one() == 300
    engine.dispose()


def test_env_configuration_and_auth(tmp_path: Path, server_factory: Callable[..., Server]) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    server = server_factory(url, env={"GROUNDSET_API_KEY": "k"})
    assert httpx.get(server.url + "/health").status_code == 200
    assert httpx.get(server.url + "/v1/datasets").status_code == 401
    assert httpx.get(server.url + "/v1/datasets", headers={"authorization": "Bearer k"}).status_code == 200


def test_api_key_option_and_help(tmp_path: Path) -> None:
    """`serve --api-key` asks the key as GROUNDSET_API_KEY does (and wins over it); `--help`
    names the variable and shows the host and port defaults."""
    server = Server(
        f"sqlite:///{tmp_path / 'key.db'}", {"GROUNDSET_API_KEY": "from-env"}, args=["--api-key", "k"]
    )
    server.start()
    try:
        assert httpx.get(server.url + "/health").status_code == 200
        assert httpx.get(server.url + "/v1/datasets").status_code == 401
        assert (
            httpx.get(server.url + "/v1/datasets", headers={"authorization": "Bearer from-env"}).status_code
            == 401
        )
        assert (
            httpx.get(server.url + "/v1/datasets", headers={"authorization": "Bearer k"}).status_code == 200
        )
    finally:
        server.stop()
    script = Path(sys.executable).parent / "groundset-server"
    shown = subprocess.run(
        [str(script), "serve", "--help"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(shown.split())
    assert "GROUNDSET_API_KEY" in flat and "--api-key KEY" in flat
    assert "--host HOST the address to listen on (default: 127.0.0.1" in flat
    assert "--port PORT the TCP port (default: 6060)" in flat
    empty = subprocess.run(
        [str(script), "serve", "--api-key", " "], capture_output=True, text=True, check=False
    )
    assert empty.returncode == 1 and "--api-key is empty" in empty.stderr


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_killed_during_large_upsert_leaves_no_partial_version(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    server = server_factory(database_url)
    small = httpx.post(
        server.url + "/v1/datasets/upsert", json={"dataset": {"name": "k"}, "examples": [example("a", {})]}
    )
    assert small.status_code == 200
    big = [example(f"b{i}", {"text": "lorem ipsum " * 60, "i": i}) for i in range(40000)]
    body = b"\n".join(orjson.dumps(x) for x in [{"dataset": {"name": "k"}}, *big])

    def send() -> None:
        try:
            httpx.post(
                server.url + "/v1/datasets/upsert",
                content=body,
                headers={"content-type": "application/x-ndjson"},
                timeout=60,
            )
        except httpx.HTTPError:
            pass

    thread = threading.Thread(target=send)
    thread.start()
    # Kill it once the write has begun: PostgreSQL shows the INSERT, SQLite's WAL file grows.
    assert server.process is not None
    engine = make_engine(database_url)
    wal = Path(database_url.removeprefix("sqlite:///") + "-wal")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.02)
        if engine.dialect.name == "sqlite":
            if wal.exists() and wal.stat().st_size > 4_000_000:
                break
        else:
            with engine.connect() as conn:
                active = conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'INSERT INTO dataset_ex%'"
                    )
                ).scalar_one()
            if active:
                break
    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    thread.join()
    engine.dispose()

    restarted = Server(database_url).start()
    try:
        versions = httpx.get(restarted.url + "/v1/datasets?name=k").json()["data"][0]
        listed = httpx.get(f"{restarted.url}/v1/datasets/{versions['id']}/versions").json()["data"]
        print("versions after kill:", len(listed))
        if len(listed) == 2:  # the upsert committed before the kill: then it is whole
            assert listed[0]["example_count"] == 40001
        else:
            assert len(listed) == 1 and listed[0]["example_count"] == 1
        engine = make_engine(database_url)
        with engine.connect() as conn:
            examples = conn.execute(sa.text("SELECT count(*) FROM dataset_examples")).scalar_one()
            revisions = conn.execute(sa.text("SELECT count(*) FROM dataset_example_revisions")).scalar_one()
        engine.dispose()
        assert (examples, revisions) in [(1, 1), (40001, 40001)]
        manifest = httpx.get(f"{restarted.url}/v1/datasets/{versions['id']}/manifest").json()
        assert manifest["digest"] == groundset.manifest_digest(manifest["examples"])
    finally:
        restarted.stop()


def test_default_database_under_the_working_dir(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "GROUNDSET_WORKING_DIR": str(tmp_path / "work")}
    env.pop("GROUNDSET_DATABASE_URL", None)
    env.pop("GROUNDSET_API_KEY", None)
    script = Path(sys.executable).parent / "groundset-server"
    process = subprocess.Popen([str(script), "serve", "--port", str(port)], env=env)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        response = httpx.post(
            f"http://127.0.0.1:{port}/v1/datasets/upsert",
            json={"dataset": {"name": "d"}, "examples": [example("a", {})]},
        )
        assert response.status_code == 200
        assert response.headers["x-request-id"]
        assert (tmp_path / "work" / "groundset.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=15)


def _streamed(lines: list[bytes], piece: int = 50_000) -> Any:
    """A chunked request body (no Content-Length), cut across line boundaries."""
    body = b"\n".join(lines) + b"\n"
    for start in range(0, len(body), piece):
        yield body[start : start + piece]


def test_streamed_ndjson_is_read_as_it_arrives_and_a_late_error_writes_nothing(
    database_url: str, server_factory: Callable[..., Server]
) -> None:
    server = server_factory(database_url)
    header = orjson.dumps({"dataset": {"name": "stream"}, "mode": "mirror"})
    items = [example(f"s{i:05}", {"text": "lorem ipsum " * 40, "i": i}) for i in range(20000)]
    lines = [header, *(orjson.dumps(x) for x in items)]
    bad = [*lines[:15000], orjson.dumps({**items[14999], "content_hash": "0" * 64}), *lines[15001:]]
    with httpx.Client(base_url=server.url, timeout=60) as client:
        refused = client.post(
            "/v1/datasets/upsert", content=_streamed(bad), headers={"content-type": "application/x-ndjson"}
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == "hash_mismatch"
        assert refused.json()["line"] == 15001 and refused.json()["source_ids"] == ["s14999"]
        # The dataset the request would have created by name is gone with the rest.
        assert client.get("/v1/datasets", params={"name": "stream"}).json()["data"] == []

        created = client.post(
            "/v1/datasets/upsert", content=_streamed(lines), headers={"content-type": "application/x-ndjson"}
        )
        assert created.status_code == 200, created.text
        result = created.json()
        assert (result["created"], result["noop"]) == (20000, False)
        assert result["digest"] == groundset.manifest_digest(
            [(x["source_id"], x["content_hash"]) for x in items]
        )
        versions = client.get(f"/v1/datasets/{result['dataset_id']}/versions").json()["data"]
        assert [(v["example_count"], v["created"]) for v in versions] == [(20000, 20000)]

        # A duplicate source id far apart in the stream (in different blocks) is caught.
        duplicated = [*lines, orjson.dumps(items[3])]
        again = client.post(
            "/v1/datasets/upsert",
            content=_streamed(duplicated),
            headers={"content-type": "application/x-ndjson"},
        )
        assert again.status_code == 422 and again.json()["code"] == "duplicate_source_id"
        assert again.json()["line"] == 20002 and again.json()["source_ids"] == ["s00003"]
