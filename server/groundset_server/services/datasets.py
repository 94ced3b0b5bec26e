"""Datasets: list, read and delete (an upsert creates them: :mod:`.upserts`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from groundset_server.db import dialect
from groundset_server.db.engine import read_transaction, write_transaction
from groundset_server.db.tables import dataset_example_revisions as revisions
from groundset_server.db.tables import dataset_examples as examples
from groundset_server.db.tables import dataset_versions as versions
from groundset_server.db.tables import datasets, experiments, version_tags
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
    """Datasets by id after ``cursor`` (schema ``DatasetPage``), each with its latest version's
    ``example_count`` and its ``tags``; ``name``: only the one so named."""
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
        # A version's example_count is the count of its live examples: the latest's is the
        # dataset's, read by primary key instead of counted (a page of datasets of 100,000 each).
        latest_ids = [row.latest_version_id for row in rows if row.latest_version_id is not None]
        counts = dict(
            conn.execute(
                sa.select(versions.c.id, versions.c.example_count).where(versions.c.id.in_(latest_ids))
            ).all()
        )
        tags = dataset_tags(conn, [row.id for row in rows])
    answers = []
    for row in rows:
        answer = dataset_json(row, row.latest_version_id)
        answer["example_count"] = counts.get(row.latest_version_id, 0)
        answer["tags"] = tags.get(row.id, [])
        answers.append(answer)
    return {"data": answers, "next_cursor": next_cursor}


def dataset_tags(conn: sa.Connection, dataset_ids: list[int]) -> dict[int, list[str]]:
    """The tags of each dataset, on any of its versions (sorted by code point; a dataset
    without tags is absent)."""
    found: dict[int, list[str]] = {}
    if not dataset_ids:
        return found
    query = sa.select(version_tags.c.dataset_id, version_tags.c.name)
    rows = conn.execute(query.where(version_tags.c.dataset_id.in_(dataset_ids)))
    for dataset_id, name in rows:
        found.setdefault(dataset_id, []).append(name)
    for names in found.values():
        names.sort()
    return found


def get_dataset(engine: sa.Engine, dataset_id: str) -> dict[str, Any]:
    """The dataset with its ``example_count`` and ``tags`` (schema ``Dataset``);
    ``dataset_not_found``."""
    with read_transaction(engine) as conn:
        row = dataset_by_id(conn, dataset_id)
        latest = latest_version_id(conn, row.id)
        count = conn.execute(
            sa.select(sa.func.count()).where(examples.c.dataset_id == row.id, sa.not_(examples.c.is_deleted))
        ).scalar_one()
        tags = dataset_tags(conn, [row.id]).get(row.id, [])
    answer = dataset_json(row, latest)
    answer["example_count"] = count
    answer["tags"] = tags
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
