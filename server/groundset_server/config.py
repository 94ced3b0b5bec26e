"""Settings, read from the environment (``GROUNDSET_*``) or given to :func:`create_app`, and
checked when made: a bad one is :class:`ConfigError`, one line naming it."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from pydantic import ByteSize, TypeAdapter

UI_DIST = Path(__file__).parent / "ui_dist"
"""Where ``vite build`` writes the web UI (``ui/vite.config.ts``) and the package data holds it."""


def default_working_dir() -> Path:
    return Path(os.environ.get("GROUNDSET_WORKING_DIR") or Path.home() / ".groundset")


def default_database_url() -> str:
    url = os.environ.get("GROUNDSET_DATABASE_URL")
    if url:
        return url
    return sqlite_url(str(default_working_dir() / "groundset.db"))


_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def sqlite_url(path: str) -> str:
    """The SQLAlchemy URL of the SQLite file ``path``, taken as it is: its ``?``, ``#`` and ``%``
    percent-encoded (``%3F``, ``%23``, ``%25``), which SQLAlchemy decodes back."""
    return sa.URL.create("sqlite", database=path).render_as_string(hide_password=False)


def database_url(value: str) -> str:
    """``value`` (``GROUNDSET_DATABASE_URL``, ``--database-url``) as a URL: one with a scheme
    (``sqlite:///``, ``postgresql://``) as it is; anything else is the path of a SQLite file,
    taken as it is (:func:`sqlite_url`)."""
    return value if _URL.match(value) else sqlite_url(value)


def normalize_database_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class ConfigError(ValueError):
    """A setting the server cannot start with; the message is one line that names it and says
    what is accepted."""


_SIZE = TypeAdapter(ByteSize)
_SIZE_FORMS = "a whole number of bytes (20000) or a size with a unit (10MB, 2GiB)"


def parse_size(value: str, name: str) -> int:
    """``value`` as a number of bytes of at least 1: digits, or pydantic's ``ByteSize`` forms
    with a unit (``10MB`` = 10,000,000, ``2GiB`` = 2 * 1024**3); else :class:`ConfigError`
    naming ``name``."""
    text = value.strip()
    try:
        if not any(c.isalpha() for c in text) and not text.isdigit():
            raise ValueError(text)
        size = int(_SIZE.validate_python(text))
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a size: give {_SIZE_FORMS}") from None
    if size < 1:
        raise ConfigError(f"{name}={value!r} must be at least 1 byte: give {_SIZE_FORMS}")
    return size


def _size_env(name: str, default: int) -> int:
    value = os.environ.get(name)
    return parse_size(value, name) if value else default


def _number_env(name: str, default: float, kind: type[int] | type[float] = int) -> float:
    """A positive number from the environment (a whole one for ``kind`` int); else
    :class:`ConfigError` naming ``name``."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = kind(value.strip())
    except ValueError:
        number = 0
    # float() takes "nan" and "inf", and "1e400" is inf: none is a timeout or a count.
    if not 0 < number < math.inf:
        what = "a whole number" if kind is int else "a number of seconds"
        raise ConfigError(f"{name}={value!r} must be {what} above 0")
    return number


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    api_key: str | None = field(default_factory=lambda: os.environ.get("GROUNDSET_API_KEY") or None)
    # Largest request body accepted, in bytes (413 beyond it).
    max_body_bytes: int = field(
        default_factory=lambda: _size_env("GROUNDSET_MAX_BODY_BYTES", 2 * 1024 * 1024 * 1024)
    )
    run_migrations: bool = True
    # PostgreSQL: the most connections one server process holds (GROUNDSET_POOL_SIZE), and how
    # long a request waits for one when all are in use before its 503 database_busy
    # (GROUNDSET_POOL_TIMEOUT, seconds). Each worker or replica has its own pool: N processes
    # hold up to N * pool_size connections, which PostgreSQL's max_connections must allow.
    pool_size: int = field(default_factory=lambda: int(_number_env("GROUNDSET_POOL_SIZE", 15)))
    pool_timeout: float = field(default_factory=lambda: _number_env("GROUNDSET_POOL_TIMEOUT", 30.0, float))
    # The size of the blocks an NDJSON body is read, decoded and written in, in bytes: each
    # block is one hop between the event loop and the worker, and one batch of the decoder.
    # 1 MiB: each block decoded costs several times its size at once (200,000 examples of ~1 KB
    # peaked at 277 MB with 4 MiB blocks, 210 MB with 1 MiB ones).
    ndjson_block_bytes: int = 1 << 20
    # The built web UI served at / (groundset_server.ui); a folder without index.html serves the
    # problem ui_not_built instead of pages.
    ui_dist: Path = UI_DIST
    # Plans kept for an upsert's `plan_id` (services/plans.py), in this process's memory: for
    # GROUNDSET_PLAN_TTL_SECONDS after the plan, at most GROUNDSET_PLAN_MAX_COUNT of them holding
    # at most GROUNDSET_PLAN_MAX_BYTES (a base state several plans share counted once), the oldest
    # evicted first. A plan not kept answers `plan_id: null`; an evicted one is 409 `plan_expired`.
    plan_ttl_seconds: float = field(
        default_factory=lambda: _number_env("GROUNDSET_PLAN_TTL_SECONDS", 600.0, float)
    )
    plan_max_count: int = field(default_factory=lambda: int(_number_env("GROUNDSET_PLAN_MAX_COUNT", 64)))
    plan_max_bytes: int = field(default_factory=lambda: _size_env("GROUNDSET_PLAN_MAX_BYTES", 512 << 20))

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "ndjson_block_bytes", "plan_max_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(
                    f"the setting {name}={value!r} must be a whole number of bytes of at least 1"
                )
        for name in ("pool_size", "plan_max_count"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"the setting {name}={value!r} must be a whole number of at least 1")
        if not 0 < self.plan_ttl_seconds < math.inf:
            raise ConfigError(
                f"the setting plan_ttl_seconds={self.plan_ttl_seconds!r} must be a number of seconds above 0"
            )
        if not 0 < self.pool_timeout < math.inf:
            raise ConfigError(
                f"the setting pool_timeout={self.pool_timeout!r} must be a number of seconds above 0"
            )
        if not self.database_url.strip():
            raise ConfigError("the database URL is empty: give sqlite:///path/to/file.db or postgresql://...")
        url = database_url(self.database_url)
        if url.startswith("sqlite:") and "?" in url:
            # SQLAlchemy would read the rest as a query, drop what it does not know and open
            # another file; the server sets SQLite's options itself.
            query = url.partition("?")[2]
            encoded = url.replace("?", "%3F").replace("#", "%23")
            raise ConfigError(
                f"the SQLite URL {self.database_url!r} has a query ?{query}, which the server does not "
                f"use: a ? or # in the file's name is written %3F or %23 in a URL ({encoded}), or give "
                "the file's path alone"
            )
        object.__setattr__(self, "database_url", url)
