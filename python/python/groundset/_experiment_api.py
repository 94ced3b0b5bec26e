"""The experiment routes of the server as operations (generators of calls, see
:mod:`groundset._http`), and what is built from them without concurrency: resolving the dataset
version, starting, loading and listing experiments. Either client drives them: the blocking one
directly (a synchronous ``load_experiment`` is plain sync HTTP), the async one awaited, and the
runner through :func:`groundset._bridge.drive`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from groundset import _ops
from groundset._experiment_types import DatasetArg, Experiment, ExperimentRun
from groundset._http import Op, json_call, segment
from groundset._ops import pages
from groundset.types import Dataset, ExperimentInfo, UpsertResult

__all__ = [
    "create_experiment",
    "get_experiment",
    "incomplete_pairs",
    "list_experiments",
    "list_runs",
    "load_experiment",
    "post_evaluations",
    "post_runs",
    "resolve_dataset",
    "start_experiment",
    "summary",
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


def summary(experiment_id: str) -> Op[dict[str, Any]]:
    """The server's summary of the experiment (runs, errors, mean score per evaluator)."""
    found = yield from get_experiment(experiment_id)
    result: dict[str, Any] = found["summary"]
    return result


def list_experiments(name: str | None, dataset_id: str | None) -> Op[list[ExperimentInfo]]:
    """Every experiment on any version of a dataset, newest first."""
    info = yield from _ops.dataset_json(name, dataset_id)
    rows = yield from pages(f"/v1/datasets/{segment(info['id'])}/experiments")
    return [ExperimentInfo.from_json(row) for row in rows]


def resolve_dataset(dataset: DatasetArg) -> Op[Dataset]:
    """The exact dataset version ``dataset`` names, with its examples (a :class:`Dataset` as given).

    Raises :class:`ValueError` for a dataset without a version, a dry-run upsert or a bad selector,
    :class:`TypeError` for anything else, :class:`~groundset.NotFoundError` for a missing dataset."""
    if isinstance(dataset, Dataset):
        if dataset.version_id is None:
            raise ValueError(f"dataset {dataset.name!r} has no version yet: upsert examples first")
        return dataset
    if isinstance(dataset, UpsertResult):
        if dataset.dataset_id is None or dataset.version_id is None or (dataset.dry_run and not dataset.noop):
            raise ValueError("a dry-run upsert wrote no version to run an experiment on")
        return (yield from _ops.get_dataset(None, dataset.dataset_id, dataset.version_id))
    if isinstance(dataset, Mapping):
        unknown = sorted(set(dataset) - {"name", "id", "version_id"})
        if unknown or ("name" in dataset) == ("id" in dataset):
            raise ValueError(
                f"a dataset selector has `name` or `id`, and optionally `version_id`; got the keys {sorted(dataset)}"
            )
        found = yield from _ops.get_dataset(dataset.get("name"), dataset.get("id"), dataset.get("version_id"))
        if found.version_id is None:
            raise ValueError(f"dataset {found.name!r} has no version yet: upsert examples first")
        return found
    raise TypeError(
        "dataset= must be an UpsertResult, a Dataset or a selector {'name' or 'id', 'version_id'?}, "
        f"not {type(dataset).__name__}"
    )


def start_experiment(
    dataset: DatasetArg,
    *,
    name: str | None,
    description: str | None,
    metadata: Mapping[str, Any] | None,
    repetitions: int,
    dry_run: bool,
) -> Op[tuple[Experiment, Dataset]]:
    """A new experiment (without runs) on the version ``dataset`` names, with that version's
    dataset; created on the server unless ``dry_run`` (then its ``id`` is ``None``)."""
    found = yield from resolve_dataset(dataset)
    assert found.version_id is not None
    experiment = Experiment(
        id=None,
        dataset_id=found.id,
        version_id=found.version_id,
        name=name,
        description=description,
        metadata=dict(metadata or {}),
        repetitions=repetitions,
        dry_run=dry_run,
    )
    if not dry_run:
        created = yield from create_experiment(
            found.id,
            version_id=found.version_id,
            name=name,
            description=description,
            metadata=metadata,
            repetitions=repetitions,
        )
        experiment.id = created["id"]
    return experiment, found


def load_experiment(experiment_id: str) -> Op[Experiment]:
    """The stored experiment with every run, its evaluations and its example (read from the
    experiment's pinned version)."""
    info = yield from get_experiment(experiment_id)
    found = yield from _ops.get_dataset(None, info["dataset_id"], info["version_id"])
    examples = {example.id: example for example in found.examples}
    rows = yield from list_runs(experiment_id)
    return Experiment.from_json(info, [ExperimentRun.from_json(row, examples.get(row["example_id"])) for row in rows])
