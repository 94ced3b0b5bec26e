"""``groundset-server serve [--host] [--port] [--database-url]``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

import sqlalchemy as sa
from alembic.util.exc import CommandError

from groundset_server.config import ConfigError, Settings, default_database_url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="groundset-server", description="The groundset REST server.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=6060)
    serve.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL; default GROUNDSET_DATABASE_URL or a SQLite file under GROUNDSET_WORKING_DIR",
    )
    serve.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)

    import uvicorn

    from groundset_server.app import create_app

    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    url = args.database_url or default_database_url()
    source = (
        "--database-url"
        if args.database_url
        else "GROUNDSET_DATABASE_URL"
        if os.environ.get("GROUNDSET_DATABASE_URL")
        else "the default"
    )
    try:
        app = create_app(Settings(database_url=url))
    except ConfigError as error:
        return _refuse(str(error))
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError):
        return _refuse(
            f"{_shown(url)} (from {source}) is not a database URL the server can use: give "
            "sqlite:///relative.db, sqlite:////absolute/path.db or postgresql://user@host:port/name"
        )
    except (sa.exc.SQLAlchemyError, OSError, CommandError) as error:
        cause = getattr(error, "orig", None) or error
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return _refuse(f"cannot open the database {_shown(url)} (from {source}): {reason}")
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
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
