"""``groundset compare``, ``experiments`` and ``experiment`` against the session's server: the
gate's exit codes (0 no regression, 1 regressed with --fail-on-regression, 2 could not compare),
--json output, experiment names with --dataset, and the listings."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import groundset
from conftest import free_port
from test_cli import plain

ROWS = [{"id": s, "input": {"q": s}, "output": {"a": s.upper()}} for s in "abc"]


def exact(output: Any, expected: Any) -> bool:
    return bool(output == expected)


@pytest.fixture
def gate(client: groundset.Client, unique_name: str) -> dict[str, groundset.Experiment]:
    """On dataset ``unique_name``: "nightly" on v1 (all right), then "nightly" on v2 (c edited,
    wrong on b: a like-for-like regression) with task_version "t2"."""
    v1 = client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")
    base = groundset.run_experiment(
        v1, lambda input: {"a": input["q"].upper()}, [exact], client=client, experiment_name="nightly",
        task_version="t1", print_summary=False,
    )  # fmt: skip
    edited = [*ROWS[:2], {"id": "c", "input": {"q": "c"}, "output": {"a": "C!"}}]
    v2 = client.upsert_dataset(name=unique_name, examples=edited, source_id_key="id")
    head = groundset.run_experiment(
        v2, lambda input: {"a": "no" if input["q"] == "b" else input["q"].upper()}, [exact], client=client,
        experiment_name="nightly", task_version="t2", print_summary=False,
    )  # fmt: skip
    return {"base": base, "head": head}


def test_compare_exit_codes_and_output(run: Any, gate: dict[str, groundset.Experiment], unique_name: str) -> None:
    base, head = gate["base"].id or "", gate["head"].id or ""
    shown = run("compare", base, head)
    assert shown.exit_code == 0, shown.output  # a regression fails only with --fail-on-regression
    text = plain(shown.stdout)
    assert f"base experiment {base} 'nightly' (version {gate['base'].version_id}, task_version 't1')" in text
    assert "examples 3: 2 same content, 1 changed, 0 added, 0 removed" in text
    assert "REGRESSED: 1 of the same_content examples regressed" in text
    rows = [line.split() for line in shown.stdout.splitlines()]
    assert ["b", "same_content", "exact", "1", "0", "-1"] in rows
    assert not any(row[:1] == ["c"] for row in rows)  # c changed: outside the like-for-like verdict

    failed = run("compare", base, head, "--fail-on-regression")
    assert failed.exit_code == 1, failed.output
    lenient = run("compare", base, head, "--fail-on-regression", "--threshold", "exact=1.5")
    assert lenient.exit_code == 0 and "no regression among the same_content examples" in plain(lenient.stdout)
    itself = run("compare", head, head, "--fail-on-regression")
    assert itself.exit_code == 2, itself.output
    assert f"experiment {head} is both the base and the head" in plain(itself.stderr)

    as_json = run("compare", base, head, "--json", "--fail-on-regression", "--include-changed")
    assert as_json.exit_code == 1
    answer = json.loads(as_json.stdout)
    assert answer["verdict"]["regressed"] and answer["verdict"]["scope"] == ["same_content", "changed"]
    assert sorted(e["source_id"] for e in answer["data"]) == ["a", "b", "c"] and answer["next_cursor"] is None
    assert (answer["base"]["id"], answer["head"]["id"]) == (base, head)
    assert len(json.loads(run("compare", base, head, "--json", "--limit", "1").stdout)["data"]) == 1

    # Names: the latest "nightly" against the one before it.
    named = run("compare", "--dataset", unique_name, "nightly", "nightly", "--json")
    assert named.exit_code == 0, named.output
    assert [json.loads(named.stdout)[side]["id"] for side in ("base", "head")] == [base, head]
    pinned = run(
        "compare", "-d", unique_name, "nightly", "nightly", "--head-version", gate["base"].version_id, "--json"
    )
    assert pinned.exit_code == 2 and "created before experiment" in pinned.stderr  # nothing before the v1 one


def test_compare_could_not_compare_exits_2(run: Any, gate: dict[str, groundset.Experiment], unique_name: str) -> None:
    head = gate["head"].id or ""
    missing = run("compare", "999999", head)
    assert missing.exit_code == 2 and "error:" in missing.stderr
    refused = run("compare", "999999", head, "--json")
    assert refused.exit_code == 2 and json.loads(refused.stdout)["error"]["code"] == "experiment_not_found"
    nothing = run("compare", "--dataset", unique_name, "weekly", "nightly")
    assert nothing.exit_code == 2 and "has no experiment named 'weekly'" in plain(nothing.stderr)
    for bad in (["--threshold", "exact=abc"], ["--threshold", "-1"], ["--threshold", "=0.2"], ["--limit", "0"]):
        usage = run("compare", head, head, *bad)
        assert usage.exit_code == 2 and bad[0] in plain(usage.output), (bad, usage.output)
    for bad in (["--threshold", "exact=abc"], ["--limit", "0"], ["--base-version", "1"]):
        usage = run("compare", head, head, "--json", *bad)
        assert usage.exit_code == 2, usage.output
        refused_usage = json.loads(usage.stdout)["error"]
        assert refused_usage["code"] == "usage_error" and bad[0] in refused_usage["detail"], refused_usage
    version_alone = run("compare", head, head, "--base-version", "1")
    assert version_alone.exit_code == 2 and "needs --dataset" in plain(version_alone.output)
    down = run("--base-url", f"http://127.0.0.1:{free_port()}", "compare", head, head, "--fail-on-regression")
    assert down.exit_code == 2
    other = run("experiment", "999999")
    assert other.exit_code == 1  # the other commands keep status 1 for errors


def test_experiments_and_experiment(run: Any, gate: dict[str, groundset.Experiment], unique_name: str) -> None:
    base, head = gate["base"], gate["head"]
    listed = run("experiments", unique_name, "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert [row["id"] for row in rows] == [head.id, base.id]
    assert [row["task_version"] for row in rows] == ["t2", "t1"]
    assert rows[0]["summary"]["evaluations"][0]["mean_score"] == pytest.approx(1 / 3)
    assert [row["id"] for row in json.loads(run("experiments", unique_name, "--json", "--limit", "1").stdout)] == [
        head.id
    ]
    pinned = json.loads(run("experiments", unique_name, "--version", base.version_id, "--json").stdout)
    assert [row["id"] for row in pinned] == [base.id]
    assert json.loads(run("experiments", unique_name, "--name", "weekly", "--json").stdout) == []

    table = run("experiments", unique_name)
    assert table.exit_code == 0
    lines = [plain(line) for line in table.stdout.splitlines()]
    head_line = next(line for line in lines if line.startswith(f"{head.id} "))
    # Piped, the table is as wide as its content (not cut to 80 columns).
    assert head_line.split()[:3] == [head.id, "nightly", head.version_id] and head_line.endswith("3/0/0 exact 0.3333")
    assert "task version" in plain(table.stdout) and " t2 " in head_line
    assert "has no experiment named 'weekly'" in run("experiments", unique_name, "--name", "weekly").stdout
    assert run("experiments", "no-such-dataset-here").exit_code == 1

    summary = run("experiment", head.id or "")
    assert summary.exit_code == 0
    text = summary.stdout
    assert f"experiment {head.id} 'nightly': dataset {head.dataset_id} version {head.version_id}" in text
    assert "task_version 't2'" in text and "runs 3 of 3, errors 0" in text and "latency p50" in text
    assert json.loads(run("experiment", head.id or "", "--json").stdout)["summary"]["runs"] == 3


def test_compare_fails_a_head_without_scores(run: Any, client: groundset.Client, unique_name: str) -> None:
    """A head that scored nothing (its runs were not evaluated, or all errored) against a base
    with scores: the gate fails, the table says the head's score is missing."""
    v1 = client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")
    base = groundset.run_experiment(
        v1, lambda input: {"a": input["q"].upper()}, [exact], client=client, print_summary=False
    )
    unevaluated = groundset.run_experiment(
        v1, lambda input: {"a": input["q"].upper()}, [], client=client, print_summary=False
    )

    def broken(input: Any) -> Any:
        raise RuntimeError("down")

    errored = groundset.run_experiment(v1, broken, [exact], client=client, print_summary=False)
    for head in (unevaluated, errored):
        gated = run("compare", base.id or "", head.id or "", "--fail-on-regression")
        assert gated.exit_code == 1, gated.output
        rows = [line.split() for line in gated.stdout.splitlines()]
        assert ["a", "same_content", "exact", "1", "missing", "-"] in rows, gated.stdout
        comparison = groundset.compare_experiments(base=base, head=head, client=client)
        assert comparison.regressed and comparison.evaluators[0].missing == 3
        assert all(score.missing and score.change == "regression" for e in comparison.examples for score in e.scores)


def _empty_experiment(server: Any, dataset_id: str | None) -> str:
    """An experiment created and never run (a CI job that died before its first run)."""
    created = httpx.post(f"{server.base_url}/v1/datasets/{dataset_id}/experiments", json={"name": "nightly"})
    assert created.status_code == 201, created.text
    experiment_id: str = created.json()["id"]
    return experiment_id


def test_the_gate_fails_a_head_that_produced_nothing(
    run: Any, server: Any, client: groundset.Client, unique_name: str
) -> None:
    """The tester's scenes, where the gate passed a head without a single successful run."""
    v1 = client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")

    def broken(input: Any) -> Any:
        raise RuntimeError("down")

    def answer(input: Any) -> Any:
        return {"a": input["q"].upper()}

    def experiment(task: Any) -> str:
        ran = groundset.run_experiment(v1, task, [], client=client, experiment_name="nightly", print_summary=False)
        return ran.id or ""

    # 1. A base without evaluators: its runs alone say it answered; a head that did not regresses.
    unevaluated = experiment(answer)
    for head, cell in ((_empty_experiment(server, v1.dataset_id), "missing"), (experiment(broken), "error")):
        gated = run("compare", unevaluated, head, "--fail-on-regression")
        assert gated.exit_code == 1, gated.output
        assert "REGRESSED: 3 of the same_content examples regressed" in plain(gated.stdout)
        assert "3 with no successful head run" in plain(gated.stdout)
        rows = [line.split() for line in gated.stdout.splitlines()]
        assert ["a", "same_content", "(run)", "-", cell, "-"] in rows, gated.stdout
        comparison = groundset.compare_experiments(base=unevaluated, head=head, client=client)
        assert comparison.regressed and comparison.comparable and comparison.verdict.missing_runs == 3
        assert all(example.missing_run for example in comparison.examples)

    # 2. A base whose runs all errored, against a head that did no better; 3. both never ran.
    errored = experiment(broken)
    for base, head in (
        (errored, experiment(broken)),
        (errored, _empty_experiment(server, v1.dataset_id)),
        (_empty_experiment(server, v1.dataset_id), _empty_experiment(server, v1.dataset_id)),
    ):
        gated = run("compare", base, head, "--fail-on-regression")
        assert gated.exit_code == 2, gated.output
        assert "could not compare: neither experiment has a successful run on the 3 examples" in plain(gated.stderr)
        assert "NOT COMPARED" in plain(gated.stdout)
        as_json = run("compare", base, head, "--fail-on-regression", "--json")
        assert as_json.exit_code == 2
        assert json.loads(as_json.stdout)["verdict"]["not_comparable"]["code"] == "no_successful_runs"
        lenient = run("compare", base, head)  # without --fail-on-regression: a warning, status 0
        assert lenient.exit_code == 0 and "warning: nothing was compared" in plain(lenient.stderr)
        comparison = groundset.compare_experiments(base=base, head=head, client=client)
        assert (comparison.regressed, comparison.comparable) == (False, False)
        assert comparison.verdict.not_comparable is not None
        assert comparison.verdict.not_comparable.code == "no_successful_runs"

    # 4. The dataset mirrored to nothing, the head run on that version.
    emptied = client.upsert_dataset(name=unique_name, examples=[], source_id_key="id", mode="mirror", allow_empty=True)
    emptied_head = groundset.run_experiment(
        emptied, answer, [], client=client, experiment_name="nightly", print_summary=False
    )
    gated = run("compare", unevaluated, emptied_head.id or "", "--fail-on-regression")
    assert gated.exit_code == 2, gated.output
    assert "could not compare: no example is in both experiments" in plain(gated.stderr)
    assert f"the head 0 on version {emptied_head.version_id}" in plain(gated.stderr)


def test_the_gate_names_include_changed_when_every_example_was_edited(
    run: Any, client: groundset.Client, unique_name: str
) -> None:
    v1 = client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")
    base = groundset.run_experiment(v1, lambda input: 1, [], client=client, print_summary=False)
    edited = [{**row, "input": {"q": f"{row['id']}!"}} for row in ROWS]
    v2 = client.upsert_dataset(name=unique_name, examples=edited, source_id_key="id")
    head = groundset.run_experiment(v2, lambda input: 1, [], client=client, print_summary=False)
    gated = run("compare", base.id or "", head.id or "", "--fail-on-regression")
    assert gated.exit_code == 2, gated.output
    assert "(3 edited): pass --include-changed to count the edited ones" in plain(gated.stderr)
    assert run("compare", base.id or "", head.id or "", "--fail-on-regression", "--include-changed").exit_code == 0


def test_the_gate_fails_when_the_base_has_nothing_to_compare_against(
    run: Any, server: Any, client: groundset.Client, unique_name: str
) -> None:
    """Last night's run crashed (every run errored, or it never ran) and tonight's answered:
    "no regression, 0 improved" would check nothing, so the gate cannot compare (status 2)."""
    v1 = client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")

    def broken(input: Any) -> Any:
        raise RuntimeError("down")

    head = groundset.run_experiment(
        v1, lambda input: {"a": input["q"].upper()}, [exact], client=client, print_summary=False
    )
    errored = groundset.run_experiment(v1, broken, [exact], client=client, print_summary=False)
    for base, runs in ((errored.id or "", "3 runs, all errored"), (_empty_experiment(server, v1.dataset_id), "no run")):
        gated = run("compare", base, head.id or "", "--fail-on-regression")
        assert gated.exit_code == 2, gated.output
        assert (
            f"could not compare: the base has nothing to compare against: experiment {base} has no successful "
            f"run on the 3 examples compared ({runs}); the head {head.id} has 3 runs"
        ) in plain(gated.stderr)
        assert "no regression" not in plain(gated.stdout)
        comparison = groundset.compare_experiments(base=base, head=head, client=client)
        assert (comparison.regressed, comparison.comparable) == (False, False)
        assert comparison.verdict.not_comparable is not None
        assert comparison.verdict.not_comparable.code == "no_successful_runs"


def test_huge_means_print_as_compare_prints_them(run: Any, client: groundset.Client, unique_name: str) -> None:
    v1 = client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")

    def huge(output: Any) -> float:
        return 1.7e308

    ran = groundset.run_experiment(v1, lambda input: 1, [huge], client=client, print_summary=False)
    assert ran.summary_table().endswith("huge            3       0    1.7e+308"), ran.summary_table()
    shown = run("experiment", ran.id or "")
    assert shown.exit_code == 0 and "1.7e+308" in plain(shown.stdout), shown.output
    assert max(len(word) for word in plain(shown.stdout).split()) < 40
    listed = run("experiments", unique_name)
    assert "huge 1.7e+308" in plain(listed.stdout)


def test_numbers_never_print_negative_zero() -> None:
    from groundset._format import fixed, number

    assert [number(-0.0), number(-0.0, sign=True), number(-1e-9), number(None)] == ["0", "+0", "-1e-09", "-"]
    assert [fixed(-0.0, 1), fixed(-0.04, 1, sign=True), fixed(-0.04, 1), fixed(-0.06, 1, sign=True)] == [
        "0.0",
        "+0.0",
        "0.0",
        "-0.1",
    ]
    assert [fixed(1.7e308, 4), fixed(-1234.56, 1, grouping=True), fixed(0.5, 4)] == ["1.7e+308", "-1,234.6", "0.5000"]
    assert fixed(float("inf"), 4) == "inf"


def test_a_limited_json_comparison_says_it_is_truncated(
    run: Any, server: Any, gate: dict[str, groundset.Experiment]
) -> None:
    base, head = gate["base"].id or "", gate["head"].id or ""
    first = json.loads(run("compare", base, head, "--json", "--limit", "1").stdout)
    assert len(first["data"]) == 1 and first["truncated"] is True and first["next_cursor"] is not None
    rest = httpx.get(
        f"{server.base_url}/v1/experiments/compare",
        params={"base": base, "head": head, "cursor": first["next_cursor"]},
    ).json()
    whole = json.loads(run("compare", base, head, "--json").stdout)
    assert (whole["truncated"], whole["next_cursor"]) == (False, None)
    assert [e["source_id"] for e in first["data"] + rest["data"]] == [e["source_id"] for e in whole["data"]]
    exact_fit = json.loads(run("compare", base, head, "--json", "--limit", str(len(whole["data"]))).stdout)
    assert (exact_fit["truncated"], len(exact_fit["data"])) == (False, len(whole["data"]))


def test_a_label_evaluator_shows_its_labels_and_no_threshold(
    run: Any, client: groundset.Client, unique_name: str
) -> None:
    v1 = client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")

    def topic(output: Any) -> str:
        return str(output["a"]).lower()

    base = groundset.run_experiment(v1, lambda input: {"a": input["q"]}, [topic], client=client, print_summary=False)
    head = groundset.run_experiment(
        v1, lambda input: {"a": "x" if input["q"] == "b" else input["q"]}, [topic], client=client, print_summary=False
    )
    shown = run("compare", base.id or "", head.id or "", "--fail-on-regression")
    assert shown.exit_code == 0, shown.output  # a label change is no regression
    text = plain(shown.stdout)
    assert "labels changed" in text and "threshold 0.1" not in text
    row = next(
        cells
        for line in shown.stdout.splitlines()
        if (cells := line.replace("│", " ").split())[:2] == ["topic", "label"]
    )
    assert row[2] == "-" and row[-1] == "1", row  # no threshold; one example's label changed
    comparison = groundset.compare_experiments(base=base, head=head, client=client)
    (evaluator,) = comparison.evaluators
    assert (evaluator.threshold, evaluator.labels_changed, evaluator.regressions) == (None, 1, 0)
    labels = {e.source_id: (e.scores[0].base_label, e.scores[0].head_label) for e in comparison.examples}
    assert labels == {"a": ("a", "a"), "b": ("b", "x"), "c": ("c", "c")}
    frame = comparison.to_pandas()
    assert list(frame["topic.head_label"]) == ["a", "x", "c"]


def test_an_evaluator_that_always_errored_shows_no_kind_and_counts_are_pluralized(
    run: Any, client: groundset.Client, unique_name: str
) -> None:
    v1 = client.upsert_dataset(name=unique_name, examples=ROWS[:1], source_id_key="id")

    def broken(output: Any) -> float:
        raise RuntimeError("judge down")

    def task(input: Any) -> Any:
        raise RuntimeError("model down")

    base = groundset.run_experiment(v1, lambda input: {"a": 1}, [broken], client=client, print_summary=False)
    head = groundset.run_experiment(v1, task, [broken], client=client, print_summary=False)
    shown = run("compare", base.id or "", head.id or "")
    text = plain(shown.stdout)
    assert "numeric" not in text and "threshold 0.1" not in text, text
    row = next(
        cells for line in shown.stdout.splitlines() if (cells := line.replace("│", " ").split())[:1] == ["broken"]
    )
    assert row[1:4] == ["no", "scores", "-"], row
    assert "1 run, 0 errors" in text and "1 run, 1 error examples" in text, text
    assert "1 errors" not in text and "1 runs" not in text
    assert "(1 run)" in text  # latency's count
    assert repr(client.get_dataset(name=unique_name)).count("1 example;") == 1
