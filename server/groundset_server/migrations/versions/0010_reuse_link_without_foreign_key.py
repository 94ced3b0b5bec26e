"""A run's ``reused_from_run_id`` (the run an incremental rerun copied it from) without a
foreign key on PostgreSQL.

Its check cost a reuse of 99,000 runs 0.85 s of 5 (a key share lock taken on each base run,
a row trigger per copy), and the link needs none: the copy takes the id from the row it
copies, in the same transaction, while it holds a key share lock on the base experiment; the
deletion of an experiment clears the links to its runs itself
(:func:`~groundset_server.services.experiments.delete_experiment`), as ``ON DELETE SET NULL``
did. The index stays: that clearing looks the copies up by it.

SQLite keeps the reference its column was added with (migration 0004): dropping it would
rebuild the table, and the rebuild loses ``AUTOINCREMENT``. A reuse copies there without
foreign key checks (``write_transaction(check_references=False)``); its ``ON DELETE SET NULL``
finds the links already cleared.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

CONSTRAINT = "fk_experiment_runs_reused_from_run_id"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.drop_constraint(CONSTRAINT, "experiment_runs", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # A link left by a deletion that did not clear it would fail the constraint.
    op.execute(
        "UPDATE experiment_runs SET reused_from_run_id = NULL WHERE reused_from_run_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM experiment_runs AS source "
        "WHERE source.id = experiment_runs.reused_from_run_id)"
    )
    op.create_foreign_key(
        CONSTRAINT, "experiment_runs", "experiment_runs", ["reused_from_run_id"], ["id"], ondelete="SET NULL"
    )
