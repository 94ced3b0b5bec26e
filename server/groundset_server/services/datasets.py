"""Datasets: list, read and delete (an upsert creates them: :mod:`.upserts`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.engine import read_transaction, write_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.db.tables import datasets, experiments
from groundset_server.services.queries import dataset_by_id, latest_version_id, page
from groundset_server.services.values import json_value, render_id


def dataset_json(row: sa.Row[Any], latest_version_id: int | None) -> dict[str, Any]:
    """A dataset as answered (schema ``Dataset``, without ``example_count``)."""
    return {
        "id": render_id(row.id),
        "name": row.name,
        "description": row.description,
        "metadata": json_value(row.metadata),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "latest_version_id": render_id(latest_version_id),
    }


def list_datasets(engine: sa.Engine, cursor: str | None, limit: int, name: str | None) -> dict[str, Any]:
    """Datasets by id after ``cursor`` (schema ``DatasetPage``); ``name``: only the one so named."""
    latest = (
        sa.select(sa.func.max(versions.c.id))
        .where(versions.c.dataset_id == datasets.c.id)
        .scalar_subquery()
        .label("latest_version_id")
    )
    query = sa.select(datasets, latest)
    if name is not None:
        query = query.where(datasets.c.name == name)
    with read_transaction(engine) as conn:
        rows, next_cursor = page(conn, query, datasets.c.id, cursor, limit)
    return {"data": [dataset_json(row, row.latest_version_id) for row in rows], "next_cursor": next_cursor}


def get_dataset(engine: sa.Engine, dataset_id: str) -> dict[str, Any]:
    """The dataset with its ``example_count`` (schema ``Dataset``); ``dataset_not_found``."""
    with read_transaction(engine) as conn:
        row = dataset_by_id(conn, dataset_id)
        latest = latest_version_id(conn, row.id)
        count = conn.execute(
            sa.select(sa.func.count()).where(examples.c.dataset_id == row.id, sa.not_(examples.c.is_deleted))
        ).scalar_one()
    answer = dataset_json(row, latest)
    answer["example_count"] = count
    return answer


def delete_dataset(engine: sa.Engine, dataset_id: str) -> None:
    """Delete the dataset with its versions, examples and revisions; ``dataset_not_found``."""
    with write_transaction(engine) as conn:
        row = dataset_by_id(conn, dataset_id, lock=True)
        # A batch of runs locks its experiment, then its examples (their foreign keys): locking
        # the experiments before deleting the examples takes them in the same order, so the
        # delete waits for the batch instead of deadlocking with it.
        experiment_ids = sa.select(experiments.c.id).where(experiments.c.dataset_id == row.id)
        conn.execute(dialect.for_update(conn, experiment_ids.order_by(experiments.c.id)))
        example_ids = sa.select(examples.c.id).where(examples.c.dataset_id == row.id)
        conn.execute(sa.delete(revisions).where(revisions.c.example_id.in_(example_ids)))
        conn.execute(sa.delete(examples).where(examples.c.dataset_id == row.id))
        conn.execute(sa.delete(versions).where(versions.c.dataset_id == row.id))
        conn.execute(sa.delete(datasets).where(datasets.c.id == row.id))
