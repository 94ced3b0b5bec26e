"""Alembic environment: run with the connection that groundset_server passes in."""

from __future__ import annotations

from alembic import context

from groundset_server.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the server always passes a connection
    raise RuntimeError("run migrations through groundset_server.db.engine.run_migrations")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
