"""Helpers shared by the routers."""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa
from fastapi import Request, Response

from groundset_server.problems import Problem


def engine_of(request: Request) -> sa.Engine:
    engine: sa.Engine = request.app.state.engine
    return engine


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 beyond the configured limit."""
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, "body_too_large", f"the body is over the limit of {limit} bytes", limit=limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, "body_too_large", f"the body is over the limit of {limit} bytes", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def check_media_type(content_type: str | None) -> None:
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media not in ("application/json", "application/x-ndjson", "application/jsonl"):
        raise Problem(415, "unsupported_media_type", "send application/json or application/x-ndjson")


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": "Problem details (RFC 9457)", "content": {"application/problem+json": {}}}
    for status in (401, 404, 409, 413, 422)
}
