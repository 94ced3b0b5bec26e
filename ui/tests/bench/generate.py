"""The data `just ui::bench` times the web UI's pages on, written to GROUNDSET_BASE_URL.

A dataset `bench-100k` of N examples (default 100,000) as version 1, then 1% of them edited,
0.1% deleted and 0.1% added as version 2 (a mirror upsert through the Python SDK, which hashes
natively); experiment `bench base` on version 1 and `bench head` on version 2, N runs each (runs
posted in batches of 10,000 through the runs route, as server/scripts/bench_compare.py does),
each with two evaluators (`correct`, a boolean score; `similarity`, a score in [0, 1]) and
latency, tokens and cost; 2% of the head's runs fail. Prints one JSON line: the ids the timing
needs (dataset, versions, experiments).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from typing import Any

import groundset
import httpx

BATCH = 10_000


def record(index: int, edited: bool = False) -> dict[str, Any]:
    words = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")
    question = f"Question {index}: what follows {words[index % len(words)]} after {index % 977} steps?"
    return {
        "id": f"ex{index:07d}",
        "input": {"question": question + (" (edited)" if edited else ""), "context": f"context of {index} " * 8},
        "output": {"answer": f"answer {index % 1013}"},
        "metadata": {"split": ("train", "dev", "test")[index % 3], "n": index},
    }


def example_ids(http: httpx.Client, dataset_id: str, version_id: str) -> list[str]:
    found: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": BATCH, "version_id": version_id} | ({"cursor": cursor} if cursor else {})
        page = http.get(f"/v1/datasets/{dataset_id}/examples", params=params).raise_for_status().json()
        found.extend(item["id"] for item in page["data"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def experiment(http: httpx.Client, dataset_id: str, version_id: str, name: str, ids: list[str], failing: float) -> str:
    created = http.post(
        f"/v1/datasets/{dataset_id}/experiments", json={"name": name, "version_id": version_id, "task_version": name}
    )
    experiment_id: str = created.raise_for_status().json()["id"]
    rng = random.Random(name)
    for start in range(0, len(ids), BATCH):
        runs: list[dict[str, Any]] = []
        for index, example_id in enumerate(ids[start : start + BATCH], start):
            if rng.random() < failing:
                runs.append(
                    {"example_id": example_id, "output": None, "error": f"TimeoutError: call {index} took 30 s"}
                )
                continue
            correct = float(rng.random() < 0.7)
            similarity = round(rng.random(), 4)
            runs.append(
                {
                    "example_id": example_id,
                    "output": {"answer": f"answer {index % 1013}" if correct else f"guess {rng.randrange(1000)}"},
                    "latency_ms": round(rng.uniform(50, 900), 1),
                    "tokens_in": rng.randrange(80, 200),
                    "tokens_out": rng.randrange(5, 60),
                    "cost": 0.0002,
                    "currency": "USD",
                    "evaluations": [
                        {"name": "correct", "score": correct, "label": "yes" if correct else "no"},
                        {"name": "similarity", "score": similarity, "explanation": f"overlap {similarity:.2f}"},
                    ],
                }
            )
        http.post(f"/v1/experiments/{experiment_id}/runs", json={"runs": runs}).raise_for_status()
    return experiment_id


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000, help="examples (and runs per experiment)")
    count = parser.parse_args().count
    client = groundset.Client()
    v1 = client.upsert_dataset(name="bench-100k", examples=(record(i) for i in range(count)), source_id_key="id")
    step = 100
    second = [record(i, edited=i % step == 1) for i in range(count) if i % (step * 10) != 2]
    second += [record(count + i) for i in range(count // (step * 10))]
    v2 = client.upsert_dataset(name="bench-100k", examples=second, source_id_key="id", mode="mirror")
    client.close()
    dataset = v2.dataset_id
    assert dataset is not None and v1.version_id is not None and v2.version_id is not None
    with httpx.Client(base_url=client.base_url, timeout=600) as http:
        base = experiment(http, dataset, v1.version_id, "bench base", example_ids(http, dataset, v1.version_id), 0.0)
        head = experiment(http, dataset, v2.version_id, "bench head", example_ids(http, dataset, v2.version_id), 0.02)
    ids = {"dataset": dataset, "from": v1.version_id, "to": v2.version_id, "base": base, "head": head}
    print(json.dumps(ids | {"examples": len(second), "runs": len(second)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
