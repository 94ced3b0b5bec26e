"""The server stands on its own: installed into an empty virtualenv, it brings the core
(``groundset-core``) and its own dependencies, never the SDK (``groundset``) nor the SDK's
client and CLI libraries (httpx, typer, rich, tqdm).

Usage: ``python scripts/check_install.py [--wheels DIR]``. It installs the newest
``groundset_core-*.whl`` of ``DIR`` (``../target/wheels``, which ``just core::build`` fills) and
then this directory, with pip, into a temporary virtualenv; prints ``pip list``; and fails
naming any forbidden distribution, or when ``groundset_server`` cannot be imported there.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

SERVER = Path(__file__).resolve().parents[1]
FORBIDDEN = {"groundset", "httpx", "typer", "rich", "tqdm"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wheels", type=Path, default=SERVER.parent / "target" / "wheels")
    args = parser.parse_args()
    wheels = sorted(args.wheels.glob("groundset_core-*.whl"), key=lambda path: path.stat().st_mtime)
    if not wheels:
        print(f"no groundset_core wheel in {args.wheels}: run `just core::build` first", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="groundset-server-install-") as folder:
        venv.create(folder, with_pip=True)
        python = str(Path(folder) / "bin" / "python")
        pip = [python, "-m", "pip", "--disable-pip-version-check"]
        subprocess.run([*pip, "install", "--quiet", str(wheels[-1])], check=True)
        subprocess.run([*pip, "install", "--quiet", str(SERVER)], check=True)
        listed = subprocess.run(
            [*pip, "list", "--format", "json"], check=True, capture_output=True, text=True
        )
        installed = {entry["name"].lower(): entry["version"] for entry in json.loads(listed.stdout)}
        print("installed:", ", ".join(f"{name}=={version}" for name, version in sorted(installed.items())))
        subprocess.run([python, "-c", "import groundset_server.app, groundset_core"], check=True)
    found = sorted(FORBIDDEN & installed.keys())
    if found:
        print(f"the server's install pulls in {', '.join(found)}", file=sys.stderr)
        return 1
    if "groundset-core" not in installed:
        print("the server's install lacks groundset-core", file=sys.stderr)
        return 1
    print("the server installs without", ", ".join(sorted(FORBIDDEN)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
