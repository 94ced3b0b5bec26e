"""Request ids: an ``X-Request-Id`` on every answer (a valid incoming one is kept) and in the
log line of every request. A plain ASGI middleware, so request bodies pass through untouched.

The log line gives the path as the client sent it, percent-encoded, with any other byte outside
printable ASCII escaped too: a path's ``%0A`` decoded would start a forged line. A request whose
client closed the connection before its body's end (an SDK that found a bad record after the
first examples of a streamed upload left) is status 499, as nginx logs it, at info: the route's
transaction is rolled back, nothing is written and there is nobody to answer."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("groundset_server")
_VALID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_UNPRINTABLE = re.compile(rb"[^\x21-\x7e]")
CLIENT_CLOSED = 499
"""The status logged for a request whose client went away before its body's end (no answer is
sent)."""


def logged_path(scope: Scope) -> str:
    """The request's path for a log line: the bytes the client sent (``raw_path``), every byte
    outside printable ASCII as ``%XX``, so no path can end a line or hide in one."""
    raw = scope.get("raw_path")
    if not isinstance(raw, bytes):
        raw = str(scope.get("path", "")).encode("utf-8", "surrogateescape")
    return _UNPRINTABLE.sub(lambda byte: b"%%%02X" % byte[0][0], raw).decode("ascii")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        request_id = given if _VALID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("ascii")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            status = CLIENT_CLOSED
        finally:
            log.info(
                "request_id=%s %s %s %d %.1fms",
                request_id,
                scope.get("method", ""),
                logged_path(scope),
                status,
                (time.perf_counter() - start) * 1000,
            )
