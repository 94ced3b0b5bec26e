"""Benchmark the paged reads of a version against a real server process; writes a Markdown table.

A dataset of COUNT small examples is loaded in NDJSON merges of 100,000 (a version each), then
one more version changes every tenth example's output. Against the latest version and the one
before the changes (where a tenth of the examples look back through their revisions), the
table gives the wall time of GET /v1/datasets/{id}/examples?limit=100 (the first page and a
deep page, the cursor 1,000 examples from the end) and of GET .../manifest (median of three).

``--database-url`` reuses a database an earlier run loaded (``--keep`` prints its dataset id),
so that two server trees (``--server-path``, put first on the server's PYTHONPATH) are timed
on the same data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import groundset_core
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import ndjson, post  # noqa: E402

from tests.conftest import Server  # noqa: E402

BATCH = 100_000
PAGE = 100


def record(index: int, changed: bool = False) -> dict[str, Any]:
    return {
        "id": f"ex-{index:07d}",
        "input": {"question": f"question {index}"},
        "output": {"answer": index + 1 if changed else index},
        "metadata": {"group": index % 7},
    }


def upsert(url: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    hashes = groundset_core.hash_examples(records)
    items = [
        {"source_id": r["id"], "content_hash": h} | {k: r[k] for k in ("input", "output", "metadata")}
        for r, h in zip(records, hashes, strict=True)
    ]
    return post(
        url, "/v1/datasets/upsert", ndjson({"dataset": {"name": "bench-paging"}, "mode": "merge"}, items)
    )[1]


def load(url: str, count: int) -> str:
    """Loads the dataset; its id."""
    answer: dict[str, Any] = {}
    for start in range(0, count, BATCH):
        answer = upsert(url, [record(i) for i in range(start, min(count, start + BATCH))])
        print(f"loaded {min(count, start + BATCH):,}", file=sys.stderr)
    upsert(url, [record(i, changed=True) for i in range(0, count, 10)])
    return str(answer["dataset_id"])


def timed(call: Any) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(url: str, dataset_id: str, count: int) -> dict[str, float]:
    base = f"{url}/v1/datasets/{dataset_id}"
    versions = httpx.get(f"{base}/versions", params={"limit": 1000}, timeout=900).json()["data"]
    ids = sorted((int(v["id"]) for v in versions), reverse=True)
    latest, before = str(ids[0]), str(ids[1])
    # The deep page's cursor: the id of the example COUNT - 1,000 (ids follow the load order).
    first = int(httpx.get(f"{base}/examples", params={"limit": 1}, timeout=900).json()["data"][0]["id"])
    deep = str(first + count - 1000)

    def get(path: str, **params: Any) -> None:
        response = httpx.get(base + path, params=params, timeout=900)
        response.raise_for_status()

    figures: dict[str, float] = {}
    for name, version in (("latest", latest), ("before", before)):
        figures[f"{name} page 1"] = timed(lambda v=version: get("/examples", version_id=v, limit=PAGE))
        figures[f"{name} deep page"] = timed(
            lambda v=version: get("/examples", version_id=v, limit=PAGE, cursor=deep)
        )
        figures[f"{name} manifest"] = timed(lambda v=version: get("/manifest", version_id=v))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--dataset-id", default=None, help="measure this loaded dataset (no load)")
    parser.add_argument("--server-path", default=None, help="a tree put first on the server's PYTHONPATH")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    env = {"PYTHONPATH": args.server_path} if args.server_path else None
    server = Server(args.database_url, env).start()
    try:
        dataset_id = args.dataset_id or load(server.url, args.count)
        figures = measure(server.url, dataset_id, args.count)
    finally:
        server.stop()
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"dataset {dataset_id}; {args.label}; load average {load_average}")
    for name, ms in figures.items():
        print(f"| {args.label} | {name} | {ms:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
