"""What an experiment's runs cost: latency percentiles and usage totals, for its summary and
for a comparison (schemas ``Latency`` and ``Usage`` of ``experiment_schemas``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.tables import experiment_runs as runs


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
    latencies: list[float]
    """Ascending, in milliseconds."""
    tokens_in: int
    tokens_out: int
    runs_with_tokens: int
    costs: list[tuple[str | None, float, int]]
    """(currency, amount, runs), ordered by currency, None first."""

    def latency(self) -> dict[str, Any]:
        count = len(self.latencies)
        return {
            "count": count,
            "p50": percentile(self.latencies, 0.5),
            "p95": percentile(self.latencies, 0.95),
            "mean": math.fsum(self.latencies) / count if count else None,
        }

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


def tallies(conn: sa.Connection, experiment_id: int) -> tuple[RunCounts, Costs]:
    """The counts, latencies and usage totals of the experiment's runs (errored runs included:
    their time and tokens were spent too), in two scans of them: one aggregate of every count and
    sum (one scan each took 4 at 100,000 runs), and the latencies."""
    # Sorted here: no index holds them in order (migration 0013), and the database's sort of
    # 100,000 cost more than Python's. The driver's rows as they are (a float on either
    # database): a Row object, or a copied tuple, per run cost more than the scan.
    cursor = conn.connection.cursor()
    try:
        cursor.execute(
            dialect.driver_sql(
                conn,
                "SELECT latency_ms FROM experiment_runs WHERE experiment_id = ? AND latency_ms IS NOT NULL",
            ),
            (experiment_id,),
        )
        latencies: list[float] = sorted([row[0] for row in cursor.fetchall()])
    finally:
        cursor.close()
    has_tokens = sa.or_(runs.c.tokens_in.is_not(None), runs.c.tokens_out.is_not(None))
    no_currency = runs.c.currency.is_(None)
    # One scan without GROUP BY (its sort of 100,000 rows cost a third of the statement) where
    # the runs name at most one currency, as they nearly always do; a second, grouped, where
    # they name more. The sums add the same rows in the same order either way.
    (total,) = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(runs.c.error),
            sa.func.count(runs.c.reused_from_run_id),
            sa.func.coalesce(sa.func.sum(runs.c.tokens_in), 0),
            sa.func.coalesce(sa.func.sum(runs.c.tokens_out), 0),
            sa.func.count().filter(has_tokens),
            sa.func.min(runs.c.currency),
            sa.func.max(runs.c.currency),
            sa.func.sum(runs.c.cost).filter(no_currency),
            sa.func.count(runs.c.cost).filter(no_currency),
            sa.func.sum(runs.c.cost).filter(sa.not_(no_currency)),
            sa.func.count(runs.c.cost).filter(sa.not_(no_currency)),
        ).where(runs.c.experiment_id == experiment_id)
    ).all()
    lowest, highest = total[6], total[7]
    spent: list[tuple[str | None, Any, int]]
    if lowest == highest:
        spent = [(None, total[8], int(total[9])), (lowest, total[10], int(total[11]))]
    else:
        spent = [
            (currency, amount, int(with_cost))
            for currency, amount, with_cost in conn.execute(
                sa.select(runs.c.currency, sa.func.sum(runs.c.cost), sa.func.count(runs.c.cost))
                .where(runs.c.experiment_id == experiment_id)
                .group_by(runs.c.currency)
            ).all()
        ]
    counts = RunCounts(runs=int(total[0]), errors=int(total[1]), reused=int(total[2]))
    return counts, Costs(
        latencies=latencies,
        tokens_in=int(total[3]),
        tokens_out=int(total[4]),
        runs_with_tokens=int(total[5]),
        costs=sorted(
            ((currency, float(amount), with_cost) for currency, amount, with_cost in spent if with_cost),
            key=lambda item: (item[0] is not None, item[0] or ""),
        ),
    )


def costs(conn: sa.Connection, experiment_id: int) -> Costs:
    """The latencies and usage totals of the experiment's runs (:func:`tallies`)."""
    return tallies(conn, experiment_id)[1]


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
