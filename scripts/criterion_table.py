"""Turns criterion's results (target/criterion) into a markdown table on stdout.

Usage: python scripts/criterion_table.py target/criterion
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path


def rows(root: Path) -> list[tuple[str, float, float | None]]:
    found = []
    for benchmark in sorted(root.glob("*/*/new/benchmark.json")):
        meta = json.loads(benchmark.read_text())
        estimates = json.loads(benchmark.with_name("estimates.json").read_text())
        seconds = estimates["mean"]["point_estimate"] / 1e9
        throughput = meta.get("throughput") or {}
        size = throughput.get("Bytes") or throughput.get("BytesDecimal")
        mb_per_s = size / seconds / 1e6 if size else None
        found.append((meta["full_id"], seconds, mb_per_s))
    return found


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
    results = rows(root)
    if not results:
        print(f"no criterion results under {root}", file=sys.stderr)
        return 1
    cpu = platform.processor() or platform.machine()
    print(f"canonhash benchmarks ({cpu}, criterion mean of samples)\n")
    print("| benchmark | mean time per iteration | throughput |")
    print("|---|---:|---:|")
    for name, seconds, mb_per_s in results:
        rate = f"{mb_per_s:,.0f} MB/s" if mb_per_s else ""
        print(f"| {name} | {seconds * 1e3:,.2f} ms | {rate} |")
    by_name = {name: rate for name, _, rate in results}
    one, two = by_name.get("jsonl_batch/threads_1"), by_name.get("jsonl_batch/threads_2")
    if one and two:
        print(f"\nJSONL batch speed-up on 2 threads: {two / one:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
