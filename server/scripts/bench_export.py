"""Benchmark GET /v1/datasets/{id}/export against a real server process; writes a Markdown table.

A dataset of COUNT examples of ~1 KB (fixtures/bench/generate_examples.py) is loaded in NDJSON
upserts of 100,000; then, for each format, a fresh server process streams the latest version to
a file, and the table gives the export's wall time (first byte to last, on loopback), its size
and the server's peak RSS (VmHWM of that process, so the load is not counted). Each file is read
back by the core reader (groundset_core.read_hashes) and must give the version's digest.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import groundset_core
import httpx
import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "fixtures" / "bench"))

from generate_examples import examples as generate  # noqa: E402

from tests.conftest import Server  # noqa: E402
from tests.pg import Cluster  # noqa: E402

BATCH = 100_000
FORMATS = ("jsonl", "csv")


@contextmanager
def serving(database_url: str) -> Iterator[tuple[str, int]]:
    """A real server process (the tests' :class:`Server`): its URL and pid."""
    server = Server(database_url).start()
    try:
        assert server.process is not None
        yield server.url, server.process.pid
    finally:
        server.stop()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def load(url: str, count: int) -> str:
    """Upserts ``count`` generated examples in batches; the dataset's id."""
    dataset_id = ""
    for start in range(0, count, BATCH):
        # Each batch its own seed; ids numbered across batches.
        records = generate(min(BATCH, count - start), seed=start)
        for index, record in enumerate(records):
            record["id"] = f"ex-{start + index}"
        hashes = groundset_core.hash_examples(records)
        lines = [orjson.dumps({"dataset": {"name": "bench-export"}, "mode": "merge"})]
        lines.extend(
            orjson.dumps(
                {
                    "source_id": r["id"],
                    "content_hash": h,
                    "input": r["input"],
                    "output": r["output"],
                    "metadata": r["metadata"],
                }
            )
            for r, h in zip(records, hashes, strict=True)
        )
        response = httpx.post(
            url + "/v1/datasets/upsert",
            content=b"\n".join(lines) + b"\n",
            headers={"content-type": "application/x-ndjson"},
            timeout=900,
        )
        response.raise_for_status()
        dataset_id = response.json()["dataset_id"]
        print(f"loaded {start + len(records):,}", file=sys.stderr)
    return dataset_id


def export(url: str, dataset_id: str, export_format: str, out: Path) -> float:
    start = time.perf_counter()
    with (
        httpx.stream(
            "GET", f"{url}/v1/datasets/{dataset_id}/export", params={"format": export_format}, timeout=900
        ) as response,
        out.open("wb") as file,
    ):
        response.raise_for_status()
        for chunk in response.iter_bytes(1 << 20):
            file.write(chunk)
    return time.perf_counter() - start


def run(database_url: str, count: int, tmp: Path) -> dict[str, dict[str, Any]]:
    with serving(database_url) as (url, _):
        dataset_id = load(url, count)
        digest = httpx.get(f"{url}/v1/datasets/{dataset_id}/manifest", timeout=900).json()["digest"]
    figures: dict[str, dict[str, Any]] = {}
    for export_format in FORMATS:
        # A fresh process per format, so that its peak RSS is the export's alone.
        with serving(database_url) as (url, pid):
            out = tmp / f"export.{export_format}"
            seconds = export(url, dataset_id, export_format, out)
            rss = peak_rss_mb(pid)
        pairs, issues, more = groundset_core.read_hashes(out, id_key="id")
        assert not issues and not more, issues[:3]
        assert len(pairs) == count and groundset_core.manifest_digest(pairs) == digest, export_format
        figures[export_format] = {"seconds": seconds, "mb": out.stat().st_size / 1e6, "rss": rss}
        print(f"{export_format}: {seconds:.1f} s, peak RSS {rss:.0f} MB", file=sys.stderr)
        out.unlink()
    return figures


def table(columns: dict[str, dict[str, dict[str, Any]]], count: int, size: float) -> str:
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines = [
        f"# groundset-server export: {count:,} examples of ~{size:,.0f} bytes",
        "",
        f"GET /v1/datasets/{{id}}/export of the latest version, streamed to a file on loopback "
        f"({os.cpu_count()} cores, load average {load_average} at the end). Peak RSS is the server "
        "process's VmHWM, a fresh process per export. Every file read back by the core reader "
        "gives the version's digest.",
        "",
        "| database | format | seconds | examples/s | file (MB) | server peak RSS (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for database, figures in columns.items():
        for export_format, f in figures.items():
            lines.append(
                f"| {database} | {export_format} | {f['seconds']:.1f} | {count / f['seconds']:,.0f} "
                f"| {f['mb']:,.0f} | {f['rss']:.0f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    args = parser.parse_args()
    size = sum(len(orjson.dumps(r)) for r in generate(1000)) / 1000
    columns: dict[str, dict[str, dict[str, Any]]] = {}

    def report() -> None:
        # After each database, so that a long run stopped early keeps what it measured.
        text = table(columns, args.count, size)
        print(text)
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text, encoding="utf-8")

    with tempfile.TemporaryDirectory() as tmp:
        columns["SQLite"] = run(f"sqlite:///{tmp}/bench.db", args.count, Path(tmp))
        report()
        if args.postgres:
            cluster = Cluster()
            try:
                columns["PostgreSQL"] = run(cluster.new_database(), args.count, Path(tmp))
            finally:
                cluster.stop()
            report()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
