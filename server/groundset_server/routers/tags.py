"""Version tags: set (create or move), read, list, delete, and a tag's history.

A tag is a path segment: the SDKs percent-encode it; it never holds ``/`` (422 ``invalid_tag``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from groundset_server.routers.common import PROBLEM_RESPONSES, engine_of, json_response
from groundset_server.schemas import Tag, TagHistory, TagPage, TagSet
from groundset_server.services import tags

router = APIRouter(prefix="/datasets/{dataset_id}/tags", tags=["tags"], responses=PROBLEM_RESPONSES)


@router.put("/{tag}", response_model=Tag, responses={201: {"model": Tag, "description": "Created"}})
def set_tag(request: Request, dataset_id: str, tag: str, body: TagSet) -> Response:
    """Point the tag at `version_id`: 201 when created; 200 when moved (`move: true`) or
    already there. 409 `tag_exists` (members `tag` and `version_id`, where it points now) when
    it points at another version without `move`; 422 `invalid_tag` (empty, over 512
    characters, all digits, or with `/`); 404 `dataset_not_found`, `version_not_found`."""
    answer, created = tags.set_tag(engine_of(request), dataset_id, tag, body.version_id, body.move)
    return json_response(answer, status=201 if created else 200)


@router.get("", response_model=TagPage)
def list_tags(
    request: Request,
    dataset_id: str,
    cursor: Annotated[str | None, Query(description="The last name of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The dataset's tags by name (code point order), a page at a time."""
    return tags.list_tags(engine_of(request), dataset_id, cursor, limit)


@router.get("/{tag}", response_model=Tag)
def get_tag(request: Request, dataset_id: str, tag: str) -> dict[str, Any]:
    """The tag and the version it points at; 404 `tag_not_found`."""
    return tags.get_tag(engine_of(request), dataset_id, tag)


@router.delete("/{tag}", status_code=204, response_class=Response)
def delete_tag(request: Request, dataset_id: str, tag: str) -> Response:
    """Delete the tag (its history stays readable); 404 `tag_not_found`."""
    tags.delete_tag(engine_of(request), dataset_id, tag)
    return Response(status_code=204)


@router.get("/{tag}/history", response_model=TagHistory)
def tag_history(request: Request, dataset_id: str, tag: str) -> dict[str, Any]:
    """Every change of the tag, oldest first: `created`, `moved` (with the version before) and
    `deleted`, each with when. A deleted tag's history is still here; 404 `tag_not_found` only
    for a tag the dataset never had."""
    return tags.tag_history(engine_of(request), dataset_id, tag)
