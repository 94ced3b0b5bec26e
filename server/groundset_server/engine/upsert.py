"""The upsert engine: pure classification of a request against a dataset's current state.

It knows nothing of HTTP or SQL. Given the current state (one row per example ever seen in the
dataset: its id, current content hash and whether it is deleted) and the request's examples, it
says which are new, changed, unchanged and (in mirror mode) deleted, and builds the rows to
write. Its cost is one pass over the request and one over the current state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

Mode = Literal["merge", "mirror"]
CREATE = "CREATE"
PATCH = "PATCH"
DELETE = "DELETE"


class CurrentExample(NamedTuple):
    """The current state of one example row."""

    example_id: int
    content_hash: str | None
    is_deleted: bool


@dataclass(slots=True)
class IncomingExample:
    """One example of a request; ``has_content`` is false for a hash-only (planned) example."""

    source_id: str
    content_hash: str
    input: Any = None
    output: Any = None
    metadata: Any = None
    has_content: bool = False
    line: int | None = None


@dataclass(slots=True)
class Classification:
    created: list[IncomingExample] = field(default_factory=list)
    """New source ids, and deleted ones that come back (``revived`` gives their rows)."""
    revived: dict[str, int] = field(default_factory=dict)
    updated: list[tuple[int, IncomingExample]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[tuple[int, str]] = field(default_factory=list)
    missing_content: list[str] = field(default_factory=list)
    """New or changed examples that came without content (the plan they followed is stale)."""

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def needed_source_ids(self) -> list[str]:
        return [e.source_id for e in self.created] + [e.source_id for _, e in self.updated]


def classify(
    current: Mapping[str, CurrentExample], incoming: Sequence[IncomingExample], mode: Mode
) -> Classification:
    """Classify ``incoming`` (source ids already known to be unique) against ``current``."""
    result = Classification()
    for example in incoming:
        row = current.get(example.source_id)
        if row is None or row.is_deleted:
            result.created.append(example)
            if row is not None:
                result.revived[example.source_id] = row.example_id
        elif row.content_hash != example.content_hash:
            result.updated.append((row.example_id, example))
        else:
            result.unchanged.append(example.source_id)
            continue
        if not example.has_content:
            result.missing_content.append(example.source_id)
    if mode == "mirror":
        seen = {example.source_id for example in incoming}
        for source_id, row in current.items():
            if not row.is_deleted and source_id not in seen:
                result.deleted.append((row.example_id, source_id))
    return result


def current_manifest(current: Mapping[str, CurrentExample]) -> list[tuple[str, str]]:
    return [
        (source_id, row.content_hash)
        for source_id, row in current.items()
        if not row.is_deleted and row.content_hash is not None
    ]


def final_manifest(current: Mapping[str, CurrentExample], result: Classification) -> list[tuple[str, str]]:
    """The ``(source_id, content_hash)`` pairs of the dataset once ``result`` is written."""
    state = {source_id: hash_ for source_id, hash_ in current_manifest(current)}
    for example in result.created:
        state[example.source_id] = example.content_hash
    for _, example in result.updated:
        state[example.source_id] = example.content_hash
    for _, source_id in result.deleted:
        state.pop(source_id, None)
    return list(state.items())


@dataclass(slots=True)
class Writes:
    """Rows for the database layer; ``new_examples`` still need their ids."""

    new_examples: list[dict[str, Any]]
    revisions_for_new: list[dict[str, Any]]
    """One per ``new_examples`` row, in the same order, without ``example_id``."""
    revisions: list[dict[str, Any]]
    """Revisions of existing example rows (revived, patched, deleted)."""


def build_writes(
    result: Classification,
    version_id: int,
    dataset_id: int,
    now: str,
    canonical: Callable[[Any], str],
) -> Writes:
    """The rows that record ``result`` as version ``version_id``; ``canonical`` writes JSON text."""

    def revision(example: IncomingExample, kind: str) -> dict[str, Any]:
        return {
            "version_id": version_id,
            "input": canonical(example.input),
            "output": canonical(example.output if example.output is not None else {}),
            "metadata": canonical(example.metadata if example.metadata is not None else {}),
            "content_hash": example.content_hash,
            "revision_kind": kind,
            "created_at": now,
        }

    new_examples: list[dict[str, Any]] = []
    revisions_for_new: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    for example in result.created:
        example_id = result.revived.get(example.source_id)
        row = revision(example, CREATE)
        if example_id is None:
            new_examples.append(
                {
                    "dataset_id": dataset_id,
                    "source_id": example.source_id,
                    "created_at": now,
                    "current_content_hash": example.content_hash,
                    "current_version_id": version_id,
                    "is_deleted": False,
                }
            )
            revisions_for_new.append(row)
        else:
            row["example_id"] = example_id
            revisions.append(row)
    for example_id, example in result.updated:
        row = revision(example, PATCH)
        row["example_id"] = example_id
        revisions.append(row)
    for example_id, _ in result.deleted:
        revisions.append(
            {
                "example_id": example_id,
                "version_id": version_id,
                "input": None,
                "output": None,
                "metadata": None,
                "content_hash": None,
                "revision_kind": DELETE,
                "created_at": now,
            }
        )
    return Writes(new_examples, revisions_for_new, revisions)


def counts(result: Classification) -> dict[str, int]:
    return {
        "created": len(result.created),
        "updated": len(result.updated),
        "unchanged": len(result.unchanged),
        "deleted": len(result.deleted),
    }


def source_ids(items: Iterable[IncomingExample]) -> list[str]:
    return [item.source_id for item in items]
