"""RFC 9457 problem details (``application/problem+json``) with a stable ``code``.

:class:`Problem` is what the edge (request reading, routers, the app's handlers) raises and
answers; :func:`domain_problem` renders the services' refusals
(:mod:`groundset_server.services.errors`) as problems, in one place."""

from __future__ import annotations

from typing import Any, Literal

from groundset_server.services.errors import Conflict, DomainError, DuplicateSourceIds, NotFound

PROBLEM_MEDIA_TYPE = "application/problem+json"
MAX_LISTED = 10

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
}


class Problem(Exception):
    """An error answered as problem+json: HTTP status, stable code, detail and extra members."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
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


BodyForm = Literal["json", "ndjson"]
"""How an upsert or plan body was sent: where an example is, is a JSON path or a line."""


def domain_problem(error: DomainError, body_form: BodyForm | None = None) -> Problem:
    """The problem for a service's refusal: :class:`Invalid` 422, :class:`NotFound` 404,
    :class:`Conflict` 409, the error's code, detail and members. Duplicate source ids are
    located by the first repeat: ``path`` ``$.examples[i].source_id`` in a JSON body, or
    ``line`` and ``path`` ``$.source_id`` in NDJSON (``body_form``, which the route knows)."""
    members = dict(error.members)
    if isinstance(error, DuplicateSourceIds):
        first = error.examples[0].position
        json_body = body_form == "json"
        members["line"] = None if json_body else first
        members["path"] = f"$.examples[{first}].source_id" if json_body else "$.source_id"
    status = 404 if isinstance(error, NotFound) else 409 if isinstance(error, Conflict) else 422
    return Problem(status, error.code, error.detail, **members)
