"""One release version for every artifact: the workspace version of Cargo.toml.

groundset-core takes its version from Cargo.toml (maturin), so that file is the source; the other
places a packaging tool reads a version from cannot import it, so this script checks that they
repeat it: the SDK's and the server's pyproject.toml (their own version and their exact pin of
groundset-core), the server's ``__version__``, the npm package and its platform package (and the
main package's pin of it), and a ``## <version>`` entry in CHANGELOG.md. The LICENSE copies each
package ships must be the root LICENSE.

    python scripts/versions.py          # print the version
    python scripts/versions.py --check  # exit 1, naming each file that disagrees
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_PACKAGES = ("linux-x64-gnu",)
LICENSED = ("core", "python", "server", "js", *(f"js/npm/{name}" for name in PLATFORM_PACKAGES))


def release_version() -> str:
    """The workspace version of Cargo.toml, e.g. ``"0.1.0"``."""
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))
    version: str = cargo["workspace"]["package"]["version"]
    return version


def disagreements(version: str) -> list[str]:
    """Each place that does not say ``version``, as ``file: what it says``."""
    found: list[str] = []

    def expect(where: str, got: object) -> None:
        if got != version:
            found.append(f"{where}: {got!r}, expected {version!r} (Cargo.toml [workspace.package] version)")

    for part in ("python", "server"):
        path = f"{part}/pyproject.toml"
        project = tomllib.loads((ROOT / path).read_text(encoding="utf-8"))["project"]
        expect(f"{path} [project] version", project.get("version"))
        pins = [dep for dep in project["dependencies"] if re.match(r"groundset-core\b", dep)]
        expect(f"{path} dependency groundset-core", pins[0].partition("==")[2] if pins else None)
    server_init = (ROOT / "server/groundset_server/__init__.py").read_text(encoding="utf-8")
    server_version = re.search(r'^__version__ = "([^"]+)"', server_init, re.MULTILINE)
    expect("server/groundset_server/__init__.py __version__", server_version and server_version[1])
    package = json.loads((ROOT / "js/package.json").read_text(encoding="utf-8"))
    expect("js/package.json version", package.get("version"))
    for name in PLATFORM_PACKAGES:
        platform = json.loads((ROOT / f"js/npm/{name}/package.json").read_text(encoding="utf-8"))
        expect(f"js/npm/{name}/package.json version", platform.get("version"))
        pin = package["optionalDependencies"].get(platform["name"])
        expect(f"js/package.json optionalDependencies {platform['name']}", pin)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    if not re.search(rf"^## {re.escape(version)}\b", changelog, re.MULTILINE):
        found.append(f"CHANGELOG.md: no '## {version}' entry")
    license_text = (ROOT / "LICENSE").read_bytes()
    for directory in LICENSED:
        copy = ROOT / directory / "LICENSE"
        if not copy.is_file() or copy.read_bytes() != license_text:
            found.append(f"{directory}/LICENSE: missing or not the root LICENSE (its artifacts ship it)")
    return found


def verdict(failures: list[str], failed: str, passed: str) -> int:
    """Print the failures under ``failed`` (stderr) or ``passed``; the exit status."""
    if failures:
        print(failed, *failures, sep="\n  ", file=sys.stderr)
        return 1
    print(passed)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 when any place disagrees")
    version = release_version()
    if not parser.parse_args().check:
        print(version)
        return 0
    return verdict(disagreements(version), "versions disagree:", f"every artifact says version {version}")


if __name__ == "__main__":
    sys.exit(main())
