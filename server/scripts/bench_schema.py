"""What a dataset's JSON Schema costs: 100,000 examples checked with a small schema by the
core's validator, as the server checks an upsert (canonical JSON texts, all cores, without the
GIL) and as the Python SDK checks a large sync before upload (Python values; a file's texts).
A dataset without a schema pays nothing of this (one indexed read per upsert). Writes a
Markdown table (``--out``)."""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import groundset_core

SCHEMA = {
    "input": {
        "type": "object",
        "required": ["question", "context"],
        "properties": {"question": {"type": "string", "minLength": 1}, "context": {"type": "string"}},
    },
    "output": {"type": "object", "required": ["answer"], "properties": {"answer": {"type": "string"}}},
    "metadata": {"type": "object", "properties": {"topic": {"enum": ["astronomy", "biology", "history"]}}},
}


def examples(count: int) -> list[dict[str, object]]:
    return [
        {
            "input": {"question": f"What is question number {i}?", "context": "Some context. " * 8},
            "output": {"answer": f"answer {i}"},
            "metadata": {"topic": ("astronomy", "biology", "history")[i % 3]},
        }
        for i in range(count)
    ]


def best(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    values = examples(args.count)
    texts = [
        tuple(groundset_core.canonicalize(example[part]).decode() for part in ("input", "output", "metadata"))
        for example in values
    ]
    validator = groundset_core.SchemaValidator(SCHEMA["input"], SCHEMA["output"], SCHEMA["metadata"])
    assert validator.validate_texts(texts) == []  # type: ignore[arg-type]

    def compile_schema() -> object:
        return groundset_core.SchemaValidator(**SCHEMA)

    def hash_all() -> object:
        return groundset_core.hash_examples(values)

    rows = [
        (
            "server: canonical texts, all cores (validate_texts)",
            best(lambda: validator.validate_texts(texts), args.repeat),  # type: ignore[arg-type]
        ),
        (
            "Python SDK: values in memory (validate per example)",
            best(
                lambda: [validator.validate(e["input"], e["output"], e["metadata"]) for e in values],
                args.repeat,
            ),
        ),
        ("compile the schema (once per upsert; cached on the server)", best(compile_schema, args.repeat)),
        ("hashing the same examples (hash_examples), for scale", best(hash_all, args.repeat)),
    ]

    def rate(what: str, seconds: float) -> str:
        return "-" if what.startswith("compile") else f"{args.count / seconds:,.0f}"

    lines = [
        f"# JSON Schema check of {args.count:,} examples (small schema, ~200 bytes each)",
        "",
        f"groundset_core.SchemaValidator (the jsonschema crate), median of {args.repeat}; {os.cpu_count()} "
        f"cores shared with other work (load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}).",
        "",
        "| what | seconds | examples/s |",
        "|---|---|---|",
        *(f"| {what} | {seconds:.4f} | {rate(what, seconds)} |" for what, seconds in rows),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
