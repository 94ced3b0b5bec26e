"""The names an experiment run sends are checked before the experiment is created, with the
server's code and words: a bad evaluator name or experiment name costs no task call and leaves
nothing behind. Each refusal is compared with what the real server says of the same name."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

import groundset
from conftest import ServerProcess

EVALUATOR_NAMES = ["", "e" * 1000, "a\x00b", "x\ud800"]
EXPERIMENT_NAMES = ["", "  ", "a\nb", " lead", "trail\u3000", "esc\x1b[31m", "n" * 600]


def _dataset(client: groundset.Client, name: str) -> groundset.Dataset:
    client.upsert_dataset(name=name, examples=[{"id": str(i), "input": {"q": i}} for i in range(5)], source_id_key="id")
    return client.get_dataset(name=name)


def _experiments(server: ServerProcess, dataset_id: str) -> list[Any]:
    found: list[Any] = httpx.get(f"{server.base_url}/v1/datasets/{dataset_id}/experiments").json()["data"]
    return found


def _refused_run(
    client: groundset.Client, server: ServerProcess, dataset: groundset.Dataset, **options: Any
) -> groundset.ValidationError:
    """The refusal of a run on ``dataset`` with ``options``, checked to have called no task and
    created no experiment."""
    calls = []

    def task(input: Any) -> int:
        calls.append(input)
        return 1

    with pytest.raises(groundset.ValidationError) as refused:
        groundset.run_experiment(dataset, task, client=client, print_summary=False, progress=False, **options)
    assert calls == [] and _experiments(server, dataset.id) == []
    return refused.value


@pytest.mark.parametrize("name", EVALUATOR_NAMES)
def test_a_bad_evaluator_name_is_refused_before_any_task(
    client: groundset.Client, server: ServerProcess, unique_name: str, name: str
) -> None:
    dataset = _dataset(client, unique_name)
    refused = _refused_run(client, server, dataset, evaluators={name: lambda output: 1})
    # The server's own answer for the same name on a run's evaluation.
    made = httpx.post(f"{server.base_url}/v1/datasets/{dataset.id}/experiments", json={"name": "probe"}).json()
    if "\ud800" in name:
        # A run's body is read by its own parser, which refuses any bad text of it alike: the
        # name's rule is the one a name of the experiment gets.
        answer = httpx.post(
            f"{server.base_url}/v1/datasets/{dataset.id}/experiments",
            content=json.dumps({"name": name}),
            headers={"content-type": "application/json"},
        )
        assert refused.code == answer.json()["code"] == "lone_surrogate"
        assert str(refused).endswith(answer.json()["detail"].split(": ", 1)[1])
        return
    example_id = httpx.get(f"{server.base_url}/v1/datasets/{dataset.id}/examples").json()["data"][0]["id"]

    run = {"runs": [{"example_id": example_id, "output": 1, "evaluations": [{"name": name, "score": 1}]}]}
    answer = httpx.post(
        f"{server.base_url}/v1/experiments/{made['id']}/runs",
        content=json.dumps(run),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 422, answer.text
    reason = answer.json()["detail"].split(": ", 1)[1]
    assert refused.code == answer.json()["code"]
    assert str(refused).endswith(f": `evaluations[].name`: {reason}"), (str(refused), reason)
    assert "evaluator " in str(refused)
    # evaluate_experiment checks them before reading anything too.
    with pytest.raises(groundset.ValidationError):
        groundset.evaluate_experiment(made["id"], {name: lambda output: 1}, client=client, print_summary=False)


@pytest.mark.parametrize("name", EXPERIMENT_NAMES)
def test_a_bad_experiment_name_is_refused_before_anything_is_created(
    client: groundset.Client, server: ServerProcess, unique_name: str, name: str
) -> None:
    dataset = _dataset(client, unique_name)
    refused = _refused_run(client, server, dataset, experiment_name=name)
    answer = httpx.post(f"{server.base_url}/v1/datasets/{dataset.id}/experiments", json={"name": name})
    assert answer.status_code == 422, answer.text
    assert refused.code == answer.json()["code"]
    assert str(refused) == f"422 {answer.json()['code']}: " + answer.json()["detail"].replace(
        "`$.name`", "`experiment_name`"
    )
    assert _experiments(server, dataset.id) == []
