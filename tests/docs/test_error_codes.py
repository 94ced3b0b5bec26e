"""Every record-level error code that the core or an SDK can give is in the error table of
docs/hashing.md (section 6), and the table names no code that nothing gives."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def table_codes() -> set[str]:
    text = (ROOT / "docs/hashing.md").read_text(encoding="utf-8")
    section = text.split("## 6. Errors", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE))


def core_codes() -> set[str]:
    """The stable names of the hashing codes (canonhash) and the record codes (the reader)."""
    codes: set[str] = set()
    for source in ("crates/canonhash/src/error.rs", "crates/records/src/error.rs"):
        codes |= set(re.findall(r'Code::\w+ => "([a-z_]+)"', (ROOT / source).read_text(encoding="utf-8")))
    return codes


def sdk_codes() -> set[str]:
    """The codes the SDKs give a record themselves: Python's RecordIssue and ExampleError, and
    the issues its core's ``prepare_examples`` records (core/src); TypeScript's Refusal and the
    issues ``prepareExamples`` adds."""
    codes: set[str] = set()
    issue = re.compile(r'(?:RecordIssue|ExampleError)\((?:[^()]|\([^()]*\))*?code="([a-z_]+)"')
    for path in sorted((ROOT / "python/python/groundset").glob("*.py")):
        codes |= set(issue.findall(path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "core/src").glob("*.rs")):
        codes |= set(re.findall(r'\(\w+, "([a-z_]+)"\.into\(\)', path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "js/ts").glob("*.ts")):
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'(?:new Refusal\(|issues\.add\(\w+, )"([a-z_]+)"', text))
    return codes


def test_every_record_code_is_documented() -> None:
    core, sdk = core_codes(), sdk_codes()
    # The scan finds what it looks for: a code of each kind.
    assert {"duplicate_key", "field_count"} <= core and {"not_a_mapping", "missing_key"} <= sdk
    documented = table_codes()
    assert sorted((core | sdk) - documented) == []
    assert sorted(documented - core - sdk) == []
