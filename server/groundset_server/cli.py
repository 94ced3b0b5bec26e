"""``groundset-server serve [--host] [--port] [--api-key] [--database-url] [--workers N] [--no-migrate]`` and
``groundset-server migrate [--database-url]``."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import logging
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.util.exc import CommandError

from groundset_server import __version__
from groundset_server.config import ConfigError, Settings, default_database_url
from groundset_server.db.engine import MigrationError, check_migrated, make_engine, run_migrations

WORKER_FACTORY = "groundset_server.app:create_worker_app"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="groundset-server", description="The groundset REST server.")
    parser.add_argument("--version", action="version", version=f"groundset-server {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the server",
        description="Run the groundset REST server (and its web UI at /).",
        epilog="environment: GROUNDSET_API_KEY (the key, as --api-key), GROUNDSET_DATABASE_URL, "
        "GROUNDSET_WORKING_DIR (the default SQLite file's folder), GROUNDSET_MAX_BODY_BYTES, "
        "GROUNDSET_POOL_SIZE and GROUNDSET_POOL_TIMEOUT (PostgreSQL); server/README.md describes them.",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="the address to listen on (default: %(default)s, this machine only; 0.0.0.0 for "
        "every interface)",
    )
    serve.add_argument("--port", type=int, default=6060, help="the TCP port (default: %(default)s)")
    serve.add_argument(
        "--api-key",
        default=None,
        metavar="KEY",
        help="every /v1 request must send `Authorization: Bearer KEY` (401 otherwise); default "
        "GROUNDSET_API_KEY, unset: no key is asked. Prefer the variable: a command line is "
        "visible to the machine's other users",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (uvicorn's workers; restarted if one dies); "
        "give more than 1 on PostgreSQL only",
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not migrate the database; refuse to start unless `groundset-server migrate` has",
    )
    migrate = commands.add_parser("migrate", help="bring the database to this server's schema, then exit")
    for command in (serve, migrate):
        command.add_argument(
            "--database-url",
            default=None,
            help="SQLAlchemy URL, or a SQLite file's path (taken as it is, a ? or # in it "
            "included); default GROUNDSET_DATABASE_URL (the same forms) or a SQLite file under "
            "GROUNDSET_WORKING_DIR",
        )
        command.add_argument(
            "--log-level",
            default="info",
            type=str.lower,
            choices=["debug", "info", "warning", "error", "critical"],
            help="(default: %(default)s)",
        )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # Alembic's own lines ("Context impl", "Running upgrade") would make a refusal more than one
    # line; the server says itself what it migrated.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))
    url = args.database_url or default_database_url()
    source = (
        "--database-url"
        if args.database_url
        else "GROUNDSET_DATABASE_URL"
        if os.environ.get("GROUNDSET_DATABASE_URL")
        else "the default"
    )
    if args.command == "serve":
        refusal = _serve_options(args)
        if refusal is not None:
            return _refuse(refusal)
    if args.command == "serve" and args.api_key is not None and not args.api_key.strip():
        return _refuse("--api-key is empty: give the key, or leave the option out to ask none")
    try:
        settings = Settings(database_url=url, run_migrations=False)
        if args.command == "serve" and args.api_key is not None:
            settings = dataclasses.replace(settings, api_key=args.api_key)
        sqlite = sa.make_url(settings.database_url).get_backend_name() == "sqlite"
        if args.command == "serve" and args.workers > 1 and sqlite:
            return _refuse(
                f"--workers {args.workers} needs PostgreSQL: SQLite takes one writer at a time, "
                "so serve it with one process"
            )
        refusal = _sqlite_folder(settings.database_url, source)
        if refusal is not None:
            return _refuse(refusal)
        _prepare(settings, migrate=args.command == "migrate" or not args.no_migrate)
        if args.command == "migrate":
            return 0
        return _serve(settings, args)
    except (ConfigError, MigrationError) as error:
        return _refuse(str(error))
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError):
        return _refuse(
            f"{_shown(url)} (from {source}) is not a database URL the server can use: give "
            "a SQLite file's path, sqlite:///relative.db, sqlite:////absolute/path.db or "
            "postgresql://user@host:port/name"
        )
    except (sa.exc.SQLAlchemyError, OSError, CommandError, RuntimeError) as error:
        cause = getattr(error, "orig", None) or error
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return _refuse(f"cannot open the database {_shown(url)} (from {source}): {reason}")


MAX_WORKERS = 64
"""The most ``serve --workers`` starts: more processes than that on one machine is a typo."""


def _serve_options(args: argparse.Namespace) -> str | None:
    """Why ``serve``'s ``--port``, ``--workers`` or ``--host`` cannot be used, or None: each
    refused naming the option before anything is opened (a port of 99999 is not taken modulo
    65536, a host that names no address is not left to the listener's traceback)."""
    if not 1 <= args.port <= 65535:
        return f"--port {args.port}: give a TCP port from 1 to 65535"
    if not 1 <= args.workers <= MAX_WORKERS:
        return f"--workers {args.workers}: give 1 to {MAX_WORKERS}"
    try:
        found = socket.getaddrinfo(args.host, args.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return (
            f"--host {args.host!r} is not an address of this machine or a name that resolves ({reason}): "
            "give 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or an interface's address"
        )
    return _busy(args, found[0])


def _busy(args: argparse.Namespace, address: tuple[Any, ...]) -> str | None:
    """Why ``serve`` cannot listen on ``--host``/``--port``, or None: tried before the database
    is migrated, so a port in use leaves the file untouched and says so in one line (not
    uvicorn's ``[Errno 98]`` after the migration)."""
    family, kind, protocol, _, where = address
    with socket.socket(family, kind, protocol) as probe:
        # As uvicorn binds: a port whose last connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(where)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return (
                    f"--port {args.port}: the port is in use on {args.host} (another server listens there): "
                    "stop it, or give another --port"
                )
            return (
                f"--port {args.port} on {args.host} cannot be listened on ({error.strerror}): "
                "give another --port"
            )
    return None


def _sqlite_folder(url: str, source: str) -> str | None:
    """Why the SQLite file of ``url`` cannot be made, or None. The default path's folder is
    made; a folder that a given URL names and that does not exist is refused (a typo in the
    path is not a new, empty database), and so is a path that is a folder itself."""
    if sa.make_url(url).get_backend_name() != "sqlite":
        return None
    database = sa.make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    if Path(database).is_dir():
        folder = Path(database).absolute()
        return (
            f"cannot open the database {_shown(url)} (from {source}): {folder} is a folder; "
            f"give a file's path, such as {folder / 'groundset.db'}"
        )
    folder = Path(database).absolute().parent
    if folder.is_dir():
        return None
    if source == "the default":
        folder.mkdir(parents=True, exist_ok=True)
        logging.getLogger("groundset_server").info("made the folder %s for the default database", folder)
        return None
    return (
        f"cannot open the database {_shown(url)} (from {source}): the folder {folder} does not exist; "
        "make it, or give a path in a folder that exists"
    )


def _prepare(settings: Settings, migrate: bool) -> None:
    """Migrate the database (under the migration lock: replicas may start together) or check it
    is migrated, once, before any worker starts; :class:`~groundset_server.db.engine.MigrationError`
    otherwise."""
    engine = make_engine(settings.database_url, create=migrate)
    url = sa.make_url(engine.url)
    path = url.database if url.get_backend_name() == "sqlite" and url.database != ":memory:" else None
    new_file = migrate and path is not None and not Path(path).exists()
    try:
        if migrate:
            before, after = run_migrations(engine)
            if new_file:
                logging.getLogger("groundset_server").info(
                    "made a new SQLite database %s", Path(str(path)).absolute()
                )
            if before != after:
                logging.getLogger("groundset_server").info(
                    "migrated the database from %s to %s", before or "empty", after
                )
        else:
            check_migrated(engine)
    finally:
        engine.dispose()


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from groundset_server.app import create_app

    options = {"host": args.host, "port": args.port, "log_level": args.log_level, "access_log": False}
    if args.workers == 1:
        uvicorn.run(create_app(settings), **options)
        return 0
    # Each worker builds its own app (its own engine and pool, its own snapshot cache) from the
    # environment; the database is migrated already.
    os.environ["GROUNDSET_DATABASE_URL"] = settings.database_url
    if settings.api_key is not None:
        os.environ["GROUNDSET_API_KEY"] = settings.api_key
    uvicorn.run(WORKER_FACTORY, factory=True, workers=args.workers, **options)
    return 0


def _refuse(message: str) -> int:
    """A start-up that cannot go on: one line on stderr, exit status 1, no traceback."""
    print(f"groundset-server: {message}", file=sys.stderr)
    return 1


def _shown(url: str) -> str:
    """The URL quoted, its password masked."""
    try:
        return repr(sa.make_url(url).render_as_string(hide_password=True))
    except sa.exc.ArgumentError:
        return repr(url)
