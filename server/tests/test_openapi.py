"""The committed server/openapi.json is the app's schema (regenerate: `just server::openapi`)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from groundset_server.app import create_app
from groundset_server.config import Settings

COMMITTED = Path(__file__).resolve().parent.parent / "openapi.json"


def test_openapi_matches_the_committed_file(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'o.db'}", api_key=None))
    current = json.loads(json.dumps(app.openapi()))
    app.state.engine.dispose()
    assert current == json.loads(COMMITTED.read_text(encoding="utf-8")), (
        "server/openapi.json is stale: run `just server::openapi` (scripts/openapi.py)"
    )
    paths = current["paths"]
    for path in [
        "/v1/datasets/upsert",
        "/v1/datasets/upsert/plan",
        "/v1/datasets/{dataset_id}/examples",
        "/v1/datasets/{dataset_id}/manifest",
        "/v1/datasets/{dataset_id}/diff",
        "/v1/datasets/{dataset_id}/experiments",
        "/v1/experiments/{experiment_id}",
        "/v1/experiments/compare",
        "/v1/experiments/{experiment_id}/runs",
        "/v1/experiments/{experiment_id}/evaluations",
        "/v1/experiments/{experiment_id}/incomplete",
        "/health",
    ]:
        assert path in paths


def test_every_schema_reference_resolves() -> None:
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    referenced = set(re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", json.dumps(committed)))
    assert referenced, "the document refers to no component schema"
    assert referenced <= set(committed["components"]["schemas"])
    assert {"UpsertRequest", "PlanRequest", "UpsertExample", "DatasetSelector"} <= referenced
