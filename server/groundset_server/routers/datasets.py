"""Reads and deletion of datasets, versions, examples, manifests and diffs.

Small answers (datasets, versions) are returned as data that FastAPI checks against the
response model; answers that grow with a version's examples (examples, manifests, diffs) are
written raw by orjson, the stored content spliced in without a parse."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from groundset_server.problems import Problem
from groundset_server.routers.common import PROBLEM_RESPONSES, TagQuery, engine_of, json_response
from groundset_server.schemas import Dataset as DatasetModel
from groundset_server.schemas import DatasetPage, Diff, ExamplePage, Manifest, Version, VersionPage
from groundset_server.services import datasets, versions
from groundset_server.validation import check_name

router = APIRouter(prefix="/datasets", tags=["datasets"], responses=PROBLEM_RESPONSES)

NDJSON_EXAMPLES = {
    "schema": {"type": "string", "description": "One `Example` per line."},
    "x-item-schema": {"$ref": "#/components/schemas/Example"},
}
"""The NDJSON export: ``x-item-schema`` is each line's schema (OpenAPI 3.2's ``itemSchema``)."""

MAX_PAGE = 10_000
DEFAULT_PAGE = 1_000


@router.get("", response_model=DatasetPage, response_model_exclude_unset=True)
def list_datasets(
    request: Request,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    name: str | None = None,
) -> dict[str, Any]:
    """Datasets by id, a page at a time; `name` filters by exact name (422 `invalid_text` if it
    holds U+0000, which no name can)."""
    if name is not None:
        check_name(name, "name")
    return datasets.list_datasets(engine_of(request), cursor, limit, name)


@router.get("/{dataset_id}", response_model=DatasetModel, response_model_exclude_unset=True)
def get_dataset(request: Request, dataset_id: str) -> dict[str, Any]:
    """The dataset with its `example_count`."""
    return datasets.get_dataset(engine_of(request), dataset_id)


@router.delete("/{dataset_id}", status_code=204, response_class=Response)
def delete_dataset(request: Request, dataset_id: str) -> Response:
    """Delete the dataset with all its versions, examples and revisions."""
    datasets.delete_dataset(engine_of(request), dataset_id)
    return Response(status_code=204)


@router.get("/{dataset_id}/versions", response_model=VersionPage)
def list_versions(
    request: Request,
    dataset_id: str,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> dict[str, Any]:
    """Versions newest first, each with its counts and its digest (stored with the version; computed
    on read for a version made before digests were stored)."""
    return versions.list_versions(engine_of(request), dataset_id, cursor, limit)


@router.get("/{dataset_id}/versions/{version_id}", response_model=Version)
def get_version(request: Request, dataset_id: str, version_id: str) -> dict[str, Any]:
    return versions.get_version(engine_of(request), dataset_id, version_id)


@router.get(
    "/{dataset_id}/examples",
    response_model=ExamplePage,
    responses={200: {"content": {"application/x-ndjson": NDJSON_EXAMPLES}}},
)
async def list_examples(
    request: Request,
    dataset_id: str,
    version_id: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int | None, Query(ge=1)] = None,
    tag: TagQuery = None,
    q: Annotated[
        str | None,
        Query(
            description="Only the examples whose source id, input, output or metadata contains this "
            "text, letter case ignored (ASCII letters on SQLite, all on PostgreSQL); the content is "
            "searched as its canonical JSON text, member names included. At most "
            f"{versions.MAX_QUERY_CHARS} characters (422 `query_too_long`). Every example is read "
            "for a rare text: about 0.1 s per 100,000 examples of 1 KB."
        ),
    ] = None,
    source_id: Annotated[
        list[str] | None,
        Query(
            description="Only the examples of these source ids (exact; repeat the parameter, at most "
            f"{versions.MAX_SOURCE_IDS}: 422 `too_many_source_ids`)."
        ),
    ] = None,
) -> Response:
    """The examples of a version (by `version_id` or `tag`, the latest by default) in id order,
    a page at a time (`limit` up to 10,000, default 1,000; `next_cursor` continues), or as
    NDJSON with `Accept: application/x-ndjson`: every example after `cursor`, or at most
    `limit` of them. `q` and `source_id` keep the examples they match (both: those matching
    both); the cursor goes on through the matches."""
    engine = engine_of(request)
    search = None if q is None and source_id is None else versions.ExampleSearch(source_id, q)
    if "application/x-ndjson" in request.headers.get("accept", ""):
        lines = await run_in_threadpool(
            versions.examples_ndjson, engine, dataset_id, version_id, cursor, limit, tag, search
        )
        return StreamingResponse(lines, media_type="application/x-ndjson")
    if limit is not None and limit > MAX_PAGE:
        raise Problem(422, "invalid_limit", f"a page holds at most {MAX_PAGE} examples", limit=limit)
    page = await run_in_threadpool(
        versions.examples_page, engine, dataset_id, version_id, cursor, limit or DEFAULT_PAGE, tag, search
    )
    return json_response(page)


@router.get("/{dataset_id}/manifest", response_model=Manifest)
def get_manifest(
    request: Request, dataset_id: str, version_id: str | None = None, tag: TagQuery = None
) -> Response:
    """Every `[source_id, content_hash]` pair of a version (by `version_id` or `tag`, the
    latest by default), sorted as the digest sorts them."""
    return json_response(versions.manifest(engine_of(request), dataset_id, version_id, tag))


@router.get("/{dataset_id}/diff", response_model=Diff)
def get_diff(
    request: Request,
    dataset_id: str,
    from_version_id: str | None = None,
    to_version_id: str | None = None,
    from_tag: Annotated[str | None, Query(description="The first version by its tag.")] = None,
    to_tag: Annotated[str | None, Query(description="The second version by its tag.")] = None,
) -> Response:
    """The source_ids created, updated and deleted between two versions, each given by id or
    by tag (`from_version_id` or `from_tag`, `to_version_id` or `to_tag`; 422 `version_and_tag`
    for both of a pair, `invalid_request` for neither)."""
    diff = versions.diff(engine_of(request), dataset_id, (from_version_id, from_tag), (to_version_id, to_tag))
    return json_response(diff)
