"""POST /v1/datasets/upsert and its hash-first companion /v1/datasets/upsert/plan."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from groundset_server import service, wire
from groundset_server.gcpause import paused
from groundset_server.routers.common import (
    PROBLEM_RESPONSES,
    check_media_type,
    engine_of,
    json_response,
    read_body,
)
from groundset_server.schemas import PlanRequest, PlanResult, UpsertRequest, UpsertResult

router = APIRouter(prefix="/datasets", tags=["upserts"])


def _request_body(model: type[UpsertRequest] | type[PlanRequest]) -> dict[str, object]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schema},
                "application/x-ndjson": {
                    "schema": {
                        "type": "string",
                        "description": "header object line, then one example per line",
                    }
                },
            },
        }
    }


def _upsert(body: bytes, content_type: str | None, request: Request) -> Response:
    with paused():
        header, examples = wire.parse_body(body, content_type, content_allowed=True)
        wire.verify_hashes(examples)
        return json_response(service.upsert(engine_of(request), header, examples))


def _plan(body: bytes, content_type: str | None, request: Request) -> Response:
    with paused():
        header, examples = wire.parse_body(body, content_type, content_allowed=False)
        return json_response(service.plan(engine_of(request), header, examples))


@router.post(
    "/upsert",
    response_model=UpsertResult,
    responses=PROBLEM_RESPONSES,
    openapi_extra=_request_body(UpsertRequest),
)
async def upsert(request: Request) -> Response:
    """Create a version from the request's examples (merge or mirror); nothing changed: no version."""
    content_type = request.headers.get("content-type")
    check_media_type(content_type)
    body = await read_body(request)
    return await run_in_threadpool(_upsert, body, content_type, request)


@router.post(
    "/upsert/plan",
    response_model=PlanResult,
    responses=PROBLEM_RESPONSES,
    openapi_extra=_request_body(PlanRequest),
)
async def plan(request: Request) -> Response:
    """Classify a manifest of (source_id, content_hash) without writing: which contents to send."""
    content_type = request.headers.get("content-type")
    check_media_type(content_type)
    body = await read_body(request)
    return await run_in_threadpool(_plan, body, content_type, request)
