"""RFC 9457 problem details (``application/problem+json``) with a stable ``code``.

:class:`Problem` is what the edge (request reading, routers, the app's handlers) raises and
answers; :func:`domain_problem` renders the services' refusals
(:mod:`groundset_server.services.errors`) as problems, in one place."""

from __future__ import annotations

from typing import Any, Literal

import groundset_core

from groundset_server.services.errors import Conflict, DomainError, NotFound, RecordRefusal, SchemaViolations

PROBLEM_MEDIA_TYPE = "application/problem+json"
MAX_LISTED = 10
MAX_REPORTED_ERRORS = groundset_core.MAX_REPORTED_ERRORS
"""How many refused records a problem lists one by one in ``errors`` (100); ``more_errors``
counts the rest."""

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class Problem(Exception):
    """An error answered as problem+json: HTTP status, stable code, detail and extra members;
    ``retry_after`` (seconds) is sent as the header ``Retry-After``."""

    def __init__(
        self, status: int, code: str, detail: str, retry_after: int | None = None, **extra: Any
    ) -> None:
        super().__init__(f"{code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.retry_after = retry_after
        if "source_ids" in extra and extra["source_ids"] is not None:
            extra["source_ids"] = list(extra["source_ids"])[:MAX_LISTED]
        self.extra = {k: v for k, v in extra.items() if v is not None}

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"urn:groundset:problem:{self.code}",
            "title": TITLES.get(self.status, "Error"),
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance is not None:
            body["instance"] = instance
        body.update(self.extra)
        return body


def too_large(limit: int, size: int | None = None) -> Problem:
    """413 ``body_too_large``: the request body is over ``limit`` bytes
    (``GROUNDSET_MAX_BODY_BYTES``), whatever the route; ``size`` (a member too) when the request
    declared its length. The detail says what to change: the setting, or what is sent at a
    time, and that a proxy in front of the server may have a smaller limit of its own (nginx's
    is 1 MB by default), whose refusal is not this problem."""
    said = f"the body is {size} bytes, over" if size is not None else "the body is over"
    detail = (
        f"{said} the limit of {limit} bytes: the server's GROUNDSET_MAX_BODY_BYTES (raise it, or send less "
        "at a time); a proxy in front of the server may have a limit of its own"
    )
    return Problem(413, "body_too_large", detail, limit=limit, **({} if size is None else {"size": size}))


BodyForm = Literal["json", "ndjson"]
"""How an upsert or plan body was sent: where an example is, is a JSON path or a line."""


def domain_problem(error: DomainError, body_form: BodyForm | None = None) -> Problem:
    """The problem for a service's refusal: :class:`Invalid` 422, :class:`NotFound` 404,
    :class:`Conflict` 409, the error's code, detail and members. A :class:`RecordRefusal`'s
    examples (duplicate source ids, missing content) are listed as refused records are
    (``errors``, schema ``RecordError``, and ``more_errors``), each at ``path``
    ``$.examples[i].source_id`` (or ``.input``) with its ``index`` in a JSON body, or
    ``$.source_id`` with its ``line`` in NDJSON (``body_form``, which the route knows); ``line``
    and ``path`` are the first one's."""
    members = dict(error.members)
    if isinstance(error, RecordRefusal):
        json_body = body_form == "json"
        listed = []
        for example in error.examples[:MAX_REPORTED_ERRORS]:
            member = error.member_of(example)
            # A negative position: an entry a plan_id stood for, on no line of the body.
            where = {} if example.position < 0 else {"index" if json_body else "line": example.position}
            path = f"$.examples[{example.position}].{member}" if json_body and where else f"$.{member}"
            detail = error.record_detail(example)
            listed.append(
                {"code": error.code, "path": path, "detail": detail, **where, "source_id": example.source_id}
            )
        members["line"] = listed[0].get("line")
        members["path"] = listed[0]["path"]
        members["errors"] = listed
        members["more_errors"] = len(error.examples) - len(listed)
    if isinstance(error, SchemaViolations):
        members.update(error.listing(None if body_form is None else body_form == "json"))
    status = 404 if isinstance(error, NotFound) else 409 if isinstance(error, Conflict) else 422
    return Problem(status, error.code, error.detail, **members)
