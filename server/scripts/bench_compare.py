"""Benchmark GET /v1/experiments/compare on SQLite; writes a Markdown table.

A dataset of N examples (v1), then 1% of them edited (v2, a merge upsert); a base experiment on
v1 and a head on v2, each with N runs of one boolean evaluator (random scores, about 5% of the
scores moved) and latency, tokens and cost. Timed: the compare request (aggregates plus the
first page of 100 examples) against a real server process on loopback, and the service alone
(`comparisons.compare` in this process, on the same database file): the best and the median of
the repeats. The machine's load average is recorded with them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
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

from groundset_server.db.engine import make_engine  # noqa: E402
from groundset_server.services import comparisons  # noqa: E402
from tests.pg import free_port  # noqa: E402

BATCH = 10_000


def _example(index: int, edited: bool = False) -> dict[str, Any]:
    content = {"question": f"q{index}{' (edited)' if edited else ''}", "n": index}
    return {
        "source_id": f"ex{index:07d}",
        "content_hash": groundset.example_hash(content, None, None),
        "input": content,
    }


def _upsert(url: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    header = {"dataset": {"name": "compare-bench"}, "mode": "merge"}
    body = b"\n".join([orjson.dumps(header), *(orjson.dumps(item) for item in items)]) + b"\n"
    response = httpx.post(
        url + "/v1/datasets/upsert",
        content=body,
        headers={"content-type": "application/x-ndjson"},
        timeout=600,
    )
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    return answer


def _example_ids(url: str, dataset_id: str) -> dict[str, str]:
    found: dict[str, str] = {}
    cursor = None
    while True:
        params = {"limit": "10000"} | ({"cursor": cursor} if cursor else {})
        page = httpx.get(f"{url}/v1/datasets/{dataset_id}/examples", params=params, timeout=600).json()
        found.update((item["source_id"], item["id"]) for item in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def _experiment(url: str, dataset_id: str, version_id: str, name: str) -> str:
    body = {"name": name, "version_id": version_id, "task_version": name}
    response = httpx.post(f"{url}/v1/datasets/{dataset_id}/experiments", json=body, timeout=60)
    response.raise_for_status()
    experiment_id: str = response.json()["id"]
    return experiment_id


def _runs(url: str, experiment_id: str, example_ids: list[str], rng: random.Random, moved: float) -> None:
    for start in range(0, len(example_ids), BATCH):
        runs = []
        for index, example_id in enumerate(example_ids[start : start + BATCH], start):
            score = float((index % 3 != 0) != (rng.random() < moved))
            runs.append(
                {
                    "example_id": example_id,
                    "output": {"answer": f"a{index}", "moved": score},
                    "latency_ms": rng.uniform(50, 500),
                    "tokens_in": 100,
                    "tokens_out": rng.randrange(10, 60),
                    "cost": 0.0002,
                    "currency": "USD",
                    "evaluations": [{"name": "correct", "score": score}],
                }
            )
        response = httpx.post(f"{url}/v1/experiments/{experiment_id}/runs", json={"runs": runs}, timeout=600)
        response.raise_for_status()


def _serve(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "groundset_server", "serve", "--port", str(port)]
    server = subprocess.Popen([*command, "--database-url", database_url, "--log-level", "warning"])
    for _ in range(300):
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("the server did not start")


def _timed(repeats: int, work: Any) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT.parent / "bench-results" / "server-compare.md")
    args = parser.parse_args()
    rng = random.Random(14)
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{tmp}/compare.db"
        server, url = _serve(database_url)
        try:
            setup = time.perf_counter()
            v1 = _upsert(url, [_example(i) for i in range(args.count)])
            dataset_id = v1["dataset_id"]
            edited = range(0, args.count, 100)
            v2 = _upsert(url, [_example(i, edited=True) for i in edited])
            ids = _example_ids(url, dataset_id)
            ordered = [ids[f"ex{i:07d}"] for i in range(args.count)]
            base = _experiment(url, dataset_id, v1["version_id"], "base")
            head = _experiment(url, dataset_id, v2["version_id"], "head")
            _runs(url, base, ordered, rng, 0.0)
            _runs(url, head, ordered, rng, 0.05)
            setup = time.perf_counter() - setup
            query = {"base": base, "head": head, "limit": "100"}

            def request(**extra: str) -> dict[str, Any]:
                response = httpx.get(url + "/v1/experiments/compare", params=query | extra, timeout=600)
                response.raise_for_status()
                answer: dict[str, Any] = response.json()
                return answer

            load_before = os.getloadavg()
            # The first read computes the comparison; the server keeps it (until either
            # experiment's runs or evaluations change), so the next pages, filters and orders,
            # and the same view again, are read from memory.
            first = _timed(1, request)
            answer = request()
            whole = _timed(args.repeats, request)
            filtered = _timed(args.repeats, lambda: request(only="regressions", order="regressions_first"))
            page = request(order="regressions_first")
            later = _timed(
                args.repeats, lambda: request(order="regressions_first", cursor=str(page["next_cursor"]))
            )
            engine = make_engine(database_url)
            thresholds = comparisons.parse_thresholds([])

            def computed() -> None:
                comparisons._kept.clear()
                comparisons.compare(engine, base, head, thresholds=thresholds, limit=100)

            service = _timed(args.repeats, computed)
            engine.dispose()
            load_after = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=30)
    counts, verdict = answer["counts"], answer["verdict"]
    rows = [
        ("GET /v1/experiments/compare, first read (computed: aggregates + first 100 examples)", first),
        ("the same again (kept by the server)", whole),
        ("only=regressions, order=regressions_first (kept)", filtered),
        ("the next page, order=regressions_first (kept)", later),
        ("comparisons.compare in process, computed each time (no HTTP, nothing kept)", service),
    ]
    lines = [
        f"# Server: comparing two experiments of {args.count:,} runs (SQLite)",
        "",
        f"Base on v1, head on v2 ({len(edited):,} examples edited between them); one boolean evaluator; "
        f"the first read once, the others {args.repeats} times. "
        f"Setup (upserts and {2 * args.count:,} runs posted): "
        f"{setup:.1f} s. Load average (1, 5, 15 min) before the timings: "
        f"{', '.join(f'{x:.2f}' for x in load_before)}; after: {', '.join(f'{x:.2f}' for x in load_after)} "
        f"on {os.cpu_count()} CPUs (a shared machine).",
        "",
        f"Answer: {counts['same_content']:,} same_content, {counts['changed']:,} changed, "
        f"{verdict['regressions']['correct']:,} like-for-like regressions, "
        f"{counts['output_changed']:,} outputs changed.",
        "",
        "| step | best (s) | median (s) |",
        "|---|---:|---:|",
        *(f"| {name} | {min(times):.3f} | {statistics.median(times):.3f} |" for name, times in rows),
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
