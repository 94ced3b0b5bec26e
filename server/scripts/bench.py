"""Benchmark the upsert paths against a real server process; writes a Markdown table.

100,000 examples of ~1 KB (fixtures/bench/generate_examples.py), sent as NDJSON:
initial upsert; unchanged re-sync through plan + content-less upsert, and by the manifest's
digest alone (one request, issue 19); 1% changed (plan, then content for the changed ones
only). Times are request wall times on loopback, which include the server's parsing, hashing
and writing; the client hashes before the clock starts.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import groundset
import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "fixtures" / "bench"))

from generate_examples import examples as generate  # noqa: E402

from tests.pg import Cluster, free_port  # noqa: E402


def ndjson(header: dict[str, Any], items: list[dict[str, Any]]) -> bytes:
    return b"\n".join([orjson.dumps(header), *(orjson.dumps(item) for item in items)]) + b"\n"


def post(url: str, path: str, body: bytes) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    response = httpx.post(
        url + path, content=body, headers={"content-type": "application/x-ndjson"}, timeout=600
    )
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed, response.json()


def cpu_seconds(pid: int) -> float:
    """The process's user + system CPU time so far: on a machine shared with other work the
    wall time says more of the load than of the server."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident set so far (VmHWM), MB."""
    status = Path(f"/proc/{pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


def database_cpu_seconds(cluster: Cluster | None) -> float:
    """The PostgreSQL cluster's CPU time so far: the postmaster's, its children's that ended
    (cutime, cstime) and every running child's (the backends serving the server's pool)."""
    if cluster is None:
        return 0.0
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(stat.parent.name)
        if pid == postmaster:
            ticks += sum(int(f) for f in fields[11:15])
        elif int(fields[1]) == postmaster:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def run(
    database_url: str,
    records: list[dict[str, Any]],
    cluster: Cluster | None = None,
    initial_only: bool = False,
) -> dict[str, float]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "groundset_server",
            "serve",
            "--port",
            str(port),
            "--database-url",
            database_url,
            "--log-level",
            "warning",
        ]
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        header = {"dataset": {"name": "bench"}, "mode": "mirror"}
        hashes = groundset.hash_examples(records)
        items = [
            {
                "source_id": r["id"],
                "content_hash": h,
                "input": r["input"],
                "output": r["output"],
                "metadata": r["metadata"],
            }
            for r, h in zip(records, hashes, strict=True)
        ]
        figures: dict[str, float] = {"load average (1 min) before": os.getloadavg()[0]}
        body = ndjson(header, items)
        cpu, database_cpu = cpu_seconds(server.pid), database_cpu_seconds(cluster)
        figures["initial upsert"], result = post(url, "/v1/datasets/upsert", body)
        figures["initial upsert, server CPU"] = cpu_seconds(server.pid) - cpu
        if cluster is not None:
            figures["initial upsert, database CPU"] = database_cpu_seconds(cluster) - database_cpu
        del body
        assert result["created"] == len(items), result
        initial_peak = peak_rss_mb(server.pid)
        if initial_peak is not None:
            figures["server peak RSS after the initial upsert (MB)"] = initial_peak
        if initial_only:
            figures["load average (1 min)"] = os.getloadavg()[0]
            return figures

        manifest = [{"source_id": i["source_id"], "content_hash": i["content_hash"]} for i in items]
        plan_time, plan = post(url, "/v1/datasets/upsert/plan", ndjson(header, manifest))
        assert plan["needed_source_ids"] == []
        upsert_time, result = post(url, "/v1/datasets/upsert", ndjson(header, manifest))
        assert result["noop"], result
        figures["unchanged re-sync (plan + content-less upsert)"] = plan_time + upsert_time
        # What the SDKs send first: the manifest's digest alone (issue 19), one request.
        digest = groundset.manifest_digest([(i["source_id"], i["content_hash"]) for i in items])
        start = time.perf_counter()
        answer = httpx.post(
            url + "/v1/datasets/upsert",
            json={**header, "manifest_digest": digest},
            timeout=600,
        )
        figures["unchanged re-sync (manifest_digest, one request)"] = time.perf_counter() - start
        assert answer.status_code == 200 and answer.json()["noop"], answer.text

        changed = list(items)
        for index in range(0, len(changed), 100):
            record = dict(records[index], input={**records[index]["input"], "temperature": 0.9})
            changed[index] = {
                "source_id": record["id"],
                "content_hash": groundset.example_hash(record["input"], record["output"], record["metadata"]),
                "input": record["input"],
                "output": record["output"],
                "metadata": record["metadata"],
            }
        manifest = [{"source_id": i["source_id"], "content_hash": i["content_hash"]} for i in changed]
        cpu = cpu_seconds(server.pid)
        plan_time, plan = post(url, "/v1/datasets/upsert/plan", ndjson(header, manifest))
        needed = set(plan["needed_source_ids"])
        body = [
            i
            if i["source_id"] in needed
            else {"source_id": i["source_id"], "content_hash": i["content_hash"]}
            for i in changed
        ]
        upsert_time, result = post(url, "/v1/datasets/upsert", ndjson(header, body))
        assert result["updated"] == len(needed) == len(items) // 100, result
        figures["1% changed (plan + upsert)"] = plan_time + upsert_time
        figures["1% changed, server CPU"] = cpu_seconds(server.pid) - cpu
        figures["load average (1 min)"] = os.getloadavg()[0]
        peak = peak_rss_mb(server.pid)
        if peak is not None:
            figures["server peak RSS (MB)"] = peak
        return figures
    finally:
        server.terminate()
        server.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--initial-only", action="store_true", help="time the initial upsert alone (a new server each run)"
    )
    parser.add_argument(
        "--runs", type=int, default=1, help="runs of each database, a new server and database each (columns)"
    )
    args = parser.parse_args()
    records = generate(args.count)
    size = sum(len(orjson.dumps(r)) for r in records) / len(records)
    # The goals: for 100,000 on SQLite; for 1,000,000 in one NDJSON request (issue 19) on both
    # databases, the initial upsert within 20 s, 1% changed within 4 s and the server's peak
    # RSS under 500 MB.
    if args.count >= 1_000_000:
        goals = {"initial upsert": "20", "unchanged re-sync (plan + content-less upsert)": "—"}
        goals["unchanged re-sync (manifest_digest, one request)"] = "2 (SDK, hashing included)"
        goals["1% changed (plan + upsert)"] = "4"
        rss_goal = "< 500"
    else:
        goals = {
            "initial upsert": "6",
            "unchanged re-sync (plan + content-less upsert)": "0.5",
            "unchanged re-sync (manifest_digest, one request)": "0.2 (SDK, hashing included)",
            "1% changed (plan + upsert)": "1",
        }
        rss_goal = "(500 MB for 1,000,000)"
    columns: dict[str, dict[str, float]] = {}
    for number in range(1, args.runs + 1):
        suffix = "" if args.runs == 1 else f" ({number})"
        if not args.no_sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                columns["SQLite" + suffix] = run(
                    f"sqlite:///{tmp}/bench.db", records, None, args.initial_only
                )
        if not args.no_postgres:
            cluster = Cluster()
            try:
                columns["PostgreSQL" + suffix] = run(
                    cluster.new_database(), records, cluster, args.initial_only
                )
            finally:
                cluster.stop()
    lines = [
        f"# groundset-server upserts: {args.count:,} examples of ~{size:,.0f} bytes",
        "",
        f"Request wall time on loopback, seconds ({os.cpu_count()} cores shared with other work, so the "
        "server's CPU seconds and the load average after each column are listed too); the goals "
        "for 100,000 are for SQLite.",
        "",
        "| step | " + " | ".join(columns) + " | goal |",
        "|---|" + "---|" * len(columns) + "---|",
    ]
    shown = dict(goals)
    if all("server peak RSS after the initial upsert (MB)" in c for c in columns.values()):
        shown["server peak RSS after the initial upsert (MB)"] = rss_goal
    if all("server peak RSS (MB)" in c for c in columns.values()):
        shown["server peak RSS (MB)"] = "—"
    if args.initial_only:
        shown = {step: goal for step, goal in shown.items() if step.startswith(("initial", "server peak"))}
    shown["initial upsert, server CPU"] = "—"
    if any("initial upsert, database CPU" in c for c in columns.values()):
        shown["initial upsert, database CPU"] = "—"
    if not args.initial_only:
        shown["1% changed, server CPU"] = "—"
        shown["load average (1 min) before"] = "—"
    shown["load average (1 min)"] = "—"
    for step, goal_text in shown.items():
        lines.append(
            f"| {step} | "
            + " | ".join(f"{c[step]:.2f}" if step in c else "—" for c in columns.values())
            + f" | {goal_text} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
