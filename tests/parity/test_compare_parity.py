"""Cross-SDK test of comparisons and incremental reruns: one comparison on a real server, read by
the Python SDK's ``compare_experiments`` and the TypeScript SDK's ``compareExperiments`` (node on
the built js package), gives the same answer member for member (counts, evaluators, deltas,
verdict, every example with its class and scores), the same ``regressed`` and the same
``table()`` text.

The base experiment is run by Python on the quickstart's v1 (task version ``t1``, an evaluator
with a version and one without, two repetitions, q03 failing, q08 answered wrong); the head by TypeScript on v2 with
``reuse`` of Python's base, so the reuse contract holds across SDKs too: the task runs only on
the edited, added and failed examples.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import groundset

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "examples"


def base_task(expected: dict[str, Any], example: groundset.Example) -> str:
    if example.source_id == "q03":
        raise RuntimeError("model unavailable")
    return "wrong" if example.source_id == "q08" else str(expected["answer"])


def exact(output: Any, expected: dict[str, Any]) -> bool:
    return bool(output == expected["answer"])


def length(output: Any) -> float:
    return len(str(output)) / 100


def verdict(output: Any, expected: dict[str, Any]) -> str:
    """A label evaluator: a label and no score."""
    return "right" if output == expected["answer"] else "wrong"


def test_python_and_typescript_read_one_comparison_alike(server: Any, tmp_path: Path) -> None:
    name = f"compare-parity-{uuid.uuid4().hex[:8]}"
    with groundset.Client(base_url=server.base_url) as client:
        v1 = client.upsert_dataset(name=name, path=EXAMPLES / "qa-v1.jsonl", source_id_key="id")
        base = groundset.run_experiment(
            v1,
            base_task,
            [groundset.as_evaluator(exact, version="1"), length, verdict],
            client=client,
            experiment_name="nightly",
            repetitions=2,
            task_version="t1",
            print_summary=False,
        )
        client.upsert_dataset(name=name, path=EXAMPLES / "qa-v2.jsonl", source_id_key="id", mode="mirror")

        task_path, result_path = tmp_path / "task.json", tmp_path / "node.json"
        task_path.write_text(json.dumps({"dataset": name, "baseId": base.id}), encoding="utf-8")
        env = {**os.environ, "GROUNDSET_BASE_URL": server.base_url}
        script = Path(__file__).with_name("compare.mjs")
        subprocess.run(["node", str(script), str(task_path), str(result_path)], check=True, env=env)
        node = json.loads(result_path.read_text(encoding="utf-8"))

        # Reuse across SDKs: q03 failed in the base, q05 and q15 were edited, q21-q23 added.
        assert node["calls"] == sorted(2 * ["q03", "q05", "q15", "q21", "q22", "q23"])

        comparison = groundset.compare_experiments(
            base={"dataset": name, "experiment_name": "nightly", "before": node["headId"]},
            head=node["headId"],
            thresholds={"length": 0.05},
            include_changed=True,
            client=client,
        )
    python = dataclasses.asdict(comparison)
    assert python == node["comparison"]
    assert comparison.table() == node["table"]
    assert comparison.regressed is node["regressed"] is True

    # The answer is the one the data calls for, so agreeing means something.
    assert (comparison.base.id, comparison.head.id) == (base.id, node["headId"])
    assert dataclasses.asdict(comparison.counts) == {
        "examples": 23,
        "only_base": 1,
        "only_head": 3,
        "same_content": 17,
        "changed": 2,
        "output_changed": 1,
        "new_run_errors": 1,
        "missing_runs": 1,  # q15: edited, and the head's task failed on it
    }
    assert comparison.comparable is node["comparable"] is True
    statuses = {example.source_id: example.status for example in comparison.examples}
    assert statuses["q07"] == "only_base"
    assert {statuses[s] for s in ("q21", "q22", "q23")} == {"only_head"}
    assert statuses["q05"] == statuses["q15"] == "changed"
    assert comparison.verdict.scope == ["same_content", "changed"]
    assert {example.source_id for example, _, _ in comparison.regressions()} == {"q05", "q15"}
    # 17 same-content examples, less q03 (failed in the base), two repetitions each.
    assert comparison.head.reused_runs == 2 * 16
    assert sorted(evaluator.name for evaluator in comparison.evaluators) == ["exact", "length", "verdict"]
    # The label evaluator: no threshold, its labels per example, a count of the changed ones
    # (q05, edited: right in base, wrong in head; q08 wrong in both), no regression of its own.
    labelled = next(evaluator for evaluator in comparison.evaluators if evaluator.name == "verdict")
    assert (labelled.kind, labelled.threshold, labelled.labels_changed, labelled.regressions) == ("label", None, 1, 0)
    labels = {
        example.source_id: (score.base_label, score.head_label)
        for example in comparison.examples
        for score in example.scores
        if score.name == "verdict"
    }
    assert (labels["q05"], labels["q08"], labels["q01"]) == (("right", "wrong"), ("wrong", "wrong"), ("right", "right"))
