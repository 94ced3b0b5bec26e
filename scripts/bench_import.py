"""Size and start-up of the SDKs as their users install them (`just bench-import`).

In a temporary directory, with the environment scripts/test_install.py gives its clean room, a new
virtualenv installs the wheels of dist/ and a new Node project its npm tarballs. Then, in
``--runs`` fresh processes each (median, min and max, in milliseconds):

- ``import groundset`` timed inside the process (``time.perf_counter`` around the import), and
  the whole process (``python -c "import groundset"``) against an empty interpreter;
- ``await import("groundset")`` timed inside Node (``performance.now``), the addon's loader alone
  (the package's ``native/index.js``: napi-rs's loader and the ``.node`` it opens, which the
  import needs eagerly), and the whole process against an empty ``node -e ""``;
- the Node built-in modules the import loads (``process.moduleLoadList``), and the load average
  before and after, beside the figures (on a shared machine they move with it).

Also the modules ``import groundset`` must not load (httpx, anyio, rich, pandas, tqdm, typer: loaded
when used), the largest imports by ``python -X importtime``, and the size of every artifact.
Goals (issue 17): ``import groundset`` under 150 ms, the Node import under 100 ms. Writes a
Markdown table; not a test (times depend on the machine), tests/test_lazy_imports.py holds the
behaviour.

    python scripts/bench_import.py [--dist dist] [--runs 20] [--out bench-results/import-time.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from check_dist import expected
from test_install import EAGER_PROBE, artifact, clean_environ, sh, stripped_path
from versions import ROOT, release_version

HEAVY = ("httpx", "anyio", "rich", "pandas", "tqdm", "typer")
PYTHON_GOAL_MS = 150.0
NODE_GOAL_MS = 100.0
PYTHON_TIMER = "import time; t = time.perf_counter(); import groundset; print((time.perf_counter() - t) * 1000)"
NODE_TIMER = 'const t = performance.now(); await import("groundset"); console.log(performance.now() - t)'
ADDON_TIMER = (
    "const t = performance.now(); await import('./node_modules/groundset/native/index.js');"
    " console.log(performance.now() - t)"
)


def spread(samples: Sequence[float]) -> tuple[float, float, float]:
    """(median, min, max) of samples."""
    return statistics.median(samples), min(samples), max(samples)


def loads(average: tuple[float, float, float]) -> str:
    """A load average as `uptime` shows it."""
    return " ".join(f"{value:.2f}" for value in average)


def timed_inside(argv: Sequence[object], runs: int, cwd: Path, env: dict[str, str]) -> list[float]:
    """What each of `runs` fresh processes of argv prints: its own timing, in milliseconds."""
    return [float(sh(argv, cwd=cwd, env=env).strip()) for _ in range(runs)]


def timed_outside(argv: Sequence[object], runs: int, cwd: Path, env: dict[str, str]) -> list[float]:
    """The wall time of each of `runs` fresh processes of argv, in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        sh(argv, cwd=cwd, env=env)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def largest_imports(python: Path, cwd: Path, env: dict[str, str], count: int = 8) -> list[tuple[str, float]]:
    """The `count` imports that ``import groundset`` makes itself with the most cumulative time (ms)."""
    done = subprocess.run(
        [str(python), "-X", "importtime", "-c", "import groundset"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    # Children come before their parent, indented two spaces a level: the block of
    # ``groundset`` runs from the top-level line before it (the interpreter's own start-up) to it.
    block: list[tuple[int, str, float]] = []
    for line in done.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        depth = (len(fields[2]) - len(fields[2].lstrip()) - 1) // 2
        name = fields[2].strip()
        if depth == 0 and name == "groundset":
            break
        if depth == 0:
            block = []
            continue
        block.append((depth, name, int(fields[1]) / 1000))
    rows = [(name, ms) for depth, name, ms in block if depth == 1]
    return sorted(rows, key=lambda row: -row[1])[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results" / "import-time.md")
    args = parser.parse_args()
    version = release_version()
    env = clean_environ(stripped_path())
    patterns = expected(version)
    artifacts = {kind: artifact(args.dist, pattern) for pattern, kind in patterns.items()}
    room = Path(tempfile.mkdtemp(prefix="groundset-bench-import-")).resolve()
    try:
        sh([Path(sys.base_prefix) / "bin" / "python3", "-m", "venv", room / "venv"], cwd=room, env=env)
        python = room / "venv" / "bin" / "python"
        wheels = [path for path in artifacts.values() if path.suffix == ".whl"]
        pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--only-binary", ":all:"]
        sh([*pip, "--find-links", args.dist.resolve(), *wheels], cwd=room, env=env)
        project = room / "project"
        project.mkdir()
        (project / "package.json").write_text(json.dumps({"private": True, "type": "module"}) + "\n", encoding="utf-8")
        tarballs = [path for path in artifacts.values() if path.name.endswith(".tgz")]
        sh(["npm", "install", "--no-audit", "--no-fund", "--silent", *tarballs], cwd=project, env=env)

        probe = f"import sys, groundset; print(sorted({{m.partition('.')[0] for m in sys.modules}} & {set(HEAVY)}))"
        loaded = sh(
            [python, "-c", probe],
            cwd=room,
            env=env,
        ).strip()
        runs = args.runs
        load_before = os.getloadavg()
        python_inside = spread(timed_inside([python, "-c", PYTHON_TIMER], runs, room, env))
        python_process = spread(timed_outside([python, "-c", "import groundset"], runs, room, env))
        python_empty = spread(timed_outside([python, "-c", "pass"], runs, room, env))
        node_inside = spread(timed_inside(["node", "--input-type=module", "-e", NODE_TIMER], runs, project, env))
        node_process = spread(
            timed_outside(["node", "--input-type=module", "-e", 'await import("groundset")'], runs, project, env)
        )
        node_empty = spread(timed_outside(["node", "--input-type=module", "-e", ""], runs, project, env))
        node_addon = spread(timed_inside(["node", "--input-type=module", "-e", ADDON_TIMER], runs, project, env))
        load_after = os.getloadavg()
        builtins = sh(["node", "--input-type=module", "-e", EAGER_PROBE], cwd=project, env=env).split()
        top = largest_imports(python, room, env)
        python_version = sh([python, "-c", "import sys; print(sys.version.split()[0])"], cwd=room, env=env).strip()
        node_version = sh(["node", "--version"], cwd=room, env=env).strip()
    finally:
        shutil.rmtree(room, ignore_errors=True)

    def row(what: str, measured: tuple[float, float, float], goal: str = "") -> str:
        median, low, high = measured
        return f"| {what} | {median:.1f} | {low:.1f} | {high:.1f} | {goal} |"

    lines = [
        "# Import time and size of the SDKs",
        "",
        f"`just bench-import` (scripts/bench_import.py): version {version}, installed from dist/ into a new",
        f"virtualenv (CPython {python_version}) and a new Node project (Node {node_version}) on {platform.machine()}",
        f"Linux, {runs} fresh processes each; {os.cpu_count()} cores shared with other work, so single",
        "figures move by tens of percent from run to run. Load average (1, 5, 15 min) before:",
        f"{loads(load_before)}, after: {loads(load_after)}.",
        "",
        "| What | Median ms | Min ms | Max ms | Goal |",
        "|---|---:|---:|---:|---|",
        row("`import groundset`, timed in the process", python_inside, f"< {PYTHON_GOAL_MS:.0f} ms"),
        row('`python -c "import groundset"`, whole process', python_process),
        row('`python -c "pass"`, whole process', python_empty),
        row('`await import("groundset")`, timed in Node', node_inside, f"< {NODE_GOAL_MS:.0f} ms"),
        row("`node -e 'await import(\"groundset\")'`, whole process", node_process),
        row("`node -e ''`, whole process", node_empty),
        row("the addon's loader alone (`native/index.js`), timed in Node", node_addon),
        "",
        "Node built-ins loaded by the import, beyond an empty module's: "
        + ", ".join(f"`{name}`" for name in builtins if not name.startswith("internal/")),
        "",
        f"Heavy modules loaded by `import groundset` (of {', '.join(HEAVY)}): {loaded}",
        "",
        "Largest imports under `import groundset` (`python -X importtime`, cumulative, one run):",
        "",
        "| Module | ms |",
        "|---|---:|",
        *(f"| `{name}` | {ms:.1f} |" for name, ms in top),
        "",
        "| Artifact | Size |",
        "|---|---:|",
        *(f"| {path.name} | {path.stat().st_size / 1e6:.2f} MB |" for path in artifacts.values()),
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
