"""Fixtures of the docs test: a live server and a working directory per document, and the
TypeScript snippets compiled once with js/'s tsc.

Each document gets its own `groundset-server` (a temporary SQLite database) and its own
temporary working directory (holding links to the repository's fixtures/ and examples/), and
its snippets run in the order they appear, so a document can read like a session: a later
snippet may use a dataset an earlier one created.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from local_server import TS_CONFIG, LocalServer, compile_typescript, link_groundset
from snippets import ROOT, Snippet, all_snippets


@dataclass
class Place:
    """Where the snippets of one document run: its server and its working directory."""

    server: LocalServer
    directory: Path


@pytest.fixture(scope="session")
def place_of() -> Iterator[Callable[[Path], Place]]:
    places: dict[Path, Place] = {}
    parent = Path(tempfile.mkdtemp(prefix="groundset-docs-"))

    def place(document: Path) -> Place:
        if document not in places:
            directory = parent / document.stem
            directory.mkdir()
            for shared in ("fixtures", "examples"):
                (directory / shared).symlink_to(ROOT / shared, target_is_directory=True)
            server = LocalServer()
            server.start()
            places[document] = Place(server, directory)
        return places[document]

    try:
        yield place
    finally:
        for found in places.values():
            found.server.stop()
        shutil.rmtree(parent, ignore_errors=True)


@dataclass
class CompiledTypeScript:
    """The compiled snippets (`out/<stem>.js`), or tsc's messages when compiling failed."""

    directory: Path
    error: str | None

    def script(self, snippet: Snippet) -> Path:
        if self.error is not None:
            mine = [line for line in self.error.splitlines() if snippet.stem in line] or [self.error]
            pytest.fail(f"{snippet.id} does not compile:\n" + "\n".join(mine))
        return self.directory / "out" / f"{snippet.stem}.js"


@pytest.fixture(scope="session")
def compiled_typescript() -> Iterator[CompiledTypeScript]:
    directory = Path(tempfile.mkdtemp(prefix="groundset-docs-ts-"))
    try:
        (directory / "src").mkdir()
        for snippet in all_snippets():
            if snippet.language == "ts" and snippet.marker is None:
                (directory / "src" / f"{snippet.stem}.ts").write_text(snippet.code, encoding="utf-8")
        (directory / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
        config = {
            "extends": str(TS_CONFIG),
            "compilerOptions": {"rootDir": "src", "outDir": "out"},
            "include": ["src/*.ts"],
        }
        (directory / "tsconfig.json").write_text(json.dumps(config), encoding="utf-8")
        link_groundset(directory)
        try:
            compile_typescript(directory)
            error = None
        except RuntimeError as failure:
            error = str(failure)
        yield CompiledTypeScript(directory, error)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
