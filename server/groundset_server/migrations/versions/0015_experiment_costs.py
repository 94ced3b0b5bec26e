"""An experiment's costs kept with it: table ``experiment_costs``.

Its counts of runs, latency percentiles and usage totals (what its summary and a comparison
answer of them) aggregate every run: 0.1-0.2 s of CPU at 100,000 runs, paid by the first read
of each server process. The row keeps that answer as canonical JSON (RFC 8785) with the
experiment's ``results_revision`` it was computed at (migration 0011): a read uses it while the
experiment is at that revision, and otherwise computes the answer again and stores it
(:mod:`groundset_server.services.costs`). Deleting the experiment deletes its row.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "experiment_costs",
        sa.Column(
            "experiment_id",
            sa.Integer,
            sa.ForeignKey("experiments.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("results_revision", sa.Integer, nullable=False),
        sa.Column("costs", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("experiment_costs")
