"""Incremental reruns against a real server, on the quickstart's data (fixtures/examples: v1 -> v2
edits two examples, adds three, removes one): the task runs only on new and edited examples,
the scores equal a full rerun's, a different task_version runs everything with a warning,
evaluators are reused only with the same version, and a base's failed runs run again."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import groundset
from conftest import ServerProcess
from groundset import as_evaluator

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "examples"


class Counted:
    """A function that counts its calls (from any thread)."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, **values: Any) -> Any:
        with self.lock:
            self.calls += 1
        return self.function(**values)


def answer(input: dict[str, Any]) -> dict[str, str]:
    # The context's first sentence: right for some questions, wrong for others.
    return {"answer": input["context"].split(". ")[0]}


def contains_answer(output: dict[str, str], expected: dict[str, str]) -> bool:
    return expected["answer"].lower() in output["answer"].lower()


def answer_i(input: dict[str, Any]) -> dict[str, Any]:
    return {"i": input["i"]}


def length(output: dict[str, str]) -> float:
    return float(len(output["answer"]))


def task_of(counter: Counted) -> Callable[[dict[str, Any]], Any]:
    def task(input: dict[str, Any]) -> Any:
        return counter(input=input)

    return task


def evaluators(version: str = "1") -> tuple[Counted, Counted, dict[str, Any]]:
    versioned = Counted(contains_answer)
    unversioned = Counted(length)

    def contains(output: Any, expected: Any) -> Any:
        return versioned(output=output, expected=expected)

    def measured(output: Any) -> Any:
        return unversioned(output=output)

    return versioned, unversioned, {"contains_answer": as_evaluator(contains, version=version), "length": measured}


@pytest.fixture
def quickstart(client: groundset.Client, unique_name: str) -> dict[str, Any]:
    """v1 upserted, an experiment on it with task_version "t1", then v2 mirrored."""
    v1 = client.upsert_dataset(name=unique_name, path=EXAMPLES / "qa-v1.jsonl", source_id_key="id")
    task = Counted(answer)
    _, _, scored = evaluators()
    base = groundset.run_experiment(
        v1, task_of(task), scored, client=client, task_version="t1", experiment_name="qa", print_summary=False
    )
    assert task.calls == 20
    v2 = client.upsert_dataset(name=unique_name, path=EXAMPLES / "qa-v2.jsonl", source_id_key="id", mode="mirror")
    assert (v2.created, v2.updated, v2.deleted) == (3, 2, 1)
    return {"v1": v1, "v2": v2, "base": base}


def scores(experiment: groundset.Experiment) -> dict[tuple[str, str], float | None]:
    return {(run.source_id, e.name): e.score for run in experiment.runs for e in run.evaluations}


def test_a_rerun_with_reuse_runs_the_task_on_five_examples(
    client: groundset.Client, unique_name: str, quickstart: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    task = Counted(answer)
    versioned, unversioned, scored = evaluators()
    rerun = groundset.run_experiment(
        quickstart["v2"], task_of(task), scored, client=client, task_version="t1", reuse=quickstart["base"]
    )
    assert task.calls == 5
    assert versioned.calls == 5  # the same name and version: copied with the 17 reused runs
    assert unversioned.calls == 22  # without a version: runs again on the reused outputs too
    assert len(rerun.runs) == 5 and rerun.task_version == "t1"
    summary = rerun.summary
    assert (summary["runs"], summary["successful_runs"], summary["reused_runs"]) == (22, 22, 17)
    assert summary["incomplete_runs"] == 0
    assert "reused 17 of 22 runs" in capsys.readouterr().out

    full = groundset.run_experiment(
        quickstart["v2"], answer, {"contains_answer": contains_answer, "length": length}, client=client,
        print_summary=False,
    )  # fmt: skip
    stored = groundset.load_experiment(rerun, client=client)
    assert scores(stored) == scores(groundset.load_experiment(full, client=client))
    assert {e["name"]: e["mean_score"] for e in stored.summary["evaluations"]} == {
        e["name"]: e["mean_score"] for e in full.summary["evaluations"]
    }
    reused = [run for run in stored.runs if run.reused_from_run_id is not None]
    base_runs = {run.id: run for run in quickstart["base"].runs}
    assert len(reused) == 17
    for run in reused:
        origin = base_runs[run.reused_from_run_id]
        assert (run.source_id, run.content_hash, run.output) == (origin.source_id, origin.content_hash, origin.output)
        assert {(e.name, e.evaluator_version) for e in run.evaluations} == {("contains_answer", "1"), ("length", None)}
    frame = stored.to_pandas()
    assert int(frame["reused"].sum()) == 17
    ran = {run.source_id for run in stored.runs if run.reused_from_run_id is None}
    diff = client.diff_versions(
        name=unique_name, from_version_id=quickstart["v1"].version_id, to_version_id=quickstart["v2"].version_id
    )
    assert ran == set(diff.created) | set(diff.updated)

    comparison = groundset.compare_experiments(base=quickstart["base"], head=rerun, client=client)
    assert comparison.head.reused_runs == 17 and comparison.base.reused_runs == 0
    assert comparison.counts.same_content == 17 and not comparison.regressed


def test_another_task_version_runs_everything_with_a_warning(
    client: groundset.Client, unique_name: str, quickstart: dict[str, Any]
) -> None:
    task = Counted(answer)
    _, _, scored = evaluators()
    selector = {"dataset": unique_name, "experiment_name": "qa"}
    with pytest.warns(UserWarning, match="task_version is 't2', which differs from the base's 't1'") as caught:
        rerun = groundset.run_experiment(
            {"name": unique_name}, task_of(task), scored, client=client, task_version="t2", reuse=selector,
            print_summary=False,
        )  # fmt: skip
    # Shown at the caller's line, not at a line of the SDK's source.
    (warning,) = [w for w in caught if "task_version" in str(w.message)]
    assert warning.filename == __file__, warning.filename
    assert task.calls == 22 and rerun.summary["reused_runs"] == 0 and rerun.summary["successful_runs"] == 22


def test_a_new_evaluator_version_runs_again_on_reused_runs(
    client: groundset.Client, quickstart: dict[str, Any]
) -> None:
    task = Counted(answer)
    versioned, unversioned, scored = evaluators(version="2")
    info = client.list_experiments(dataset_id=quickstart["v1"].dataset_id)[0]
    rerun = groundset.run_experiment(
        quickstart["v2"], task_of(task), scored, client=client, task_version="t1", reuse=info, print_summary=False
    )
    assert (task.calls, versioned.calls, unversioned.calls) == (5, 22, 22)
    stored = groundset.load_experiment(rerun.id, client=client)
    versions = Counter((e.name, e.evaluator_version) for e in stored.evaluations)
    assert versions == {("contains_answer", "2"): 22, ("length", None): 22}


def test_failed_runs_of_the_base_run_again(client: groundset.Client, quickstart: dict[str, Any]) -> None:
    def flaky(input: dict[str, Any]) -> dict[str, str]:
        if input["question"].startswith("Which planet"):
            raise RuntimeError("rate limited")
        return answer(input)

    base = groundset.run_experiment(quickstart["v2"], flaky, client=client, task_version="t1", print_summary=False)
    assert base.summary["errored_runs"] == 1
    task = Counted(answer)
    rerun = groundset.run_experiment(
        quickstart["v2"], task_of(task), client=client, task_version="t1", reuse=base.id, print_summary=False
    )
    assert task.calls == 1
    assert (rerun.summary["reused_runs"], rerun.summary["successful_runs"]) == (21, 22)


def test_reuse_refusals(client: groundset.Client, unique_name: str, quickstart: dict[str, Any]) -> None:
    before = len(client.list_experiments(name=unique_name))
    with pytest.raises(ValueError, match="reuse needs task_version"):
        groundset.run_experiment(quickstart["v2"], answer, client=client, reuse=quickstart["base"])
    with pytest.raises(ValueError, match="reuse= with dry_run="):
        groundset.run_experiment(
            quickstart["v2"], answer, client=client, reuse=quickstart["base"], task_version="t1", dry_run=True
        )
    assert len(client.list_experiments(name=unique_name)) == before  # nothing was sent
    other = client.upsert_dataset(name=unique_name + "-other", path=EXAMPLES / "qa-v1.jsonl", source_id_key="id")
    with pytest.raises(groundset.ValidationError) as elsewhere:
        groundset.run_experiment(
            other, answer, client=client, reuse=quickstart["base"], task_version="t1", print_summary=False
        )
    assert elsewhere.value.code == "experiments_on_different_datasets"
    with pytest.raises(groundset.NotFoundError, match="no experiment named 'nightly'"):
        groundset.run_experiment(
            quickstart["v2"], answer, client=client, task_version="t1", print_summary=False,
            reuse={"dataset": unique_name, "experiment_name": "nightly"},
        )  # fmt: skip
    assert len(client.list_experiments(name=unique_name)) == before  # a refused rerun leaves no experiment


def test_repetitions_are_reused_one_by_one(client: groundset.Client, quickstart: dict[str, Any]) -> None:
    base = groundset.run_experiment(
        quickstart["v2"], answer, client=client, task_version="t1", repetitions=2, print_summary=False
    )
    task = Counted(answer)
    rerun = groundset.run_experiment(
        quickstart["v2"], task_of(task), client=client, task_version="t1", repetitions=3, reuse=base,
        print_summary=False,
    )  # fmt: skip
    assert task.calls == 22  # the third repetition of each example; the first two are copied
    assert sorted({run.repetition_number for run in rerun.runs}) == [3]
    assert (rerun.summary["reused_runs"], rerun.summary["successful_runs"]) == (44, 66)


def test_a_base_without_task_version_is_named_so_in_the_warning(
    client: groundset.Client, quickstart: dict[str, Any]
) -> None:
    base = groundset.run_experiment(quickstart["v1"], answer, client=client, print_summary=False)
    with pytest.warns(UserWarning, match="task_version is 't2', but the base has no task_version") as caught:
        groundset.run_experiment(
            quickstart["v2"], answer, client=client, task_version="t2", reuse=base, print_summary=False
        )
    assert not any("None" in str(w.message) for w in caught)


def recording(server: ServerProcess) -> tuple[httpx.Client, list[tuple[str, str, dict[str, str]]]]:
    """An HTTP client that records each request's method, path and query."""
    seen: list[tuple[str, str, dict[str, str]]] = []

    def record(request: httpx.Request) -> None:
        seen.append((request.method, request.url.path, dict(request.url.params)))

    return httpx.Client(event_hooks={"request": [record]}), seen


def test_a_rerun_takes_what_is_left_from_the_reuse_answer(
    server: ServerProcess, client: groundset.Client, quickstart: dict[str, Any]
) -> None:
    http, seen = recording(server)
    task = Counted(answer)
    with http, groundset.Client(base_url=server.base_url, http_client=http) as hooked:
        rerun = groundset.run_experiment(
            quickstart["v2"], task_of(task), client=hooked, task_version="t1", reuse=quickstart["base"],
            print_summary=False,
        )  # fmt: skip
    assert task.calls == 5 and rerun.summary["reused_runs"] == 17
    assert rerun.id is not None
    head = f"/v1/experiments/{rerun.id}"
    # The version is the upsert's (no read); what is left to run comes with the reuse answer.
    assert [(method, path) for method, path, _ in seen] == [
        ("POST", f"/v1/datasets/{quickstart['v2'].dataset_id}/experiments"),
        ("POST", f"{head}/reuse"),
        ("POST", f"{head}/runs"),
        ("GET", head),
    ]


def test_more_than_a_page_left_reads_the_pages_after_the_first(
    server: ServerProcess, client: groundset.Client, unique_name: str
) -> None:
    rows = [{"id": f"q{i:04d}", "input": {"i": i}} for i in range(3)]
    v1 = client.upsert_dataset(name=unique_name, examples=rows, source_id_key="id")
    base = groundset.run_experiment(v1, answer_i, client=client, task_version="t1", print_summary=False)
    added = [{"id": f"q{i:04d}", "input": {"i": i}} for i in range(3, 1004)]
    v2 = client.upsert_dataset(name=unique_name, examples=added, source_id_key="id", mode="merge")
    http, seen = recording(server)
    task = Counted(answer_i)
    with http, groundset.Client(base_url=server.base_url, http_client=http) as hooked:
        rerun = groundset.run_experiment(
            v2, task_of(task), client=hooked, task_version="t1", reuse=base, print_summary=False
        )
    assert task.calls == 1001 and rerun.summary["reused_runs"] == 3 and rerun.summary["incomplete_runs"] == 0
    assert sorted(run.source_id for run in rerun.runs) == [row["id"] for row in added]
    read = [query for method, path, query in seen if path.endswith("/incomplete")]
    assert len(read) == 1 and read[0]["cursor"]  # only the page after the reuse answer's
