"""Benchmark the paged reads of a version (queries.example_set_page) beside the manifest.

A dataset of COUNT small examples is loaded through a real server process in NDJSON merges of
100,000 (a version each), then one more version changes every tenth example's output. Against
the latest version and the one before it (where a tenth of the examples look back through their
revisions), the services the routes call are timed in this process (each its own read
transaction; the least of five, of two for the manifest), so that the figures are the database's
work and not the loopback's: GET .../examples?limit=100 (page 1, and a deep page 1,000 examples
from the end), a page of 5,000 from the middle (the export's and the NDJSON stream's page) and
GET .../manifest (the whole set).

``--database-url`` with ``--dataset-id`` times a dataset an earlier run loaded, so that another
tree's services (``PYTHONPATH=<tree>``) are timed on the same data.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import groundset_core
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import ndjson, post  # noqa: E402

from groundset_server.db.engine import make_engine, read_transaction  # noqa: E402
from groundset_server.db.tables import dataset_examples, dataset_versions  # noqa: E402
from groundset_server.services import versions  # noqa: E402
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


def timed(call: Any, repeat: int = 5) -> float:
    """The least wall time of ``repeat`` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def measure(database_url: str, dataset_id: str, count: int) -> dict[str, float]:
    engine = make_engine(database_url)
    try:
        with read_transaction(engine) as conn:
            ids = conn.execute(
                sa.select(dataset_versions.c.id)
                .where(dataset_versions.c.dataset_id == int(dataset_id))
                .order_by(dataset_versions.c.id.desc())
                .limit(2)
            ).scalars()
            latest, before = (str(i) for i in ids)
            first = conn.execute(
                sa.select(sa.func.min(dataset_examples.c.id)).where(
                    dataset_examples.c.dataset_id == int(dataset_id)
                )
            ).scalar_one()
        # Example ids follow the load order.
        deep, middle = str(first + count - 1000), str(first + count // 2)
        figures: dict[str, float] = {}
        for name, v in (("latest", latest), ("before", before)):
            figures[f"{name}: page 1"] = timed(
                lambda v=v: versions.examples_page(engine, dataset_id, v, None, PAGE)
            )
            figures[f"{name}: deep page"] = timed(
                lambda v=v: versions.examples_page(engine, dataset_id, v, deep, PAGE)
            )
            figures[f"{name}: 5,000 from the middle"] = timed(
                lambda v=v: versions.examples_page(engine, dataset_id, v, middle, 5000)
            )
            figures[f"{name}: manifest"] = timed(lambda v=v: versions.manifest(engine, dataset_id, v), 2)
        return figures
    finally:
        engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--dataset-id", default=None, help="measure this loaded dataset (no load)")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    dataset_id = args.dataset_id
    if dataset_id is None:
        server = Server(args.database_url).start()
        try:
            dataset_id = load(server.url, args.count)
        finally:
            server.stop()
    figures = measure(args.database_url, dataset_id, args.count)
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"dataset {dataset_id}; {args.label}; load average {load_average}")
    for name, ms in figures.items():
        print(f"| {args.label} | {name} | {ms:,.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
