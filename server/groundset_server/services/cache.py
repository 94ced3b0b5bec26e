"""Results a server process keeps between requests: a few, the least recently used dropped first.

A kept value is valid for its key alone, and a key names everything the value was computed
from, the experiments' ``results_revision`` included (counted up by every write to their runs
or evaluations, :func:`~groundset_server.services.experiments.results_changed`): a value is
never invalidated, a write makes its key unreachable and the next compute pushes it out. Each
database (engine) has its own entries, dropped with it; threads share them under a lock.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

import sqlalchemy as sa

V = TypeVar("V")


class Kept(Generic[V]):
    """At most ``size`` values per engine, by key, whose weights add up to at most ``weight``
    (the most recent one is kept whatever its weight); reading one makes it the most recent."""

    def __init__(self, size: int, weight: int) -> None:
        self.size = size
        self.weight = weight
        self._lock = threading.Lock()
        self._entries: weakref.WeakKeyDictionary[sa.Engine, OrderedDict[Hashable, tuple[V, int]]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, engine: sa.Engine, key: Hashable) -> V | None:
        with self._lock:
            entries = self._entries.get(engine)
            if entries is None or key not in entries:
                return None
            entries.move_to_end(key)
            return entries[key][0]

    def put(self, engine: sa.Engine, key: Hashable, value: V, weight: int) -> None:
        with self._lock:
            entries = self._entries.setdefault(engine, OrderedDict())
            entries[key] = (value, weight)
            entries.move_to_end(key)
            total = sum(kept for _, kept in entries.values())
            while len(entries) > 1 and (len(entries) > self.size or total > self.weight):
                total -= entries.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
