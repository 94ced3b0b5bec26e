"""The experiment routes of the server as operations (see :mod:`groundset._http`), so the runner
drives them with either client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from groundset._http import Op, json_call, segment
from groundset._ops import pages

__all__ = [
    "create_experiment",
    "get_experiment",
    "incomplete_pairs",
    "list_runs",
    "post_evaluations",
    "post_runs",
]


def create_experiment(
    dataset_id: str,
    *,
    version_id: str,
    name: str | None,
    description: str | None,
    metadata: Mapping[str, Any] | None,
    repetitions: int,
) -> Op[dict[str, Any]]:
    """A new experiment pinned to ``version_id`` of the dataset."""
    body: dict[str, Any] = {"version_id": version_id, "repetitions": repetitions}
    if name is not None:
        body["name"] = name
    if description is not None:
        body["description"] = description
    if metadata is not None:
        body["metadata"] = dict(metadata)
    created: dict[str, Any] = yield json_call("POST", f"/v1/datasets/{segment(dataset_id)}/experiments", json=body)
    return created


def get_experiment(experiment_id: str) -> Op[dict[str, Any]]:
    """The experiment with its summary."""
    found: dict[str, Any] = yield json_call("GET", f"/v1/experiments/{segment(experiment_id)}")
    return found


def post_runs(experiment_id: str, runs: Sequence[Mapping[str, Any]]) -> Op[dict[str, Any]]:
    """Store a batch of runs with their evaluations; the answer lists the run ids in order."""
    stored: dict[str, Any] = yield json_call(
        "POST", f"/v1/experiments/{segment(experiment_id)}/runs", json={"runs": list(runs)}
    )
    return stored


def post_evaluations(experiment_id: str, evaluations: Sequence[Mapping[str, Any]]) -> Op[dict[str, Any]]:
    """Store (or replace, by run and name) a batch of evaluations."""
    stored: dict[str, Any] = yield json_call(
        "POST", f"/v1/experiments/{segment(experiment_id)}/evaluations", json={"evaluations": list(evaluations)}
    )
    return stored


def list_runs(experiment_id: str) -> Op[list[dict[str, Any]]]:
    """Every run of the experiment with its evaluations, in the order they were stored."""
    return (yield from pages(f"/v1/experiments/{segment(experiment_id)}/runs"))


def incomplete_pairs(experiment_id: str) -> Op[list[dict[str, Any]]]:
    """Every example lacking a successful run for some repetition: ``{"example", "repetition_numbers"}``."""
    return (yield from pages(f"/v1/experiments/{segment(experiment_id)}/incomplete"))
