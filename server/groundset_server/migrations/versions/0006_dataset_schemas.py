"""Dataset schemas: ``dataset_schemas``, one row per change of a dataset's JSON Schemas (draft
2020-12) for ``input``, ``output`` and ``metadata`` (canonical JSON text, null for no schema).
The newest row is the dataset's schema; a deletion is a row of three nulls. The rows go with
their dataset.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dataset_schemas",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("input_schema", sa.Text, nullable=True),
        sa.Column("output_schema", sa.Text, nullable=True),
        sa.Column("metadata_schema", sa.Text, nullable=True),
        sa.Column("forced", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sqlite_autoincrement=True,
    )
    # Every upsert reads its dataset's newest row.
    op.create_index("ix_dataset_schemas_dataset_id_id", "dataset_schemas", ["dataset_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_dataset_schemas_dataset_id_id", table_name="dataset_schemas")
    op.drop_table("dataset_schemas")
