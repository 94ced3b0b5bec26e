"""Version tags: set (create or move), read, list, delete, and a tag's history.

A tag is a path segment: the SDKs percent-encode it; it never holds ``/`` (422 ``invalid_tag``).
The routes take the rest of the path (``{tag:tag}``), so that a tag sent with ``/`` (``%2F``)
reaches the tag rule and is answered 422 ``invalid_tag``, not 404 or a redirect; a path whose
percent-escapes are not UTF-8 (which the server would decode with U+FFFD) is 422
``invalid_text``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote_to_bytes

from fastapi import APIRouter, Query, Request, Response
from starlette.convertors import Convertor, register_url_convertor

from groundset_server.routers.common import PROBLEM_RESPONSES, engine_of, json_response
from groundset_server.schemas import Tag, TagHistory, TagPage, TagSet
from groundset_server.services import tags
from groundset_server.services.errors import Invalid


class _RestOfPath(Convertor[str]):
    """The rest of the path, any character included: Starlette's ``path`` (``.*``) stops at a
    line break, which a tag may hold."""

    regex = "[\\s\\S]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("tag", _RestOfPath())

router = APIRouter(prefix="/datasets/{dataset_id}/tags", tags=["tags"], responses=PROBLEM_RESPONSES)


def _path_tag(request: Request, tag: str) -> str:
    """``tag`` as the path sent it: 422 ``invalid_tag`` when the path holds an escaped ``/``,
    ``invalid_text`` when its percent-escapes do not decode as UTF-8 (``%ED%A0%80``), rather
    than a tag named with U+FFFD."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode("utf-8")
    if b"%2f" in raw.lower():
        # A `/` sent escaped is part of the tag (`a%2Fhistory` is not the history of `a`).
        raise Invalid("invalid_tag", "`tag`: a tag must not contain '/'", parameter="tag")
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as error:
        raise Invalid(
            "invalid_text",
            f"`tag`: the path's percent-escapes are not UTF-8 (byte {error.start} of the decoded path)",
            parameter="tag",
        ) from None
    return tag


@router.put("/{tag:tag}", response_model=Tag, responses={201: {"model": Tag, "description": "Created"}})
def set_tag(request: Request, dataset_id: str, tag: str, body: TagSet) -> Response:
    """Point the tag at `version_id`: 201 when created; 200 when moved (`move: true`) or
    already there. 409 `tag_exists` (members `tag` and `version_id`, where it points now) when
    it points at another version without `move`; 422 `invalid_tag` (empty, over 512
    characters, only whitespace, all digits, `.` or `..`, with `/` (sent as `%2F` too), with
    white space at either end or a control character: C0, DEL, C1; the last two for a tag being
    set only, so one made before stays readable), `invalid_text` (U+0000, or a path that is not
    UTF-8), `lone_surrogate`; 404 `dataset_not_found`, `version_not_found`."""
    answer, created = tags.set_tag(
        engine_of(request), dataset_id, _path_tag(request, tag), body.version_id, body.move
    )
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


@router.get("/{tag:tag}/history", response_model=TagHistory)
def tag_history(request: Request, dataset_id: str, tag: str) -> dict[str, Any]:
    """Every change of the tag, oldest first: `created`, `moved` (with the version before) and
    `deleted`, each with when. A deleted tag's history is still here; 404 `tag_not_found` only
    for a tag the dataset never had."""
    return tags.tag_history(engine_of(request), dataset_id, _path_tag(request, tag))


@router.get("/{tag:tag}", response_model=Tag)
def get_tag(request: Request, dataset_id: str, tag: str) -> dict[str, Any]:
    """The tag and the version it points at; 404 `tag_not_found`."""
    return tags.get_tag(engine_of(request), dataset_id, _path_tag(request, tag))


@router.delete("/{tag:tag}", status_code=204, response_class=Response)
def delete_tag(request: Request, dataset_id: str, tag: str) -> Response:
    """Delete the tag (its history stays readable); 404 `tag_not_found`."""
    tags.delete_tag(engine_of(request), dataset_id, _path_tag(request, tag))
    return Response(status_code=204)
