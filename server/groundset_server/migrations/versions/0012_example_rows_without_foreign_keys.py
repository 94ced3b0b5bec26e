"""A dataset's example rows and revisions without foreign keys on PostgreSQL.

Their checks were half of the database's work in a bulk load: each new example row and
revision ran three row triggers (``dataset_examples.dataset_id``, and the revision's
``example_id`` and ``version_id``), each a lookup and a key share lock, the one on the example
row just inserted a WAL record of its own. A load of 200,000 examples of ~1 KB cost the backend
5.5 s of CPU with them and 3.2 s without (1,000,000: ~28 s and ~16 s).

No reference needs them: an upsert writes these rows only while it holds the dataset's row
locked (``SELECT ... FOR UPDATE``), taking every id from the dataset, the version it creates or
the example rows it inserts (or holds in its snapshot, read under that lock); the deletion of a
dataset takes the same lock first and deletes its revisions, examples and versions itself
(:func:`~groundset_server.services.datasets.delete_dataset`), as ``ON DELETE CASCADE`` did. No
other code deletes these rows or their parents. The indexes stay. ``experiment_runs`` keeps its
reference to the example rows.

SQLite keeps them: dropping one rebuilds the table, and the rebuild loses ``AUTOINCREMENT``;
an upsert runs there without foreign key checks already
(``write_transaction(check_references=False)``).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

REVISIONS = "dataset_example_revisions"
REFERENCES = (
    # (constraint, table, column, referred table)
    ("dataset_examples_dataset_id_fkey", "dataset_examples", "dataset_id", "datasets"),
    (f"{REVISIONS}_example_id_fkey", REVISIONS, "example_id", "dataset_examples"),
    (f"{REVISIONS}_version_id_fkey", REVISIONS, "version_id", "dataset_versions"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for constraint, table, _, _ in REFERENCES:
        op.drop_constraint(constraint, table, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for constraint, table, column, referred in REFERENCES:
        # A row whose parent is gone (none should be) would fail the constraint.
        op.execute(
            f"DELETE FROM {table} WHERE NOT EXISTS "
            f"(SELECT 1 FROM {referred} WHERE {referred}.id = {table}.{column})"
        )
        op.create_foreign_key(constraint, table, referred, [column], ["id"], ondelete="CASCADE")
