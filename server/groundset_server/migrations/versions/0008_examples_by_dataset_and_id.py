"""An index of a dataset's examples in id order (``dataset_id, id``), the order a version's
examples are paged in (GET /v1/datasets/{id}/examples, its NDJSON stream, the export): SQLite
otherwise found a dataset's examples by ``(dataset_id, source_id)`` and sorted all of them for
each page (0.6 s a page at 100,000 examples, 14 ms with it).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dataset_examples_dataset_id_id", "dataset_examples", ["dataset_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_dataset_examples_dataset_id_id", table_name="dataset_examples")
