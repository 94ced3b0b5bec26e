"""Migration 0016 on both databases: PostgreSQL's revisions keyed by (example_id, version_id),
their ``id`` dropped, and back; SQLite's table as it was. Revisions written before it read back
the same after it, and the next upsert writes on."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from groundset_server.app import create_app
from groundset_server.config import Settings
from groundset_server.db import engine as db_engine
from groundset_server.db.engine import make_engine, run_migrations
from tests.conftest import example

REVISIONS = "dataset_example_revisions"
UNIQUE = "uq_dataset_example_revisions_example_id_version_id"


def layout(engine: sa.Engine) -> tuple[list[str], list[str], list[str]]:
    """The revisions' columns (sorted: undoing the migration adds ``id`` last), primary key
    columns and unique constraints."""
    inspector = sa.inspect(engine)
    return (
        sorted(column["name"] for column in inspector.get_columns(REVISIONS)),
        inspector.get_pk_constraint(REVISIONS)["constrained_columns"],
        sorted(str(unique["name"]) for unique in inspector.get_unique_constraints(REVISIONS)),
    )


def downgrade(engine: sa.Engine, revision: str) -> None:
    config, _ = db_engine._scripts()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
        connection.commit()


def contents(client: TestClient, dataset_id: str, version_id: str) -> dict[str, object]:
    page = client.get(f"/v1/datasets/{dataset_id}/examples", params={"version_id": version_id, "limit": 100})
    return {item["source_id"]: item["input"] for item in page.json()["data"]}


def upsert(client: TestClient, items: list[dict[str, Any]]) -> dict[str, Any]:
    answer = client.post("/v1/datasets/upsert", json={"dataset": {"name": "qa"}, "examples": items})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_migration_0016_up_and_down(database_url: str) -> None:
    engine = make_engine(database_url)
    run_migrations(engine, "0015")
    before = layout(engine)
    assert before == (
        [
            "content_hash",
            "created_at",
            "example_id",
            "id",
            "input",
            "metadata",
            "output",
            "revision_kind",
            "version_id",
        ],
        ["id"],
        [UNIQUE],
    )
    engine.dispose()
    # Two versions written by the app (which migrates to the newest as it starts), then the
    # migration undone with its rows and done again.
    v1_items = [example(f"e{i}", {"q": i}) for i in range(5)]
    v2_items = [example("e0", {"q": "changed"}), *v1_items[1:]]
    settings = Settings(database_url=database_url, api_key=None)
    with TestClient(create_app(settings)) as client:
        first = upsert(client, v1_items)
        second = upsert(client, v2_items)
        versions: list[tuple[str, dict[str, Any]]] = [
            (first["version_id"], {f"e{i}": {"q": i} for i in range(5)})
        ]
        versions.append((second["version_id"], {**versions[0][1], "e0": {"q": "changed"}}))
    # Back to 0015, the rows kept, then up again.
    engine = make_engine(database_url)
    try:
        downgrade(engine, "0015")
        assert layout(engine) == before
        with engine.connect() as conn:
            ids = conn.execute(sa.text(f"SELECT id FROM {REVISIONS} ORDER BY id")).scalars().all()
        assert len(set(ids)) == 6 and None not in ids
        run_migrations(engine)
        columns, key, uniques = layout(engine)
        if engine.dialect.name == "sqlite":
            # SQLite keeps its table (its id is the rowid): see the migration.
            assert (columns, key, uniques) == before
        else:
            assert "id" not in columns and key == ["example_id", "version_id"] and UNIQUE not in uniques
            with engine.connect() as conn:
                sequence = conn.execute(sa.text("SELECT to_regclass('dataset_example_revisions_id_seq')"))
                assert sequence.scalar_one() is None
    finally:
        engine.dispose()
    app = create_app(settings)
    with TestClient(app) as client:
        for version_id, expected in versions:
            assert contents(client, first["dataset_id"], version_id) == expected
        third = upsert(client, [example("e0", {"q": "again"}), example("e9", {"q": 9})])
        assert (third["created"], third["updated"], third["unchanged"]) == (1, 1, 0)
        latest = contents(client, first["dataset_id"], third["version_id"])
        assert latest == {**versions[1][1], "e0": {"q": "again"}, "e9": {"q": 9}}
        # A second revision of one example at one version is refused by the key.
        with app.state.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(
                sa.text(
                    f"INSERT INTO {REVISIONS} (example_id, version_id, revision_kind, created_at) "
                    f"SELECT example_id, version_id, revision_kind, created_at FROM {REVISIONS} LIMIT 1"
                )
            )
    app.state.engine.dispose()
