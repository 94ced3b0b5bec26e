"""A body over a limit says which limit and what to do: the server's 413 names its setting, the
body's size when the request declared it and a proxy's own limit; a proxy's 413 (an HTML page,
not the server's problem details) is told as a proxy's, in the SDK and the CLI."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import groundset
from conftest import ServerProcess


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path, env={"GROUNDSET_MAX_BODY_BYTES": "1000000"})
    process.start()
    yield process
    process.stop()


class _Proxy(http.server.BaseHTTPRequestHandler):
    """What nginx answers a body over its client_max_body_size (1 MB by default)."""

    def do_POST(self) -> None:
        page = b"<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>"
        self.send_response(413)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(page)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(page)

    do_GET = do_POST

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _records(count: int) -> list[dict[str, Any]]:
    return [{"id": f"r{i}", "input": {"text": "x" * 180}} for i in range(count)]


def test_the_servers_limit_is_named_with_its_setting(limited: ServerProcess) -> None:
    with groundset.Client(base_url=limited.base_url) as client:
        with pytest.raises(groundset.ContentTooLargeError) as refused:
            client.upsert_dataset(name="qa", examples=_records(4000), source_id_key="id")
        assert client.list_datasets() == []
    said = str(refused.value)
    assert said.startswith("413 body_too_large: the body is ") and "over the limit of 1000000 bytes" in said, said
    assert "GROUNDSET_MAX_BODY_BYTES (raise it, or send less at a time)" in said
    assert "a proxy in front of the server may have a limit of its own" in said


def test_a_proxys_413_is_told_as_a_proxys(proxy: str, tmp_path: Path) -> None:
    with (
        groundset.Client(base_url=proxy, max_retries=0) as client,
        pytest.raises(groundset.ContentTooLargeError) as refused,
    ):
        client.upsert_dataset(name="qa", examples=_records(10), source_id_key="id")
    assert refused.value.code == "http_413"
    assert str(refused.value) == (
        "413 http_413: a proxy in front of the server refused the body as too large (its own limit on a "
        "request's size, such as nginx's client_max_body_size, 1 MB by default; the server's is "
        "GROUNDSET_MAX_BODY_BYTES): raise that limit, or send less at a time"
    )
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in _records(10)))
    from typer.testing import CliRunner

    from groundset.cli import app

    done = CliRunner().invoke(app, ["--base-url", proxy, "upsert", str(path), "-d", "qa", "--id-key", "id"])
    assert done.exit_code == 1 and "a proxy in front of the server refused the body as too large" in done.stderr
