"""What the cross-SDK tests share: a real groundset-server (SQLite) for each test module."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _server_process() -> Any:
    """The Python suite's ServerProcess (python/tests/conftest.py): one way to start a server."""
    spec = importlib.util.spec_from_file_location("python_tests_conftest", ROOT / "python/tests/conftest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ServerProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A server of its own for the module that asks for one, stopped after its tests."""
    process = _server_process()(tmp_path_factory.mktemp(f"{request.module.__name__}-server"))
    process.start()
    yield process
    process.stop()
