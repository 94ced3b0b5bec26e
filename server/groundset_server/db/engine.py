"""Engine creation, SQLite pragmas and transaction helpers, migrations at start-up."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import ResolutionError
from alembic.util.exc import CommandError

from groundset_server.config import normalize_database_url

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


SQLITE_PAGE_BYTES = 16384
"""The page size of a new SQLite database (SQLite's default is 4096). A revision holds ~1 KB of
text or more, so a 4 KiB page held three: a load of 200,000 examples of ~1 KB spent 24% less
CPU in its writing thread with 16 KiB pages (fewer pages to split, link and write to the WAL).
A database that has tables keeps the size it was made with (changing it needs a VACUUM out of
WAL mode)."""

CONNECT_TIMEOUT_SECONDS = 10
"""How long opening a PostgreSQL connection may take: a database host that does not answer is
a 503 after it, never a request that hangs."""


def sqlite_uri(path: str, mode: str = "rw") -> str:
    """SQLite's URI filename of ``path`` opened in ``mode`` (``rw``: an existing file only)."""
    return f"file:{quote(str(Path(path).absolute()))}?mode={mode}"


def make_engine(url: str, pool_size: int = 15, pool_timeout: float = 30, *, create: bool = True) -> sa.Engine:
    """An engine for ``url``. On PostgreSQL a pool of at most ``pool_size`` connections, each
    checked before use (a database restarted since is reconnected, not an error), a request
    waiting at most ``pool_timeout`` seconds for one (then ``sqlalchemy.exc.TimeoutError``).
    A SQLite file is made when missing only with ``create`` (never its folder); without it a
    file deleted or replaced under a running server is ``SQLITE_CANTOPEN`` (503
    ``database_unavailable``), never a new empty database answering "no such table"."""
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        parsed = sa.make_url(url)
        database = parsed.database
        on_file = bool(database) and database != ":memory:" and not str(database).startswith("file:")
        if on_file and not create:
            # Built, not parsed: the path's `?` or `#` percent-encoded in the URI stay the path's
            # (a URL string would decode them and SQLite's URI parser cut the path there).
            parsed = sa.URL.create(
                "sqlite",
                database=sqlite_uri(str(database)).partition("?")[0],
                query={"mode": "rw", "uri": "true"},
            )
        engine = sa.create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 60})
        if on_file and not create:

            def _file() -> tuple[int, int] | None:
                try:
                    status = os.stat(str(database))
                except OSError:
                    return None
                return status.st_dev, status.st_ino

            @sa.event.listens_for(engine, "connect")
            def _opened(_connection: Any, record: Any) -> None:
                record.info["file"] = _file()

            @sa.event.listens_for(engine, "checkout")
            def _still_there(_connection: Any, record: Any, _proxy: Any) -> None:
                # A pooled connection to a file deleted or replaced would go on with the old
                # inode (its writes lost): it is dropped, and a new one opens the file (or fails).
                if record.info.get("file") != _file():
                    raise sa.exc.DisconnectionError(f"the database file {database} was deleted or replaced")

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event issue BEGIN itself (IMMEDIATE for writers).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            # Before WAL mode is set: it fixes the size of a database still empty.
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_BYTES}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            immediate = connection.get_execution_options().get("immediate", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=pool_timeout,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
    )


@contextmanager
def write_transaction(engine: sa.Engine, *, check_references: bool = True) -> Iterator[sa.Connection]:
    """A transaction that takes SQLite's write lock at once (BEGIN IMMEDIATE).

    ``check_references=False``: on SQLite the transaction runs without foreign key checks or
    actions, for bulk inserts that take every reference from the rows it names, read in the same
    transaction (the write lock keeps them there). An incremental rerun's 99,000 copied runs and
    evaluations spent a third of their insert looking their 4 parents up again. SQLite reads
    ``PRAGMA foreign_keys`` only outside a transaction: it is turned off before ``BEGIN`` and on
    again after the end (a connection that cannot turn it on again is dropped from the pool).
    No effect on PostgreSQL."""
    with engine.connect().execution_options(immediate=True) as connection:
        unchecked = not check_references and connection.dialect.name == "sqlite"
        driver: Any = connection.connection.driver_connection if unchecked else None
        if unchecked:
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
        finally:
            if unchecked:
                try:
                    driver.execute("PRAGMA foreign_keys=ON")
                except BaseException:
                    connection.invalidate()
                    raise


@contextmanager
def read_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A read-only transaction whose statements all see one snapshot of the database.

    SQLite's read transaction is one already (WAL). PostgreSQL's default, READ COMMITTED, gives
    each statement its own snapshot, so a read of several statements (the version's id, then its
    examples) could mix the states before and after a sync committed between them: REPEATABLE
    READ takes one snapshot at the first statement, and a read-only transaction never waits for
    or conflicts with a writer."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            yield connection


log = logging.getLogger("groundset_server")


class WalCheckpointer:
    """Checkpoints a SQLite database's write-ahead log from a daemon thread, between requests,
    so that no request pays for it.

    SQLite's automatic checkpoint runs inside the commit that takes the WAL past 1,000 pages:
    a request that wrote 100,000 runs waited ~0.1 s more for it. While started, the engine's
    connections are opened with ``PRAGMA wal_autocheckpoint=0`` and this thread runs a PASSIVE
    checkpoint (never waits for, nor blocks, readers or writers) once the engine has been idle
    (no connection checked out) for ``idle`` seconds after some use, so it does not take the
    CPU from the next requests of a client that is still at work (2 cores shared). Under
    constant use, a WAL past ``soft_bytes`` gets a PASSIVE checkpoint anyway every ``interval``
    seconds, and one past ``bound_bytes`` (readers that never let a checkpoint reach its end) a
    TRUNCATE, which waits for readers and writers (the busy timeout) and empties the file: it
    cannot grow without end. Other processes on the database keep SQLite's automatic
    checkpoint; checkpoints of several processes at once are safe (one finds the database busy
    and the next round tries again). :meth:`stop` ends the thread and truncates the WAL."""

    def __init__(
        self,
        engine: sa.Engine,
        path: str,
        idle: float = 0.5,
        interval: float = 1.0,
        soft_bytes: int = 64 << 20,
        bound_bytes: int = 256 << 20,
    ) -> None:
        self.engine = engine
        self.path = path
        self.idle = idle
        self.interval = interval
        self.soft_bytes = soft_bytes
        self.bound_bytes = bound_bytes
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._in_use = 0
        self._last_use = 0.0
        self._used = False  # a connection was checked out since the last checkpoint
        self._last_checkpoint = 0.0
        self._checkpointing = threading.Lock()
        """Held by a checkpoint of this process: SQLite lets one run at a time, and one that
        finds another running gives up at once (:func:`checkpoint_large_write` would not wait)."""

    def _connect(self, dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    def _checkout(self, *_args: Any) -> None:
        with self._lock:
            self._in_use += 1
            self._used = True

    def _checkin(self, *_args: Any) -> None:
        with self._lock:
            self._in_use = max(0, self._in_use - 1)
            self._last_use = time.monotonic()

    def _listeners(self) -> list[tuple[str, Any]]:
        return [("connect", self._connect), ("checkout", self._checkout), ("checkin", self._checkin)]

    def start(self) -> None:
        for name, listener in self._listeners():
            sa.event.listen(self.engine, name, listener)
        # Connections opened before (the migrations') would still checkpoint on commit.
        self.engine.dispose()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="groundset-wal-checkpoint", daemon=True)
        self._thread.start()
        _CHECKPOINTERS[self.engine] = self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join()
        self._thread = None
        _CHECKPOINTERS.pop(self.engine, None)
        for name, listener in (
            ("connect", self._connect),
            ("checkout", self._checkout),
            ("checkin", self._checkin),
        ):
            sa.event.remove(self.engine, name, listener)
        self.engine.dispose()
        try:
            self.checkpoint("TRUNCATE")
        except sqlite3.Error as error:
            # The file deleted or replaced under the server (503 database_gone): nothing to
            # truncate, and a shutdown must not fail for it.
            log.warning("WAL checkpoint of %s at shutdown failed: %s", self.path, error)

    def _loop(self) -> None:
        while not self._stopping.wait(min(self.idle, self.interval) / 2):
            try:
                self.checkpoint()
            except sqlite3.Error as error:  # a busy or locked database: the next round tries again
                log.warning("WAL checkpoint of %s failed: %s", self.path, error)

    def wal_bytes(self) -> int:
        """The WAL file's size (0 when there is none)."""
        try:
            return os.path.getsize(f"{self.path}-wal")
        except FileNotFoundError:
            return 0

    def _due(self) -> str | None:
        """The checkpoint the thread runs now, if any."""
        size = self.wal_bytes()
        if size == 0:
            return None
        if size > self.bound_bytes:
            return "TRUNCATE"
        now = time.monotonic()
        with self._lock:
            idle = self._in_use == 0 and now - self._last_use >= self.idle
            used = self._used
        if used and idle:
            return "PASSIVE"
        # The size says nothing of new frames (a WAL checkpointed to its end is written again
        # from its start): past the soft bound, a checkpoint at most every interval.
        if size > self.soft_bytes and now - self._last_checkpoint >= self.interval:
            return "PASSIVE"
        return None

    def checkpoint(self, mode: str | None = None, timeout: float = 60) -> tuple[int, int, int] | None:
        """One checkpoint (``mode`` PASSIVE, RESTART or TRUNCATE; by default the one due now, if
        any), its busy handler waiting at most ``timeout`` seconds; SQLite's (busy, WAL frames,
        frames checkpointed), or None when none ran."""
        mode = mode or self._due()
        if mode is None:
            return None
        with self._lock:
            self._used = False
        with self._checkpointing:
            checkpointed = _wal_checkpoint(self.path, mode, timeout)
        self._last_checkpoint = time.monotonic()
        return checkpointed


def _wal_checkpoint(path: str, mode: str, timeout: float) -> tuple[int, int, int]:
    """``PRAGMA wal_checkpoint(mode)`` of the SQLite file ``path``, its busy handler waiting at
    most ``timeout`` seconds; SQLite's (busy, WAL frames, frames checkpointed)."""
    # A connection of its own: a checkpoint waits for no pooled connection and holds none.
    connection = sqlite3.connect(sqlite_uri(path), timeout=timeout, isolation_level=None, uri=True)
    try:
        busy, frames, done = connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
    finally:
        connection.close()
    return int(busy), int(frames), int(done)


_CHECKPOINTERS: weakref.WeakKeyDictionary[sa.Engine, WalCheckpointer] = weakref.WeakKeyDictionary()
"""The started checkpointer of each engine."""

LARGE_WRITE_ROWS = 10_000
"""Rows a committed write must have made for :func:`checkpoint_large_write` to be worth it."""


def checkpoint_large_write(engine: sa.Engine, rows: int) -> tuple[int, int, int] | None:
    """After a committed write of ``rows`` rows, at least :data:`LARGE_WRITE_ROWS`, a SQLite
    engine's WAL copied into the database file and emptied (TRUNCATE), on the calling thread;
    SQLite's (busy, WAL frames, frames checkpointed), or None when nothing was due (a smaller
    write, PostgreSQL, a database in memory).

    Called by the request that wrote, before it answers. Left to :class:`WalCheckpointer`'s
    thread, the checkpoint of a million-example load (~1.5 GB of WAL, ~1 s of CPU) ran during
    the client's next request, on the two cores its hashing uses: the first unchanged re-sync
    after a load took ~0.8 s longer than the next. The load's answer comes that much later
    instead, while its client waits with nothing to do. The busy handler waits for nothing: with
    a reader or writer in the way the checkpoint copies what it can without blocking (SQLite's
    PASSIVE), and the thread does the rest later; a failure is logged, never the request's."""
    if rows < LARGE_WRITE_ROWS:
        return None
    path = sqlite_path(engine)
    if path is None:
        return None
    checkpointer = _CHECKPOINTERS.get(engine)
    try:
        if checkpointer is not None:
            # After the thread's checkpoint, if one is running (it took the WAL past its bound).
            return checkpointer.checkpoint("TRUNCATE", timeout=0)
        return _wal_checkpoint(path, "TRUNCATE", timeout=0)
    except sqlite3.Error as error:
        log.warning("WAL checkpoint of %s after a write of %d rows failed: %s", path, rows, error)
        return None


def sqlite_path(engine: sa.Engine) -> str | None:
    """The file of a SQLite engine on one; None for PostgreSQL or a database in memory."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        database = unquote(database.removeprefix("file:"))
    return database


def wal_checkpointer(engine: sa.Engine) -> WalCheckpointer | None:
    """A :class:`WalCheckpointer` for a SQLite engine on a file; None for PostgreSQL or a database
    in memory."""
    path = sqlite_path(engine)
    return None if path is None else WalCheckpointer(engine, path)


MIGRATION_LOCK = 0x67726F756E64
"""The PostgreSQL advisory lock key the migrations run under (``ground`` in ASCII)."""


class MigrationError(RuntimeError):
    """The database cannot be brought to this server's schema (it is newer than the code, or
    behind it when the server may not migrate); the message is one line saying what to do."""


def _scripts() -> tuple[Config, ScriptDirectory]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config, ScriptDirectory.from_config(config)


def _known(scripts: ScriptDirectory, revisions: tuple[str, ...]) -> None:
    """Refuse a database stamped with a migration this code does not have."""
    head = scripts.get_current_head()
    for revision in revisions:
        try:
            found = scripts.get_revision(revision)
        except (CommandError, ResolutionError):
            found = None
        if found is None:
            raise MigrationError(
                f"the database is at migration {revision}, newer than this server's newest ({head}): "
                "run a groundset-server at least as new as the one that migrated it"
            )


def run_migrations(
    engine: sa.Engine, revision: str = "head", *, create: bool = False
) -> tuple[str | None, str | None]:
    """Upgrade the database to ``revision`` (Alembic's, ``head`` by default); the migrations
    before and after, equal when there was nothing to do. ``create``: a SQLite file that does
    not exist is made (empty, then migrated), for an engine that opens existing files only
    (``make_engine(create=False)``); never its folder (``sqlite3.OperationalError``).

    Any number of processes may call it at once on one database: it runs under a lock that
    only one holds at a time (a transaction-scoped PostgreSQL advisory lock; SQLite's write lock,
    ``BEGIN IMMEDIATE``), and the ones that wait find the database migrated. The migrations and
    the ``alembic_version`` row commit together (both databases have transactional DDL), so a
    process killed midway leaves the database as it was. :class:`MigrationError` when the
    database is at a migration this code does not know."""
    config, scripts = _scripts()
    path = sqlite_path(engine) if create else None
    if path is not None:
        sqlite3.connect(sqlite_uri(path, "rwc"), uri=True).close()
    with engine.connect().execution_options(immediate=True) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        else:
            connection.exec_driver_sql("SELECT 1")  # BEGIN IMMEDIATE: SQLite's write lock
        before = MigrationContext.configure(connection).get_current_heads()
        _known(scripts, before)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        after = MigrationContext.configure(connection).get_current_heads()
        connection.commit()
    return (before[0] if before else None, after[0] if after else None)


def check_migrated(engine: sa.Engine) -> None:
    """Refuse (:class:`MigrationError`) a database that is not at this code's newest migration:
    the check of ``serve --no-migrate``."""
    _, scripts = _scripts()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    _known(scripts, current)
    head = scripts.get_current_head()
    if current != (head,):
        at = f"at migration {current[0]}" if current else "not migrated"
        raise MigrationError(
            f"the database is {at} and this server needs {head}: run `groundset-server migrate` first "
            "(or serve without --no-migrate)"
        )
