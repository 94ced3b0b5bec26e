"""Version tags: ``version_tags`` (a name per dataset pointing at one of its versions, unique
per dataset) and ``version_tag_events`` (each tag's history: created, moved, deleted, with the
version before and when). Both go with their dataset; a tag goes with its version.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "version_tags",
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("dataset_versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("dataset_id", "name", name="pk_version_tags"),
    )
    # Deleting a version (with its dataset) looks up its tags: without it PostgreSQL scans them.
    op.create_index("ix_version_tags_version_id", "version_tags", ["version_id"])
    op.create_table(
        "version_tag_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tag", sa.Text, nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("version_id", sa.Integer, nullable=True),
        sa.Column("previous_version_id", sa.Integer, nullable=True),
        sa.Column("at", sa.String(32), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_version_tag_events_dataset_id_tag_id", "version_tag_events", ["dataset_id", "tag", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_version_tag_events_dataset_id_tag_id", table_name="version_tag_events")
    op.drop_table("version_tag_events")
    op.drop_index("ix_version_tags_version_id", table_name="version_tags")
    op.drop_table("version_tags")
