"""An experiment whose dataset goes away mid-run: experiment_not_found says the dataset was
deleted. Real server."""

from __future__ import annotations

from typing import Any

import pytest

import groundset


def _failed_experiment(client: groundset.Client, name: str, count: int) -> groundset.Experiment:
    client.upsert_dataset(
        name=name, examples=[{"id": str(i), "input": {"i": i}} for i in range(count)], source_id_key="id"
    )

    def fails(input: Any) -> Any:
        raise RuntimeError("not yet")

    return groundset.run_experiment(
        client.get_dataset(name=name), fails, client=client, print_summary=False, progress=False
    )


def test_a_dataset_deleted_mid_run_is_named(client: groundset.Client, unique_name: str) -> None:
    client.upsert_dataset(
        name=unique_name, examples=[{"id": str(i), "input": {"i": i}} for i in range(60)], source_id_key="id"
    )
    dataset = client.get_dataset(name=unique_name)
    calls: list[int] = []

    def deletes(input: Any) -> int:
        calls.append(1)
        if len(calls) == 5:
            client.delete_dataset(dataset_id=dataset.id)
        return 1

    with pytest.raises(groundset.NotFoundError) as refused:
        groundset.run_experiment(dataset, deletes, client=client, print_summary=False, progress=False, batch_size=5)
    assert refused.value.code == "experiment_not_found"
    assert f"its dataset {dataset.id} was deleted during the run, and its experiments with it" in str(refused.value)
    assert refused.value.problem["dataset_id"] == dataset.id
