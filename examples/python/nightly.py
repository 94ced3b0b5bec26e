"""The nightly experiment of docs/ci.md: the quickstart's task on the latest version of a
dataset, named "nightly", reusing the previous nightly's results for every example whose content
did not change, as long as the task did not change either (the same TASK_VERSION).

    TASK_VERSION=$(git hash-object examples/python/quickstart.py) python examples/python/nightly.py qa
"""

from __future__ import annotations

import os
import sys

import groundset
from quickstart import answer, contains_answer, token_f1

NAME = "nightly"


def main() -> None:
    dataset = sys.argv[1] if len(sys.argv) > 1 else "qa"
    with groundset.Client() as client:
        previous = client.list_experiments(name=dataset, experiment_name=NAME)  # newest first
        experiment = groundset.run_experiment(
            {"name": dataset},  # its latest version
            answer,
            # Versioned evaluators: their scores are reused too. Bump a version when you edit one.
            [groundset.as_evaluator(contains_answer, version="1"), groundset.as_evaluator(token_f1, version="1")],
            client=client,
            experiment_name=NAME,
            task_version=os.environ["TASK_VERSION"],
            reuse=previous[0] if previous else None,
        )
    print(f"nightly {experiment.id}: the task ran {len(experiment.runs)} times")


if __name__ == "__main__":
    main()
