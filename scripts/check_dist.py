"""Check the release artifacts `just dist` wrote, before anything installs them.

For each artifact of the release version (scripts/versions.py): it is there, exactly once; a
wheel's tag is what its users' pip must accept (groundset-core: ``cp310-abi3-manylinux2014_x86_64``,
glibc 2.17 and later, as ``auditwheel show`` confirms from the symbols it links; the pure packages:
``py3-none-any``); the root LICENSE is inside every wheel, sdist and npm tarball; the server's
wheel holds its migrations and its web UI (``ui_dist/index.html`` and the ``ui_dist/assets/*.js``
it loads: the files it reads at run time), and its sdist carries the UI too, since pip and
``python -m build`` build the wheel from the unpacked sdist, where ``ui/`` is not; the npm package has its ESM and
``.d.ts`` and no addon, which is in the platform package, and pins each platform package at
exactly the release version (an optional dependency, so that ``npm install groundset`` fetches
the one that fits). Prints a table of the sizes; exits 1 naming every failed check.

    python scripts/check_dist.py dist
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from versions import PLATFORM_PACKAGES, ROOT, release_version, verdict

VENV_BIN = ROOT / ".venv" / "bin"


def members(path: Path) -> dict[str, bytes]:
    """Member name -> contents, for a wheel (zip) or an sdist / npm tarball (tar.gz)."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()}
    with tarfile.open(path, "r:gz") as archive:
        files = (member for member in archive.getmembers() if member.isfile())
        return {member.name: archive.extractfile(member).read() for member in files}  # type: ignore[union-attr]


def expected(version: str) -> dict[str, str]:
    """Glob -> what it is, one per artifact."""
    return {
        f"groundset_core-{version}-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl": "groundset-core wheel",
        f"groundset_core-{version}.tar.gz": "groundset-core sdist",
        f"groundset-{version}-py3-none-any.whl": "groundset wheel",
        f"groundset-{version}.tar.gz": "groundset sdist",
        f"groundset_server-{version}-py3-none-any.whl": "groundset-server wheel",
        f"groundset_server-{version}.tar.gz": "groundset-server sdist",
        f"groundset-{version}.tgz": "npm groundset",
        f"groundset-linux-x64-gnu-{version}.tgz": "npm groundset-linux-x64-gnu",
    }


def check_contents(kind: str, names: set[str], files: dict[str, bytes], license_text: bytes, version: str) -> list[str]:
    """The failed content checks of one artifact."""
    failures = []
    if not any(re.search(r"(^|/)LICENSE$", name) and files[name] == license_text for name in names):
        failures.append(f"{kind}: no copy of the root LICENSE inside")
    patterns: dict[str, list[str]] = {
        "groundset-core wheel": [r"^groundset_core/_native\.abi3\.so$", r"^groundset_core/py\.typed$"],
        "groundset-core sdist": [r"/crates/canonhash/src/lib\.rs$", r"/core/src/lib\.rs$", r"/Cargo\.lock$"],
        "groundset wheel": [r"^groundset/__main__\.py$", r"^groundset/py\.typed$", r"entry_points\.txt$"],
        "groundset-server wheel": [
            r"^groundset_server/migrations/env\.py$",
            r"^groundset_server/migrations/script\.py\.mako$",
            r"^groundset_server/migrations/versions/0001_initial\.py$",
            r"^groundset_server/ui_dist/index\.html$",
            r"^groundset_server/ui_dist/assets/[^/]+\.js$",
        ],
        "groundset-server sdist": [
            r"^[^/]+/groundset_server/ui_dist/index\.html$",
            r"^[^/]+/groundset_server/ui_dist/assets/[^/]+\.js$",
        ],
        "npm groundset": [r"^package/dist/index\.js$", r"^package/dist/index\.d\.ts$", r"^package/native/index\.js$"],
        "npm groundset-linux-x64-gnu": [r"^package/groundset\.linux-x64-gnu\.node$"],
    }
    for pattern in patterns.get(kind, []):
        if not any(re.search(pattern, name) for name in names):
            failures.append(f"{kind}: nothing matches {pattern}")
    if kind.startswith("groundset-server"):
        failures += check_ui(kind, files)
    if kind == "npm groundset" and any(name.endswith(".node") for name in names):
        failures.append(f"{kind}: carries an addon; it belongs in the platform package")
    if kind == "npm groundset" and "package/package.json" in files:
        pins = json.loads(files["package/package.json"]).get("optionalDependencies")
        wanted = {f"groundset-{platform}": version for platform in PLATFORM_PACKAGES}
        if pins != wanted:
            failures.append(f"{kind}: optionalDependencies {pins}, expected {wanted}")
    if kind.endswith("wheel") and any(name.startswith(("tests/", "benches/")) for name in names):
        failures.append(f"{kind}: ships tests or benches")
    return failures


def check_ui(kind: str, files: dict[str, bytes]) -> list[str]:
    """Every ``/assets/...`` file the server's ``ui_dist/index.html`` loads is in the same artifact
    (a stale or half-copied build would serve a page whose script is 404)."""
    index = [name for name in files if re.search(r"(^|/)groundset_server/ui_dist/index\.html$", name)]
    if len(index) != 1:
        return []  # the patterns above already report a missing index.html
    prefix = index[0].removesuffix("index.html")
    referenced = set(re.findall(r'(?:src|href)="/(assets/[^"]+)"', files[index[0]].decode("utf-8")))
    return [
        f"{kind}: ui_dist/index.html loads /{asset}, not inside"
        for asset in sorted(referenced)
        if prefix + asset not in files
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dist", type=Path)
    dist: Path = parser.parse_args().dist
    version = release_version()
    license_text = (ROOT / "LICENSE").read_bytes()
    failures: list[str] = []
    rows = []
    for pattern, kind in expected(version).items():
        found = sorted(dist.glob(pattern))
        if len(found) != 1:
            failures.append(f"{kind}: expected one {pattern} in {dist}, found {[path.name for path in found]}")
            continue
        path = found[0]
        files = members(path)
        failures += check_contents(kind, set(files), files, license_text, version)
        rows.append((path.name, path.stat().st_size, sum(len(data) for data in files.values())))
        if kind == "groundset-core wheel":
            shown = subprocess.run(
                [str(VENV_BIN / "auditwheel"), "show", str(path)], capture_output=True, text=True, check=False
            )
            tag = re.search(r"consistent with the following platform tag: \"(\S+)\"", " ".join(shown.stdout.split()))
            if tag is None or tag[1] not in path.name:
                failures.append(f"{kind}: auditwheel show does not confirm the tag of {path.name}:\n{shown.stdout}")
    extra = sorted({path.name for path in dist.iterdir()} - {name for name, _, _ in rows})
    if extra:
        failures.append(f"{dist}: unexpected files {extra} (another version's artifacts?)")
    print(f"{'artifact':<80} {'size':>10} {'unpacked':>10}")
    for name, size, unpacked in rows:
        print(f"{name:<80} {size / 1e6:>8.2f}MB {unpacked / 1e6:>8.2f}MB")
    return verdict(failures, "dist check FAILED:", f"dist OK: {len(rows)} artifacts of version {version}")


if __name__ == "__main__":
    sys.exit(main())
