"""Write (or with --check, compare) server/openapi.json from the app's schema."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from groundset_server.app import create_app
from groundset_server.config import Settings

TARGET = Path(__file__).resolve().parent.parent / "openapi.json"


def schema() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(database_url=f"sqlite:///{tmp}/openapi.db", api_key=None))
        result = app.openapi()
        app.state.engine.dispose()
        return result


def render() -> str:
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if TARGET.read_text(encoding="utf-8") != text:
            print("server/openapi.json is stale: run `just server::openapi`", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
