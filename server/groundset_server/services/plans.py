"""Plans kept in this process's memory, so that the upsert after a plan sends only what it needs.

A plan (``POST /v1/datasets/upsert/plan``) classifies the client's whole manifest; kept here
under a random ``plan_id``, the upsert that names it carries only the lines the plan listed in
``needed_source_ids`` and the server takes the rest of the manifest from the plan. Its meaning
is exactly that of the whole manifest sent with content-less entries for the others
(:func:`groundset_server.services.upserts.upsert`).

What a plan holds is compact: the base version's state (:class:`ExampleState`, the very object
the snapshot cache holds, so a plan of a cached state costs nothing more), one flag per example
of it (in the manifest and unchanged), and the needed examples' state (source id and 32-byte
digest each). Together they are the manifest: the flagged examples of the base with the base's
hashes, and the needed ones with theirs.

A plan is kept for ``plan_ttl_seconds`` (``GROUNDSET_PLAN_TTL_SECONDS``, 600 by default) and
within ``plan_max_count`` plans and ``plan_max_bytes`` of memory (a base state shared by several
plans, or by the snapshot cache, counted once per plan store), the oldest evicted first. A plan
is consumed by the upsert that commits with it. Refusals: 409 ``plan_expired`` (this process
does not hold the plan: expired, evicted, consumed, the server restarted, or it was planned on
another process; the client sends the whole manifest instead) and 422 ``plan_mismatch``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain, compress, islice

from groundset_server.engine.upsert import ExampleState, IncomingExample, MirrorGuard, Mode, RawExample
from groundset_server.services.errors import Conflict, Invalid, RecordRefusal

_DIGEST = 32
_BYTES_PER_EXAMPLE = 170
"""What :class:`ExampleState` costs an example, about (its docstring's figure)."""
_REST_PER_BATCH = 10_000
"""Content-less entries made at once from a plan's manifest."""

PLAN_EXPIRED = "plan_expired"
PLAN_MISMATCH = "plan_mismatch"


@dataclass(slots=True, eq=False)
class Plan:
    """One plan's manifest and classification, and what it was planned for."""

    dataset_id: int | None
    """The dataset planned against (``None``: it did not exist yet)."""
    dataset_created_at: str | None
    dataset_name: str
    """Its name, or the selector's when it did not exist."""
    base_version_id: int | None
    """The dataset's latest version when planned: the state :attr:`base` is."""
    mode: Mode
    guard: MirrorGuard
    base: ExampleState
    base_digest: str
    unchanged: bytearray
    """A flag per example of :attr:`base`, in its position order: in the manifest, unchanged."""
    unchanged_count: int
    needed: ExampleState
    """The new and changed examples of the manifest (``needed_source_ids``) and their hashes."""
    plan_id: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    expires: float = 0.0

    @property
    def own_bytes(self) -> int:
        """Memory held by this plan alone (not its base state)."""
        return len(self.unchanged) + _BYTES_PER_EXAMPLE * len(self.needed)

    def unchanged_source_ids(self) -> list[str]:
        """The manifest's unchanged examples, in the base's order."""
        return list(compress(self.base.positions, self.unchanged))

    def matches_base(self, dataset_id: int | None, created_at: str | None, latest: int | None) -> bool:
        """Whether the dataset's current state is still :attr:`base`: the same dataset at the
        same latest version (a dataset without a version holds no example, as one that does not
        exist)."""
        if latest is None and self.base_version_id is None:
            return True
        planned = (self.dataset_id, self.dataset_created_at, self.base_version_id)
        return (dataset_id, created_at, latest) == planned

    def header_mismatches(
        self, name: str | None, id_: str | None, mode: Mode, guard: MirrorGuard
    ) -> list[str]:
        """Why an upsert's header cannot go with this plan, each in words (none: it can)."""
        found = []
        same_dataset = (name is not None and name == self.dataset_name) or (
            id_ is not None and self.dataset_id is not None and id_ == str(self.dataset_id)
        )
        if not same_dataset:
            selected = f"name {name!r}" if name is not None else f"id {id_!r}"
            found.append(f"`dataset` selects {selected}, the plan was of dataset {self.dataset_name!r}")
        if mode != self.mode:
            found.append(f"`mode` is {mode!r}, the plan's is {self.mode!r}")
        if guard.allow_empty != self.guard.allow_empty:
            found.append(
                f"`allow_empty` is {str(guard.allow_empty).lower()}, the plan's is "
                f"{str(self.guard.allow_empty).lower()}"
            )
        if guard.max_deletes != self.guard.max_deletes:
            found.append(
                f"`max_deletes` is {_json(guard.max_deletes)}, the plan's is {_json(self.guard.max_deletes)}"
            )
        return found

    def check_lines(self, batch: list[RawExample]) -> list[tuple[IncomingExample, str]]:
        """The lines of ``batch`` that the plan did not list as needed, or listed with another
        content hash, each with its refused member (``source_id`` or ``content_hash``)."""
        positions, hashes = self.needed.positions, self.needed.hashes
        refused: list[tuple[IncomingExample, str]] = []
        for line in batch:
            position = positions.get(line[1])
            if position is None:
                refused.append((IncomingExample._make(line), "source_id"))
            elif hashes[position * _DIGEST : (position + 1) * _DIGEST] != bytes.fromhex(line[2]):
                refused.append((IncomingExample._make(line), "content_hash"))
        return refused

    def rest(self, given: set[str], with_unchanged: bool) -> Iterator[list[RawExample]]:
        """The manifest's entries the upsert's body did not carry (``given``: its source ids),
        as content-less entries in batches: the needed ones left out and, ``with_unchanged``,
        the unchanged ones. Their position is -1: they are on no line of the body."""
        entries: Iterator[tuple[str, bytes | bytearray]] = (
            (source_id, digest) for source_id, digest in _entries(self.needed) if source_id not in given
        )
        if with_unchanged:
            entries = chain(compress(_entries(self.base), self.unchanged), entries)
        while True:
            batch: list[RawExample] = [
                (-1, source_id, digest.hex(), None, None, None)
                for source_id, digest in islice(entries, _REST_PER_BATCH)
            ]
            if not batch:
                return
            yield batch


def _entries(state: ExampleState) -> Iterator[tuple[str, bytes | bytearray]]:
    """Each example of ``state`` with its digest, in position order."""
    hashes = state.hashes
    for source_id, position in state.positions.items():
        yield source_id, hashes[position * _DIGEST : (position + 1) * _DIGEST]


def _json(value: int | None) -> str:
    return "null" if value is None else str(value)


class PlanMismatch(RecordRefusal):
    """Lines of an upsert with ``plan_id`` that its plan did not ask for (``plan_mismatch``):
    a source id not among the plan's ``needed_source_ids``, or one with another content hash."""

    def __init__(self, refused: list[tuple[IncomingExample, str]]) -> None:
        self.member_by_line = {e.position: member for e, member in refused}
        first, member = refused[0]
        super().__init__(
            PLAN_MISMATCH,
            f"{len(refused)} line(s) of the upsert are not what its plan asked for (the first: "
            f"{first.source_id!r}, {_why(member)}); nothing was written. Send only the examples of the "
            "plan's needed_source_ids, with the content_hash planned, or plan again",
            [e for e, _ in refused],
        )

    def member_of(self, example: IncomingExample) -> str:
        return self.member_by_line[example.position]

    def record_detail(self, example: IncomingExample) -> str:
        return f"the example {example.source_id!r}: {_why(self.member_of(example))}"


def _why(member: str) -> str:
    if member == "source_id":
        return "its source id is not among the plan's needed_source_ids"
    return "its content_hash is not the one the plan was given"


def header_mismatch(reasons: list[str]) -> Invalid:
    return Invalid(
        PLAN_MISMATCH,
        "the upsert does not go with its plan: " + "; ".join(reasons) + "; nothing was written. Send the "
        "plan's dataset, mode and mirror guard, or plan again",
    )


def expired(plan_id: str) -> Conflict:
    return Conflict(
        PLAN_EXPIRED,
        f"this server does not hold plan {plan_id!r} (expired, evicted, already used by an upsert that "
        "committed, or planned on another server process); nothing was written: send the whole manifest, "
        "without plan_id",
    )


class PlanStore:
    """The plans of one server process, by ``plan_id``, oldest first."""

    def __init__(
        self, ttl_seconds: float, max_count: int, max_bytes: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_count = max_count
        self.max_bytes = max_bytes
        self.clock = clock
        self._plans: OrderedDict[str, Plan] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, plan: Plan) -> str | None:
        """Keep ``plan`` and give its id; ``None`` (nothing kept) when it alone is over the
        memory bound. Older plans are evicted to make room."""
        if plan.own_bytes + _BYTES_PER_EXAMPLE * len(plan.base) > self.max_bytes:
            return None
        with self._lock:
            now = self.clock()
            self._drop_expired(now)
            plan.expires = now + self.ttl_seconds
            self._plans[plan.plan_id] = plan
            while len(self._plans) > self.max_count or self._bytes() > self.max_bytes:
                self._plans.popitem(last=False)
        return plan.plan_id

    def get(self, plan_id: str) -> Plan:
        """The plan ``plan_id``; :func:`expired` (409 ``plan_expired``) when it is not held."""
        with self._lock:
            self._drop_expired(self.clock())
            plan = self._plans.get(plan_id)
        if plan is None:
            raise expired(plan_id)
        return plan

    def consume(self, plan: Plan) -> None:
        """Forget ``plan``: an upsert committed with it."""
        with self._lock:
            if self._plans.get(plan.plan_id) is plan:
                del self._plans[plan.plan_id]

    def __len__(self) -> int:
        return len(self._plans)

    def _drop_expired(self, now: float) -> None:
        while self._plans:
            oldest = next(iter(self._plans.values()))
            if oldest.expires > now:
                break
            self._plans.popitem(last=False)

    def _bytes(self) -> int:
        bases = {id(plan.base): len(plan.base) for plan in self._plans.values()}
        return sum(plan.own_bytes for plan in self._plans.values()) + _BYTES_PER_EXAMPLE * sum(bases.values())
