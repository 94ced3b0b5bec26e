"""Every command the docs, the READMEs and the web UI tell a user to type exists: each
``groundset CMD`` / ``groundset-server CMD`` they name (in code, or in parentheses as the UI's
hints do) is a command of that program, and each ``--option`` written after it on the same line
is in that command's ``--help``. The web UI once pointed to ``groundset run``, which never was."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SOURCES = [
    *sorted((ROOT / "docs").rglob("*.md")),
    ROOT / "README.md",
    *(ROOT / part / "README.md" for part in ("python", "js", "server", "ui", "examples")),
    *sorted((ROOT / "ui" / "src").rglob("*.tsx")),
]
# A command as typed: in backticks, at the start of a (code) line, after `$ ` or `(`.
COMMAND = re.compile(r"(?:`|^\s*(?:\$ )?|\()(?:\S*/)?(groundset(?:-server)?) ([a-z][a-z-]*)((?:[^`)\n|;#$])*)", re.M)
# Words after "groundset" that are prose, not a command ("groundset keeps the datasets...").
PROSE = {"keeps", "decides", "quickstart", "for", "does", "compares", "is", "and", "the", "to"}


def _named() -> list[tuple[str, str, str, str]]:
    found = []
    for source in SOURCES:
        if not source.exists():
            continue
        for match in COMMAND.finditer(source.read_text(encoding="utf-8")):
            program, command, rest = match.groups()
            if command in PROSE:
                continue
            line = source.read_text(encoding="utf-8")[: match.start()].count("\n") + 1
            found.append((f"{source.relative_to(ROOT)}:{line}", program, command, rest))
    return found


@cache
def _help(program: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / program), command, "--help"],
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "200", "PATH": str(BIN)},
    )


def test_the_sources_name_commands() -> None:
    assert len(_named()) > 50


@pytest.mark.parametrize(("where", "program", "command", "rest"), _named(), ids=lambda v: str(v)[:60])
def test_a_named_command_and_its_options_exist(where: str, program: str, command: str, rest: str) -> None:
    shown = _help(program, command)
    assert shown.returncode == 0, f"{where}: `{program} {command}` is not a command: {shown.stderr.strip()}"
    for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest):
        assert option in shown.stdout, f"{where}: `{program} {command}` has no option {option}"
