"""What an experiment's runs cost: latency percentiles and usage totals, for its summary and
for a comparison (schemas ``Latency`` and ``Usage`` of ``experiment_schemas``), with its counts
of runs; kept in table ``experiment_costs`` (migration 0015) at the experiment's
``results_revision`` (:func:`kept_tallies`)."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import groundset_core
import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from groundset_server.db import dialect
from groundset_server.db.engine import read_transaction
from groundset_server.db.tables import experiment_costs, experiments
from groundset_server.db.tables import experiment_evaluations as evaluations
from groundset_server.db.tables import experiment_runs as runs
from groundset_server.services.means import SCALE, scaled_mean

log = logging.getLogger("groundset_server")


def percentile(ordered: Sequence[float], fraction: float) -> float | None:
    """The ``fraction`` quantile of the ascending ``ordered`` values, interpolated linearly
    between the closest ranks (``statistics.quantiles(method="inclusive")``); None for none."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


@dataclass
class Costs:
    latency_ms: dict[str, Any]
    """Schema ``Latency``: ``count``, and ``p50``, ``p95``, ``mean`` in milliseconds (null
    without a latency)."""
    tokens_in: int
    tokens_out: int
    runs_with_tokens: int
    costs: list[tuple[str | None, float, int]]
    """(currency, amount, runs), ordered by currency, None first."""

    def latency(self) -> dict[str, Any]:
        return dict(self.latency_ms)

    def usage(self) -> dict[str, Any]:
        return {
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "runs_with_tokens": self.runs_with_tokens,
            "costs": [
                {"currency": currency, "amount": amount, "runs": count}
                for currency, amount, count in self.costs
            ],
        }

    def summary(self) -> dict[str, Any]:
        return {"latency_ms": self.latency(), "usage": self.usage()}


@dataclass(frozen=True)
class RunCounts:
    runs: int
    errors: int
    reused: int
    """Runs with ``reused_from_run_id`` set (copied by an incremental rerun)."""


@dataclass(frozen=True)
class Tallies:
    """What the experiment's runs and evaluations add up to, as its summary answers them."""

    counts: RunCounts
    costs: Costs
    evaluations: list[dict[str, Any]]
    """The summary's ``evaluations``: per evaluator (by name) ``name``, ``count``, ``errors``,
    ``scored`` and ``mean_score``."""

    def names(self) -> set[str]:
        return {evaluator["name"] for evaluator in self.evaluations}


def evaluator_tallies(conn: sa.Connection, experiment_id: int) -> list[dict[str, Any]]:
    """:attr:`Tallies.evaluations` of the experiment, in one grouped scan of its evaluations."""
    per_evaluator = conn.execute(
        sa.select(
            evaluations.c.name,
            sa.func.count(),
            sa.func.count(evaluations.c.error),
            sa.func.count(evaluations.c.score),
            sa.func.sum(evaluations.c.score / SCALE),
        )
        .join(runs, runs.c.id == evaluations.c.run_id)
        .where(runs.c.experiment_id == experiment_id)
        .group_by(evaluations.c.name)
        .order_by(evaluations.c.name)
    ).all()
    return [
        {
            "name": name,
            "count": count,
            "errors": errors,
            "scored": scored,
            "mean_score": scaled_mean(scaled_sum, scored),
        }
        for name, count, errors, scored, scaled_sum in per_evaluator
    ]


def _driver_rows(conn: sa.Connection, sql: str, experiment_id: int) -> Sequence[Any]:
    """The driver's rows of ``sql`` (one ``?``: the experiment's id) as they are: a Row object,
    or a copied tuple, per run cost more than the scan."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(dialect.driver_sql(conn, sql), (experiment_id,))
        return cursor.fetchall()
    finally:
        cursor.close()


def tallies(conn: sa.Connection, experiment_id: int) -> tuple[RunCounts, Costs]:
    """The counts, latencies and usage totals of the experiment's runs (errored runs included:
    their time and tokens were spent too), in three scans of them: one aggregate of every count
    and token sum (one scan each took 4 at 100,000 runs), the latencies, and the costs."""
    # Sorted here: no index holds them in order (migration 0013), and the database's sort of
    # 100,000 cost more than Python's.
    latencies: list[float] = sorted(
        [
            row[0]
            for row in _driver_rows(
                conn,
                "SELECT latency_ms FROM experiment_runs WHERE experiment_id = ? AND latency_ms IS NOT NULL",
                experiment_id,
            )
        ]
    )
    # The costs, summed here with math.fsum per currency: the correctly rounded sum, whatever
    # order the rows come in. A database's SUM of floats adds them in its own order, and
    # PostgreSQL's parallel plans change that order from one read to the next: a stored row and
    # its recomputation differed in their last digits.
    spent: dict[str | None, list[float]] = {}
    for currency, cost in _driver_rows(
        conn,
        "SELECT currency, cost FROM experiment_runs WHERE experiment_id = ? AND cost IS NOT NULL",
        experiment_id,
    ):
        spent.setdefault(currency, []).append(float(cost))
    has_tokens = sa.or_(runs.c.tokens_in.is_not(None), runs.c.tokens_out.is_not(None))
    (total,) = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(runs.c.error),
            sa.func.count(runs.c.reused_from_run_id),
            sa.func.coalesce(sa.func.sum(runs.c.tokens_in), 0),
            sa.func.coalesce(sa.func.sum(runs.c.tokens_out), 0),
            sa.func.count().filter(has_tokens),
        ).where(runs.c.experiment_id == experiment_id)
    ).all()
    counts = RunCounts(runs=int(total[0]), errors=int(total[1]), reused=int(total[2]))
    count = len(latencies)
    latency = {
        "count": count,
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "mean": math.fsum(latencies) / count if count else None,
    }
    return counts, Costs(
        latency_ms=latency,
        tokens_in=int(total[3]),
        tokens_out=int(total[4]),
        runs_with_tokens=int(total[5]),
        costs=sorted(
            ((currency, math.fsum(amounts), len(amounts)) for currency, amounts in spent.items()),
            key=lambda item: (item[0] is not None, item[0] or ""),
        ),
    )


def spare_connection(engine: sa.Engine) -> bool:
    """Whether work may take a connection of its own beside the ones this thread holds: the
    pool has one to spare (never wait for one while holding another: many requests at once
    would each wait for the pool's timeout) and the database is not a SQLite one in memory
    (each connection would see a database of its own, or share this one's)."""
    pool = engine.pool
    spare = not isinstance(pool, sa.pool.QueuePool) or pool.checkedout() + 1 < pool.size()
    url = engine.url
    return spare and (url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:"))


def _answer(found: Tallies) -> dict[str, Any]:
    """What ``experiment_costs.costs`` holds: the fields of a comparison's ``base``/``head``
    that the runs give (``runs``, ``errored_runs``, ``reused_runs``, ``latency_ms``,
    ``usage``), and the summary's ``evaluations``."""
    counts = found.counts
    return {
        "runs": counts.runs,
        "errored_runs": counts.errors,
        "reused_runs": counts.reused,
        **found.costs.summary(),
        "evaluations": found.evaluations,
    }


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _decoded(text: str) -> Tallies:
    value = orjson.loads(text)
    latency, usage = value["latency_ms"], value["usage"]
    # Canonical JSON writes the float 2.0 as 2 and sorts members by name: the answer's floats
    # are made floats again, its objects built in the answer's order.
    return Tallies(
        RunCounts(runs=value["runs"], errors=value["errored_runs"], reused=value["reused_runs"]),
        Costs(
            latency_ms={
                "count": latency["count"],
                "p50": _optional_float(latency["p50"]),
                "p95": _optional_float(latency["p95"]),
                "mean": _optional_float(latency["mean"]),
            },
            tokens_in=usage["tokens_in"],
            tokens_out=usage["tokens_out"],
            runs_with_tokens=usage["runs_with_tokens"],
            costs=[(cost["currency"], float(cost["amount"]), cost["runs"]) for cost in usage["costs"]],
        ),
        [
            {
                "name": evaluator["name"],
                "count": evaluator["count"],
                "errors": evaluator["errors"],
                "scored": evaluator["scored"],
                "mean_score": _optional_float(evaluator["mean_score"]),
            }
            for evaluator in value["evaluations"]
        ],
    )


def _encoded(found: Tallies) -> str | None:
    """The canonical JSON (RFC 8785) of :func:`_answer`, or None where it would not be read
    back as the same answer (-0.0 is written 0, an integer beyond 2^53 is refused): such an
    experiment's are computed at each read, as before migration 0015."""
    answer = _answer(found)
    try:
        text = groundset_core.canonicalize(answer).decode("utf-8")
        same = orjson.dumps(_answer(_decoded(text))) == orjson.dumps(answer)
    except (groundset_core.HashError, orjson.JSONEncodeError, TypeError, ValueError):
        return None
    return text if same else None


def stored_tallies(conn: sa.Connection, experiment: sa.Row[Any]) -> Tallies | None:
    """The :class:`Tallies` of ``experiment`` (its row, with ``id`` and ``results_revision``,
    read in ``conn``'s snapshot) from its ``experiment_costs`` row, if that was computed at the
    same ``results_revision``: every write to its runs or evaluations counts the revision up in
    its transaction, so an equal revision means the same runs and evaluations. None otherwise."""
    stored = conn.execute(
        sa.select(experiment_costs.c.results_revision, experiment_costs.c.costs).where(
            experiment_costs.c.experiment_id == experiment.id
        )
    ).first()
    if stored is None or stored.results_revision != experiment.results_revision:
        return None
    return _decoded(stored.costs)


def kept_tallies(conn: sa.Connection, experiment: sa.Row[Any]) -> Tallies:
    """:func:`stored_tallies` where the row is current; otherwise :func:`tallies` and
    :func:`evaluator_tallies` computed here and stored for the next read (:func:`store`)."""
    found = stored_tallies(conn, experiment)
    if found is None:
        found = Tallies(*tallies(conn, experiment.id), evaluator_tallies(conn, experiment.id))
        store(conn.engine, experiment.id, experiment.results_revision, found)
    return found


STORE_LOCK_TIMEOUT_MS = 200
"""How long storing an experiment's costs waits for a lock on PostgreSQL (a batch of its runs
being written holds its row) before it gives up: the next read stores them."""


@contextmanager
def _without_waiting(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction that gives up (DBAPIError) rather than wait for a lock: SQLite's
    busy timeout 0 for it, PostgreSQL's ``lock_timeout`` :data:`STORE_LOCK_TIMEOUT_MS`, and no
    wait for the commit's flush to disk (what it writes can be computed again)."""
    with engine.connect() as conn:
        if not dialect.is_sqlite(conn):
            with conn.begin():
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = {STORE_LOCK_TIMEOUT_MS}")
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                yield conn
            return
        # Read outside a transaction (SQLite's PRAGMA busy_timeout applies to the connection).
        driver: Any = conn.connection.driver_connection
        (waited,) = driver.execute("PRAGMA busy_timeout").fetchone()
        driver.execute("PRAGMA busy_timeout=0")
        try:
            with conn.begin():
                yield conn
        finally:
            try:
                driver.execute(f"PRAGMA busy_timeout={int(waited)}")
            except BaseException:
                conn.invalidate()
                raise


def store(engine: sa.Engine, experiment_id: int, revision: int, found: Tallies) -> bool:
    """Keep ``found``, computed at the experiment's ``revision``, in its
    ``experiment_costs`` row, unless that holds a later revision already; on a connection and
    transaction of its own, and only when that never waits: no connection to spare
    (:func:`spare_connection`), the write lock taken (SQLite) or a lock held longer than
    :data:`STORE_LOCK_TIMEOUT_MS` (PostgreSQL), the experiment deleted meanwhile: nothing is
    stored. Whether the row was written (not: given up, or a later revision kept)."""
    text = _encoded(found)
    if text is None or not spare_connection(engine):
        return False
    row = {"experiment_id": experiment_id, "results_revision": revision, "costs": text}
    try:
        with _without_waiting(engine) as conn:
            statement = (sqlite.insert if dialect.is_sqlite(conn) else postgresql.insert)(experiment_costs)
            written = conn.execute(
                statement.values(row)
                .on_conflict_do_update(
                    index_elements=[experiment_costs.c.experiment_id],
                    set_={"results_revision": revision, "costs": text},
                    where=experiment_costs.c.results_revision < revision,
                )
                .returning(experiment_costs.c.experiment_id)
            ).first()
    except sa.exc.DBAPIError as error:
        # Busy, or the experiment went: a later read computes its costs again.
        log.debug("experiment %s's costs not stored: %s", experiment_id, error)
        return False
    return written is not None


def deltas(base: Costs, head: Costs) -> dict[str, Any]:
    """Head minus base: latency p50, p95 and mean (null when either side has none), tokens, and
    the cost per currency either side reports (a side without it counts 0)."""
    base_latency, head_latency = base.latency(), head.latency()
    latency = {
        key: None
        if base_latency[key] is None or head_latency[key] is None
        else head_latency[key] - base_latency[key]
        for key in ("p50", "p95", "mean")
    }
    base_costs = {currency: amount for currency, amount, _ in base.costs}
    head_costs = {currency: amount for currency, amount, _ in head.costs}
    currencies = sorted(set(base_costs) | set(head_costs), key=lambda c: (c is not None, c or ""))
    return {
        "latency_ms": latency,
        "tokens_in": head.tokens_in - base.tokens_in,
        "tokens_out": head.tokens_out - base.tokens_out,
        "costs": [
            {"currency": c, "amount": head_costs.get(c, 0.0) - base_costs.get(c, 0.0)} for c in currencies
        ],
    }


REFRESH_AFTER_SECONDS = 1.0
"""How long after the last write to an experiment's runs or evaluations by this process (and
none in progress) its :class:`Tallies` are computed and stored, in a thread of this process:
batches of runs posted back to back are added up once, after the last, and a first summary or
comparison finds them stored. None: never (each read computes them where stale)."""


class Refresher:
    """Computes and stores the :class:`Tallies` (:func:`kept_tallies`) of experiments of one
    app's ``engine`` after writes to their runs or evaluations (:meth:`writing`),
    :data:`REFRESH_AFTER_SECONDS` after the last one when no write of this app to that
    experiment is in progress, one experiment at a time in a daemon thread that runs from
    :meth:`start` to :meth:`stop` (the app's lifespan: ``app.state.refresher``). Best effort:
    a failure is logged, and what is due when stopped or never started is dropped; the next
    read computes them."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._changed = threading.Condition()
        self._due: dict[int, float] = {}
        self._writing: dict[int, int] = {}
        self._working = False
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (again after :meth:`stop`); nothing if it runs."""
        with self._changed:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="costs-refresh", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """End the thread once the refresh in progress, if any, is done; what is due is dropped."""
        with self._changed:
            thread, self._thread = self._thread, None
            self._stopping = True
            self._due.clear()
            self._changed.notify_all()
        if thread is not None:
            thread.join()

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    @contextmanager
    def writing(self, experiment_id: int) -> Iterator[None]:
        """Around a write to the experiment's runs or evaluations (its transaction inside):
        nothing is refreshed while it is in progress, and once it has committed the experiment
        is due :data:`REFRESH_AFTER_SECONDS` later."""
        with self._changed:
            self._writing[experiment_id] = self._writing.get(experiment_id, 0) + 1
        committed = False
        try:
            yield
            committed = True
        finally:
            with self._changed:
                left = self._writing.pop(experiment_id, 1) - 1
                if left:
                    self._writing[experiment_id] = left
                if committed and REFRESH_AFTER_SECONDS is not None and self._thread is not None:
                    self._due[experiment_id] = time.monotonic() + REFRESH_AFTER_SECONDS
                self._changed.notify_all()

    def settle(self, timeout: float) -> bool:
        """Wait until nothing is due or being refreshed (at most ``timeout`` seconds); whether
        that came."""
        end = time.monotonic() + timeout
        with self._changed:
            while self._due or self._working:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def _next(self) -> int | None:
        """The next experiment due, once due; None when stopping."""
        with self._changed:
            while not self._stopping:
                now = time.monotonic()
                ready = [(at, key) for key, at in self._due.items() if key not in self._writing]
                if ready:
                    at, key = min(ready)
                    if at <= now:
                        del self._due[key]
                        self._working = True
                        return key
                    self._changed.wait(at - now)
                else:
                    self._changed.wait()
            return None

    def _run(self) -> None:
        while (experiment_id := self._next()) is not None:
            try:
                with read_transaction(self.engine) as conn:
                    of_it = experiments.c.id == experiment_id
                    row = conn.execute(sa.select(experiments).where(of_it)).first()
                    if row is not None:
                        kept_tallies(conn, row)
            except Exception:  # the next read computes them
                log.warning("experiment %s's costs not refreshed", experiment_id, exc_info=True)
            finally:
                with self._changed:
                    self._working = False
                    self._changed.notify_all()
