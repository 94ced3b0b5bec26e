"""The runs' index of latencies (migration 0011) dropped.

It handed an experiment's summary its latencies in order from the index alone, and cost every
write of runs a B-tree insertion at a random place (latencies come in no order): an
incremental rerun's copy of 99,000 runs spent 0.12 s of its 0.42 s of CPU on SQLite keeping it
(the other indexes take their entries in key order, at the end). Without it the summary reads
the latencies from the runs' rows, found by the (experiment, example, repetition) key, and
sorts them itself: 0.01-0.02 s more at 100,000 runs, once per change of the experiment's
results (the summary is kept until then).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEX = "ix_experiment_runs_experiment_id_latency_ms"


def upgrade() -> None:
    op.drop_index(INDEX, "experiment_runs")


def downgrade() -> None:
    known = sa.text("latency_ms IS NOT NULL")
    op.create_index(
        INDEX, "experiment_runs", ["experiment_id", "latency_ms"], sqlite_where=known, postgresql_where=known
    )
