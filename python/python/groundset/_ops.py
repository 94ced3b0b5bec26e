"""The read and delete operations on datasets (see :mod:`groundset._http` for how operations
work; the experiments' are in :mod:`groundset._experiment_api`)."""

from __future__ import annotations

from typing import Any

from groundset_core import manifest_digest

from groundset._http import Call, Op, json_call, segment
from groundset.errors import NotFoundError
from groundset.types import Dataset, DatasetInfo, Diff, Example, Version

__all__ = [
    "check_selector",
    "dataset_json",
    "delete_dataset",
    "diff_versions",
    "get_dataset",
    "list_datasets",
    "list_versions",
    "pages",
]

PAGE_SIZE = 1000


def check_selector(name: str | None, dataset_id: str | None) -> None:
    """Exactly one of ``name`` and ``dataset_id``, each a non-empty string."""
    if (name is None) == (dataset_id is None):
        raise ValueError("give exactly one of name= and dataset_id=")
    for label, value in (("name", name), ("dataset_id", dataset_id)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"{label}= must be a non-empty string, not {value!r}")


def pages(path: str, params: dict[str, str | int] | None = None) -> Op[list[Any]]:
    """Every item of a paged list (``data`` and ``next_cursor``)."""
    items: list[Any] = []
    query: dict[str, str | int] = {"limit": PAGE_SIZE, **(params or {})}
    while True:
        page = yield Call("GET", path, params=query)
        items.extend(page["data"])
        if not page.get("next_cursor"):
            return items
        query = {**query, "cursor": page["next_cursor"]}


def dataset_json(name: str | None, dataset_id: str | None) -> Op[dict[str, Any]]:
    """The server's JSON of the dataset with this name or id; :class:`NotFoundError` if none."""
    check_selector(name, dataset_id)
    if dataset_id is not None:
        found: dict[str, Any] = yield Call("GET", f"/v1/datasets/{segment(dataset_id)}")
        return found
    page = yield Call("GET", "/v1/datasets", params={"name": str(name), "limit": 1})
    if not page["data"]:
        raise NotFoundError(
            f"no dataset is named {name!r}",
            status_code=404,
            code="dataset_not_found",
            body={"code": "dataset_not_found", "name": name},
        )
    named: dict[str, Any] = page["data"][0]
    return named


def get_dataset(name: str | None, dataset_id: str | None, version_id: str | None) -> Op[Dataset]:
    """The dataset at ``version_id`` (else its latest version) with every example."""
    info = yield from dataset_json(name, dataset_id)
    base = f"/v1/datasets/{segment(info['id'])}"
    version = version_id if version_id is not None else info["latest_version_id"]
    examples: list[Example] = []
    digest = manifest_digest([])
    if version is not None:
        found = yield Call("GET", f"{base}/versions/{segment(version)}")
        digest = found["digest"]
        rows = yield Call("GET", f"{base}/examples", params={"version_id": version}, expect="ndjson")
        examples = [Example.from_json(row) for row in rows]
    return Dataset(
        id=info["id"],
        name=info["name"],
        description=info["description"],
        metadata=info["metadata"],
        version_id=version,
        digest=digest,
        examples=examples,
    )


def list_datasets(name: str | None = None) -> Op[list[DatasetInfo]]:
    """Every dataset, oldest first; with ``name``, the one so named (the server's filter), if any."""
    if name is not None and (not isinstance(name, str) or not name):
        raise ValueError(f"name= must be a non-empty string, not {name!r}")
    rows = yield from pages("/v1/datasets", None if name is None else {"name": name})
    return [DatasetInfo.from_json(row) for row in rows]


def list_versions(name: str | None, dataset_id: str | None) -> Op[list[Version]]:
    """Every version of a dataset, newest first."""
    info = yield from dataset_json(name, dataset_id)
    rows = yield from pages(f"/v1/datasets/{segment(info['id'])}/versions")
    return [Version.from_json(row) for row in rows]


def diff_versions(name: str | None, dataset_id: str | None, from_version_id: str, to_version_id: str) -> Op[Diff]:
    """What changed from one version of a dataset to another."""
    info = yield from dataset_json(name, dataset_id)
    params = {"from_version_id": from_version_id, "to_version_id": to_version_id}
    found = yield Call("GET", f"/v1/datasets/{segment(info['id'])}/diff", params=params)
    return Diff.from_json(found)


def delete_dataset(name: str | None, dataset_id: str | None) -> Op[None]:
    """Delete a dataset with all its versions."""
    info = yield from dataset_json(name, dataset_id)
    yield json_call("DELETE", f"/v1/datasets/{segment(info['id'])}", expect="none")
