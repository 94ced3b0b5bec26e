"""Helpers shared by the routers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Annotated, Any

import anyio
import orjson
import sqlalchemy as sa
from fastapi import Query, Request, Response

from groundset_server.problems import PROBLEM_MEDIA_TYPE, Problem, too_large

TagQuery = Annotated[
    str | None,
    Query(description="The version by its tag, instead of `version_id` (both: 422 `version_and_tag`)."),
]
"""The query parameter ``tag`` of every route that takes ``version_id``."""


def engine_of(request: Request) -> sa.Engine:
    engine: sa.Engine = request.app.state.engine
    return engine


def json_response(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def problem_response(problem: Problem, instance: str) -> Response:
    """``problem`` as answered (``application/problem+json``), about the request path ``instance``."""
    response = json_response(problem.body(instance=instance), status=problem.status)
    response.headers["content-type"] = PROBLEM_MEDIA_TYPE
    if problem.status == 401:
        response.headers["www-authenticate"] = "Bearer"
    if problem.retry_after is not None:
        response.headers["retry-after"] = str(problem.retry_after)
    return response


def _body_limit(request: Request) -> int:
    """The configured limit; a declared length beyond it is refused before reading."""
    limit: int = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit, int(declared))
    return limit


async def read_body(request: Request) -> bytes:
    """The request body, refused with 413 beyond the configured limit."""
    return await BodyBlocks(request, block_bytes=None).next_block() or b""


class BodyBlocks:
    """The request body in blocks of about ``block_bytes``, for a worker thread to pull as it
    goes (each pull is one hop to the event loop, so blocks are large)."""

    def __init__(self, request: Request, block_bytes: int | None) -> None:
        """``block_bytes`` None: the whole body is one block."""
        self.limit = _body_limit(request)
        self.stream = request.stream()
        self.block_bytes = block_bytes
        self.size = 0
        self.ended = False
        self.reading: asyncio.Future[bytes | None] | None = None

    async def next_block(self) -> bytes | None:
        parts: list[bytes] = []
        gathered = 0
        while (self.block_bytes is None or gathered < self.block_bytes) and not self.ended:
            try:
                chunk = await self.stream.__anext__()
            except StopAsyncIteration:
                self.ended = True
                break
            self.size += len(chunk)
            if self.size > self.limit:
                raise too_large(self.limit)
            parts.append(chunk)
            gathered += len(chunk)
        return b"".join(parts) if parts else None

    def blocking(self) -> Iterator[bytes]:
        """The blocks, for a worker thread started by ``run_in_threadpool``. The event loop
        reads the next block while the thread works on the current one."""
        self.reading = anyio.from_thread.run_sync(asyncio.ensure_future, self.next_block())
        while True:
            block = anyio.from_thread.run(self._finish_reading)
            if block is None:
                return
            self.reading = anyio.from_thread.run_sync(asyncio.ensure_future, self.next_block())
            yield block

    async def _finish_reading(self) -> bytes | None:
        reading, self.reading = self.reading, None
        return None if reading is None else await reading

    async def drain(self) -> None:
        with contextlib.suppress(Problem):
            await self._finish_reading()
        while not self.ended and self.size <= self.limit:
            await self.next_block()


def check_media_type(content_type: str | None) -> None:
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media not in ("application/json", "application/x-ndjson", "application/jsonl"):
        raise Problem(415, "unsupported_media_type", "send application/json or application/x-ndjson")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of problem answers with these statuses: ``application/problem+json``
    of the component ``Problem`` (RFC 9457)."""
    content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {status: {"description": "Problem details (RFC 9457)", "content": content} for status in statuses}


WRITE_CONFLICT_RESPONSE: dict[int | str, dict[str, Any]] = {
    503: {
        **problem_responses(503)[503],
        "description": "Problem details (RFC 9457): `write_conflict`, the request met concurrent "
        "writes (a PostgreSQL deadlock or serialization failure, or a SQLite database that stayed "
        "locked) on every attempt; `database_busy`, every connection of the server's pool stayed in "
        "use for GROUNDSET_POOL_TIMEOUT seconds; `database_unavailable`, the connection to the "
        "database failed or was lost (a restart). Nothing was written: send it again after "
        "`Retry-After` seconds. `database_gone` (no `Retry-After`): the database went away under "
        "the running server (its SQLite file deleted, moved or replaced, its tables dropped); "
        "restore it, or restart the server",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before sending again",
                "schema": {"type": "integer"},
            }
        },
    }
}

PROBLEM_RESPONSES = {**problem_responses(401, 404, 409, 413, 422), **WRITE_CONFLICT_RESPONSE}
"""The problems of any /v1 route (503 ``write_conflict`` from the retry middleware); the
upsert routes add 400 and 415."""
