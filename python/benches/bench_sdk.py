"""End-to-end timing of ``Client.upsert_dataset`` against a real local server, as a markdown table.

    python benches/bench_sdk.py --out ../bench-results/python-sdk.md

100,000 typical examples of about 1 KB (fixtures/bench/generate_examples.py), hashing included,
against a ``groundset-server`` started here on a free port with a temporary SQLite database:

- initial: a dataset that does not exist yet (goal: at most 8 s);
- unchanged: the same examples again (goal: at most 1 s);
- 1% changed: 1,000 of them with a new output (goal: at most 1.5 s).

A second table times small and medium syncs both ways, one JSON request with every content
against plan + NDJSON with only the needed content, which is how ``PLAN_THRESHOLD`` was chosen.
Each figure is the median of ``--repeat`` runs; the server shares the machine's cores with the
client, and the load average is printed because other work on the machine slows both.

``--unchanged-counts 100000,1000000`` times only the unchanged re-sync, and ``--changed-counts
1000000`` only the 1% changed one (each run with the client's and the server's CPU seconds), on
SQLite and PostgreSQL (``--databases``), by the Python SDK and, with ``--js-dist``, the TypeScript
SDK (js/bench/unchanged.mjs).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import groundset
from conftest import ServerProcess
from groundset import _upsert
from support import typical_examples

SERVER_ROOT = Path(__file__).resolve().parents[2] / "server"

GOALS = {"initial": 8.0, "unchanged": 1.0, "1% changed": 1.5}


class CpuMeter:
    """The CPU seconds (user + system) this process and the server process ``pid`` use."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def server(self) -> float:
        # /proc/PID/stat: utime and stime are the 14th and 15th fields, in clock ticks.
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @contextlib.contextmanager
    def measure(self) -> Iterator[list[float]]:
        """Yields a list that holds ``[client, server]`` CPU seconds once the block is done."""
        used: list[float] = []
        client, server = time.process_time(), self.server()
        yield used
        used += [time.process_time() - client, self.server() - server]


def _rss_mb(field: str) -> float:
    """This process's resident memory (``VmRSS``) or its peak so far (``VmHWM``), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def edited(rows: list[dict[str, Any]], every: int, tag: str) -> list[dict[str, Any]]:
    """A copy of ``rows`` with the output of one row in ``every`` changed."""
    return [{**row, "output": {"answer": f"{tag} {i}"}} if i % every == 0 else row for i, row in enumerate(rows)]


def main_scenarios(client: groundset.Client, count: int, repeat: int) -> dict[str, list[float]]:
    rows = typical_examples(count)
    times: dict[str, list[float]] = {name: [] for name in GOALS}
    for run in range(repeat):
        name = f"bench-{uuid.uuid4().hex[:8]}"

        def sync(examples: list[dict[str, Any]], name: str = name) -> None:
            client.upsert_dataset(name=name, examples=examples, source_id_key="id", progress=False)

        times["initial"].append(timed(lambda: sync(rows)))
        times["unchanged"].append(timed(lambda: sync(rows)))
        changed = edited(rows, 100, f"run {run}")
        times["1% changed"].append(timed(lambda changed=changed: sync(changed)))  # type: ignore[misc]
        client.delete_dataset(name=name)
    return times


def protocol_comparison(client: groundset.Client, sizes: list[int], repeat: int) -> list[tuple[int, str, float, float]]:
    """(examples, scenario, one request, plan + NDJSON) medians, in seconds."""
    saved = _upsert.PLAN_THRESHOLD
    rows: list[tuple[int, str, float, float]] = []
    try:
        for size in sizes:
            examples = typical_examples(size)
            figures: dict[tuple[str, int], list[float]] = {}
            for _ in range(repeat):
                for threshold in (size, size - 1):  # size: one request; size - 1: the plan path
                    # The constant is Final for users; the bench moves it to time both paths.
                    setattr(_upsert, "PLAN_THRESHOLD", threshold)  # noqa: B010
                    name = f"cmp-{uuid.uuid4().hex[:8]}"

                    def sync(data: list[dict[str, Any]], name: str = name) -> None:
                        client.upsert_dataset(name=name, examples=data, source_id_key="id", progress=False)

                    for scenario, data in (("initial", examples), ("unchanged", examples)):
                        figures.setdefault((scenario, threshold), []).append(timed(lambda d=data: sync(d)))  # type: ignore[misc]
                    client.delete_dataset(name=name)
            for scenario in ("initial", "unchanged"):
                one = statistics.median(figures[(scenario, size)])
                plan = statistics.median(figures[(scenario, size - 1)])
                rows.append((size, scenario, one, plan))
    finally:
        setattr(_upsert, "PLAN_THRESHOLD", saved)  # noqa: B010
    return rows


def report(
    count: int, repeat: int, times: dict[str, list[float]], comparison: list[tuple[int, str, float, float]]
) -> str:
    load = os.getloadavg()
    lines = [
        "# Python SDK: upsert_dataset end to end",
        "",
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (1 / 5 / 15 min); "
        f"server and client on the same machine, SQLite in a temporary directory; groundset {groundset.__version__}.",
        "",
        f"{count:,} examples of about 1 KB (fixtures/bench/generate_examples.py), hashing included; "
        f"median of {repeat} run(s) (every run listed), after an untimed warm-up sync.",
        "",
        "| scenario | median (s) | runs (s) | goal (s) | met |",
        "| --- | ---: | --- | ---: | --- |",
    ]
    for name, goal in GOALS.items():
        median = statistics.median(times[name])
        runs = ", ".join(f"{t:.2f}" for t in times[name])
        lines.append(f"| {name} | {median:.2f} | {runs} | {goal:.1f} | {'yes' if median <= goal else 'no'} |")
    lines += [
        "",
        "For scale, from the issue: Phoenix 20.26's own client on these machines took 215 s for a 100,000-example",
        "initial load and 20.9 s to send it again unchanged.",
        "",
        "## One request or plan + NDJSON",
        "",
        f"The SDK sends at most `PLAN_THRESHOLD` = {_upsert.PLAN_THRESHOLD:,} examples in one JSON request with",
        "every content, and plans larger syncs (a new dataset skips the plan: it needs every content).",
        "",
        "| examples | scenario | one request (s) | plan + NDJSON (s) |",
        "| ---: | --- | ---: | ---: |",
    ]
    lines += [f"| {size:,} | {scenario} | {one:.3f} | {plan:.3f} |" for size, scenario, one, plan in comparison]
    return "\n".join(lines) + "\n"


def js_figures(
    dist: Path, base_url: str, rows: list[dict[str, Any]], directory: str, repeat: int, changed: bool = False
) -> dict[str, Any]:
    """The TypeScript SDK's initial and unchanged (or, with ``changed``, 1% changed) syncs
    (js/bench/unchanged.mjs, the SDK built in ``dist``) of the same examples into a dataset of
    its own, on the server at ``base_url``."""
    data = Path(directory) / "examples.jsonl"
    with data.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    script = Path(__file__).resolve().parents[2] / "js" / "bench" / "unchanged.mjs"
    # A million examples as JS objects take more than Node's default heap.
    argv = [
        "node",
        "--max-old-space-size=12288",
        str(script),
        str(dist),
        base_url,
        str(data),
        "unchanged-js",
        str(repeat),
        *(["changed"] if changed else []),
    ]
    done = subprocess.run(argv, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def unchanged_figures(
    count: int, database: str, repeat: int, js_dist: Path | None = None, python: bool = True, changed: bool = False
) -> dict[str, Any]:
    """An initial sync of ``count`` examples, then ``repeat`` unchanged re-syncs (hashing
    included), against a server of its own on ``database`` (sqlite or postgres), by the Python
    SDK (unless not ``python``) and, with ``js_dist``, the TypeScript SDK (key ``js``).

    With ``changed``: each re-sync has 1% of the examples with a new output (a different one
    each run), and the figures are under ``"changed"`` rather than ``"unchanged"``; the process
    CPU seconds of the client and of the server are kept next to each time (``*_cpu``)."""
    rows = typical_examples(count)
    with tempfile.TemporaryDirectory(prefix="groundset-bench-") as directory:
        cluster = None
        url = None
        if database == "postgres":
            sys.path.insert(0, str(SERVER_ROOT))
            from tests.pg import Cluster  # type: ignore[import-not-found]  # the server's throwaway cluster

            cluster = Cluster()
            url = cluster.new_database()
        server = ServerProcess(Path(directory), database_url=url)
        server.start()
        try:
            with groundset.Client(base_url=server.base_url, timeout=900.0) as client:

                def sync(examples: list[dict[str, Any]] = rows) -> None:
                    client.upsert_dataset(name="unchanged", examples=examples, source_id_key="id", progress=False)

                figures: dict[str, Any] = {}
                if python:
                    assert server.process is not None
                    meter = CpuMeter(server.process.pid)
                    figures["rss_rows_mb"] = _rss_mb("VmRSS")
                    with meter.measure() as used:
                        figures["initial"] = timed(sync)
                    figures["initial_cpu"] = used
                    figures["max_rss_initial_mb"] = _rss_mb("VmHWM")
                    if changed:
                        key, runs, cpu = "changed", [], []
                        for run in range(repeat):
                            examples = edited(rows, 100, f"run {run}")
                            with meter.measure() as used:
                                runs.append(timed(lambda examples=examples: sync(examples)))  # type: ignore[misc]
                            cpu.append(used)
                        figures[key], figures["changed_cpu"] = runs, cpu
                    else:
                        figures["unchanged"] = [timed(sync) for _ in range(repeat)]
            if js_dist is not None:
                # A server and database (and PostgreSQL cluster) of its own, as Python's: after
                # Python's load, TypeScript's syncs would share the cores with the database's
                # work on that load (PostgreSQL's autovacuum, SQLite's checkpoint).
                server.stop()
                js_directory = Path(directory) / "js"
                js_directory.mkdir()
                if cluster is not None:
                    cluster.stop()
                    cluster = Cluster()
                    url = cluster.new_database()
                server = ServerProcess(js_directory, database_url=url)
                server.start()
                figures["js"] = js_figures(js_dist, server.base_url, rows, directory, repeat, changed)
        finally:
            server.stop()
            if cluster is not None:
                cluster.stop()
    return figures


def unchanged_report(results: dict[str, dict[str, dict[str, Any]]], scenario: str = "unchanged") -> str:
    """The table of every label's figures (``before``, ``after``) by database and count, for
    ``scenario``: ``"unchanged"`` or ``"changed"`` (1% changed)."""
    labels = list(results)
    keys = sorted(
        {key for figures in results.values() for key in figures}, key=lambda k: (k.split("/")[0], int(k.split("/")[1]))
    )
    load = os.getloadavg()
    title = "unchanged re-sync (issue 19, one-round-trip no-op; the initial load's client + server CPU s in brackets)"
    if scenario == "changed":
        title = "1% changed re-sync (issue 19; client and server process CPU seconds in brackets)"
    lines = [
        f"# SDKs: {title}",
        "",
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, load average "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}; server and client on the same machine; examples of about 1 KB "
        "(fixtures/bench/generate_examples.py), `upsert_dataset(examples=..., source_id_key='id')`, hashing included; "
        "median of the runs listed, after the initial sync (its time in parentheses).",
        "",
        "| SDK | database | examples | " + " | ".join(f"{label}: {scenario} (s)" for label in labels) + " | goal (s) |",
        "| --- | --- | ---: |" + " ---: |" * len(labels) + " ---: |",
    ]
    for sdk in ("Python", "TypeScript"):
        for key in keys:
            database, count = key.split("/")
            cells = []
            for label in labels:
                figures = results[label].get(key)
                if figures is not None and sdk == "TypeScript":
                    figures = figures.get("js")
                if figures is None or scenario not in figures:
                    cells.append("")
                    continue
                # Each run with its [client + server] CPU seconds when kept (TypeScript: the client's).
                cpu = [" [" + " + ".join(f"{s:.1f}" for s in used) + "]" for used in figures.get(f"{scenario}_cpu", [])]
                runs = ", ".join(
                    f"{t:.2f}{used}" for t, used in itertools.zip_longest(figures[scenario], cpu, fillvalue="")
                )
                initial = f"initial {figures['initial']:.1f}"
                if "initial_cpu" in figures:
                    initial += " [" + " + ".join(f"{s:.1f}" for s in figures["initial_cpu"]) + "]"
                cells.append(f"{statistics.median(figures[scenario]):.3f} ({runs}; {initial})")
            if not any(cells):
                continue
            goal = ("0.2" if int(count) <= 100_000 else "2") if scenario == "unchanged" else "4"
            lines.append(f"| {sdk} | {database} | {int(count):,} | " + " | ".join(cells) + f" | {goal} |")
    return "\n".join(lines) + "\n"


def unchanged_main(args: argparse.Namespace) -> int:
    changed = args.changed_counts is not None
    saved = args.out.with_suffix(".json")
    results: dict[str, dict[str, dict[str, Any]]] = json.loads(saved.read_text()) if saved.exists() else {}
    figures = results.setdefault(args.label, {})
    for database in args.databases.split(","):
        for count in (int(c) for c in (args.changed_counts or args.unchanged_counts).split(",")):
            key = f"{database}/{count}"
            sdks = args.sdks.split(",")
            python = "python" in sdks
            js_dist = args.js_dist if "typescript" in sdks else None
            figures[key] = {
                **figures.get(key, {}),
                **unchanged_figures(count, database, args.repeat, js_dist, python, changed),
            }
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    text = unchanged_report(results, "changed" if changed else "unchanged")
    args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--sizes", default="250,500,1000,2000,5000", help="comma-separated sizes for the protocol table"
    )
    parser.add_argument(
        "--unchanged-counts",
        help="only the unchanged re-sync, at these comma-separated counts, on --databases; "
        "the figures are kept under --label in OUT's .json next to it, and the table shows every label",
    )
    parser.add_argument(
        "--changed-counts",
        help="only the 1%% changed re-sync (after an initial sync), at these comma-separated counts, on --databases; "
        "kept and shown as --unchanged-counts does (use another --out)",
    )
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--label", default="after")
    parser.add_argument("--sdks", default="python,typescript", help="the SDKs to time (typescript: with --js-dist)")
    parser.add_argument(
        "--js-dist", type=Path, help="with --unchanged-counts: time the TypeScript SDK built in this directory too"
    )
    args = parser.parse_args()
    if args.unchanged_counts or args.changed_counts:
        return unchanged_main(args)
    with tempfile.TemporaryDirectory(prefix="groundset-bench-") as directory:
        server = ServerProcess(Path(directory))
        server.start()
        try:
            with groundset.Client(base_url=server.base_url, timeout=300.0) as client:
                # A first sync warms the server's imports and its database file; it is not timed.
                client.upsert_dataset(name="warm-up", examples=typical_examples(5_000), source_id_key="id")
                times = main_scenarios(client, args.count, args.repeat)
                sizes = [int(size) for size in args.sizes.split(",") if size]
                comparison = protocol_comparison(client, sizes, args.repeat)
        finally:
            server.stop()
    text = report(args.count, args.repeat, times, comparison)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
