"""Data the browser test needs beyond the quickstart's, written through the Python SDK.

- dataset `ui-many`: 130 generated examples (more than one page of examples), tagged `stable`,
  with no experiment (the dataset page's empty state); one example mentions "zebra crossing" and
  one has the source id `needle-42` (the examples page's text and source-id search);
- when the quickstart's dataset `quickstart-qa-python` is there: an experiment `flaky lookup` on
  its latest version, 3 repetitions (66 runs: more than a page of runs), whose task fails on
  every fourth example (18 failed runs, for the runs filter on errors), answers wrong on another
  fourth and copies the expected answer on the rest (scores 0 and 1, for the score filter and
  the comparison's regressions first).

- on the server with the quickstart's data, dataset `ui-chart`: 4 examples and 5 experiments,
  oldest first: `chart 1` scored by `exact` with the label-only `verdict`, `chart 2` without
  evaluators, `chart 3` with `verdict` only, `chart 4` scored by `other` only, `chart 5` by
  `exact` and `other` (the dataset chart: 3 scored experiments, the evaluators `exact` and
  `other`, a gap in `exact` at `chart 4`).

Run with GROUNDSET_BASE_URL (and GROUNDSET_API_KEY) set: `.venv/bin/python ui/tests/seed.py`.
"""

from __future__ import annotations

from typing import Any

import groundset

QUICKSTART = "quickstart-qa-python"
TOPICS = ("cats", "dogs", "birds", "fish", "trees")


def many() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for index in range(130):
        question = f"What is item {index}?" if index != 77 else "Where is the zebra crossing?"
        records.append(
            {
                "id": "needle-42" if index == 42 else f"item-{index:03d}",
                "input": {"question": question, "topic": TOPICS[index % len(TOPICS)]},
                "output": {"answer": f"Item {index}"},
                "metadata": {"group": index % 5},
            }
        )
    return records


# The quickstart's evaluator names (so a comparison with its experiments has common
# evaluators), scoring the copied answers: 1 when the answer is the expected one.
def contains_answer(output: dict[str, str], expected: dict[str, str]) -> float:
    return 1.0 if output["answer"] == expected["answer"] else 0.0


def token_f1(output: dict[str, str], expected: dict[str, str]) -> float:
    return 1.0 if output["answer"] == expected["answer"] else 0.0


def exact(output: dict[str, str], expected: dict[str, str]) -> float:
    return 1.0 if output["answer"] == expected["answer"] else 0.0


def other(output: dict[str, str], expected: dict[str, str]) -> float:
    return 0.5


def verdict(output: dict[str, str], expected: dict[str, str]) -> str:
    return "fine"


CHART_EVALUATORS: list[list[Any]] = [[exact, verdict], [], [verdict], [other], [exact, other]]


def chart(client: groundset.Client) -> None:
    client.upsert_dataset(
        name="ui-chart",
        examples=[{"id": f"c{index}", "input": {"q": index}, "output": {"answer": str(index)}} for index in range(4)],
        source_id_key="id",
        mode="mirror",
        description="experiments with and without scores for the browser test's chart",
    )
    dataset = client.get_dataset(name="ui-chart")
    for index, evaluators in enumerate(CHART_EVALUATORS, start=1):
        groundset.run_experiment(
            dataset,
            lambda example: {"answer": str(example.input["q"])},
            evaluators,
            client=client,
            experiment_name=f"chart {index}",
            task_version=f"chart-{index}",
            print_summary=False,
            progress=False,
        )


def main() -> None:
    with groundset.Client() as client:
        client.upsert_dataset(
            name="ui-many",
            examples=many(),
            source_id_key="id",
            mode="mirror",
            description="130 generated examples for the browser test",
            version_description="generated",
            tag="stable",
        )
        if not any(dataset.name == QUICKSTART for dataset in client.list_datasets(name=QUICKSTART)):
            return
        chart(client)
        dataset = client.get_dataset(name=QUICKSTART)
        position = {source_id: index for index, source_id in enumerate(sorted(e.source_id for e in dataset))}

        def flaky(example: groundset.Example) -> dict[str, str]:
            if position[example.source_id] % 4 == 0:
                raise RuntimeError(f"lookup timed out for {example.source_id}")
            if position[example.source_id] % 4 == 3:
                return {"answer": "I do not know."}
            return {"answer": str(example.output["answer"])}

        groundset.run_experiment(
            dataset,
            flaky,
            [contains_answer, token_f1],
            client=client,
            experiment_name="flaky lookup",
            task_version="flaky-1",
            repetitions=3,
            print_summary=False,
            progress=False,
        )


if __name__ == "__main__":
    main()
