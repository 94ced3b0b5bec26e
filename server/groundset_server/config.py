"""Settings, read from the environment (``GROUNDSET_*``) or given to :func:`create_app`."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def default_working_dir() -> Path:
    return Path(os.environ.get("GROUNDSET_WORKING_DIR") or Path.home() / ".groundset")


def default_database_url() -> str:
    url = os.environ.get("GROUNDSET_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{default_working_dir() / 'groundset.db'}"


def normalize_database_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    api_key: str | None = field(default_factory=lambda: os.environ.get("GROUNDSET_API_KEY") or None)
    # Largest request body accepted, in bytes (413 beyond it).
    max_body_bytes: int = field(
        default_factory=lambda: _int_env("GROUNDSET_MAX_BODY_BYTES", 2 * 1024 * 1024 * 1024)
    )
    run_migrations: bool = True
    # The size of the blocks an NDJSON body is read, decoded and written in, in bytes: each
    # block is one hop between the event loop and the worker, and one batch of the decoder.
    ndjson_block_bytes: int = 4 << 20
