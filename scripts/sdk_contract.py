"""Generate each SDK's constants module from the one SDK contract, ``contract/sdk.json``.

    python scripts/sdk_contract.py            # write python/python/groundset/_constants.py and js/ts/constants.ts
    python scripts/sdk_contract.py --check    # exit 1 when either is not what the contract generates

The values (timeout, retry policy, upsert plan) are generated rather than copied, so neither SDK
can drift from the file; the error classes, their attributes and the status mapping are code in
each SDK and are held to the same file by ``tests/parity/test_sdk_names.py``. Each constant is the
key in upper case (``timeout_seconds`` -> ``TIMEOUT_SECONDS``) in both languages.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "contract/sdk.json"
PYTHON = ROOT / "python/python/groundset/_constants.py"
TYPESCRIPT = ROOT / "js/ts/constants.ts"
SECTIONS = ("client", "upsert", "experiments")
WIDTH = 116


def constants(contract: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """``(NAME, value, doc)`` of every generated constant, in the contract's order."""
    return [
        (key.upper(), entry["value"], entry["doc"]) for section in SECTIONS for key, entry in contract[section].items()
    ]


def python_value(name: str, value: Any) -> str:
    if isinstance(value, list):
        return "frozenset({" + ", ".join(json.dumps(item) for item in value) + "})"
    if name.endswith("_SECONDS") or isinstance(value, float):
        return repr(float(value))
    return json.dumps(value)


def python_type(name: str, value: Any) -> str:
    if isinstance(value, list):
        return f"frozenset[{element_type(value)}]"
    if name.endswith("_SECONDS") or isinstance(value, float):
        return "float"
    return type(value).__name__


def element_type(values: list[Any]) -> str:
    """``int`` or ``str``: the Python type of a list constant's items (all of one type)."""
    return "str" if all(isinstance(value, str) for value in values) else "int"


def python_module(contract: dict[str, Any]) -> str:
    lines = [
        '"""The SDK contract\'s values, generated from contract/sdk.json by scripts/sdk_contract.py: do not edit.',
        "",
        "The TypeScript SDK's ``js/ts/constants.ts`` is generated from the same file with the same names.",
        '"""',
        "",
        "from typing import Final",
        "",
        "__all__ = [",
        *(f'    "{name}",' for name in sorted(name for name, _, _ in constants(contract))),
        "]",
    ]
    for name, value, doc in constants(contract):
        kind = python_type(name, value)
        lines += ["", f"{name}: Final[{kind}] = {python_value(name, value)}"]
        lines += textwrap.wrap(f'"""{doc}"""', WIDTH)
    return "\n".join(lines) + "\n"


def typescript_module(contract: dict[str, Any]) -> str:
    lines = [
        "/**",
        " * The SDK contract's values, generated from contract/sdk.json by scripts/sdk_contract.py: do not edit.",
        " * The Python SDK's `groundset._constants` is generated from the same file with the same names.",
        " *",
        " * @module",
        " */",
    ]
    for name, value, doc in constants(contract):
        lines += ["", "/**"]
        lines += [f" * {line}" for line in textwrap.wrap(doc, WIDTH - 3)]
        lines += [" */"]
        if isinstance(value, list):
            kind = "string" if element_type(value) == "str" else "number"
            lines.append(f"export const {name}: ReadonlySet<{kind}> = new Set([{', '.join(map(json.dumps, value))}]);")
        else:
            lines.append(f"export const {name} = {json.dumps(value)};")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a generated module is stale")
    arguments = parser.parse_args()
    contract = json.loads(CONTRACT.read_text(encoding="utf-8"))
    stale = []
    for path, text in ((PYTHON, python_module(contract)), (TYPESCRIPT, typescript_module(contract))):
        if arguments.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.relative_to(ROOT))
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        names = ", ".join(map(str, stale))
        print(f"{names} stale against contract/sdk.json: run `python scripts/sdk_contract.py`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
