"""What the client returns: plain frozen dataclasses built from the server's JSON.

Ids are strings (the server's decimal ids); timestamps are the server's ISO 8601 UTC strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from groundset._format import counted

if TYPE_CHECKING:
    import pandas

__all__ = [
    "Dataset",
    "DatasetInfo",
    "Diff",
    "Example",
    "ExperimentInfo",
    "Mode",
    "Tag",
    "TagEvent",
    "UpsertResult",
    "Version",
]

_T = TypeVar("_T", bound="_FromJson")


class _FromJson:
    __slots__ = ()

    @classmethod
    def from_json(cls: type[_T], data: Mapping[str, Any]) -> _T:
        """The object from the server's JSON (members it does not know are ignored)."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})  # type: ignore[arg-type]


Mode = Literal["merge", "mirror"]
"""How an upsert treats the dataset's examples that the request does not name: ``"merge"``
keeps them, ``"mirror"`` deletes them (the dataset then holds exactly the examples sent)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertResult(_FromJson):
    """What an upsert did (or, with ``dry_run``, would do).

    Pass it as ``dataset=`` to the experiment runner to pin exactly this version.

    Attributes:
        dataset_id: the dataset's id (``None`` only for a dry run on a dataset not yet created).
        dataset_name: its name.
        version_id: the dataset's latest version after the upsert: the new one, or the same as
            ``previous_version_id`` when nothing changed (``noop``); ``None`` for a dry run that
            would create one.
        previous_version_id: the latest version before the upsert (``None`` for a new dataset).
        noop: nothing changed, no version was written.
        dry_run: nothing was written, whatever the counts say.
        created, updated, unchanged, deleted: how many examples fell in each class.
        digest: the digest of the resulting version (for a dry run: of the version it would write).
        created_source_ids, updated_source_ids, unchanged_source_ids, deleted_source_ids: the
            source ids of each class, only for a dry run (``None`` otherwise).
        tag: the ``tag=`` given, now on ``version_id`` (a dry run: it would be); ``None``
            without one.
        tag_change: what the upsert did to ``tag`` (a dry run: would do): ``"created"``,
            ``"moved"`` (from another version, with ``move_tag=True``) or ``"unchanged"``
            (already on that version); ``None`` without a tag.
    """

    dataset_id: str | None
    dataset_name: str
    version_id: str | None
    previous_version_id: str | None
    noop: bool
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    deleted: int
    digest: str
    created_source_ids: list[str] | None = None
    updated_source_ids: list[str] | None = None
    unchanged_source_ids: list[str] | None = None
    deleted_source_ids: list[str] | None = None
    tag: str | None = None
    tag_change: Literal["created", "moved", "unchanged"] | None = None

    def summary(self) -> str:
        """One line saying what happened, such as
        ``dataset 'qa' (1): version 4 (was 3): 10 created, 2 updated, 88 unchanged, 0 deleted``."""
        counts = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.deleted} deleted"
        where = f"dataset {self.dataset_name!r}" + (f" ({self.dataset_id})" if self.dataset_id else "")
        if self.dry_run:
            what = "dry run, nothing written" + (": no change" if self.noop else "")
        elif self.noop:
            what = (
                "no change, no version yet"
                if self.version_id is None
                else f"no change, still version {self.version_id}"
            )
        elif self.previous_version_id is None:
            what = f"version {self.version_id} (new)"
        else:
            what = f"version {self.version_id} (was {self.previous_version_id})"
        tagged = ""
        if self.tag is not None and not self.dry_run:
            tagged = f"; tagged {self.tag!r}"
        elif self.tag is not None:
            on = "the new version" if self.version_id is None else f"version {self.version_id}"
            would = {
                "created": f"would be created on {on}",
                "moved": f"would be moved to {on}",
                "unchanged": f"is already on {on}, left as it is",
            }.get(self.tag_change or "", "would be set")
            tagged = f"; tag {self.tag!r} {would}"
        return f"{where}: {what}: {counts}{tagged}"

    def __repr__(self) -> str:
        return f"<UpsertResult {self.summary()}; digest {self.digest[:12]}…>"

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True, slots=True, kw_only=True)
class Example(_FromJson):
    """One example of a dataset version.

    Attributes:
        id: the server's id of the example (stable across versions of the dataset).
        source_id: its identity in the user's data.
        content_hash: the hash of its input, output and metadata.
        version_id: the version it was read from.
    """

    id: str
    source_id: str
    content_hash: str
    input: dict[str, Any]
    output: dict[str, Any]
    metadata: dict[str, Any]
    version_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Dataset:
    """A dataset at one version, with its examples: ``len()``, iteration and ``to_pandas()``.

    Attributes:
        version_id: the version read (``None`` for a dataset without any version).
        digest: that version's digest.
    """

    id: str
    name: str
    description: str | None
    metadata: dict[str, Any]
    version_id: str | None
    digest: str
    examples: list[Example] = field(repr=False)

    def __len__(self) -> int:
        return len(self.examples)

    def __iter__(self) -> Iterator[Example]:
        return iter(self.examples)

    def __repr__(self) -> str:
        return (
            f"<Dataset {self.name!r} ({self.id}) version {self.version_id}: "
            f"{counted(len(self.examples), 'example')}; digest {self.digest[:12]}…>"
        )

    def to_pandas(self) -> pandas.DataFrame:
        """The examples as a DataFrame: columns ``id``, ``source_id``, ``content_hash``, ``input``,
        ``output``, ``metadata`` (the last three hold dicts). Needs pandas (``groundset[pandas]``)."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError("Dataset.to_pandas needs pandas: pip install 'groundset[pandas]'") from error
        columns = ["id", "source_id", "content_hash", "input", "output", "metadata"]
        rows = [[getattr(example, column) for column in columns] for example in self.examples]
        frame: pandas.DataFrame = pandas.DataFrame(rows, columns=columns)
        return frame


@dataclass(frozen=True, slots=True, kw_only=True)
class DatasetInfo(_FromJson):
    """A dataset as listed by ``list_datasets``, without its examples.

    Attributes:
        example_count: its live examples (the latest version's).
        tags: the tags on any of its versions, sorted by code point.
    """

    id: str
    name: str
    description: str | None
    metadata: dict[str, Any]
    created_at: str
    updated_at: str
    latest_version_id: str | None
    example_count: int | None = None
    tags: list[str] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Version(_FromJson):
    """One version of a dataset, with the counts of the upsert that wrote it and its digest."""

    id: str
    dataset_id: str
    description: str | None
    metadata: dict[str, Any]
    created_at: str
    example_count: int
    created: int
    updated: int
    deleted: int
    digest: str
    tags: list[str]
    """The version's tags, sorted by code point."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Tag(_FromJson):
    """A name for one version of a dataset (``"baseline"``), unique in the dataset, movable.

    Attributes:
        name: the tag (1 to 512 characters, not all digits, no ``/`` or U+0000).
        version_id: the version it points at.
        created_at: when it was created (again, after a deletion); ISO 8601 UTC.
        updated_at: when it was last created or moved.
    """

    name: str
    version_id: str
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TagEvent(_FromJson):
    """One change of a tag, as its history lists them (oldest first).

    Attributes:
        action: ``"created"``, ``"moved"`` or ``"deleted"``.
        version_id: where the tag points after it (``None`` when deleted).
        previous_version_id: where it pointed before (``None`` when created).
        at: when; ISO 8601 UTC.
    """

    action: Literal["created", "moved", "deleted"]
    version_id: str | None
    previous_version_id: str | None
    at: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Diff(_FromJson):
    """The source ids created, updated and deleted from one version of a dataset to another."""

    dataset_id: str
    from_version_id: str
    to_version_id: str
    created: list[str]
    updated: list[str]
    deleted: list[str]
    from_digest: str
    to_digest: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExperimentInfo(_FromJson):
    """An experiment as listed by ``list_experiments``, without its runs or summary (load those
    with :func:`groundset.load_experiment`, which also takes this object's ``id``).

    Attributes:
        dataset_id, version_id: the dataset version the experiment is pinned to.
        example_count: the examples it runs on: the version's, or those its selection selected.
        selection: the selection it was created with (``{"source_ids": [...]}`` or
            ``{"metadata": {...}}``, as stored: ids sorted), ``None`` for the whole version.
        repetitions: the runs each example gets.
        task_version: the user's name for the task's code and prompt when the experiment was
            created (``None`` when not given); a rerun reuses results only from an experiment
            with the same one.
    """

    id: str
    dataset_id: str
    version_id: str
    name: str | None
    description: str | None
    metadata: dict[str, Any]
    repetitions: int
    task_version: str | None
    example_count: int
    created_at: str
    selection: dict[str, Any] | None
