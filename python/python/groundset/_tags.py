"""The operations on version tags (see :mod:`groundset._http` for how operations work)."""

from __future__ import annotations

from typing import Any

from groundset._http import Call, Op, json_call, segment
from groundset._ops import check_tag, dataset_json, pages
from groundset.types import Tag, TagEvent

__all__ = ["delete_tag", "list_tags", "tag_history", "tag_target", "tag_version"]


def _tag_path(dataset: dict[str, Any], tag: str) -> str:
    return f"/v1/datasets/{segment(dataset['id'])}/tags/{segment(tag)}"


def tag_target(dataset: dict[str, Any], tag: str) -> Op[str]:
    """The id of the version the tag of ``dataset`` (the server's JSON) points at;
    :class:`~groundset.NotFoundError` ``tag_not_found``."""
    check_tag(tag)
    found = yield Call("GET", _tag_path(dataset, tag))
    version: str = found["version_id"]
    return version


def tag_version(name: str | None, dataset_id: str | None, tag: str, version_id: str, move: bool) -> Op[Tag]:
    """Point ``tag`` at ``version_id``; moving it from another version needs ``move``."""
    check_tag(tag)
    if not isinstance(version_id, str) or not version_id:
        raise ValueError(f"version_id= must be a non-empty str, not {version_id!r}")
    if type(move) is not bool:
        raise TypeError(f"move= must be True or False, not {move!r}")
    dataset = yield from dataset_json(name, dataset_id)
    found = yield json_call("PUT", _tag_path(dataset, tag), json={"version_id": version_id, "move": move})
    return Tag.from_json(found)


def delete_tag(name: str | None, dataset_id: str | None, tag: str) -> Op[None]:
    """Delete the tag (its history stays)."""
    check_tag(tag)
    dataset = yield from dataset_json(name, dataset_id)
    yield json_call("DELETE", _tag_path(dataset, tag), expect="none")


def list_tags(name: str | None, dataset_id: str | None) -> Op[list[Tag]]:
    """Every tag of the dataset, by name (code point order)."""
    dataset = yield from dataset_json(name, dataset_id)
    rows = yield from pages(f"/v1/datasets/{segment(dataset['id'])}/tags")
    return [Tag.from_json(row) for row in rows]


def tag_history(name: str | None, dataset_id: str | None, tag: str) -> Op[list[TagEvent]]:
    """Every change of the tag, oldest first (a deleted tag's too)."""
    check_tag(tag)
    dataset = yield from dataset_json(name, dataset_id)
    found = yield Call("GET", _tag_path(dataset, tag) + "/history")
    return [TagEvent.from_json(row) for row in found["data"]]
