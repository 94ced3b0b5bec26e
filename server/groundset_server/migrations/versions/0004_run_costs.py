"""What each run cost and which task made it (issue 14): the experiment's `task_version`; a
run's `latency_ms`, usage (`tokens_in`, `tokens_out`, `cost`, `currency`) and
`reused_from_run_id` (the run it was copied from by an incremental rerun); an evaluation's
`latency_ms` and `evaluator_version`. Every column is nullable: rows written before it, and
clients that do not send them, read back as null.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


RUN_COLUMNS = [
    ("latency_ms", sa.Float),
    ("tokens_in", sa.BigInteger),
    ("tokens_out", sa.BigInteger),
    ("cost", sa.Float),
    ("currency", sa.Text),
]


def upgrade() -> None:
    op.add_column("experiments", sa.Column("task_version", sa.Text, nullable=True))
    for name, type_ in RUN_COLUMNS:
        op.add_column("experiment_runs", sa.Column(name, type_, nullable=True))
    # A copied run outlives the experiment it came from: deleting that one clears the link.
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference in place (no table rebuild, which would lose
        # AUTOINCREMENT); it has no ALTER TABLE ... ADD CONSTRAINT.
        op.execute(
            "ALTER TABLE experiment_runs ADD COLUMN reused_from_run_id INTEGER "
            "REFERENCES experiment_runs (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("experiment_runs", sa.Column("reused_from_run_id", sa.Integer, nullable=True))
        op.create_foreign_key(
            "fk_experiment_runs_reused_from_run_id",
            "experiment_runs",
            "experiment_runs",
            ["reused_from_run_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # Deleting a run looks up the runs copied from it: without it PostgreSQL scans every run.
    op.create_index("ix_experiment_runs_reused_from_run_id", "experiment_runs", ["reused_from_run_id"])
    op.add_column("experiment_evaluations", sa.Column("latency_ms", sa.Float, nullable=True))
    op.add_column("experiment_evaluations", sa.Column("evaluator_version", sa.Text, nullable=True))


def downgrade() -> None:
    op.drop_column("experiment_evaluations", "evaluator_version")
    op.drop_column("experiment_evaluations", "latency_ms")
    op.drop_index("ix_experiment_runs_reused_from_run_id", table_name="experiment_runs")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_experiment_runs_reused_from_run_id", "experiment_runs", type_="foreignkey")
    # SQLite (3.35+) drops a column in place unless it is referenced by a constraint, as
    # reused_from_run_id is: that one needs the table rebuilt.
    with op.batch_alter_table("experiment_runs") as batch:
        for name in ["reused_from_run_id", *(name for name, _ in reversed(RUN_COLUMNS))]:
            batch.drop_column(name)
    op.drop_column("experiments", "task_version")
