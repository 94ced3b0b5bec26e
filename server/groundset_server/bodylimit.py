"""``GROUNDSET_MAX_BODY_BYTES`` for every request body, whatever the route and however it is
read: 413 ``body_too_large`` (:func:`groundset_server.problems.too_large`).

A plain ASGI middleware counts the bytes as the route reads them: a declared
``Content-Length`` over the limit is refused before a byte is read, and a body streamed past it
(chunked, or longer than declared) stops at the first chunk over it. The route's own answer to
a body cut short (FastAPI's 400, a half-read upload's) is replaced by the 413, and the rest of
the body is never read."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from groundset_server.problems import too_large
from groundset_server.routers.common import problem_response


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = too_large(self.limit)
        answer = problem_response(refusal, scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                declared = problem_response(too_large(self.limit, int(value)), scope.get("path", ""))
                await declared(scope, receive, send)
                return
        counted = 0
        over = False
        started = False

        async def receive_counted() -> Message:
            nonlocal counted, over
            message = await receive()
            counted += len(message.get("body", b""))
            if counted > self.limit and not started:
                over = True
                raise refusal
            return message

        async def send_unless_over(message: Message) -> None:
            nonlocal started
            if over:
                return
            started = True
            await send(message)

        try:
            await self.app(scope, receive_counted, send_unless_over)
        except Exception:
            if not over:
                raise
        if over:
            await answer(scope, receive, send)
