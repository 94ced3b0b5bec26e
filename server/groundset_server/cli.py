"""``groundset-server serve [--host] [--port] [--database-url]``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from groundset_server.config import Settings, default_database_url


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
    settings = Settings(database_url=args.database_url or default_database_url())
    app = create_app(settings)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)
    return 0
