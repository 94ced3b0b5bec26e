"""POST /v1/datasets/upsert and its hash-first companion /v1/datasets/upsert/plan."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from groundset_server import wire
from groundset_server.engine.upsert import RawExample
from groundset_server.gcpause import paused
from groundset_server.problems import BodyForm, Problem, domain_problem
from groundset_server.routers.common import (
    PROBLEM_RESPONSES,
    BodyBlocks,
    check_media_type,
    engine_of,
    json_response,
    problem_responses,
    read_body,
)
from groundset_server.schemas import PlanRequest, PlanResult, UpsertRequest, UpsertResult
from groundset_server.services import upserts
from groundset_server.services.errors import DomainError

router = APIRouter(prefix="/datasets", tags=["upserts"])


UPSERT_PROBLEMS = {**PROBLEM_RESPONSES, **problem_responses(400, 415)}
"""Also 400 (a body that is not JSON or NDJSON) and 415 (another media type)."""

REQUEST_MODELS = (UpsertRequest, PlanRequest)
"""Bodies these routes parse themselves (JSON or NDJSON): ``app.openapi`` adds their schemas,
and the models they refer to, to the components."""


def _request_body(model: type[UpsertRequest] | type[PlanRequest]) -> dict[str, object]:
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
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


def _answer(
    request: Request,
    form: BodyForm,
    header: wire.Header,
    batches: Iterable[list[RawExample]] | wire.NdjsonRequest,
    with_content: bool,
) -> Response:
    """The upsert's or plan's answer, raw (orjson: a dry run's lists of source ids can be long);
    a refusal rendered knowing where the body's examples are (JSON path or NDJSON line)."""
    plans = request.app.state.plans
    try:
        if not with_content:
            return json_response(upserts.plan(engine_of(request), header, batches, plans))
        assert not isinstance(batches, wire.NdjsonRequest)
        if header.manifest_digest is not None:
            # The digest stands for the examples: an NDJSON body holds its header line alone.
            if any(batch for batch in batches):
                raise wire.digest_with_examples()
            return json_response(upserts.upsert_by_digest(engine_of(request), header))
        return json_response(upserts.upsert(engine_of(request), header, batches, plans))
    except DomainError as error:
        raise domain_problem(error, form) from None


def _json(request: Request, body: bytes, with_content: bool) -> Response:
    with paused():
        header, examples = wire.decode_json_body(body, with_content)
        return _answer(request, "json", header, [examples] if examples else [], with_content)


def _ndjson(request: Request, blocks: Iterator[bytes], with_content: bool) -> Response:
    with paused():
        reader = wire.NdjsonRequest(blocks, with_content)
        header = reader.header()
        # A plan's lines go to the core as they are (no Python value per line).
        return _answer(request, "ndjson", header, reader.batches() if with_content else reader, with_content)


async def _handle(request: Request, with_content: bool) -> Response:
    content_type = request.headers.get("content-type")
    check_media_type(content_type)
    if not wire.is_ndjson(content_type):
        body = await read_body(request)
        return await run_in_threadpool(_json, request, body, with_content)
    # NDJSON streams: the worker thread reads the body a block at a time as it decodes and
    # writes, so a request of any size is handled in bounded memory.
    body_blocks = BodyBlocks(request, request.app.state.settings.ndjson_block_bytes)
    try:
        return await run_in_threadpool(_ndjson, request, body_blocks.blocking(), with_content)
    except Problem as problem:
        if problem.status != 413:
            # Read what the client is still sending, so that it gets to read the answer.
            await body_blocks.drain()
        raise


@router.post(
    "/upsert",
    response_model=UpsertResult,
    responses=UPSERT_PROBLEMS,
    openapi_extra=_request_body(UpsertRequest),
)
async def upsert(request: Request) -> Response:
    """Create a version from the request's examples (merge or mirror); nothing changed: no version.

    422 `missing_content`: examples sent with a `content_hash` but no `input` that no plan
    explains (the dataset has no version yet, or is at the version the request expected), each
    named in `errors`; nothing is written.

    With `manifest_digest` instead of `examples`: the no-op when it equals the latest version's
    digest (one indexed read, whatever the dataset's size), else 409 `digest_differs`.

    With a plan's `plan_id`: only the examples the plan needs, the rest of the manifest taken
    from the plan (409 `plan_expired`: send the whole manifest instead; 422 `plan_mismatch`)."""
    return await _handle(request, with_content=True)


@router.post(
    "/upsert/plan",
    response_model=PlanResult,
    responses=UPSERT_PROBLEMS,
    openapi_extra=_request_body(PlanRequest),
)
async def plan(request: Request) -> Response:
    """Classify a manifest of (source_id, content_hash) without writing: which contents to send,
    and the `plan_id` under which this server process keeps the plan for the upsert."""
    return await _handle(request, with_content=False)
