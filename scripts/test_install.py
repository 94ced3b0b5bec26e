"""The clean-room install test (`just test-install`): what `just dist` wrote works on a machine
with nothing but Python and Node.

In a fresh temporary directory, with PATH stripped of every directory holding cargo, rustc or
just, no PYTHONPATH and the repository neither the working directory nor on any path:

1. a new virtualenv installs the three wheels of dist/ by file (``--only-binary :all:``: their
   third-party dependencies come from the package index as wheels, nothing is compiled); the
   packages must import from that virtualenv, not from the repository, and
   ``groundset --version``, ``python -m groundset --version`` and ``groundset-server --version``
   must print the release version;
2. a new Node project installs the two npm tarballs of dist/ (the addon from the platform
   package, as on a user's machine); the TypeScript quickstart is compiled against the installed
   package's ``.d.ts`` (with js/'s tsc: a compile-time tool, not a run-time need); its import
   loads no ``node:crypto``, ``node:stream`` or ``node:fs/promises`` (a file export loads them); on a platform
   with no prebuilt addon (Node told it runs on darwin-arm64, linux-arm64) and without the
   platform package, ``import("groundset")`` fails with an error naming the platform;
3. the installed ``groundset-server serve`` runs on a temporary SQLite, both quickstarts (copied
   out of examples/ with the fixture files they read) run against it, and scripts/demo.py's
   checks judge their output; the server answers its web UI from the wheel: ``GET /`` with
   ``Accept: text/html`` is the app's HTML page (its ``<div id="root">``), and the script it loads
   from ``/assets/`` is there;
4. with the toolchain back on PATH, a second virtualenv installs groundset-core's, groundset's and
   groundset-server's sdists (each compiled or built from source) and hashes a value as the wheel
   does; the server built from its sdist has its web UI (``ui_dist/index.html``).

Exits 1, naming each failed check.

    python scripts/test_install.py [--dist dist] [--skip-sdist] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from check_dist import expected
from demo import Outcome, check, check_agreement, parse
from local_server import ROOT, TSC, LocalServer
from versions import release_version, verdict

TOOLCHAIN = ("cargo", "rustc", "just")
HASH_PROBE = 'import groundset_core; print(groundset_core.hash_value({"q": "1 + 1", "a": [2, 2.0, "two"]}))'

# The Node built-in modules that `import("groundset")` loads, beyond what an empty module does.
EAGER_PROBE = (
    "const before = new Set(process.moduleLoadList); await import('groundset');"
    " console.log(process.moduleLoadList.filter((m) => !before.has(m) && m.startsWith('NativeModule '))"
    ".map((m) => m.slice(13)).join(' '))"
)


class Failed(Exception):
    """A step that could not go on; the message names it."""


def stripped_path() -> str:
    """PATH without the directories that hold cargo, rustc or just."""
    kept = [
        entry
        for entry in os.environ.get("PATH", "").split(os.pathsep)
        if entry and not any((Path(entry) / tool).exists() for tool in TOOLCHAIN)
    ]
    return os.pathsep.join(kept)


def clean_environ(path: str) -> dict[str, str]:
    """This process's environment without what would let the repository in."""
    dropped = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CARGO_TARGET_DIR", "NODE_PATH")
    env = {key: value for key, value in os.environ.items() if key not in dropped and not key.startswith("GROUNDSET_")}
    env["PATH"] = path
    return env


def sh(argv: Sequence[object], *, cwd: Path, env: dict[str, str]) -> str:
    """Run argv; its stdout, or Failed with its output when it exits non-zero."""
    done = subprocess.run([str(arg) for arg in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        command = " ".join(str(arg) for arg in argv)
        raise Failed(f"`{command}` exited {done.returncode}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done.stdout


def artifact(dist: Path, pattern: str) -> Path:
    found = sorted(dist.glob(pattern))
    if len(found) != 1:
        raise Failed(f"expected one {pattern} in {dist} (run `just dist`), found {[path.name for path in found]}")
    return found[0].resolve()


def install_python(room: Path, dist: Path, env: dict[str, str], version: str) -> tuple[Path, list[str]]:
    """The wheels in a new virtualenv; its bin directory and the failed checks."""
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    sh([base_python, "-m", "venv", room / "venv"], cwd=room, env=env)
    bin_dir = room / "venv" / "bin"
    patterns = list(expected(version))
    wheels = [artifact(dist, pattern) for pattern in patterns if pattern.endswith(".whl")]
    started = time.monotonic()
    pip = [bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    sh([*pip, "--only-binary", ":all:", "--find-links", dist.resolve(), *wheels], cwd=room, env=env)
    print(f"  wheels installed in {time.monotonic() - started:.1f} s")
    failures = []
    for module in ("groundset", "groundset_core", "groundset_server"):
        origin = sh([bin_dir / "python", "-c", f"import {module}; print({module}.__file__)"], cwd=room, env=env)
        if not Path(origin.strip()).resolve().is_relative_to(room / "venv"):
            failures.append(f"{module} imports from {origin.strip()}, not from the new virtualenv")
    for argv, wanted in (
        ([bin_dir / "groundset", "--version"], f"groundset {version} (groundset-core {version})"),
        ([bin_dir / "python", "-m", "groundset", "--version"], f"groundset {version} (groundset-core {version})"),
        ([bin_dir / "groundset-server", "--version"], f"groundset-server {version}"),
    ):
        said = sh(argv, cwd=room, env=env).strip()
        if said != wanted:
            failures.append(f"`{' '.join(str(arg) for arg in argv[-2:])}` printed {said!r}, expected {wanted!r}")
    return bin_dir, failures


def install_node(project: Path, dist: Path, env: dict[str, str], version: str) -> list[str]:
    """The npm tarballs in a new Node project, and the TypeScript quickstart compiled against them."""
    (project / "package.json").write_text(json.dumps({"private": True, "type": "module"}) + "\n", encoding="utf-8")
    tarballs = [artifact(dist, pattern) for pattern in expected(version) if pattern.endswith(".tgz")]
    started = time.monotonic()
    sh(["npm", "install", "--no-audit", "--no-fund", "--silent", *tarballs], cwd=project, env=env)
    print(f"  npm tarballs installed in {time.monotonic() - started:.1f} s")
    failures = []
    modules = project / "node_modules"
    if not (modules / "groundset-linux-x64-gnu" / "groundset.linux-x64-gnu.node").is_file():
        failures.append("npm did not install the platform package groundset-linux-x64-gnu")
    if list((modules / "groundset").rglob("*.node")):
        failures.append("the npm package groundset carries an addon of its own")
    # Only exportDataset's file writing needs them; loading them at import costs tens of ms.
    loaded = sh(["node", "--input-type=module", "-e", EAGER_PROBE], cwd=project, env=env).split()
    for name in ("crypto", "stream", "fs/promises"):
        if name in loaded:
            failures.append(f'import("groundset") loads node:{name}; only the calls that need it should')
    ts = project / "examples" / "ts"
    ts.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "ts" / "quickstart.ts", ts)
    # As a user's project would: "groundset" resolves to node_modules, its types from the package.
    tsconfig = json.loads(
        "\n".join(
            line
            for line in (ROOT / "examples" / "ts" / "tsconfig.json").read_text(encoding="utf-8").splitlines()
            if not line.lstrip().startswith("//")
        )
    )
    tsconfig["compilerOptions"].pop("paths")
    tsconfig["compilerOptions"]["typeRoots"] = [str(ROOT / "js" / "node_modules" / "@types")]
    (ts / "tsconfig.json").write_text(json.dumps(tsconfig, indent=2), encoding="utf-8")
    sh([TSC, "-p", ts], cwd=project, env=env)
    return failures


def fetch(url: str, accept: str) -> tuple[int, str, str]:
    """GET url: status, content type and body (an error status too, not an exception)."""
    request = urllib.request.Request(url, headers={"accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers.get("content-type", ""), answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read().decode("utf-8", "replace")


def check_ui(base_url: str) -> list[str]:
    """The installed server's web UI: the page at / as a browser asks for it, and its script."""
    status, kind, page = fetch(f"{base_url}/", "text/html,application/xhtml+xml,*/*;q=0.8")
    if status != 200 or not kind.startswith("text/html") or '<div id="root">' not in page:
        return [
            f'GET / (Accept: text/html): {status} {kind!r}, expected 200 text/html with <div id="root">:\n{page[:500]}'
        ]
    scripts = re.findall(r'<script[^>]* src="(/assets/[^"]+\.js)"', page)
    if not scripts:
        return [f"GET /: the page loads no /assets/*.js script:\n{page[:500]}"]
    status, kind, body = fetch(f"{base_url}{scripts[0]}", "*/*")
    if status != 200 or "javascript" not in kind or not body:
        return [f"GET {scripts[0]} (the script / loads): {status} {kind!r}, expected 200 JavaScript"]
    print(f"  web UI served: / and {scripts[0]} ({len(body) / 1e3:.0f} kB)")
    return []


def run_quickstarts(project: Path, bin_dir: Path, env: dict[str, str]) -> list[str]:
    """Both quickstarts against the installed server, judged by the demo's checks."""
    python = project / "examples" / "python"
    python.mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "python" / "quickstart.py", python)
    shutil.copytree(ROOT / "fixtures" / "examples", project / "fixtures" / "examples")
    failures: list[str] = []
    outcomes: list[Outcome] = []
    with LocalServer(executable=bin_dir / "groundset-server", environ=env) as server:
        print(f"  installed groundset-server on {server.base_url} (SQLite {server.database_url})")
        failures += check_ui(server.base_url)
        run_env = {**env, "GROUNDSET_BASE_URL": server.base_url}
        for language, argv in (
            ("Python", [bin_dir / "python", "examples/python/quickstart.py"]),
            ("TypeScript", ["node", "examples/ts/dist/quickstart.js"]),
        ):
            started = time.monotonic()
            try:
                output = sh(argv, cwd=project, env=run_env)
            except Failed as error:
                failures.append(f"{language} quickstart: {error}")
                continue
            print(f"  {language} quickstart ran in {time.monotonic() - started:.1f} s")
            outcome = parse(language, output)
            outcomes.append(outcome)
            failures += check(outcome)
        if failures:
            failures.append(f"the server's log:\n{server.log()}")
    if len(outcomes) == 2 and not failures:
        failures += check_agreement(*outcomes)
    return failures


def import_groundset(project: Path, env: dict[str, str], platform: tuple[str, str] | None = None) -> tuple[int, str]:
    """``await import("groundset")`` in the project: exit code and stderr. ``platform``: the
    ``(process.platform, process.arch)`` Node reports, set before the package loads."""
    pretend = []
    if platform is not None:
        # A module preloaded with --import: nothing of the package runs before it.
        os_name, arch = platform
        script = (
            f"Object.defineProperty(process, 'platform', {{ value: '{os_name}' }});"
            f"Object.defineProperty(process, 'arch', {{ value: '{arch}' }});"
        )
        pretend = ["--import", f"data:text/javascript,{quote(script)}"]
    done = subprocess.run(
        ["node", *pretend, "--input-type=module", "-e", 'await import("groundset")'],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode, done.stderr


def check_missing_addon(project: Path, env: dict[str, str]) -> list[str]:
    """On a platform with no prebuilt addon, and without its platform package, importing
    groundset fails naming the platform."""
    failures = []
    only = "prebuilt addons exist for linux-x64-gnu only"
    for platform, name in ((("darwin", "arm64"), "darwin-arm64"), (("linux", "arm64"), "linux-arm64-gnu")):
        code, stderr = import_groundset(project, env, platform)
        wanted = f"groundset: no native addon loads on {name}; {only}"
        if code == 0 or wanted not in stderr:
            failures.append(f"import of groundset on {name} (pretended): exit {code}, expected {wanted!r}:\n{stderr}")
    shutil.rmtree(project / "node_modules" / "groundset-linux-x64-gnu")
    code, stderr = import_groundset(project, env)
    wanted = "groundset: no native addon loads on linux-x64-gnu; its addon is the optional dependency"
    if code == 0 or wanted not in stderr:
        failures.append(f"import of groundset without its addon: exit {code}, expected {wanted!r}:\n{stderr}")
    return failures


def install_sdists(room: Path, dist: Path, version: str, wheel_bin: Path) -> list[str]:
    """The sdists built and installed with the toolchain on PATH; the result hashes as the wheel."""
    env = clean_environ(os.environ.get("PATH", ""))
    # Its own target directory: a clean build of the sdist, not the repository's; kept between
    # runs under target/ so that only the first run compiles the dependencies.
    env["CARGO_TARGET_DIR"] = str(ROOT / "target" / "sdist-check")
    # Cargo judges a local crate fresh by the mtimes of its sources, and an sdist's files carry
    # the sdist's fixed ones: without this, a crate changed since the last run is not rebuilt.
    local = ("canonhash", "groundset-records", "groundset-schema", "groundset-core")
    sh(["cargo", "clean", "--release", *(f"-p={name}" for name in local)], cwd=ROOT, env=env)
    base_python = Path(sys.base_prefix) / "bin" / "python3"
    sh([base_python, "-m", "venv", room / "sdist-venv"], cwd=room, env=env)
    bin_dir = room / "sdist-venv" / "bin"
    sdists = [artifact(dist, pattern) for pattern in expected(version) if pattern.endswith(".tar.gz")]
    started = time.monotonic()
    sh(
        [bin_dir / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *sdists],
        cwd=room,
        env=env,
    )
    print(f"  sdists built and installed in {time.monotonic() - started:.1f} s")
    from_sdist = sh([bin_dir / "python", "-c", HASH_PROBE], cwd=room, env=env).strip()
    from_wheel = sh([wheel_bin / "python", "-c", HASH_PROBE], cwd=room, env=clean_environ(stripped_path())).strip()
    failures = []
    if from_sdist != from_wheel:
        failures.append(f"groundset-core from its sdist hashes {from_sdist}, from its wheel {from_wheel}")
    package_dir = sh(
        [
            bin_dir / "python",
            "-c",
            "import groundset_server, pathlib; print(pathlib.Path(groundset_server.__file__).parent)",
        ],
        cwd=room,
        env=env,
    ).strip()
    if not (Path(package_dir) / "ui_dist" / "index.html").is_file():
        failures.append(f"groundset-server built from its sdist has no web UI: no {package_dir}/ui_dist/index.html")
    said = sh([bin_dir / "groundset", "--version"], cwd=room, env=env).strip()
    if said != f"groundset {version} (groundset-core {version})":
        failures.append(f"groundset from its sdist says {said!r}")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--skip-sdist", action="store_true", help="skip step 4 (the sdists' source build)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    version = release_version()
    path = stripped_path()
    env = clean_environ(path)
    failures = [f"{tool} is still on the stripped PATH" for tool in TOOLCHAIN if shutil.which(tool, path=path)]
    room = Path(tempfile.mkdtemp(prefix="groundset-install-")).resolve()
    project = room / "project"
    project.mkdir()
    print(f"clean room {room}; PATH={path}")
    try:
        bin_dir, found = install_python(room, args.dist, env, version)
        failures += found
        failures += install_node(project, args.dist, env, version)
        failures += run_quickstarts(project, bin_dir, env)
        failures += check_missing_addon(project, env)
        if not args.skip_sdist:
            failures += install_sdists(room, args.dist, version, bin_dir)
    except Failed as error:
        failures.append(str(error))
    finally:
        if args.keep:
            print(f"kept {room}")
        else:
            shutil.rmtree(room, ignore_errors=True)
    return verdict(
        failures,
        "test-install FAILED:",
        f"test-install OK: version {version} installs from dist/ without a toolchain, both quickstarts pass",
    )


if __name__ == "__main__":
    sys.exit(main())
