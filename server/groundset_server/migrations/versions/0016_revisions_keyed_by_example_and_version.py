"""A revision keyed by its example and version on PostgreSQL: the unused ``id`` column dropped.

No query reads a revision by ``id``: each is found by ``(example_id, version_id)`` (an example's
state at a version) or by ``version_id``. Yet every revision a load wrote paid for it: a
``nextval`` of its sequence and an entry in a third B-tree. With ``(example_id, version_id)``
as the primary key (its index the unique constraint's, which it replaces) a load of 200,000
examples of ~1 KB cost the database's processes ~7% less CPU.

SQLite keeps its table as it is: its ``id`` is the rowid (no index of its own), and dropping it
rebuilds the table, a copy of every revision; the one cost it saves, ``AUTOINCREMENT``'s read
and write of ``sqlite_sequence``, is paid once per 100-row statement
(:data:`~groundset_server.db.dialect.SQLITE_ROWS_PER_STATEMENT`). The code never names the
column, so both tables serve it.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

REVISIONS = "dataset_example_revisions"
UNIQUE = "uq_dataset_example_revisions_example_id_version_id"
PRIMARY = "pk_dataset_example_revisions"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    # Dropping the column drops its primary key and the sequence it owns.
    op.execute(f"ALTER TABLE {REVISIONS} DROP COLUMN id")
    op.execute(f"ALTER TABLE {REVISIONS} DROP CONSTRAINT {UNIQUE}")
    op.execute(f"ALTER TABLE {REVISIONS} ADD CONSTRAINT {PRIMARY} PRIMARY KEY (example_id, version_id)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(f"ALTER TABLE {REVISIONS} DROP CONSTRAINT {PRIMARY}")
    op.execute(f"ALTER TABLE {REVISIONS} ADD CONSTRAINT {UNIQUE} UNIQUE (example_id, version_id)")
    # A serial column numbers the rows there are, in no particular order, as 0001 made them.
    op.execute(f"ALTER TABLE {REVISIONS} ADD COLUMN id SERIAL")
    op.execute(f"ALTER TABLE {REVISIONS} ADD CONSTRAINT {REVISIONS}_pkey PRIMARY KEY (id)")
