"""docs/rest-api.md is what scripts/render_openapi.py renders from server/openapi.json now."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import render_openapi
from snippets import ROOT


def test_rest_api_page_is_fresh() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/render_openapi.py", "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{done.stdout}{done.stderr}"


def test_check_fails_on_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "rest-api.md"
    stale.write_text((ROOT / "docs" / "rest-api.md").read_text(encoding="utf-8").replace("Upsert", "Upload"))
    monkeypatch.setattr(render_openapi, "PAGE", stale)
    monkeypatch.setattr(sys, "argv", ["render_openapi.py", "--check"])
    assert render_openapi.main() == 1


def test_every_route_is_rendered() -> None:
    page = (ROOT / "docs" / "rest-api.md").read_text(encoding="utf-8")
    spec = json.loads(render_openapi.SPEC.read_text(encoding="utf-8"))
    for path, methods in spec["paths"].items():
        for method in methods:
            assert f"### `{method.upper()} {path}`" in page
