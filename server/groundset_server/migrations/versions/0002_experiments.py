"""Experiments, their runs (one per example and repetition) and the runs' evaluations.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "experiments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "dataset_version_id",
            sa.Integer,
            sa.ForeignKey("dataset_versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("metadata", sa.Text, nullable=False),
        sa.Column("repetitions", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_experiments_dataset_id_id", "experiments", ["dataset_id", "id"])
    op.create_table(
        "experiment_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "experiment_id",
            sa.Integer,
            sa.ForeignKey("experiments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "example_id",
            sa.Integer,
            sa.ForeignKey("dataset_examples.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("repetition_number", sa.Integer, nullable=False),
        sa.Column("output", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("start_time", sa.String(32), nullable=False),
        sa.Column("end_time", sa.String(32), nullable=False),
        sa.UniqueConstraint(
            "experiment_id",
            "example_id",
            "repetition_number",
            name="uq_experiment_runs_experiment_id_example_id_repetition_number",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_experiment_runs_example_id", "experiment_runs", ["example_id"])
    op.create_table(
        "experiment_evaluations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id",
            sa.Integer,
            sa.ForeignKey("experiment_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("label", sa.Text, nullable=True),
        sa.Column("explanation", sa.Text, nullable=True),
        sa.Column("metadata", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("annotator_kind", sa.String(8), nullable=False),
        sa.Column("start_time", sa.String(32), nullable=False),
        sa.Column("end_time", sa.String(32), nullable=False),
        sa.UniqueConstraint("run_id", "name", name="uq_experiment_evaluations_run_id_name"),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("experiment_evaluations")
    op.drop_index("ix_experiment_runs_example_id", table_name="experiment_runs")
    op.drop_table("experiment_runs")
    op.drop_index("ix_experiments_dataset_id_id", table_name="experiments")
    op.drop_table("experiments")
