"""Benchmark experiments on a subset (issue 15) on SQLite and PostgreSQL; prints a Markdown table.

A dataset of N examples whose metadata holds `split` (0..9) and `lang` (`en`/`fr`); timed against
a real server process on loopback: creating an experiment with a metadata selection (`split` eq:
10%; `lang` in: 50%) and with a list of N/2 source ids, then, on the 50% one, a batch of 1,000
runs, the summary and the first page (1,000) of incomplete pairs, and a comparison of two
selections that overlap by half.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import groundset
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_compare import _example_ids, _serve, _upsert  # noqa: E402

from tests.pg import Cluster  # noqa: E402


def _example(index: int) -> dict[str, Any]:
    content = {"question": f"q{index}", "n": index}
    metadata = {"split": index % 10, "lang": "en" if index % 2 else "fr"}
    return {
        "source_id": f"ex{index:07d}",
        "content_hash": groundset.example_hash(content, None, metadata),
        "input": content,
        "metadata": metadata,
    }


def _timed(work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    answer = work()
    return time.perf_counter() - start, answer


def _create(url: str, dataset_id: str, selection: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{url}/v1/datasets/{dataset_id}/experiments", json={"selection": selection}, timeout=600
    )
    response.raise_for_status()
    created: dict[str, Any] = response.json()
    return created


def _bench(database_url: str, count: int) -> dict[str, float]:
    server, url = _serve(database_url)
    try:
        items = [_example(i) for i in range(count)]
        dataset_id = ""
        for start in range(0, count, 10_000):
            dataset_id = _upsert(url, items[start : start + 10_000])["dataset_id"]
        ids = _example_ids(url, dataset_id)
        times: dict[str, float] = {}
        times["create: metadata eq (10%)"], _ = _timed(
            lambda: _create(url, dataset_id, {"metadata": {"split": {"eq": 3}}})
        )
        times["create: metadata in (50%)"], half = _timed(
            lambda: _create(url, dataset_id, {"metadata": {"lang": {"in": ["en"]}}})
        )
        wanted = [f"ex{i:07d}" for i in range(0, count, 2)]
        times[f"create: {len(wanted):,} source ids"], other = _timed(
            lambda: _create(url, dataset_id, {"source_ids": wanted})
        )
        runs = [{"example_id": ids[f"ex{i:07d}"], "output": i} for i in range(1, 2001, 2)]
        times["1,000 runs posted"], _ = _timed(
            lambda: httpx.post(f"{url}/v1/experiments/{half['id']}/runs", json={"runs": runs}, timeout=600)
        )
        times["summary"], _ = _timed(lambda: httpx.get(f"{url}/v1/experiments/{half['id']}", timeout=600))
        times["incomplete, first 1,000"], _ = _timed(
            lambda: httpx.get(
                f"{url}/v1/experiments/{half['id']}/incomplete", params={"limit": 1000}, timeout=600
            )
        )
        times["compare (overlap 0)"], _ = _timed(
            lambda: httpx.get(
                f"{url}/v1/experiments/compare", params={"base": other["id"], "head": half["id"]}, timeout=600
            )
        )
        return times
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100_000)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as directory:
        results["SQLite"] = _bench(f"sqlite:///{directory}/bench.db", args.examples)
    cluster = Cluster()
    try:
        results["PostgreSQL"] = _bench(cluster.new_database(), args.examples)
    finally:
        cluster.stop()
    print(f"{args.examples:,} examples | " + " | ".join(results))
    print("--- | " + " | ".join("---" for _ in results))
    for step in results["SQLite"]:
        print(step + " | " + " | ".join(f"{results[db][step]:.3f} s" for db in results))


if __name__ == "__main__":
    main()
