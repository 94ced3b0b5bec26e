"""Benchmark POST /v1/experiments/{id}/reuse on SQLite and PostgreSQL; writes a Markdown table.

A dataset of N examples of about 1 KB (v1), then 1% of them edited (v2, a merge upsert); a
base experiment on v1 with N runs of one evaluator (with a version); then, per repeat, a head
on v2 with the same task_version, timed against a real server process on loopback: the reuse
call (copies N - 1% runs and their evaluations; its answer holds the head's first page of
incomplete pairs, the 1% edited examples), the same page read by GET /incomplete (which a
rerun no longer makes), its summary (GET /v1/experiments/{id}: counts, latency
percentiles and usage over its 99,000 reused runs), and a second reuse call (copies nothing). The head is
deleted after each repeat. The machine's load average is recorded with the timings.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import groundset
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_compare import BATCH, _example_ids, _serve, _upsert  # noqa: E402

from tests.pg import Cluster  # noqa: E402

GOAL_SECONDS = 0.5
"""The reuse call on SQLite (issue 14: a rerun spends at most 1 s outside the task)."""
PAD = "lorem ipsum dolor sit amet " * 36


def _example(index: int, edited: bool = False) -> dict[str, Any]:
    content = {"question": f"q{index}{' (edited)' if edited else ''}", "n": index, "context": PAD}
    return {
        "source_id": f"ex{index:07d}",
        "content_hash": groundset.example_hash(content, None, None),
        "input": content,
    }


def _post(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(url + path, json=body, timeout=600)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def _base_runs(url: str, experiment_id: str, example_ids: list[str], rng: random.Random) -> None:
    for start in range(0, len(example_ids), BATCH):
        runs = [
            {
                "example_id": example_id,
                "output": {"answer": f"a{index}"},
                "latency_ms": rng.uniform(50, 500),
                "tokens_in": 100,
                "tokens_out": rng.randrange(10, 60),
                "cost": 0.0002,
                "currency": "USD",
                "evaluations": [
                    {"name": "correct", "score": float(index % 3 != 0), "evaluator_version": "e1"}
                ],
            }
            for index, example_id in enumerate(example_ids[start : start + BATCH], start)
        ]
        _post(url, f"/v1/experiments/{experiment_id}/runs", {"runs": runs})


def _median_and_best(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} ({min(times):.3f})"


def run(database_url: str, count: int, repeats: int) -> dict[str, Any]:
    """The timings of one database: per step, the list of seconds."""
    rng = random.Random(14)
    server, url = _serve(database_url)
    try:
        setup = time.perf_counter()
        v1 = _upsert(url, [_example(i) for i in range(count)])
        dataset_id = v1["dataset_id"]
        edited = range(0, count, 100)
        v2 = _upsert(url, [_example(i, edited=True) for i in edited])
        ids = _example_ids(url, dataset_id)
        base = _post(
            url,
            f"/v1/datasets/{dataset_id}/experiments",
            {"name": "base", "version_id": v1["version_id"], "task_version": "t1"},
        )["id"]
        _base_runs(url, base, [ids[f"ex{i:07d}"] for i in range(count)], rng)
        setup = time.perf_counter() - setup
        steps: dict[str, list[float]] = {"reuse": [], "incomplete": [], "summary": [], "again": []}
        cpu: dict[str, list[float]] = {key: [] for key in steps}
        answer: dict[str, Any] = {}
        load_before = os.getloadavg()
        for _ in range(repeats):
            head = _post(
                url,
                f"/v1/datasets/{dataset_id}/experiments",
                {"name": "head", "version_id": v2["version_id"], "task_version": "t1"},
            )["id"]
            body = {"base": base, "evaluators": [{"name": "correct", "evaluator_version": "e1"}]}

            def reuse(head: str = head, body: dict[str, Any] = body) -> dict[str, Any]:
                return _post(url, f"/v1/experiments/{head}/reuse", body)

            def incomplete(head: str = head) -> dict[str, Any]:
                response = httpx.get(f"{url}/v1/experiments/{head}/incomplete", timeout=600)
                response.raise_for_status()
                page: dict[str, Any] = response.json()
                return page

            def summary(head: str = head) -> dict[str, Any]:
                response = httpx.get(f"{url}/v1/experiments/{head}", timeout=600)
                response.raise_for_status()
                answer: dict[str, Any] = response.json()
                return answer

            def timed(key: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
                return _timed(steps[key], cpu[key], server.pid, work)

            answer = timed("reuse", reuse)
            left = answer["incomplete"]
            assert len(left["data"]) == len(edited) and left["next_cursor"] is None
            assert timed("incomplete", incomplete) == left
            assert timed("summary", summary)["summary"]["reused_runs"] == answer["reused_runs"]
            assert timed("again", reuse)["reused_runs"] == 0
            httpx.delete(f"{url}/v1/experiments/{head}", timeout=600).raise_for_status()
        return {
            "setup": setup,
            "answer": answer,
            "steps": steps,
            "cpu": cpu,
            "load": (load_before, os.getloadavg()),
        }
    finally:
        server.terminate()
        server.wait(timeout=60)


def _server_cpu(pid: int) -> float:
    """The seconds of CPU the process has used (user and system, /proc on Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed(
    times: list[float], cpu: list[float], pid: int, work: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    start, start_cpu = time.perf_counter(), _server_cpu(pid)
    result = work()
    times.append(time.perf_counter() - start)
    cpu.append(_server_cpu(pid) - start_cpu)
    return result


def _previous(path: Path | None) -> list[str]:
    """The table and load lines of an earlier run's file (its own "before" section left out),
    under a heading, to read the new figures against."""
    if path is None:
        return []
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## Before"):
            break
        if line.startswith("|") or line.endswith("."):
            kept.append(line)
    return ["## Before (the previous run of this script)", "", *kept, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT.parent / "bench-results" / "server-reuse.md")
    parser.add_argument(
        "--previous",
        type=Path,
        default=None,
        help="an earlier table of this script (such as --out before a change): kept below the new one",
    )
    args = parser.parse_args()
    previous = _previous(args.previous)
    columns: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        columns["SQLite"] = run(f"sqlite:///{tmp}/reuse.db", args.count, args.repeats)
    if not args.no_postgres:
        cluster = Cluster()
        try:
            columns["PostgreSQL"] = run(cluster.new_database(), args.count, args.repeats)
        finally:
            cluster.stop()
    size = len(httpx.Request("POST", "/", json=_example(0)).content)
    sqlite_answer = columns["SQLite"]["answer"]
    rows = [
        (
            "POST /v1/experiments/{id}/reuse (with the first page of the 1% edited)",
            "reuse",
            f"{GOAL_SECONDS}",
        ),
        (
            "GET /v1/experiments/{id}/incomplete (the same page; a rerun no longer reads it)",
            "incomplete",
            "—",
        ),
        ("GET /v1/experiments/{id} (the summary of the head's reused runs)", "summary", "—"),
        ("the reuse call again (copies nothing)", "again", "—"),
    ]
    lines = [
        f"# Server: an incremental rerun on {args.count:,} examples of ~{size:,} bytes, 1% edited",
        "",
        f"A base experiment on v1 ({args.count:,} runs, one evaluator with a version); per repeat a "
        "head on v2 (the same task_version) whose reuse call copies "
        f"{sqlite_answer['reused_runs']:,} runs and {sqlite_answer['reused_evaluations']:,} "
        f"evaluations, then reads its {args.count // 100:,} incomplete pairs; the head is deleted "
        f"after each of the {args.repeats} repeats. Request wall time on loopback, seconds: median "
        f"(best), {os.cpu_count()} CPUs of a shared machine; the goal is for SQLite.",
        "",
        "| step | " + " | ".join(f"{name} | {name}: server CPU" for name in columns) + " | goal |",
        "|---|" + "---:|---:|" * len(columns) + "---:|",
        *(
            f"| {name} | "
            + " | ".join(
                f"{_median_and_best(column['steps'][key])} | {statistics.median(column['cpu'][key]):.3f}"
                for column in columns.values()
            )
            + f" | {goal} |"
            for name, key, goal in rows
        ),
        "",
        "Server CPU: the median seconds of CPU the server process used during the request (user and "
        "system, from /proc): what the request costs on an idle machine, less its waits; on this shared "
        "machine the wall time also holds the time other processes had the 2 cores. On PostgreSQL the "
        "database's own processes are not counted.",
        "",
        *(
            f"{name}: setup (upserts, {args.count:,} runs posted) {column['setup']:.1f} s; load average "
            f"(1, 5, 15 min) before the timings {', '.join(f'{x:.2f}' for x in column['load'][0])}, "
            f"after {', '.join(f'{x:.2f}' for x in column['load'][1])}."
            for name, column in columns.items()
        ),
        "",
    ]
    lines += previous
    text = "\n".join(lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
