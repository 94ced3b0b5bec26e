"""The read and delete operations on datasets (see :mod:`groundset._http` for how operations
work; the experiments' are in :mod:`groundset._experiment_api`)."""

from __future__ import annotations

from typing import Any

from groundset_core import manifest_digest

from groundset._format import shown
from groundset._http import Call, Op, json_call, segment
from groundset.errors import NotFoundError, ValidationError
from groundset.types import Dataset, DatasetInfo, Diff, Example, Version

__all__ = [
    "check_selector",
    "check_tag",
    "dataset_json",
    "delete_dataset",
    "diff_versions",
    "get_dataset",
    "list_datasets",
    "list_versions",
    "pages",
    "version_or_tag",
]

PAGE_SIZE = 1000


def check_selector(name: str | None, dataset_id: str | None) -> None:
    """Exactly one of ``name`` and ``dataset_id``, each a non-empty string."""
    if (name is None) == (dataset_id is None):
        raise ValueError("give exactly one of name= and dataset_id=")
    for label, value in (("name", name), ("dataset_id", dataset_id)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"{label}= must be a non-empty string, not {value!r}")


def check_tag(tag: object, label: str = "tag") -> str:
    """``tag`` as given, refused before sending when it cannot be a tag (``ValueError``,
    ``TypeError``): the server's rule (1 to 512 characters, not all ASCII digits, no ``/``,
    no U+0000) is its own; these are the mistakes a caller makes by hand. ``.``, ``..`` and a
    ``/`` never reach the server (an HTTP client would send ``tags/..`` to the dataset's own
    URL): :class:`~groundset.ValidationError` ``invalid_tag``, the server's code and words."""
    if not isinstance(tag, str):
        raise TypeError(f"{label}= must be a str, not {type(tag).__name__}")
    if not tag:
        raise ValueError(f"{label}= must not be empty")
    if tag.isascii() and tag.isdigit():
        raise ValueError(f"{label}={tag!r} is all digits, which reads as a version id: pass version_id= for that")
    if tag in (".", ".."):
        _refuse_tag(label, tag, f"a tag must not be {tag!r}, which a URL reads as a path step")
    if "/" in tag:
        _refuse_tag(label, tag, f"a tag must not contain '/' (character {tag.index('/')})")
    return tag


def _refuse_tag(label: str, tag: str, reason: str) -> None:
    detail = f"`{label}`: {reason}"
    raise ValidationError(detail, status=422, code="invalid_tag", problem={"code": "invalid_tag", "tag": tag})


def version_or_tag(version_id: str | None, tag: str | None, names: tuple[str, str] = ("version_id", "tag")) -> None:
    """At most one of the two (``ValueError`` naming ``names`` otherwise)."""
    if version_id is not None and tag is not None:
        raise ValueError(f"give {names[0]}= or {names[1]}=, not both")
    if tag is not None:
        check_tag(tag, names[1])


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
            f"no dataset is named {shown(str(name))}",
            status_code=404,
            code="dataset_not_found",
            body={"code": "dataset_not_found", "name": name},
        )
    named: dict[str, Any] = page["data"][0]
    return named


def get_dataset(
    name: str | None, dataset_id: str | None, version_id: str | None, tag: str | None = None
) -> Op[Dataset]:
    """The dataset at ``version_id`` or the version ``tag`` names (else its latest version)
    with every example."""
    version_or_tag(version_id, tag)
    info = yield from dataset_json(name, dataset_id)
    base = f"/v1/datasets/{segment(info['id'])}"
    version = version_id if version_id is not None else info["latest_version_id"]
    if tag is not None:
        tagged = yield Call("GET", f"{base}/tags/{segment(tag)}")
        version = tagged["version_id"]
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


def diff_versions(
    name: str | None,
    dataset_id: str | None,
    from_version_id: str | None,
    to_version_id: str | None,
    from_tag: str | None = None,
    to_tag: str | None = None,
) -> Op[Diff]:
    """What changed from one version of a dataset to another, each given by id or by tag."""
    sides = {"from_version_id": from_version_id, "from_tag": from_tag, "to_version_id": to_version_id, "to_tag": to_tag}
    for side in ("from", "to"):
        version_or_tag(sides[f"{side}_version_id"], sides[f"{side}_tag"], (f"{side}_version_id", f"{side}_tag"))
        if sides[f"{side}_version_id"] is None and sides[f"{side}_tag"] is None:
            raise ValueError(f"give {side}_version_id= or {side}_tag=")
    info = yield from dataset_json(name, dataset_id)
    params = {key: value for key, value in sides.items() if value is not None}
    found = yield Call("GET", f"/v1/datasets/{segment(info['id'])}/diff", params=params)
    return Diff.from_json(found)


def delete_dataset(name: str | None, dataset_id: str | None) -> Op[None]:
    """Delete a dataset with all its versions."""
    info = yield from dataset_json(name, dataset_id)
    yield json_call("DELETE", f"/v1/datasets/{segment(info['id'])}", expect="none")
