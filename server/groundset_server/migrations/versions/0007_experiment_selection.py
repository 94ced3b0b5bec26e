"""Experiments on a subset of their version: ``experiments.selection`` (the selection as the
request gave it, canonical JSON text, RFC 8785; null: the whole version) and
``experiment_examples`` (the examples it selected, one row each, only for an experiment with a
selection). A version never changes, so the selected examples are found once, when the
experiment is created; every later query (runs accepted, incomplete pairs, summary, reuse,
comparison) joins this table instead of filtering the version again.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("experiments", sa.Column("selection", sa.Text, nullable=True))
    op.create_table(
        "experiment_examples",
        sa.Column(
            "experiment_id", sa.Integer, sa.ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "example_id", sa.Integer, sa.ForeignKey("dataset_examples.id", ondelete="CASCADE"), nullable=False
        ),
        sa.PrimaryKeyConstraint("experiment_id", "example_id", name="pk_experiment_examples"),
    )


def downgrade() -> None:
    op.drop_table("experiment_examples")
    with op.batch_alter_table("experiments") as batch:
        batch.drop_column("selection")
