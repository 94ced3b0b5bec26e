"""Free text as its JSON string literal: rows written before it are converted in place.

PostgreSQL's ``text`` cannot hold U+0000, SQLite's can; storing ``"a\\u0000b"`` (what
``db.tables.FreeText`` writes) makes every string read back exactly on both. Rows are converted
in Python, a page at a time by id: SQLite rows may hold U+0000, which SQL string functions
do not all handle.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FREE_TEXT = {
    "datasets": ["description"],
    "dataset_versions": ["description"],
    "experiments": ["description"],
    "experiment_runs": ["error"],
    "experiment_evaluations": ["label", "explanation", "error"],
}
PAGE = 5000


def _convert(change: Callable[[str], str]) -> None:
    conn = op.get_bind()
    for table_name, columns in FREE_TEXT.items():
        table = sa.table(table_name, sa.column("id", sa.Integer), *(sa.column(c, sa.Text) for c in columns))
        after = 0
        while True:
            rows = conn.execute(
                sa.select(table).where(table.c.id > after).order_by(table.c.id).limit(PAGE)
            ).all()
            if not rows:
                break
            after = rows[-1].id
            for column in columns:
                changed = [
                    {"row_id": row.id, "value": change(value)}
                    for row in rows
                    if (value := getattr(row, column)) is not None
                ]
                if changed:
                    conn.execute(
                        sa.update(table)
                        .where(table.c.id == sa.bindparam("row_id"))
                        .values({column: sa.bindparam("value")}),
                        changed,
                    )


def upgrade() -> None:
    _convert(lambda text: orjson.dumps(text).decode("utf-8"))


def downgrade() -> None:
    _convert(lambda literal: str(orjson.loads(literal)))
