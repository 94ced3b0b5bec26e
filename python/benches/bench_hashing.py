"""Hashing throughput of the groundset Python package against its peers, as a markdown table.

    python benches/bench_hashing.py --out ../bench-results/python-hashing.md

- ``groundset.hash_examples`` on 100,000 typical examples held in memory (from
  fixtures/bench/generate_examples.py), against ``rfc8785.dumps`` + ``hashlib.sha256`` (the same
  hashes, in pure Python; goal: at least 30x faster) and ``orjson.dumps(OPT_SORT_KEYS)`` +
  ``hashlib.sha256`` (not canonical JSON, but the fastest serializer there is; goal: as fast).
- ``groundset.hash_file`` (what ``groundset hash`` runs) on a ~500 MB JSONL file written by
  generate_examples.py into a temporary directory (deleted afterwards), on 2 threads (goal:
  400 MB/s) and on 1.
- ``groundset.hash_file`` on a CSV of ``--csv-rows`` flat rows (the same examples, dotted
  headers) against ``csv.DictReader`` reading the same file into dicts (reading only, no
  hashing; goal: the core, reading and hashing, at least 3x as fast).

Each figure is the best of ``--repeat`` runs (rfc8785: one run). CPU time is the whole
process's, so CPU time above wall time means several cores worked, and wall time well above CPU
time means the process waited for a core: other programs were using the machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import functools
import hashlib
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import rfc8785

import groundset

REPO_ROOT = Path(__file__).resolve().parents[2]
GENERATOR = REPO_ROOT / "fixtures" / "bench" / "generate_examples.py"


@dataclass
class Run:
    wall: float
    cpu: float


def best_of(repeat: int, work: Callable[[], object]) -> Run:
    return best_of_each(repeat, {"work": work})["work"]


def best_of_each(repeat: int, works: dict[str, Callable[[], object]]) -> dict[str, Run]:
    """The best run of each work, taking turns so that a busy moment of the machine hits all alike."""
    runs: dict[str, list[Run]] = {name: [] for name in works}
    for _ in range(repeat):
        for name, work in works.items():
            wall, cpu = time.perf_counter(), time.process_time()
            work()
            runs[name].append(Run(time.perf_counter() - wall, time.process_time() - cpu))
    return {name: min(measured, key=lambda run: run.wall) for name, measured in runs.items()}


def typical_examples(count: int) -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("generate_examples", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    records: list[dict[str, Any]] = module.examples(count)
    return records


def with_rfc8785(objects: list[dict[str, Any]]) -> list[str]:
    return [hashlib.sha256(rfc8785.dumps(value)).hexdigest() for value in objects]


def with_orjson(objects: list[dict[str, Any]]) -> list[str]:
    return [hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest() for value in objects]


def row(name: str, size: str, run: Run, rate: str, comparison: str) -> str:
    return f"| {name} | {size} | {run.wall:.3f} s | {run.cpu:.3f} s | {rate} | {comparison} |"


def in_memory_rows(count: int, repeat: int) -> list[str]:
    records = typical_examples(count)
    objects = [{"input": r["input"], "metadata": r["metadata"], "output": r["output"]} for r in records]
    print(f"{count:,} examples in memory; measuring…", file=sys.stderr)
    groundset.hash_examples(records)  # once first: CPython caches each str's UTF-8 on first use
    timed = best_of_each(
        repeat, {"ours": lambda: groundset.hash_examples(records), "orjson": lambda: with_orjson(objects)}
    )
    ours, orjson_run = timed["ours"], timed["orjson"]
    reference: list[str] = []
    rfc8785_run = best_of(1, lambda: reference.extend(with_rfc8785(objects)))
    if reference != groundset.hash_examples(records):
        raise SystemExit("hash_examples and rfc8785 + sha256 disagree")

    def per_second(run: Run) -> str:
        return f"{count / run.wall:,.0f} examples/s"

    def times(peer: Run, goal: float) -> str:
        ratio = peer.wall / ours.wall
        return f"hash_examples is **{ratio:.1f}x** as fast (goal ≥ {goal:g}x: {'met' if ratio >= goal else 'missed'})"

    return [
        row("`groundset.hash_examples`", f"{count:,} examples", ours, per_second(ours), "1.0x"),
        row(
            "`rfc8785.dumps` + `hashlib.sha256`",
            f"{count:,} examples",
            rfc8785_run,
            per_second(rfc8785_run),
            times(rfc8785_run, 30),
        ),
        row(
            "`orjson.dumps(OPT_SORT_KEYS)` + `hashlib.sha256`",
            f"{count:,} examples",
            orjson_run,
            per_second(orjson_run),
            times(orjson_run, 1),
        ),
    ]


def jsonl_rows(target_mb: float, repeat: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="groundset-bench-") as directory:
        path = Path(directory) / "examples.jsonl"
        print(f"writing ~{target_mb:g} MB of JSONL…", file=sys.stderr)
        subprocess.run(
            [sys.executable, str(GENERATOR), "--count", "0", "--target-mb", str(target_mb), "--out", str(path)],
            check=True,
        )
        megabytes = path.stat().st_size / 1e6
        records = len(groundset.hash_file(path, source_id_key="id"))  # also brings the file into the page cache
        rows = []
        for threads in (2, 1):
            run = best_of(repeat, functools.partial(groundset.hash_file, path, source_id_key="id", threads=threads))
            rate = megabytes / run.wall
            goal = f"goal ≥ 400 MB/s: {'met' if rate >= 400 else 'missed'}" if threads == 2 else ""
            rows.append(
                row(
                    f"`groundset.hash_file` (JSONL), {threads} thread{'s' if threads > 1 else ''}",
                    f"{megabytes:,.0f} MB, {records:,} records",
                    run,
                    f"{rate:,.0f} MB/s",
                    goal,
                )
            )
        return rows


def write_csv(path: Path, count: int) -> None:
    """``count`` typical examples as a CSV with dotted headers (``input.question``, ...)."""
    examples = typical_examples(min(count, 10_000))
    columns = sorted({f"{part}.{key}" for e in examples for part in ("input", "output") for key in e.get(part) or {}})
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", *columns])
        for n in range(count):
            example = examples[n % len(examples)]
            cells = []
            for column in columns:
                part, key = column.split(".", 1)
                value = (example.get(part) or {}).get(key, "")
                cells.append(value if isinstance(value, str) else json.dumps(value))
            writer.writerow([f"row-{n}", *cells])


def read_with_dictreader(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as opened:
        return sum(1 for _ in csv.DictReader(opened))


def csv_rows(count: int, repeat: int) -> list[str]:
    with tempfile.TemporaryDirectory(prefix="groundset-bench-") as directory:
        path = Path(directory) / "examples.csv"
        write_csv(path, count)
        megabytes = path.stat().st_size / 1e6
        assert len(groundset.hash_file(path, source_id_key="id")) == count == read_with_dictreader(path)
        runs = best_of_each(
            repeat,
            {
                "core": functools.partial(groundset.hash_file, path, source_id_key="id"),
                "csv": functools.partial(read_with_dictreader, path),
            },
        )
        speedup = runs["csv"].wall / runs["core"].wall
        size = f"{megabytes:,.0f} MB, {count:,} rows"
        return [
            row(
                "`groundset.hash_file` (CSV: read, nest, hash)",
                size,
                runs["core"],
                f"{count / runs['core'].wall:,.0f} rows/s",
                f"{speedup:.1f}x `csv.DictReader`; goal ≥ 3x: {'met' if speedup >= 3 else 'missed'}",
            ),
            row("`csv.DictReader` (read only)", size, runs["csv"], f"{count / runs['csv'].wall:,.0f} rows/s", ""),
        ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=100_000, help="examples held in memory")
    parser.add_argument("--target-mb", type=float, default=500, help="size of the JSONL file")
    parser.add_argument("--csv-rows", type=int, default=100_000, help="rows of the CSV file")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement; the best counts")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    rows = in_memory_rows(args.count, args.repeat) + csv_rows(args.csv_rows, args.repeat)
    rows += jsonl_rows(args.target_mb, args.repeat)
    load_after = os.getloadavg()[0]
    table = "\n".join(
        [
            "# groundset Python hashing benchmark",
            "",
            f"{datetime.date.today()}, groundset {groundset.__version__}, Python {platform.python_version()}, "
            f"{os.cpu_count()} cores, load average {load_before:.1f} before and {load_after:.1f} after. "
            "Best of "
            f"{args.repeat} runs (rfc8785: 1); CPU is the process's CPU time in that run.",
            "",
            "| benchmark | input | wall time | CPU time | throughput | comparison |",
            "| --- | --- | ---: | ---: | ---: | --- |",
            *rows,
            "",
        ]
    )
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(table, encoding="utf-8")
        print(f"written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
