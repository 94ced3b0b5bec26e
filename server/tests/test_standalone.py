"""The server depends on the core's public API only: no module of ``groundset_server`` imports
the SDK (``groundset``, its private ``groundset._native``, its HTTP client) or the core's private
``groundset_core._native``. (That its install brings none of them is
``scripts/check_install.py``, run by ``just server::check-install``.)"""

from __future__ import annotations

import ast
from pathlib import Path

import groundset_server

PACKAGE = Path(groundset_server.__file__).resolve().parent


def imported_modules(source: str) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            modules.add(node.module)
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
    return modules


def forbidden(module: str) -> bool:
    top = module.split(".")[0]
    return top in {"groundset", "httpx"} or module.startswith("groundset_core._")


def test_the_server_imports_only_the_cores_public_api() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    found = {
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in files
        for module in imported_modules(path.read_text(encoding="utf-8"))
        if forbidden(module)
    }
    assert not found, sorted(found)


def test_the_check_sees_what_it_must_refuse() -> None:
    sample = "\n".join(
        [
            "import groundset",
            "from groundset import _native",
            "from groundset_core import _native",
            "import httpx",
        ]
    )
    caught = sorted(module for module in imported_modules(sample) if forbidden(module))
    assert caught == ["groundset", "groundset._native", "groundset_core._native", "httpx"]
    assert not forbidden("groundset_core") and not forbidden("groundset_server.wire")
