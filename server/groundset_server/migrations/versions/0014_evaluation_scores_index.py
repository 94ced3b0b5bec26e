"""On SQLite, an index of the evaluations that holds what a comparison reads of them.

A comparison computed in the database (:mod:`groundset_server.services.comparisons`) looks up
each aligned example's evaluations by ``(run_id, name)`` and reads their score, label and
error. Through the unique index each lookup was followed by a read of the evaluation's row,
which holds its explanation and metadata too: most of the statement's time at 100,000 runs.
With every column it reads in this index the row is never visited (0.1 s less of a cold
comparison's 1.3 s of CPU at 100,000 examples). SQLite's planner prefers the unique index, so
the statement names this one (``INDEXED BY``).

PostgreSQL does without it: a B-tree entry there is limited to about 2,700 bytes, and a label
or an error has no length limit, so such an index could refuse a write.

The index's entries come in the order runs are written (ids only grow), so an incremental
rerun's copy of evaluations appends to it.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEX = "ix_experiment_evaluations_run_id_name_scores"
COLUMNS = ["run_id", "name", "score", "label", "error"]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(INDEX, "experiment_evaluations", COLUMNS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(INDEX, "experiment_evaluations")
