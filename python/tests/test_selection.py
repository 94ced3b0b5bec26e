"""Experiments on a subset of a version against a real server: ``selection=`` by source ids and by
metadata (canonical JSON equality), recorded on the experiment and shown by its summary, the
local refusals (nothing sent), the server's (unknown ids, empty selection), a dry run that
selects locally as the server does, reuse within a subset, comparisons across subsets, and the
CLI's listings."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import groundset
from test_cli import plain

ROWS = [
    {"id": "a", "input": {"q": "a"}, "output": {"a": "A"}, "metadata": {"lang": "en", "level": 1}},
    {"id": "b", "input": {"q": "b"}, "output": {"a": "B"}, "metadata": {"lang": "en", "level": 1.0}},
    {"id": "c", "input": {"q": "c"}, "output": {"a": "C"}, "metadata": {"lang": "de", "level": True}},
    {"id": "d", "input": {"q": "d"}, "output": {"a": "D"}, "metadata": {"lang": "fr", "level": [1]}},
    {"id": "e", "input": {"q": "e"}, "output": {"a": "E"}, "metadata": {"lang": None}},
]


class Seen:
    """A task that records the questions it was asked (from any thread)."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, input: dict[str, str]) -> dict[str, str]:
        with self.lock:
            self.asked.append(input["q"])
        return {"a": input["q"].upper()}


def exact(output: Any, expected: Any) -> bool:
    return bool(output == expected)


@pytest.fixture
def version(client: groundset.Client, unique_name: str) -> groundset.UpsertResult:
    return client.upsert_dataset(name=unique_name, examples=ROWS, source_id_key="id")


def _run(client: groundset.Client, dataset: Any, selection: Any, **options: Any) -> tuple[groundset.Experiment, Seen]:
    task = Seen()
    experiment = groundset.run_experiment(
        dataset, task, [exact], client=client, selection=selection, print_summary=False, **options
    )
    return experiment, task


@pytest.mark.parametrize(
    ("selection", "asked"),
    [
        ({"source_ids": ["d", "a", "d"]}, ["a", "d"]),
        ({"metadata": {"level": {"eq": 1.0}}}, ["a", "b"]),
        ({"metadata": {"level": {"eq": True}}}, ["c"]),
        ({"metadata": {"level": {"eq": [1.0]}}}, ["d"]),
        ({"metadata": {"lang": {"in": ["de", None]}, "level": {"in": [True, 7]}}}, ["c"]),
        ({"metadata": {"lang": {"eq": None}}}, ["e"]),
    ],
)
def test_the_task_runs_on_the_selection_only(
    client: groundset.Client, version: groundset.UpsertResult, selection: Any, asked: list[str]
) -> None:
    experiment, task = _run(client, version, selection, repetitions=2)
    assert sorted(task.asked) == sorted(asked * 2)
    assert experiment.summary["expected_runs"] == 2 * len(asked) and experiment.summary["incomplete_runs"] == 0
    loaded = groundset.load_experiment(experiment, client=client)
    assert loaded.selection == experiment.selection and loaded.selection is not None
    assert sorted({run.source_id for run in loaded.runs}) == asked
    listed = client.list_experiments(name=version.dataset_name)
    assert [info.selection for info in listed] == [experiment.selection]
    assert listed[0].example_count == len(asked)


def test_selection_is_stored_and_printed(client: groundset.Client, version: groundset.UpsertResult) -> None:
    by_ids, _ = _run(client, version, {"source_ids": ["d", "a", "d"]})
    assert by_ids.selection == {"source_ids": ["a", "d"]}
    assert by_ids.summary_table().splitlines()[2] == "selection: 2 source ids"
    by_metadata, _ = _run(client, version, {"metadata": {"level": {"in": [1.0, True]}, "lang": {"eq": "en"}}})
    assert by_metadata.selection == {"metadata": {"lang": {"eq": "en"}, "level": {"in": [1, True]}}}
    assert by_metadata.summary_table().splitlines()[2] == 'selection: metadata lang eq "en" and level in [1,true]'
    # An integer source id is its decimal text, as in an upsert: the server is asked for "7".
    with pytest.raises(groundset.ValidationError) as numbered:
        _run(client, version, {"source_ids": ["a", 7]})
    assert numbered.value.code == "unknown_source_ids" and numbered.value.problem["unknown_source_ids"] == ["7"]
    whole, task = _run(client, version, None)
    assert whole.selection is None and len(task.asked) == 5
    assert "selection" not in whole.summary_table()


@pytest.mark.parametrize(
    ("selection", "error", "words"),
    [
        (["a"], TypeError, "must be a mapping"),
        ({}, ValueError, "exactly one key"),
        ({"source_ids": ["a"], "metadata": {}}, ValueError, "exactly one key"),
        ({"ids": ["a"]}, ValueError, "exactly one key"),
        ({"source_ids": "a"}, TypeError, "list of source ids"),
        ({"source_ids": []}, ValueError, "1 to 100,000"),
        ({"source_ids": ["a", True]}, TypeError, "selection['source_ids'][1]: a source id must be"),
        ({"source_ids": ["a", 1.5]}, TypeError, "selection['source_ids'][1]: a numeric source id"),
        ({"metadata": {"lang": "en"}}, ValueError, "selection['metadata']['lang']"),
        ({"metadata": {"lang": ["en", "fr"]}}, ValueError, '{"in": [values]}'),
        ({"metadata": {"lang": {"in": "en"}}}, ValueError, "selection['metadata']['lang'][\"in\"]"),
        ({"metadata": {"lang": {"eq": float("nan")}}}, ValueError, "non_finite_number"),
    ],
)
def test_bad_selections_are_refused_before_anything_is_sent(
    client: groundset.Client, version: groundset.UpsertResult, selection: Any, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as raised:
        _run(client, version, selection)
    assert words in str(raised.value)
    assert client.list_experiments(name=version.dataset_name) == []


def test_the_server_refuses_unknown_ids_and_an_empty_selection(
    client: groundset.Client, version: groundset.UpsertResult
) -> None:
    with pytest.raises(groundset.ValidationError) as unknown:
        _run(client, version, {"source_ids": ["a", "zz", "yy"]})
    assert unknown.value.code == "unknown_source_ids" and '"zz"' in str(unknown.value)
    with pytest.raises(groundset.ValidationError) as empty:
        _run(client, version, {"metadata": {"level": {"eq": None}}})
    assert empty.value.code == "empty_selection"
    assert client.list_experiments(name=version.dataset_name) == []


def test_a_dry_run_selects_as_the_server_does(client: groundset.Client, version: groundset.UpsertResult) -> None:
    dry, task = _run(client, version, {"metadata": {"lang": {"in": ["en", "de"]}}}, dry_run=2)
    assert task.asked == ["a", "b"] and dry.selection == {"metadata": {"lang": {"in": ["en", "de"]}}}
    _, level = _run(client, version, {"metadata": {"level": {"eq": 1}}}, dry_run=True)
    assert level.asked == ["a"]
    with pytest.raises(ValueError, match=r"1 source id\(s\) of selection= are not in the version: \['zz'\]"):
        _run(client, version, {"source_ids": ["zz", "a"]}, dry_run=True)
    with pytest.raises(ValueError, match="selects none"):
        _run(client, version, {"metadata": {"missing": {"eq": None}}}, dry_run=True)
    assert client.list_experiments(name=version.dataset_name) == []


def test_reuse_and_comparison_within_and_across_subsets(
    client: groundset.Client, version: groundset.UpsertResult
) -> None:
    base, _ = _run(client, version, None, task_version="t1")
    english = {"metadata": {"lang": {"eq": "en"}}}
    head, task = _run(client, version, english, task_version="t1", reuse=base)
    assert task.asked == [] and head.summary["reused_runs"] == 2 and head.summary["expected_runs"] == 2
    comparison = groundset.compare_experiments(base=base, head=head, client=client)
    assert comparison.selections_differ is True
    assert comparison.base.selection is None and comparison.head.selection == english
    statuses = {example.source_id: example.status for example in comparison.examples}
    assert statuses == {"a": "same_content", "b": "same_content", "c": "only_base", "d": "only_base", "e": "only_base"}
    assert not comparison.regressed
    again, _ = _run(client, version, english, task_version="t2")
    alike = groundset.compare_experiments(base=head, head=again, client=client)
    assert alike.selections_differ is False and alike.counts.examples == 2


def test_cli_shows_the_selection(run: Any, client: groundset.Client, version: groundset.UpsertResult) -> None:
    experiment, _ = _run(client, version, {"source_ids": ["b", "c"]}, experiment_name="subset")
    listed = run("experiments", version.dataset_name)
    assert listed.exit_code == 0, listed.output
    assert "2 source ids" in plain(listed.output) and "selection" in plain(listed.output)
    shown = run("experiment", str(experiment.id))
    assert shown.exit_code == 0 and "selection: 2 source ids" in plain(shown.output)
    as_json = run("experiment", str(experiment.id), "--json")
    assert '"source_ids"' in as_json.output
