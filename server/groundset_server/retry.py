"""Requests that collide with concurrent writers are run again, in one place for every route.

On PostgreSQL a write transaction can fail for a reason that is the timing's, not the
request's: a deadlock (SQLSTATE 40P01) or a serialization failure (40001) between two writers,
or a foreign key violation (23503) because the row it refers to was deleted by a transaction
that committed after its own checks read it (an experiment created while its dataset is
deleted). :class:`RetryMiddleware` runs such a request again, with the same body, up to
:data:`ATTEMPTS` times: the transaction was rolled back, and every route writes in one
transaction, so a run again starts from nothing. Run again, the request's own checks see the
state as it is now (the dataset is gone: 404 ``dataset_not_found``).

When the attempts run out: a foreign key violation is 404 of the resource the vanished row was
(``dataset_not_found``, ``experiment_not_found``...), a deadlock or serialization failure 503
``write_conflict`` with ``Retry-After``; likewise a body larger than :data:`REPLAY_BYTES`,
which is not kept for a second attempt, and SQLite's ``database is locked`` after its busy
timeout (a minute), which waited enough.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
from pathlib import Path

import sqlalchemy as sa
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from groundset_server.problems import Problem
from groundset_server.requestid import logged_path
from groundset_server.routers.common import problem_response

log = logging.getLogger("groundset_server")

ATTEMPTS = 4
"""How many times a colliding request is run in all."""
REPLAY_BYTES = 16 << 20
"""The largest body kept to be sent again (a larger one gets 503 at its first collision)."""
RETRY_AFTER_SECONDS = 1

_COLLISIONS = {"40P01": "a deadlock", "40001": "a serialization failure"}
_FOREIGN_KEY = "23503"
_OUTAGE_CLASSES = ("08", "57", "53")
"""SQLSTATE classes of an outage: connection exception, operator intervention (the database
shutting down or starting), insufficient resources (too many connections)."""
_BUSY_SQLITE = ("SQLITE_BUSY", "SQLITE_LOCKED")
_MISSING_PARENT = re.compile(r'is not present in table "([a-z_]+)"')
_NOT_FOUND = {
    "datasets": ("dataset_not_found", "dataset"),
    "dataset_versions": ("version_not_found", "version"),
    "dataset_examples": ("example_not_found", "example"),
    "experiments": ("experiment_not_found", "experiment"),
    "experiment_runs": ("run_not_found", "run"),
}


def _sqlstate(error: sa.exc.DBAPIError) -> str | None:
    state = getattr(error.orig, "sqlstate", None)
    return state if isinstance(state, str) else None


def retryable(error: sa.exc.DBAPIError) -> bool:
    """Whether ``error`` came from the timing of concurrent writers, so that the same request
    may succeed (or be refused for what it is) when run again."""
    return _sqlstate(error) in (*_COLLISIONS, _FOREIGN_KEY)


def final_problem(
    error: sa.exc.DBAPIError | sa.exc.TimeoutError, database_file: str | None = None
) -> Problem | None:
    """The answer to a request that met ``error`` on its last attempt, or None when ``error``
    is not a collision or an outage (a fault of the server's, answered 500). ``database_file``:
    the SQLite file served, named by a ``database_gone``'s log line (in full) and detail (its
    name alone: the server's folders are not the API client's business)."""
    if isinstance(error, sa.exc.TimeoutError):
        return Problem(
            503,
            "database_busy",
            "every database connection of this server process stayed in use (GROUNDSET_POOL_SIZE, "
            "GROUNDSET_POOL_TIMEOUT); nothing was written: send the request again",
            retry_after=RETRY_AFTER_SECONDS,
        )
    state = _sqlstate(error)
    if state == _FOREIGN_KEY:
        detail = str(getattr(getattr(error.orig, "diag", None), "message_detail", "") or "")
        found = _MISSING_PARENT.search(detail)
        code, what = _NOT_FOUND.get(found.group(1) if found else "", ("not_found", "resource"))
        return Problem(404, code, f"the {what} this request refers to was deleted while it was handled")
    if state in _COLLISIONS:
        return Problem(
            503,
            "write_conflict",
            f"the request met {_COLLISIONS[state]} with concurrent writes {ATTEMPTS} times; "
            f"send it again in {RETRY_AFTER_SECONDS} s",
            retry_after=RETRY_AFTER_SECONDS,
        )
    sqlite_error = getattr(error.orig, "sqlite_errorname", None)
    gone = _database_gone(error, state, sqlite_error, database_file)
    if gone is not None:
        log.error("the database %s cannot be used: %s", database_file or "", gone)
        # Its own code, without Retry-After: a retry seconds later does not bring the file or the
        # tables back (the SDKs raise it at once), unlike a lost connection's database_unavailable.
        return Problem(503, "database_gone", gone)
    if sqlite_error in _BUSY_SQLITE:
        return Problem(
            503,
            "write_conflict",
            "the database stayed locked by another writer; send the request again",
            retry_after=RETRY_AFTER_SECONDS,
        )
    if sqlite_error is None and (
        error.connection_invalidated
        or isinstance(error, sa.exc.InterfaceError)
        or (isinstance(error, sa.exc.OperationalError) and (state is None or state[:2] in _OUTAGE_CLASSES))
    ):
        reason = (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
        log.warning("the database connection failed or was lost: %s", reason)
        return Problem(
            503,
            "database_unavailable",
            "the connection to the database failed or was lost (restarted?); nothing was written: "
            "send the request again",
            retry_after=RETRY_AFTER_SECONDS,
        )
    return None


def _database_gone(
    error: sa.exc.DBAPIError, state: str | None, sqlite_error: str | None, database_file: str | None
) -> str | None:
    """The detail of a database that went away under the running server (its SQLite file
    deleted, moved or unreadable; its tables dropped or the file replaced by one this server did
    not migrate), or None."""
    reason = (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
    if sqlite_error in ("SQLITE_CANTOPEN", "SQLITE_NOTADB", "SQLITE_READONLY_DBMOVED"):
        named = f" {Path(database_file).name!r}" if database_file else ""
        return (
            f"the SQLite database file{named} cannot be opened ({reason}): it was deleted, moved or made "
            "unreadable while the server ran; nothing was written: restore the file and send the "
            "request again, or restart the server"
        )
    if state == "42P01" or (sqlite_error == "SQLITE_ERROR" and reason.startswith("no such table")):
        return (
            f"the database lacks this server's tables ({reason}): it was dropped or replaced while "
            "the server ran; nothing was written: restore it, or run `groundset-server migrate`"
        )
    return None


class RetryMiddleware:
    """Runs a request again when a database error of :func:`retryable` ends it before any byte
    of the answer was sent, replaying the body read so far, then reading on; answers
    :func:`final_problem` when the attempts run out or the body was not kept."""

    def __init__(self, app: ASGIApp, attempts: int = ATTEMPTS, replay_bytes: int = REPLAY_BYTES) -> None:
        self.app = app
        self.attempts = attempts
        self.replay_bytes = replay_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kept: list[Message] = []
        kept_bytes = 0
        replayable = True
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        for attempt in range(1, self.attempts + 1):
            replayed = 0

            async def receive_again() -> Message:
                nonlocal replayed, kept_bytes, replayable
                if replayed < len(kept):
                    replayed += 1
                    return kept[replayed - 1]
                message = await receive()
                if replayable:
                    kept_bytes += len(message.get("body", b""))
                    replayable = kept_bytes <= self.replay_bytes
                    kept.append(message)
                    replayed += 1
                    if not replayable:
                        kept.clear()
                return message

            try:
                await self.app(dict(scope), receive_again, send_tracked)
                return
            except (sa.exc.DBAPIError, sa.exc.TimeoutError) as error:
                if started:
                    raise
                if (
                    isinstance(error, sa.exc.DBAPIError)
                    and attempt < self.attempts
                    and replayable
                    and retryable(error)
                ):
                    log.info(
                        "request_id=%s attempt %d of %s %s met SQLSTATE %s: run again",
                        scope.get("state", {}).get("request_id", "-"),
                        attempt,
                        scope.get("method", ""),
                        logged_path(scope),
                        _sqlstate(error),
                    )
                    # Jittered, growing pauses, so that two colliding writers do not meet again.
                    await asyncio.sleep(random.uniform(0.01, 0.05) * 2**attempt)
                    continue
                problem = final_problem(error, _database_file(scope))
                if problem is None:
                    raise
                await _answer(problem, scope, send)
                return


def _database_file(scope: Scope) -> str | None:
    """The SQLite file the app of ``scope`` serves, or None (PostgreSQL, or no app)."""
    app = scope.get("app")
    settings = getattr(getattr(app, "state", None), "settings", None)
    if settings is None:
        return None
    url = sa.make_url(settings.database_url)
    return url.database if url.get_backend_name() == "sqlite" else None


async def _answer(problem: Problem, scope: Scope, send: Send) -> None:
    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    await problem_response(problem, scope.get("path", ""))(scope, nothing, send)
