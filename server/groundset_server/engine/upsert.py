"""The upsert engine: pure classification of a request against a dataset's current state.

It knows nothing of HTTP or SQL. Given the current state (one row per example ever seen in the
dataset: its id, current content hash and whether it is deleted), a :class:`Sync` takes the
request's examples batch by batch, as they are read from the wire, and says for each batch
which are new, revived, changed and unchanged; at the end it gives (in mirror mode) the
deleted ones, and the dataset's new state (:meth:`Sync.new_state`). Only the source ids seen
and the changed examples' new state stay in memory between batches, so a million-example
request is classified in one pass with bounded memory. How the result is stored (rows,
revision kinds) is the writer's (:mod:`groundset_server.services.writer`).
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress, repeat
from operator import add, eq, is_, itemgetter, mul, not_
from typing import Literal, NamedTuple, cast

import groundset_core
from groundset_core import RecordFailure

Mode = Literal["merge", "mirror"]


class CurrentExample(NamedTuple):
    """The current state of one example row."""

    example_id: int
    content_hash: str | None
    is_deleted: bool


_DIGEST = 32
"""Bytes of a content hash (SHA-256) as :class:`ExampleState` keeps it."""
_NO_DIGEST = bytes(_DIGEST)


class ExampleState(Mapping[str, CurrentExample]):
    """A dataset's current state, compact: what a million examples cost as Python objects
    (a named tuple and a 64-character hash string each, ~350 bytes) it keeps in ~170 bytes.

    ``positions`` maps each source id to its place in three arrays: the example row ids
    (``array('q')``), the content hashes as 32-byte SHA-256 digests (``bytearray``; zeros for
    a deleted example, which has none) and the deleted flags. Content hashes are always 64
    lowercase hex digits (the decoder refuses any other), so the digest is their exact form.
    A source id is never removed and a new one takes the next position, so ``positions`` holds
    the source ids in position order (``list(positions)[p]`` is the one at ``p``).
    Read as a mapping it gives :class:`CurrentExample` values, built on demand."""

    __slots__ = ("deleted", "hashes", "ids", "order", "positions")

    def __init__(self) -> None:
        self.positions: dict[str, int] = {}
        self.ids = array("q")
        self.hashes = bytearray()
        self.deleted = bytearray()
        self.order: bytes | None = None
        """The positions ``0..m`` of the source ids held when the manifest digest was last
        computed, sorted as the digest sorts them (4 bytes each, little-endian;
        ``groundset_core.manifest_digest_ordered``): positions never change meaning, so it stays
        an order of those, and the next digest only sorts the source ids added since."""

    @classmethod
    def of(cls, rows: Mapping[str, CurrentExample]) -> ExampleState:
        if isinstance(rows, ExampleState):
            return rows
        state = cls()
        for source_id, row in rows.items():
            state.put(source_id, row.example_id, row.content_hash, row.is_deleted)
        return state

    def put(self, source_id: str, example_id: int, content_hash: str | None, is_deleted: bool) -> None:
        """Add the example, or replace its state."""
        digest = _NO_DIGEST if content_hash is None else bytes.fromhex(content_hash)
        self._place(source_id, example_id, digest, is_deleted)

    def _place(self, source_id: str, example_id: int, digest: bytes | bytearray, is_deleted: bool) -> None:
        position = self.positions.get(source_id)
        if position is None:
            self.positions[source_id] = len(self.ids)
            self.ids.append(example_id)
            self.hashes += digest
            self.deleted.append(is_deleted)
            return
        self.ids[position] = example_id
        self.hashes[position * _DIGEST : (position + 1) * _DIGEST] = digest
        self.deleted[position] = is_deleted

    def extend(self, source_ids: list[str], ids: Iterable[int], content_hashes: Iterable[str]) -> None:
        """Add examples none of whose ``source_ids`` the state holds yet, live, with their row
        ids and content hashes: one C-level pass per column."""
        self.extend_packed(source_ids, ids, bytes.fromhex("".join(content_hashes)))

    def extend_packed(self, source_ids: list[str], ids: Iterable[int], digests: bytes) -> None:
        """:meth:`extend` with the content hashes as their 32-byte digests, concatenated."""
        if len(digests) != _DIGEST * len(source_ids):
            raise ValueError(
                f"ExampleState.extend_packed: {len(digests)} bytes for {len(source_ids)} digests"
            )
        start = len(self.ids)
        self.positions.update(zip(source_ids, range(start, start + len(source_ids)), strict=True))
        if len(self.positions) != start + len(source_ids):
            raise ValueError("ExampleState.extend_packed: a source id is already held")
        self.ids.extend(ids)
        self.hashes += digests
        self.deleted += bytes(len(source_ids))

    def update(self, other: ExampleState) -> None:
        """Every example of ``other`` put into this state, in ``other``'s order."""
        ids, hashes, deleted = other.ids, other.hashes, other.deleted
        for source_id, position in other.positions.items():
            digest = hashes[position * _DIGEST : (position + 1) * _DIGEST]
            self._place(source_id, ids[position], digest, bool(deleted[position]))

    def copy(self) -> ExampleState:
        state = ExampleState()
        state.positions = dict(self.positions)
        state.ids = array("q", self.ids)
        state.hashes = bytearray(self.hashes)
        state.deleted = bytearray(self.deleted)
        state.order = self.order
        return state

    def content_hash(self, position: int) -> str | None:
        if self.deleted[position]:
            return None
        return self.hashes[position * _DIGEST : (position + 1) * _DIGEST].hex()

    def __getitem__(self, source_id: str) -> CurrentExample:
        position = self.positions[source_id]
        return CurrentExample(self.ids[position], self.content_hash(position), bool(self.deleted[position]))

    def __iter__(self) -> Iterator[str]:
        return iter(self.positions)

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def live(self) -> int:
        """How many examples are not deleted."""
        return len(self.deleted) - self.deleted.count(1)

    def manifest(self) -> Iterator[tuple[str, str]]:
        """The ``(source_id, content_hash)`` of every live example, made one at a time."""
        hashes, deleted = self.hashes, self.deleted
        for source_id, position in self.positions.items():
            if not deleted[position]:
                yield source_id, hashes[position * _DIGEST : (position + 1) * _DIGEST].hex()


Text = bytes | str
"""Canonical JSON text: UTF-8 ``bytes`` as the native decoder gives a request's content (a ``str``
of non-ASCII text would be a decoding that the database driver encodes back), ``str`` where it
was read back from the database."""
RawExample = tuple[int, str, str, Text | None, Text | None, Text | None]
"""An :class:`IncomingExample` as the native decoder gives it: a plain tuple of its fields."""

_SOURCE_ID = itemgetter(1)
_CONTENT_HASH = itemgetter(2)
_INPUT = itemgetter(3)
_ROW = itemgetter(0)
_EXAMPLE = itemgetter(1)


class IncomingExample(NamedTuple):
    """One example of a request, content as canonical JSON text (:data:`Text`; ``None`` for a
    hash-only example: a planned upsert leaves out the content the server already holds)."""

    position: int
    """The NDJSON line, or the index in a JSON body's ``examples``."""
    source_id: str
    content_hash: str
    input: Text | None = None
    output: Text | None = None
    metadata: Text | None = None

    @property
    def has_content(self) -> bool:
        return self.input is not None


def _incoming(examples: Iterable[RawExample]) -> Iterator[IncomingExample]:
    """Each plain tuple as an :class:`IncomingExample`, made by ``tuple.__new__`` from C: no
    Python-level call per example, as ``IncomingExample._make`` is."""
    make: Callable[[type[IncomingExample], RawExample], IncomingExample] = tuple.__new__
    return map(make, repeat(IncomingExample), examples)


@dataclass(slots=True)
class Step:
    """The classification of one batch."""

    created: list[tuple[int, IncomingExample]] = field(default_factory=list)
    """Source ids never seen in the dataset, each with the id of its new row."""
    revived: list[tuple[int, IncomingExample]] = field(default_factory=list)
    """Deleted source ids that come back: a ``CREATE`` on their existing row."""
    updated: list[tuple[int, IncomingExample]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    """Their source ids, kept only for a dry run's answer."""
    unchanged_count: int = 0
    missing_content: list[str] = field(default_factory=list)
    """New or changed examples that came without content (the plan they followed is stale)."""
    duplicates: list[IncomingExample] = field(default_factory=list)
    """Examples whose source id came earlier in the request."""

    @property
    def changed(self) -> bool:
        return bool(self.created or self.revived or self.updated)


@dataclass(frozen=True, slots=True)
class MirrorGuard:
    """What a mirror may delete (the request's ``allow_empty`` and ``max_deletes``)."""

    allow_empty: bool = False
    """Whether a mirror may delete every example of a dataset that has some."""
    max_deletes: int | None = None
    """The most examples a mirror may delete; ``None``: no bound."""


class MirrorRefusal(NamedTuple):
    """Why a mirror was refused: ``code`` is ``mirror_would_empty`` or ``max_deletes_exceeded``."""

    code: str
    deleted: list[tuple[int, str]]
    """The ``(example id, source id)`` of every example the mirror would have deleted."""
    example_count: int
    """How many examples the dataset holds now."""
    max_deletes: int | None


class Sync:
    """Classifies one request's examples against ``current``, a batch at a time.

    ``new_ids(n)`` gives the ids of the rows of ``n`` new examples (the writer reserves them);
    without it (a dry run or a plan, which write nothing) new examples get the id 0.

    >>> h1, h2 = "1" * 64, "2" * 64  # content hashes: 64 lowercase hex digits
    >>> sync = Sync({"a": CurrentExample(1, h1, False)}, "mirror", new_ids=lambda n: [7] * n)
    >>> step = sync.add([IncomingExample(2, "b", h2, "{}", "{}", "{}")])
    >>> step.created[0][0], sync.finish(), sync.final_manifest() == [("b", h2)]
    (7, [(1, 'a')], True)
    """

    def __init__(
        self,
        current: Mapping[str, CurrentExample],
        mode: Mode,
        keep_source_ids: bool = False,
        new_ids: Callable[[int], list[int]] | None = None,
    ) -> None:
        self.current = ExampleState.of(current)
        self.mode = mode
        self.new_ids = new_ids
        self.seen = bytearray(len(self.current))
        """A flag per example of ``current``: the request holds it."""
        self.counts = {"created": 0, "updated": 0, "unchanged": 0, "deleted": 0}
        self.changed = False
        self.changes = ExampleState()
        """The new state of every new, revived or changed example, in request order."""
        self.deleted: list[tuple[int, str]] = []
        self.live_before = 0
        """How many examples the dataset held before the request (counted by :meth:`finish` in
        mirror mode, for :meth:`refusal`)."""
        self.keep_source_ids = keep_source_ids
        self.source_ids: dict[str, list[str]] = {name: [] for name in self.counts}
        self._keys: list[str] | None = None
        """The source ids of ``current`` by position, for :meth:`add_lines`."""

    def add(self, batch: Sequence[RawExample]) -> Step:
        """The classification of ``batch``, recorded in the request's counts and new state.

        Each step is done for the whole batch at once by C-level iteration (``map``, ``zip``,
        ``compress`` over the decoder's plain tuples): a million examples cost no Python-level
        loop but where one is due (a duplicate source id, a revived example). A batch holding a
        source id twice, or one the request had already, is classified by :meth:`_add_one_by_one`,
        which names every duplicate."""
        source_ids = list(map(_SOURCE_ID, batch))
        if len(set(source_ids)) != len(source_ids):
            return self._add_one_by_one(batch)
        current = self.current
        found = list(map(current.positions.get, source_ids)) if current.positions else [None] * len(batch)
        new_flags = list(map(is_, found, repeat(None)))
        if all(new_flags):
            old: list[int] = []
            old_examples: Sequence[RawExample] = ()
            new_examples: Sequence[RawExample] = batch
            new_source_ids = source_ids
        else:
            old_flags = list(map(not_, new_flags))
            old = cast(list[int], list(compress(found, old_flags)))
            old_examples = list(compress(batch, old_flags))
            new_examples = list(compress(batch, new_flags))
            new_source_ids = list(compress(source_ids, new_flags))
            seen = self.seen
            if any(map(seen.__getitem__, old)):
                return self._add_one_by_one(batch)
        if not self.changes.positions.keys().isdisjoint(new_source_ids):
            return self._add_one_by_one(batch)
        step = Step()
        if old:
            self._classify_old(step, old, old_examples)
        if new_examples:
            count = len(new_examples)
            new_ids = [0] * count if self.new_ids is None else self.new_ids(count)
            step.created = list(zip(new_ids, _incoming(new_examples), strict=True))
        return self._record(step, batch)

    def add_lines(
        self, data: bytes, first_line: int, max_source_id_chars: int
    ) -> tuple[list[RecordFailure], Step | None]:
        """A plan's NDJSON block (whole lines, the first numbered ``first_line``) decoded and
        classified by the core (``groundset_core.classify_manifest``) into the request's counts
        and new state, with no Python value made for an unchanged line. Gives the refused lines,
        each named by line (then nothing is classified), and ``None``; or no failure and, for a
        block holding a source id twice or one the request had already, the :class:`Step` of
        :meth:`add`, which names every duplicate (``None`` for any other block).

        For requests whose lines carry no content (a plan) and that keep no source ids."""
        if self.keep_source_ids:
            raise ValueError("Sync.add_lines keeps no source ids of unchanged examples")
        current = self.current
        if self._keys is None:
            self._keys = list(current.positions)
        failures, classified = groundset_core.classify_manifest(
            data,
            first_line=first_line,
            keys=self._keys,
            positions=current.positions,
            hashes=current.hashes,
            deleted=current.deleted,
            seen=self.seen,
            needed=self.changes.positions,
            max_source_id_chars=max_source_id_chars,
        )
        if failures:
            return failures, None
        if classified is None:
            records, _ = groundset_core.decode_ndjson_records(
                data, first_line=first_line, with_content=False, max_source_id_chars=max_source_id_chars
            )
            return [], self.add(records)
        source_ids, positions, digests, created, revived, unchanged = classified
        new_ids = [0] * created if self.new_ids is None else self.new_ids(created)
        self.changes.extend_packed(
            source_ids, chain(new_ids, map(current.ids.__getitem__, positions)), digests
        )
        self.counts["created"] += created + revived
        self.counts["updated"] += len(source_ids) - created - revived
        self.counts["unchanged"] += unchanged
        self.changed = self.changed or bool(source_ids)
        return [], None

    def _classify_old(self, step: Step, old: list[int], examples: Sequence[RawExample]) -> None:
        """``examples`` (all already in the dataset, at ``old`` in its state) as revived, updated
        or unchanged, with their flags in :attr:`seen` set."""
        current, seen = self.current, self.seen
        deque(map(seen.__setitem__, old, repeat(1)), maxlen=0)
        ids = current.ids
        dead = list(map(current.deleted.__getitem__, old))
        if any(dead):
            step.revived = [
                (ids[position], IncomingExample._make(example))
                for position, example, is_dead in zip(old, examples, dead, strict=True)
                if is_dead
            ]
            alive = list(map(not_, dead))
            old = list(compress(old, alive))
            examples = list(compress(examples, alive))
        hashes = current.hashes
        starts = list(map(mul, old, repeat(_DIGEST)))
        held = map(hashes.__getitem__, map(slice, starts, map(add, starts, repeat(_DIGEST))))
        same = list(map(eq, held, map(bytes.fromhex, map(_CONTENT_HASH, examples))))
        unchanged = same.count(True)
        step.unchanged_count = unchanged
        if self.keep_source_ids:
            step.unchanged = list(compress(map(_SOURCE_ID, examples), same))
        if unchanged < len(same):
            changed = list(map(not_, same))
            step.updated = list(
                zip(
                    map(ids.__getitem__, compress(old, changed)),
                    _incoming(compress(examples, changed)),
                    strict=True,
                )
            )

    def _add_one_by_one(self, batch: Sequence[RawExample]) -> Step:
        """:meth:`add`, an example at a time: for a batch with duplicate source ids."""
        step = Step()
        current = self.current
        position_of = current.positions.get
        hashes, deleted = current.hashes, current.deleted
        ids = current.ids
        seen = self.seen
        new_source_ids = self.changes.positions
        make = IncomingExample._make
        keep_unchanged = self.keep_source_ids
        unchanged = 0
        created: list[IncomingExample] = []
        created_here: set[str] = set()
        for example in batch:
            source_id = example[1]
            position = position_of(source_id)
            if position is None:
                if source_id in new_source_ids or source_id in created_here:
                    step.duplicates.append(make(example))
                    continue
                created_here.add(source_id)
                created.append(make(example))
            elif seen[position]:
                step.duplicates.append(make(example))
                continue
            else:
                seen[position] = 1
                if deleted[position]:
                    step.revived.append((ids[position], make(example)))
                elif hashes[position * 32 : position * 32 + 32] != bytes.fromhex(example[2]):
                    step.updated.append((ids[position], make(example)))
                else:
                    unchanged += 1
                    if keep_unchanged:
                        step.unchanged.append(source_id)
        step.unchanged_count = unchanged
        new_ids = [0] * len(created) if self.new_ids is None else self.new_ids(len(created))
        step.created = list(zip(new_ids, created, strict=True))
        return self._record(step, batch)

    def _record(self, step: Step, batch: Sequence[RawExample]) -> Step:
        """``step`` (of ``batch``) counted, and its new and changed examples put in :attr:`changes`."""
        changed = (*step.created, *step.revived, *step.updated)
        examples = list(map(_EXAMPLE, changed))
        if None in map(_INPUT, examples):
            lacking = {e.source_id for e in examples if e.input is None}
            step.missing_content = list(dict.fromkeys(s for s in map(_SOURCE_ID, batch) if s in lacking))
        self.changes.extend(list(map(_SOURCE_ID, examples)), map(_ROW, changed), map(_CONTENT_HASH, examples))
        self.counts["created"] += len(step.created) + len(step.revived)
        self.counts["updated"] += len(step.updated)
        self.counts["unchanged"] += step.unchanged_count
        self.changed = self.changed or step.changed
        if self.keep_source_ids:
            self.source_ids["created"].extend(e.source_id for _, e in (*step.created, *step.revived))
            self.source_ids["updated"].extend(e.source_id for _, e in step.updated)
            self.source_ids["unchanged"].extend(step.unchanged)
        return step

    @property
    def needed(self) -> list[str]:
        """The source ids whose content the request must carry: the new and changed ones."""
        return list(self.changes)

    def finish(self) -> list[tuple[int, str]]:
        """The ``(example id, source id)`` of every current example the request left out, in
        mirror mode (none in merge mode)."""
        if self.mode != "mirror":
            return self.deleted
        live_seen = self.counts["unchanged"] + self.counts["updated"]
        self.live_before = self.current.live
        if live_seen < self.live_before:
            seen, deleted, ids = self.seen, self.current.deleted, self.current.ids
            self.deleted = [
                (ids[position], source_id)
                for source_id, position in self.current.positions.items()
                if not deleted[position] and not seen[position]
            ]
            self.counts["deleted"] = len(self.deleted)
            self.changed = self.changed or bool(self.deleted)
            if self.keep_source_ids:
                self.source_ids["deleted"] = [source_id for _, source_id in self.deleted]
        return self.deleted

    def refusal(self, guard: MirrorGuard) -> MirrorRefusal | None:
        """What ``guard`` says of the deletions :meth:`finish` found: ``None`` if they may go ahead.

        A mirror that would leave a dataset holding examples with none is ``mirror_would_empty``
        unless ``guard.allow_empty`` (a dataset that is new or already empty has nothing to
        lose, so it is never refused for that); one that would delete more than
        ``guard.max_deletes`` is ``max_deletes_exceeded``. The first rule wins when both apply.
        Merge mode deletes nothing, so it is never refused."""
        deleted = len(self.deleted)
        if not deleted:
            return None
        # A mirror leaves exactly the examples it was given.
        remaining = self.counts["created"] + self.counts["updated"] + self.counts["unchanged"]
        if remaining == 0 and not guard.allow_empty:
            return MirrorRefusal("mirror_would_empty", self.deleted, self.live_before, guard.max_deletes)
        if guard.max_deletes is not None and deleted > guard.max_deletes:
            return MirrorRefusal("max_deletes_exceeded", self.deleted, self.live_before, guard.max_deletes)
        return None

    def new_state(self) -> ExampleState:
        """The dataset's state once the request is written: the current one with every change
        and, after :meth:`finish`, every deletion. A new dataset's is the changes themselves,
        not a copy: a million-example load holds one state."""
        if not self.current:
            return self.changes
        state = self.current.copy()
        state.update(self.changes)
        for example_id, source_id in self.deleted:
            state.put(source_id, example_id, None, True)
        return state

    def final_manifest(self) -> list[tuple[str, str]]:
        """The ``(source_id, content_hash)`` pairs of the dataset once the request is written."""
        return list(self.new_state().manifest())


def classify(current: Mapping[str, CurrentExample], incoming: Iterable[RawExample], mode: Mode) -> Sync:
    """A whole request in one batch (for tests and small callers)."""
    sync = Sync(current, mode, keep_source_ids=True)
    sync.add(list(incoming))
    sync.finish()
    return sync


def current_manifest(current: Mapping[str, CurrentExample]) -> list[tuple[str, str]]:
    return list(ExampleState.of(current).manifest())
