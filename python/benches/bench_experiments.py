"""The experiment runner's own overhead, end to end, against a real local server, as a markdown table.

    python benches/bench_experiments.py --out ../bench-results/python-experiments.md

10,000 examples, a trivial task and one evaluator, concurrency 10. The task and the evaluator do
no work, so the whole wall time of ``run_experiment`` is the runner's overhead: fetching the
dataset version, creating the experiment, scheduling the calls (threads for sync functions, the
event loop for async ones), uploading runs and evaluations in batches, and reading the summary.
Goal: at most 0.5 ms per example. Each figure is the median of ``--repeat`` runs; the server
(SQLite) shares the machine's cores with the runner.

Rerun with reuse (issue 14): 100,000 examples (``--reuse-count``), an experiment on them, then 1%
edited and ``run_experiment(..., task_version=..., reuse=base)`` with a no-op async task and a
versioned evaluator: the task runs on the 1,000 edited examples only, the rest is copied by the
server. The task does no work, so the wall time is the time spent outside it: creating the
experiment, the server's copy (whose answer holds the first page of what is left to run),
running and uploading 1,000 runs, and the summary. Goal: at most 1 s. The table also gives the
CPU seconds of the server and of this process (fair on a shared machine) and each server call
timed on its own.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import groundset
from conftest import ServerProcess
from groundset import _experiment_api as api
from groundset.experiments import run_experiment

GOAL_MS = 0.5
REUSE_GOAL_S = 1.0


def sync_task(input: dict[str, Any]) -> dict[str, Any]:
    return {"answer": input["question"]}


async def async_task(input: dict[str, Any]) -> dict[str, Any]:
    return {"answer": input["question"]}


def sync_exact(output: dict[str, Any], expected: dict[str, Any]) -> bool:
    return bool(output["answer"] == expected["answer"])


async def async_exact(output: dict[str, Any], expected: dict[str, Any]) -> bool:
    return bool(output["answer"] == expected["answer"])


VARIANTS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "async task, async evaluator": (async_task, async_exact),
    "sync task, sync evaluator (threads)": (sync_task, sync_exact),
}


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


Phases = dict[str, list[tuple[float, float]]]
"""Per server call of a rerun, its (wall seconds, server CPU seconds) of each repeat."""
ReuseFigures = tuple[list[float], float, int, Phases, list[tuple[float, float]], tuple[float, float]]


def process_cpu(pid: int) -> float:
    """The seconds of CPU process ``pid`` has used (user and system, /proc on Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SETTLE_S = 1.5
"""The pause before each timed rerun: the server checkpoints SQLite's write-ahead log once it
has been idle for 0.5 s (``db.engine.WalCheckpointer``), so the ~40 MB the previous rerun (or
the setup) wrote reach the database file then, as they would before a user's next rerun, not
inside the next rerun's timing. Back to back, a rerun's server CPU also held part of that
checkpoint (~0.1 s)."""


def settle() -> None:
    time.sleep(SETTLE_S)


def server_phases(
    client: groundset.Client, v2: groundset.UpsertResult, base_id: str, server_pid: int
) -> dict[str, tuple[float, float]]:
    """The server's part of a rerun with reuse, call by call, on a head of its own: each call's
    wall time and the CPU the server process used meanwhile. The same calls as the runner makes:
    the reuse answer holds the first page of what is left to run (no GET /incomplete), whose
    runs are posted as the runner's uploader posts them (batches of 1,000, with an evaluation)."""
    assert v2.dataset_id is not None and v2.version_id is not None
    phases: dict[str, tuple[float, float]] = {}

    def timed_call(label: str, op: Any) -> Any:
        start, start_cpu = time.perf_counter(), process_cpu(server_pid)
        answer = client._run(op)
        phases[label] = (time.perf_counter() - start, process_cpu(server_pid) - start_cpu)
        return answer

    head = timed_call(
        "create the experiment",
        api.create_experiment(
            v2.dataset_id, version_id=v2.version_id, name="phases", description=None, metadata=None,
            repetitions=1, task_version="t1",
        ),
    )  # fmt: skip
    reused = timed_call(
        "POST reuse (the server's copy, with the first page left to run)",
        api.reuse(head["id"], base_id, [{"name": "exact", "evaluator_version": "1"}]),
    )
    left = reused["incomplete"]["data"]
    assert reused["incomplete"]["next_cursor"] is None
    runs = [
        {
            "example_id": item["example"]["id"],
            "repetition_number": n,
            "output": {"answer": item["example"]["input"]["question"]},
            "latency_ms": 0.01,
            "evaluations": [{"name": "exact", "score": 1.0, "evaluator_version": "1"}],
        }
        for item in left
        for n in item["repetition_numbers"]
    ]
    timed_call(f"POST the {len(runs):,} runs the task made", api.post_runs(head["id"], runs))
    timed_call("GET the summary", api.summary(head["id"]))
    client._run(api.delete_experiment(head["id"]))
    return phases


def reuse_case(client: groundset.Client, count: int, repeat: int, server_pid: int) -> ReuseFigures:
    """Wall times of reruns with reuse after 1% of ``count`` examples were edited; the time of the
    first, full experiment (for scale); how many times the task ran in each rerun; the server's
    calls timed one by one; per rerun, the CPU seconds of the server process and of this one."""
    rows: list[dict[str, Any]] = [
        {"id": i, "input": {"question": f"question {i}"}, "output": {"answer": f"question {i}"}} for i in range(count)
    ]
    v1 = client.upsert_dataset(name="bench-reuse", examples=rows, source_id_key="id")
    exact = groundset.as_evaluator(async_exact, name="exact", version="1")
    full = time.perf_counter()
    base = run_experiment(
        v1, async_task, [exact], client=client, task_version="t1", concurrency=10, print_summary=False, progress=False
    )
    full = time.perf_counter() - full
    step = 100  # 1% edited
    edited = [{**row, "input": {"question": f"edited {row['id']}"}} if row["id"] % step == 0 else row for row in rows]
    v2 = client.upsert_dataset(name="bench-reuse", examples=edited, source_id_key="id")
    calls = 0

    async def counted(input: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        return {"answer": input["question"]}

    times = []
    cpu: list[tuple[float, float]] = []
    load_before = os.getloadavg()[0]
    for _ in range(repeat):
        calls = 0
        rerun = None
        settle()

        def run() -> None:
            nonlocal rerun
            rerun = run_experiment(
                v2, counted, [exact], client=client, task_version="t1", reuse=base, print_summary=False, progress=False
            )

        server_cpu, own_cpu = process_cpu(server_pid), time.process_time()
        times.append(timed(run))
        cpu.append((process_cpu(server_pid) - server_cpu, time.process_time() - own_cpu))
        assert rerun is not None
        assert calls == count // step, calls
        assert rerun.summary["reused_runs"] == count - count // step, rerun.summary
        assert rerun.summary["successful_runs"] == count, rerun.summary
    load_after = os.getloadavg()[0]
    phases: Phases = {}
    for _ in range(repeat):
        assert base.id is not None
        settle()
        for label, figures in server_phases(client, v2, base.id, server_pid).items():
            phases.setdefault(label, []).append(figures)
    return times, full, calls, phases, cpu, (load_before, load_after)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--reuse-count", type=int, default=100_000)
    parser.add_argument("--cases", choices=("all", "overhead", "reuse"), default="all")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    rows = [
        {"id": i, "input": {"question": f"question {i}"}, "output": {"answer": f"question {i}"}}
        for i in range(args.count)
    ]
    with tempfile.TemporaryDirectory(prefix="groundset-bench-") as directory:
        server = ServerProcess(Path(directory))
        server.start()
        try:
            with groundset.Client(base_url=server.base_url, timeout=120) as client:
                dataset = client.upsert_dataset(name="bench-experiments", examples=rows, source_id_key="id")
                fetch = [
                    timed(lambda: client.get_dataset(dataset_id=dataset.dataset_id, version_id=dataset.version_id))
                    for _ in range(args.repeat)
                ]
                results: dict[str, list[float]] = {}
                reuse: ReuseFigures | None = None
                if args.cases in ("all", "reuse"):
                    assert server.process is not None
                    reuse = reuse_case(client, args.reuse_count, args.repeat, server.process.pid)
                for label, (task, evaluator) in VARIANTS.items() if args.cases != "reuse" else ():
                    times = results.setdefault(label, [])
                    for _ in range(args.repeat):
                        experiment = None

                        def run(task: Callable[..., Any] = task, evaluator: Callable[..., Any] = evaluator) -> None:
                            nonlocal experiment
                            experiment = run_experiment(
                                dataset,
                                task,
                                [evaluator],
                                client=client,
                                concurrency=args.concurrency,
                                print_summary=False,
                                progress=False,
                            )

                        times.append(timed(run))
                        assert experiment is not None
                        summary = experiment.summary
                        assert summary["successful_runs"] == args.count, summary
                        assert summary["evaluations"][0]["mean_score"] == 1.0, summary
        finally:
            server.stop()
    load = os.getloadavg()[0]
    lines = [
        "# Python experiment runner: overhead per example",
        "",
        f"{args.count:,} examples, a trivial task and one evaluator, concurrency {args.concurrency}, "
        f"against a local groundset-server (SQLite) on the same machine; median of {args.repeat} runs. "
        "Wall time of `run_experiment` end to end: dataset fetch, experiment creation, scheduling, "
        "batched uploads of runs with their evaluations, summary.",
        "",
        f"| variant | wall time | per example | goal ≤ {GOAL_MS} ms |",
        "|---|---:|---:|---|",
    ]
    for label, times in results.items():
        median = statistics.median(times)
        per = median / args.count * 1000
        lines.append(f"| {label} | {median:.2f} s | {per:.3f} ms | {'met' if per <= GOAL_MS else 'missed'} |")
    lines += [
        "",
        f"Of which fetching the version's {args.count:,} examples (`get_dataset`, NDJSON): "
        f"{statistics.median(fetch) * 1000:.0f} ms.",
        "",
    ]
    if reuse is not None:
        times, full, calls, phases, cpu, (load_before, load_after) = reuse
        median = statistics.median(times)
        server_cpu = statistics.median(server for server, _ in cpu)
        own_cpu = statistics.median(own for _, own in cpu)
        lines += [
            "## Rerun with reuse",
            "",
            f"{args.reuse_count:,} examples, 1% edited since the base experiment; `run_experiment(..., "
            "task_version=, reuse=base)` with a no-op async task and one versioned evaluator: the server copies "
            f"the {args.reuse_count - calls:,} unchanged runs with their evaluations, the task runs {calls:,} "
            f"times. Median of {args.repeat} reruns (the time outside the task, which does nothing).",
            "",
            f"| case | wall time | CPU: server + SDK | goal ≤ {REUSE_GOAL_S:g} s |",
            "|---|---:|---:|---|",
            f"| rerun with reuse | {median:.2f} s | {server_cpu:.2f} + {own_cpu:.2f} s | "
            f"{'met' if median <= REUSE_GOAL_S else 'missed'} |",
            f"| the base experiment, every example run (for scale) | {full:.2f} s | | |",
            "",
            f"CPU of a rerun (median): the server process {server_cpu:.2f} s, this process (the SDK) "
            f"{own_cpu:.2f} s, together {server_cpu + own_cpu:.2f} s: about the wall time on an idle "
            "machine (the rerun waits on nothing else); on this shared one the wall time also holds the "
            f"time other processes had the cores (load average {load_before:.2f} before the reruns, "
            f"{load_after:.2f} after).",
            "",
            "The server's calls of a rerun, made one by one as the runner makes them (median wall time, and "
            "the CPU the server process used meanwhile); the rest of the wall time is the SDK's (running "
            f"the task {calls:,} times, building and sending the requests):",
            "",
            "| call | wall time | server CPU |",
            "|---|---:|---:|",
            *(
                f"| {label} | {statistics.median(w for w, _ in values) * 1000:.0f} ms "
                f"| {statistics.median(c for _, c in values) * 1000:.0f} ms |"
                for label, values in phases.items()
            ),
            f"| together | {sum(statistics.median(w for w, _ in v) for v in phases.values()) * 1000:.0f} ms "
            f"| {sum(statistics.median(c for _, c in v) for v in phases.values()) * 1000:.0f} ms |",
            "",
        ]
    lines += [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, load average {load:.2f} at the end; "
        f"Python {platform.python_version()}; {datetime.date.today().isoformat()}.",
        "",
        "Phoenix's client (`arize-phoenix`) was not measured: its experiments need a running Phoenix server, "
        "which the `arize-phoenix` package brings with its web app and a large dependency tree that would "
        "have to live in a virtualenv of its own; left for a follow-up.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
