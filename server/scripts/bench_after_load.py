"""What competes with the first re-syncs after a large load: CPU seconds by process, per phase.

    python scripts/bench_after_load.py --count 1000000 --database postgres --resyncs 3

An initial load of ``--count`` examples of ~1 KB (fixtures/bench/generate_examples.py) through
the Python SDK, then ``--resyncs`` unchanged re-syncs, against a server process of its own on a
throwaway PostgreSQL cluster (tests/pg.py) or a SQLite file. For each phase: its wall time, the
CPU seconds of the client (this process), of the server process, of each kind of PostgreSQL
process (client backends, autovacuum workers, checkpointer, background writer, WAL writer; the
cluster's own, exited ones included), of kernel threads (page cache writeback among them), the
machine's steal time (CPU a virtual machine's host took), and the whole machine's page cache dirty and
writeback megabytes at its end. Issue 19: the first re-syncs after a 1,000,000 load took
2.3-2.9 s, the later ones 1.8-2.0 s.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent / "python" / "tests"))

import groundset  # noqa: E402
from conftest import ServerProcess  # noqa: E402
from support import typical_examples  # noqa: E402

from tests.pg import Cluster  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
KINDS = ("autovacuum worker", "autovacuum launcher", "checkpointer", "background writer", "walwriter")


def _stat(pid: str) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _seconds(fields: list[str], first: int = 11, last: int = 12) -> float:
    return sum(int(fields[i]) for i in range(first, last + 1)) / TICK


def cpu_by_kind(server_pid: int, postmaster: int | None) -> dict[str, float]:
    """CPU seconds so far of the server, of the cluster's processes by kind (its exited children
    counted in the postmaster's), and of kernel threads (no command line)."""
    found: dict[str, float] = defaultdict(float)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = _stat(pid)
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        if int(pid) == server_pid:
            found["server"] += _seconds(fields)
        elif postmaster is not None and int(pid) == postmaster:
            found["postgres: exited"] += _seconds(fields, 13, 14)
            found["postgres: postmaster"] += _seconds(fields)
        elif postmaster is not None and int(fields[1]) == postmaster:
            text = command.decode(errors="replace")
            kind = next((k for k in KINDS if k in text), "client backend")
            found[f"postgres: {kind}"] += _seconds(fields)
        elif not command and int(fields[1]) == 2:  # children of kthreadd
            found["kernel threads"] += _seconds(fields)
    return found


def machine() -> dict[str, float]:
    """Steal seconds of all CPUs, and the page cache's dirty and writeback MB."""
    steal = int(Path("/proc/stat").read_text().split("\n", 1)[0].split()[8]) / TICK
    memory = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    return {
        "steal": steal,
        "dirty MB": int(memory["Dirty"].split()[0]) / 1024,
        "writeback MB": int(memory["Writeback"].split()[0]) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--resyncs", type=int, default=3)
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds between the load and the first re-sync"
    )
    args = parser.parse_args()
    rows = typical_examples(args.count)
    cluster = Cluster() if args.database == "postgres" else None
    with tempfile.TemporaryDirectory(prefix="groundset-after-load-") as directory:
        server = ServerProcess(
            Path(directory), database_url=None if cluster is None else cluster.new_database()
        )
        server.start()
        assert server.process is not None
        postmaster = (
            None if cluster is None else int((cluster.data / "postmaster.pid").read_text().split()[0])
        )
        marks: list[tuple[str, float, float, dict[str, float], dict[str, float]]] = []

        def mark(name: str) -> None:
            assert server.process is not None
            marks.append(
                (
                    name,
                    time.perf_counter(),
                    time.process_time(),
                    cpu_by_kind(server.process.pid, postmaster),
                    machine(),
                )
            )

        try:
            with groundset.Client(base_url=server.base_url, timeout=900.0) as client:
                phases: list[tuple[str, Any]] = [("initial", None)]
                if args.pause:
                    phases.append(("pause", args.pause))
                phases += [(f"re-sync {n + 1}", None) for n in range(args.resyncs)]
                for name, pause in phases:
                    mark(name)
                    if pause is not None:
                        time.sleep(pause)
                    else:
                        client.upsert_dataset(
                            name="after-load", examples=rows, source_id_key="id", progress=False
                        )
                mark("end")
        finally:
            server.stop()
            if cluster is not None:
                cluster.stop()
    kinds = sorted({kind for *_, used, _ in marks for kind in used})
    print(f"{args.count:,} examples on {args.database}; CPU seconds per phase; load {os.getloadavg()[0]:.2f}")
    print("| phase | wall | client | " + " | ".join(kinds) + " | steal | dirty MB | writeback MB |")
    print("| --- |" + " ---: |" * (len(kinds) + 5))
    for (name, wall, client_cpu, used, box), (_, wall2, client2, used2, box2) in itertools.pairwise(marks):
        cells = [f"{used2.get(kind, 0.0) - used.get(kind, 0.0):.2f}" for kind in kinds]
        print(
            f"| {name} | {wall2 - wall:.2f} | {client2 - client_cpu:.2f} | "
            + " | ".join(cells)
            + f" | {box2['steal'] - box['steal']:.2f} | {box2['dirty MB']:.0f} | {box2['writeback MB']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
