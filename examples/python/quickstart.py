"""groundset quickstart: sync a question-answering set, run an experiment, evolve the set, rerun
it reusing the unchanged results, compare.

The evaluation set lives in the repository as JSONL (fixtures/examples/qa-v1.jsonl, then its
next revision qa-v2.jsonl). The task is a deterministic keyword lookup over each example's
context, standing in for the LLM call of a real application, so the script needs no API key.

Start a server (`just demo` does all of this for you), then:

    GROUNDSET_BASE_URL=http://127.0.0.1:6060 .venv/bin/python examples/python/quickstart.py [DATASET]
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import Any

import groundset
from groundset.types import Mode

DATA = Path(__file__).resolve().parents[2] / "fixtures" / "examples"
DATASET = sys.argv[1] if len(sys.argv) > 1 else "quickstart-qa-python"
# Your name for the task's code and prompt: a rerun reuses results only from the same task_version.
TASK_VERSION = "keyword-lookup-1"


def read_jsonl(name: str) -> list[dict[str, Any]]:
    with open(DATA / name, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


# Words too common to point at the sentence that answers a question.
STOPWORDS = frozenset(
    tokens(
        "a an and are as at be by did do does for from how in is it its of on or "
        "that the this to was were what which who"
    )
)


def keywords(text: str) -> set[str]:
    return {token for token in tokens(text) if token not in STOPWORDS}


# The task: the sentence of the context sharing the most keywords with the question (the first
# one on a tie). An application would call its model here.
def answer(input: dict[str, Any]) -> dict[str, str]:
    wanted = keywords(input["question"])
    sentences = re.split(r"(?<=[.!?])\s+", input["context"].strip())
    return {"answer": max(sentences, key=lambda sentence: len(wanted & keywords(sentence)))}


# Evaluators take what they need by parameter name: `output` is the task's, `expected` the example's.
def contains_answer(output: dict[str, str], expected: dict[str, str]) -> bool:
    return f" {' '.join(tokens(expected['answer']))} " in f" {' '.join(tokens(output['answer']))} "


def token_f1(output: dict[str, str], expected: dict[str, str]) -> float:
    got, want = tokens(output["answer"]), tokens(expected["answer"])
    common = sum((Counter(got) & Counter(want)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(got), common / len(want)
    return 2 * precision * recall / (precision + recall)


def upsert(client: groundset.Client, file: str, mode: Mode) -> groundset.UpsertResult:
    return client.upsert_dataset(
        name=DATASET,
        examples=read_jsonl(file),  # {"id", "input", "output", "metadata"} records
        source_id_key="id",  # the identity of an example: an edit updates it in place
        mode=mode,
    )


def report(result: groundset.UpsertResult) -> None:
    if result.noop:
        state = "no-op"
    elif result.previous_version_id is None:
        state = "new"
    else:
        state = f"was {result.previous_version_id}"
    print(
        f"   version {result.version_id} ({state}): {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.deleted} deleted; digest {result.digest}"
    )


def experiment(
    dataset: groundset.UpsertResult, client: groundset.Client, reuse: groundset.Experiment | None = None
) -> groundset.Experiment:
    # Passing the upsert's result pins the experiment to exactly that version. With reuse=, the
    # runs of examples whose content did not change are copied from that experiment.
    return groundset.run_experiment(
        dataset,
        answer,
        [contains_answer, token_f1],
        client=client,
        experiment_name=f"keyword lookup on version {dataset.version_id}",
        task_version=TASK_VERSION,
        reuse=reuse,
    )


def side_by_side(
    before: tuple[groundset.UpsertResult, groundset.Experiment],
    after: tuple[groundset.UpsertResult, groundset.Experiment],
) -> None:
    def row(label: str, values: list[Any]) -> None:
        print(f"   {label:<18}" + "".join(f"{value!s:>18}" for value in values))

    pairs = [before, after]
    row("", ["before", "after"])
    row("experiment id", [found.id for _, found in pairs])
    row("dataset version", [found.version_id for _, found in pairs])
    row("version digest", [synced.digest[:16] for synced, _ in pairs])
    row("runs", [found.summary["runs"] for _, found in pairs])
    row("errors", [found.summary["errored_runs"] for _, found in pairs])
    row("reused runs", [found.summary["reused_runs"] for _, found in pairs])


def compare(before: groundset.Experiment, after: groundset.Experiment, client: groundset.Client) -> None:
    comparison = groundset.compare_experiments(base=before, head=after, client=client)
    counts = comparison.counts
    print(
        f"   examples: {counts.same_content} same content, {counts.changed} changed, "
        f"{counts.only_head} added, {counts.only_base} removed"
    )
    for evaluator in comparison.evaluators:  # means over all examples, and over the unchanged ones
        every, like = evaluator.all, evaluator.like_for_like
        print(
            f"   {evaluator.name}: all {every.base.mean:.4f} -> {every.head.mean:.4f} ({every.delta:+.4f}), "
            f"like-for-like {like.base_mean:.4f} -> {like.head_mean:.4f} ({like.delta:+.4f}) on {like.count}"
        )
    verdict = "regressed" if comparison.regressed else "no regression"
    print(f"   regressions: {comparison.verdict.regressed_examples} (verdict: {verdict})")
    if comparison.regressed:  # what a CI gate fails on; table() lists each regressed example
        print(textwrap.indent(comparison.table(), "   "))
    print(f"   task ran {len(after.runs)} times, reused {after.summary['reused_runs']} runs")


def main() -> None:
    with groundset.Client() as client:
        print(f"groundset quickstart (Python) on {client.base_url}, dataset {DATASET!r}")
        with contextlib.suppress(groundset.NotFoundError):
            client.delete_dataset(name=DATASET)  # start from scratch, so every run tells the same story

        print("1. upsert qa-v1.jsonl by id")
        v1 = upsert(client, "qa-v1.jsonl", "merge")
        report(v1)

        print("2. upsert qa-v1.jsonl again: nothing changed, so no new version")
        again = upsert(client, "qa-v1.jsonl", "merge")
        report(again)

        print(f"3. experiment on version {v1.version_id}")
        first = experiment(v1, client)

        print("4. mirror upsert qa-v2.jsonl: the dataset now holds exactly that file")
        v2 = upsert(client, "qa-v2.jsonl", "mirror")
        report(v2)

        print(f"5. experiment on version {v2.version_id}, reusing the runs of unchanged examples")
        second = experiment(v2, client, reuse=first)

        print("side by side")
        side_by_side((v1, first), (v2, second))
        print(f"version progression: {v1.version_id} -> {again.version_id} (no-op) -> {v2.version_id}")

        print(f"6. compare experiment {second.id} (head) with {first.id} (base), example by example")
        compare(first, second, client)


if __name__ == "__main__":
    main()
