"""Export of a dataset version as a file (JSONL or CSV), streamed; see
:mod:`groundset_server.services.exports`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from groundset_server.routers.common import PROBLEM_RESPONSES, engine_of
from groundset_server.services import exports

router = APIRouter(prefix="/datasets", tags=["datasets"], responses=PROBLEM_RESPONSES)

EXPORT_LINE = {
    "type": "object",
    "description": "One example: its source id under the id key, and its parts.",
    "required": ["input", "output", "metadata"],
    "properties": {part: {"type": "object"} for part in exports.PARTS},
    "additionalProperties": {"type": "string", "description": "The source id, under the id key."},
}
VERSION_ID = {"type": "string"}
EXPORT_CONTENT = {
    "application/jsonl": {
        "schema": {"type": "string", "description": "One JSON object per line (x-item-schema)."},
        "x-item-schema": EXPORT_LINE,
    },
    "text/csv": {
        "schema": {
            "type": "string",
            "description": "RFC 4180 with CRLF line ends: the id column, then `input.…`, `output.…`, "
            "`metadata.…` columns of strings and `….:json` columns of JSON text (an empty cell: absent).",
        }
    },
}


@router.get(
    "/{dataset_id}/export",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The version's examples as a file",
            "content": EXPORT_CONTENT,
            "headers": {"X-Version-Id": {"description": "The version exported.", "schema": VERSION_ID}},
        }
    },
)
async def export_dataset(
    request: Request,
    dataset_id: str,
    version_id: str | None = None,
    tag: str | None = None,
    format: exports.ExportFormat = "jsonl",
    id_key: Annotated[str, Query(description="The member (CSV: column) of each example's source id.")] = "id",
) -> StreamingResponse:
    """A version (by `version_id` or `tag`, else the latest) as a file that `groundset upsert
    FILE --id-key ID_KEY --mode mirror` syncs back as a no-op: `format=jsonl`
    (`application/jsonl`, one `{ID_KEY, input, output, metadata}` object per line) or
    `format=csv` (`text/csv`, dotted string columns and `:json` typed columns, docs/hashing.md
    section 5); examples in the order they were first created, streamed in bounded memory,
    with `Content-Disposition: attachment; filename="<dataset>-v<version>.<format>"` and
    `X-Version-Id` (the version exported, also when none was named). 422
    `invalid_id_key` for an id key the file could not be read back by (`input`, `output`,
    `metadata`, empty; in CSV also one with `.` or `:`), 422 `dataset_has_no_version`."""
    export = await run_in_threadpool(
        exports.open_export, engine_of(request), dataset_id, version_id, tag, format, id_key
    )
    return StreamingResponse(
        export.chunks,
        media_type=export.media_type,
        headers={"content-disposition": export.content_disposition, "x-version-id": export.version_id},
    )
