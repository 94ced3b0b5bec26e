"""An experiment's ``results_revision``, counted up by every write to its runs or evaluations,
and an index of its runs' latencies.

The revision lets a server process keep a computed comparison (and summary) of experiments and
know, by reading their rows alone, whether any run or evaluation was added, replaced or deleted
since: counts and greatest ids would miss an evaluation replaced in place (same id) and a reuse
link cleared by the deletion of the experiment it came from.

The index (experiment, latency) of the runs with a latency hands the summary its latencies in
order, read from the index alone, for the p50 and p95: the runs' rows, with their outputs, are
not read for them. It is partial so that only a query asking for known latencies can use it:
a whole one, smaller than the (experiment, example, repetition) key, was SQLite's choice for
every read of an experiment's runs, which then visited them in latency order (the runs page
0.02 -> 0.13 s, the summary's aggregates twice as slow).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: a batch would rebuild SQLite's table, and the rebuild loses AUTOINCREMENT.
    column = sa.Column("results_revision", sa.Integer, nullable=False, server_default="0")
    op.add_column("experiments", column)
    known = sa.text("latency_ms IS NOT NULL")
    op.create_index(
        "ix_experiment_runs_experiment_id_latency_ms",
        "experiment_runs",
        ["experiment_id", "latency_ms"],
        sqlite_where=known,
        postgresql_where=known,
    )


def downgrade() -> None:
    op.drop_index("ix_experiment_runs_experiment_id_latency_ms", "experiment_runs")
    with op.batch_alter_table("experiments") as batch:
        batch.drop_column("results_revision")
