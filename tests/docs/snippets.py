"""The fenced code blocks of the user documentation, and what the docs test does with each.

A block is run (python, ts, bash), parsed (json), or checked as its marker says. A marker is an
HTML comment on the line just before the opening fence, invisible in the rendered page:

- `<!-- docs-test: skip: REASON -->`: not run (a command that starts a long-running server, or
  `just test` itself); the reason is required, and the test allows only a few of these.
- `<!-- docs-test: github-actions -->` on a yaml block: parsed as YAML, its shape checked as a
  GitHub Actions workflow, and every `run:` command except package installs run against the
  live server.
- `<!-- docs-test: output: COMMAND -->` on a text block: COMMAND runs (bash, against the live
  server) and every line of the block must be a line of what it prints (`...` lines elide).
- `<!-- docs-test: exit: N -->` on a bash block: it runs, and must exit with status N (a CI
  gate's failure, shown as the command a pipeline runs); without the marker a bash block must
  exit 0.

docs/hashing.md is not collected here: crates/canonhash/tests/docs.rs checks its examples.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "README.md", *sorted(path for path in (ROOT / "docs").glob("*.md") if path.name != "hashing.md")]
RUN = frozenset({"python", "ts", "bash"})
PARSE = frozenset({"json"})
MARKER = re.compile(r"^<!-- docs-test: (?P<kind>skip|github-actions|output|exit)(?::\s*(?P<argument>.+?))?\s*-->$")
FENCE = re.compile(r"^```(?P<language>[\w-]*)\s*$")


@dataclass(frozen=True)
class Snippet:
    """One fenced block: where it is, its language tag, its text and its marker."""

    document: Path
    line: int
    language: str
    code: str
    marker: str | None = None
    argument: str | None = None

    @property
    def id(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}:{self.language or 'untagged'}"

    @property
    def stem(self) -> str:
        """A file name stem unique to this block."""
        return re.sub(r"\W", "_", f"{self.document.stem}_{self.line}")


def misplaced(document: Path, line: int) -> ValueError:
    return ValueError(f"{document.name}:{line}: a docs-test marker must be the line just before a fence")


def read_snippets(document: Path) -> list[Snippet]:
    """Every fenced block of a Markdown file, in order; a marker line that precedes no fence is
    an error (so a misplaced marker cannot silently skip nothing)."""
    lines = document.read_text(encoding="utf-8").splitlines()
    found: list[Snippet] = []
    marker: tuple[int, str, str | None] | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("<!-- docs-test"):
            matched = MARKER.match(line)
            if matched is None:
                raise ValueError(f"{document.name}:{index + 1}: unreadable docs-test marker {line!r}")
            marker = (index + 1, matched["kind"], matched["argument"])
        elif fence := FENCE.match(line):
            end = index + 1
            while end < len(lines) and lines[end].rstrip() != "```":
                end += 1
            if end == len(lines):
                raise ValueError(f"{document.name}:{index + 1}: the code block is never closed")
            if marker is not None and marker[0] != index:
                raise ValueError(
                    f"{document.name}:{marker[0]}: a docs-test marker must be the line just before a fence"
                )
            found.append(
                Snippet(
                    document=document,
                    line=index + 1,
                    language=fence["language"],
                    code="\n".join(lines[index + 1 : end]) + "\n",
                    marker=None if marker is None else marker[1],
                    argument=None if marker is None else marker[2],
                )
            )
            marker = None
            index = end
        elif marker is not None and line.strip():
            raise misplaced(document, marker[0])
        index += 1
    if marker is not None:
        raise misplaced(document, marker[0])
    return found


def all_snippets() -> list[Snippet]:
    return [snippet for document in DOCUMENTS for snippet in read_snippets(document)]
