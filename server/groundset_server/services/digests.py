"""The stored digest of each version's manifest (table ``dataset_version_digests``).

A version's digest is the SHA-256 of its sorted ``[[source_id, content_hash], ...]`` (RFC 8785
canonical JSON; ``groundset_core.manifest_digest``, the digest ``groundset hash --digest``
prints and a ``Version`` answers). It is written with the version, so the upsert's digest check
(:func:`groundset_server.services.upserts.upsert_by_digest`) reads the latest one with one
indexed query, in time independent of the dataset's size.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from groundset_server.db.tables import dataset_version_digests as digests
from groundset_server.db.tables import dataset_versions as versions


class Latest(NamedTuple):
    """A dataset's latest version: its id, its number of examples and its stored digest
    (``None`` for a version made before migration 0009 until it is first needed)."""

    version_id: int
    example_count: int
    digest: str | None


def latest(conn: sa.Connection, dataset_id: int) -> Latest | None:
    """The dataset's latest version with its digest, or ``None`` when it has no version: one
    query on ``ix_dataset_versions_dataset_id_id`` and the digests' primary key."""
    row = conn.execute(
        sa.select(versions.c.id, versions.c.example_count, digests.c.digest)
        .select_from(versions.outerjoin(digests, digests.c.version_id == versions.c.id))
        .where(versions.c.dataset_id == dataset_id)
        .order_by(versions.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else Latest(int(row[0]), int(row[1]), row[2])


def store(conn: sa.Connection, version_id: int, digest: str) -> None:
    """Record ``digest`` as version ``version_id``'s, in the caller's transaction."""
    conn.execute(sa.insert(digests).values(version_id=version_id, digest=digest))
