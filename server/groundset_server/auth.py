"""Bearer-token check for /v1 when ``GROUNDSET_API_KEY`` is set."""

from __future__ import annotations

import hmac

from fastapi import Request

from groundset_server.problems import Problem


def require_api_key(request: Request) -> None:
    key: str | None = request.app.state.settings.api_key
    if not key:
        return
    given = request.headers.get("authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), key.encode()):
        raise Problem(401, "unauthorized", "a valid `Authorization: Bearer <key>` header is required")
