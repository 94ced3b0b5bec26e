"""Sustained concurrent load on 2 worker processes on PostgreSQL (issue 16): N clients for a fixed
time, each looping over a mix of small merges, plan-path mirrors of 10,000 examples, example
reads and experiment run uploads; then every acknowledged write is looked for.

A short asyncio driver with httpx (and the SDK's AsyncClient for the mirrors, so they take the
real plan-then-upsert path) rather than locust: the project already depends on both, the mix
needs per-client state (the next runs to upload, the examples each merge added) and a check of
every acknowledged write afterwards, which a driver of ours does in a few lines and locust's
user/task model (gevent, its own web UI and stats) would only wrap. Loopback only, bounded in
clients and seconds.

Writes ../bench-results/server-load.md: per operation count, throughput, p50/p99 latency, errors;
lost writes (acknowledged writes not found afterwards).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import groundset
import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from groundset_server.db.engine import make_engine  # noqa: E402
from tests.conftest import Server  # noqa: E402
from tests.pg import Cluster  # noqa: E402

MIRROR_SIZE = 10_000
MERGE_SIZE = 10
RUN_BATCH = 20
RUN_EXAMPLES = 1_000
WEIGHTS = {"merge": 4, "mirror": 1, "read": 4, "runs": 4}


def _records(size: int, salt: int) -> list[dict[str, Any]]:
    """``size`` records; about 1% of them changed by ``salt``."""
    return [
        {"id": f"m{i:05}", "input": {"q": f"question {i}", "v": salt if i % 100 == salt % 100 else 0}}
        for i in range(size)
    ]


class Load:
    def __init__(self, url: str, seconds: float, clients: int) -> None:
        self.url = url
        self.seconds = seconds
        self.clients = clients
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.merged: dict[str, set[str]] = defaultdict(set)
        self.mirrored: list[tuple[str, str, str]] = []  # dataset id, version id, digest
        self.runs: dict[str, int] = defaultdict(int)

    async def seed(self, http: httpx.AsyncClient) -> tuple[str, list[str], list[str]]:
        async with groundset.AsyncClient(base_url=self.url) as sdk:
            mirror = await sdk.upsert_dataset(
                name="mirror", examples=_records(MIRROR_SIZE, 0), source_id_key="id"
            )
            base = [{"id": f"r{i:05}", "input": {"q": i}} for i in range(RUN_EXAMPLES)]
            runs = await sdk.upsert_dataset(name="runs", examples=base, source_id_key="id")
        assert mirror.dataset_id is not None and runs.dataset_id is not None
        examples: list[str] = []
        cursor = None
        while True:
            page = (
                await http.get(
                    f"/v1/datasets/{runs.dataset_id}/examples",
                    params={"limit": 1000, **({"cursor": cursor} if cursor else {})},
                )
            ).json()
            examples += [e["id"] for e in page["data"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        experiments = []
        for n in range(self.clients):
            created = await http.post(
                f"/v1/datasets/{runs.dataset_id}/experiments", json={"name": f"load{n}", "repetitions": 1000}
            )
            experiments.append(created.json()["id"])
        return mirror.dataset_id, examples, experiments

    async def client(
        self, n: int, http: httpx.AsyncClient, mirror_id: str, examples: list[str], experiment: str
    ) -> None:
        rng = random.Random(n)
        deadline = time.monotonic() + self.seconds
        next_run = 0
        ops, weights = list(WEIGHTS), list(WEIGHTS.values())
        async with groundset.AsyncClient(base_url=self.url, max_retries=5) as sdk:
            while time.monotonic() < deadline:
                op = rng.choices(ops, weights)[0]
                started = time.perf_counter()
                try:
                    if op == "merge":
                        dataset = f"merge{n % 4}"
                        ids = [f"c{n}-{rng.getrandbits(48):012x}" for _ in range(MERGE_SIZE)]
                        body = {
                            "dataset": {"name": dataset},
                            "mode": "merge",
                            "examples": [
                                {
                                    "source_id": i,
                                    "content_hash": groundset.example_hash({"q": i}),
                                    "input": {"q": i},
                                }
                                for i in ids
                            ],
                        }
                        answer = await http.post("/v1/datasets/upsert", json=body)
                        answer.raise_for_status()
                        self.merged[dataset].update(ids)
                    elif op == "mirror":
                        records = _records(MIRROR_SIZE, rng.randrange(1, 1000))
                        result = await sdk.upsert_dataset(
                            name="mirror", examples=records, source_id_key="id", mode="mirror", progress=False
                        )
                        if result.version_id is not None:
                            self.mirrored.append((mirror_id, result.version_id, result.digest))
                    elif op == "read":
                        answer = await http.get(f"/v1/datasets/{mirror_id}/examples", params={"limit": 100})
                        answer.raise_for_status()
                    else:
                        pairs = [
                            (examples[(next_run + k) % len(examples)], (next_run + k) // len(examples) + 1)
                            for k in range(RUN_BATCH)
                        ]
                        body = {
                            "runs": [
                                {"example_id": e, "repetition_number": r, "output": {"k": r}}
                                for e, r in pairs
                            ]
                        }
                        answer = await http.post(f"/v1/experiments/{experiment}/runs", json=body)
                        answer.raise_for_status()
                        next_run += RUN_BATCH
                        self.runs[experiment] += RUN_BATCH
                except Exception as error:
                    self.errors[op].append(f"{type(error).__name__}: {str(error)[:200]}")
                    continue
                self.latencies[op].append(time.perf_counter() - started)

    async def run(self) -> float:
        async with httpx.AsyncClient(base_url=self.url, timeout=120) as http:
            mirror_id, examples, experiments = await self.seed(http)
            started = time.monotonic()
            await asyncio.gather(
                *(self.client(n, http, mirror_id, examples, experiments[n]) for n in range(self.clients))
            )
            return time.monotonic() - started

    def lost(self, database_url: str) -> dict[str, int]:
        """Acknowledged writes not found afterwards, per operation."""
        lost = {"merge": 0, "mirror": 0, "runs": 0}
        engine = make_engine(database_url)
        with engine.connect() as conn:
            for dataset, ids in self.merged.items():
                found = set(
                    conn.execute(
                        sa.text(
                            "SELECT e.source_id FROM dataset_examples e "
                            "JOIN datasets d ON d.id = e.dataset_id WHERE d.name = :name AND NOT e.is_deleted"
                        ),
                        {"name": dataset},
                    ).scalars()
                )
                lost["merge"] += len(ids - found)
            for experiment, count in self.runs.items():
                stored = conn.execute(
                    sa.text("SELECT count(*) FROM experiment_runs WHERE experiment_id = :id"),
                    {"id": int(experiment)},
                ).scalar_one()
                lost["runs"] += max(0, count - stored)
        engine.dispose()
        with httpx.Client(base_url=self.url, timeout=60) as http:
            for dataset_id, version_id, digest in self.mirrored:
                manifest = http.get(
                    f"/v1/datasets/{dataset_id}/manifest", params={"version_id": version_id}
                ).json()
                lost["mirror"] += manifest.get("digest") != digest
        return lost


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    cluster = Cluster()
    database_url = cluster.new_database()
    server = Server(database_url, env={"GROUNDSET_API_KEY": ""}, args=["--workers", str(args.workers)])
    try:
        url = server.start().url
        load = Load(url, args.seconds, args.clients)
        elapsed = asyncio.run(load.run())
        lost = load.lost(database_url)
    finally:
        server.stop()
        cluster.stop()
    lines = [
        f"# Load: {args.clients} clients for {args.seconds:.0f} s, "
        f"{args.workers} worker processes, PostgreSQL",
        "",
        f"Mix (weights): small merges of {MERGE_SIZE} examples {WEIGHTS['merge']}, plan-path mirrors of "
        f"{MIRROR_SIZE:,} examples (1% changed) {WEIGHTS['mirror']}, example reads (a page of 100) "
        f"{WEIGHTS['read']}, run uploads of {RUN_BATCH} runs {WEIGHTS['runs']}. Loopback; "
        "`just server::bench-load` (server/scripts/bench_load.py: an asyncio driver with httpx "
        "and the SDK's AsyncClient).",
        "",
        "| operation | done | per second | p50 ms | p99 ms | errors | lost writes |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for op in WEIGHTS:
        done = load.latencies[op]
        lines.append(
            f"| {op} | {len(done)} | {len(done) / elapsed:.1f} | {_quantile(done, 0.5):.1f} | "
            f"{_quantile(done, 0.99):.1f} | {len(load.errors[op])} | {lost.get(op, '-')} |"
        )
    total = sum(len(v) for v in load.latencies.values())
    errors = sum(len(v) for v in load.errors.values())
    lines += [
        "",
        f"All: {total} operations, {total / elapsed:.1f}/s, {errors} errors, "
        f"{sum(lost.values())} lost writes.",
    ]
    for op, messages in load.errors.items():
        for message in sorted(set(messages))[:3]:
            lines.append(f"- {op}: {message}")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        args.out.write_text(table)
    return 0 if errors == 0 and sum(lost.values()) == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
