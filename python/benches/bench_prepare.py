"""The client's CPU work of an upsert on Python objects, per thread: ``hash_examples`` alone,
``prepare_examples`` (the core's one pass, as ``upsert_dataset(examples=..., source_id_key="id")``
calls it) and ``UpsertArgs.prepare`` with the manifest digest (what an unchanged re-sync costs
before its one request), and the upsert body's lines (``lines``: every content, as an initial
load sends them; ``lines_changed``: content for 1 %), as JSON lines on stdout.

    python benches/bench_prepare.py --counts 100000,1000000 --repeat 5 --label after

Run it once per build to compare (``PYTHONPATH`` naming another copy of ``groundset_core`` and
``groundset`` times that copy; ``--works hash_examples`` needs only ``groundset_core``, so it
also times a core older than ``prepare_examples``, such as stop 12's). The examples come from
fixtures/bench/generate_examples.py (about 1 KB of canonical JSON each; the larger counts are
deep copies, so each example is its own objects). Each figure is the median of ``--repeat``
calls after one warm-up call (CPython caches a str's UTF-8 on first use). CPU seconds are per
thread, which stay fair on a loaded machine where wall time mostly says how long the process
waited for a core: ``calling`` is the thread under the GIL (``time.thread_time``), ``other``
the rest of the process (the hashing threads). The load average is read before and after.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import groundset_core

if TYPE_CHECKING:
    from groundset._upsert import Prepared, UpsertArgs

GENERATOR = Path(__file__).resolve().parents[2] / "fixtures" / "bench" / "generate_examples.py"


def typical_examples(count: int) -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("generate_examples", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    base: list[dict[str, Any]] = module.examples(min(count, 100_000))
    rows = list(base)
    while len(rows) < count:
        for row in base[: count - len(rows)]:
            row = copy.deepcopy(row)
            row["id"] = f"ex-{len(rows)}"
            rows.append(row)
    return rows


def args_of(rows: list[dict[str, Any]]) -> UpsertArgs:
    from groundset._upsert import UpsertArgs  # the SDK needs a current core (see the docstring)

    fields: dict[str, Any] = {name: None for name in UpsertArgs.__dataclass_fields__}
    fields.update(
        move_tag=False,
        validate=True,
        name="bench",
        examples=rows,
        source_id_key="id",
        mode="merge",
        dry_run=False,
        allow_empty=False,
        progress=False,
    )
    return UpsertArgs.from_call(fields)


def prepare(rows: list[dict[str, Any]]) -> str:
    return args_of(rows).prepare().digest()


def upload_body(prepared: Prepared, every: int) -> int:
    """Bytes of the upsert body with content for every ``every``-th example (the rest bare)."""
    needed = set(prepared.source_ids[::every])
    return sum(len(block) for block in prepared.ndjson({"dataset": {"name": "bench"}, "mode": "merge"}, needed)())


def measure(work: Callable[[], object], repeat: int) -> dict[str, float]:
    work()
    walls, calling, total = [], [], []
    for _ in range(repeat):
        wall, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
        work()
        walls.append(time.perf_counter() - wall)
        calling.append(time.thread_time() - thread)
        total.append(time.process_time() - process)
    return {
        "wall": statistics.median(walls),
        "calling": statistics.median(calling),
        "other": statistics.median(t - c for t, c in zip(total, calling, strict=True)),
        "cpu": statistics.median(total),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--counts", default="100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--label", default="after")
    parser.add_argument("--works", default="hash_examples,prepare")
    args = parser.parse_args()
    for count in (int(c) for c in args.counts.split(",")):
        rows = typical_examples(count)
        body = {"lines", "lines_changed"} & set(args.works.split(","))
        prepared = args_of(rows).prepare() if body else None
        works: dict[str, Callable[[], object]] = {
            "hash_examples": lambda rows=rows: groundset_core.hash_examples(rows),  # type: ignore[misc]
            "prepare": lambda rows=rows: prepare(rows),  # type: ignore[misc]
            "prepare_examples": lambda rows=rows: groundset_core.prepare_examples(  # type: ignore[misc]
                rows, flat=False, source_id_key="id"
            ),
            # The upsert body's lines of an initial load (every content) and of a 1% change.
            "lines": lambda prepared=prepared: upload_body(prepared, 1),  # type: ignore[misc]
            "lines_changed": lambda prepared=prepared: upload_body(prepared, 100),  # type: ignore[misc]
        }
        for name in args.works.split(","):
            load = os.getloadavg()[0]
            figures = measure(works[name], args.repeat)
            line = {"label": args.label, "work": name, "count": count, **figures}
            line.update(load_before=load, load_after=os.getloadavg()[0], core=groundset_core.__file__)
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
