"""A throwaway groundset server and the TypeScript toolchain, for the demo and the docs tests.

`LocalServer` starts `.venv/bin/groundset-server serve` on a free loopback port with a SQLite
file in a temporary directory, waits for `/health`, and stops the process (and removes the
directory) on exit. `compile_typescript` compiles TypeScript that imports "groundset" with js/'s
own tsc, against the built package in js/dist (see examples/ts/tsconfig.json).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
SERVER = VENV_BIN / "groundset-server"
TSC = ROOT / "js" / "node_modules" / ".bin" / "tsc"
JS_PACKAGE = ROOT / "js"
TS_CONFIG = ROOT / "examples" / "ts" / "tsconfig.json"
START_SECONDS = 60.0


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalServer:
    """`groundset-server serve` on a free port with a temporary SQLite database.

    >>> with LocalServer() as server:  # doctest: +SKIP
    ...     print(server.base_url)
    """

    def __init__(
        self, *, api_key: str | None = None, executable: Path = SERVER, environ: Mapping[str, str] | None = None
    ) -> None:
        self.api_key = api_key
        # scripts/test_install.py runs an installed server in an environment without the toolchains.
        self.executable = executable
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.directory = Path(tempfile.mkdtemp(prefix="groundset-server-"))
        self.database_url = f"sqlite:///{self.directory / 'groundset.db'}"
        self.log_path = self.directory / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LocalServer:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        if not self.executable.exists():
            raise RuntimeError(f"{self.executable} is missing: run `just build` first")
        env = {key: value for key, value in self.environ.items() if not key.startswith("GROUNDSET_")}
        if self.api_key is not None:
            env["GROUNDSET_API_KEY"] = self.api_key
        argv = [str(self.executable), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        argv += ["--database-url", self.database_url, "--log-level", "warning"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"groundset-server exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/health", timeout=1) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"groundset-server did not answer /health within {START_SECONDS:.0f} s:\n{self.log()}")

    def log(self) -> str:
        """The end of the server's log."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def env(self) -> dict[str, str]:
        """This process's environment, pointed at the server (and its API key, if any)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("GROUNDSET_")}
        env["GROUNDSET_BASE_URL"] = self.base_url
        if self.api_key is not None:
            env["GROUNDSET_API_KEY"] = self.api_key
        # The venv first, as after `source .venv/bin/activate`: `python`, `groundset` and
        # `groundset-server` in shell snippets are the project's.
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
        return env


def link_groundset(directory: Path) -> None:
    """Make `import ... from "groundset"` in JavaScript under `directory` load js/ (as `npm
    install` of the package would)."""
    modules = directory / "node_modules"
    modules.mkdir(parents=True, exist_ok=True)
    link = modules / "groundset"
    if link.is_symlink() and link.resolve() == JS_PACKAGE.resolve():
        return
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(os.path.relpath(JS_PACKAGE, modules), target_is_directory=True)


def compile_typescript(project: Path) -> None:
    """`tsc -p project` with js/'s compiler (strict type checks included); raises with tsc's
    messages when it fails."""
    for needed, build in ((TSC, "just js::deps"), (JS_PACKAGE / "dist" / "index.js", "just js::build")):
        if not needed.exists():
            raise RuntimeError(f"{needed} is missing: run `{build}` first")
    done = subprocess.run([str(TSC), "-p", str(project)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"tsc -p {project} failed:\n{done.stdout}{done.stderr}")
