"""Refuse an oversized request body under ASGI before receiving it.

Django's ASGI handler receives the whole body (spooling it to disk past 2.5 MB) before
the request reaches any middleware, and only then does reading `request.body` compare
Content-Length with DATA_UPLOAD_MAX_MEMORY_SIZE: a 64 MiB body is taken in full to be
answered 413. This wrapper stops receiving as soon as the body is known to be too big --
at once when Content-Length says so, or when a chunked body's bytes pass the limit -- and
lets Django answer as usual: the request then declares a Content-Length over the limit,
so the app's own 413 (JSON, CORS headers and all) answers it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

Scope = dict[str, Any]
Message = Mapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class BodyLimit:
    """An ASGI wrapper that receives at most `limit` bytes of a request body."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, receiving its body only while it fits the limit."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limited = _Limited(scope, receive, self.limit)

        async def close_after_a_cut_body(message: Message) -> None:
            # The rest of the body was never read: the connection cannot carry another
            # request, and the client should stop sending.
            if limited.cut and message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, limited, close_after_a_cut_body)


class _Limited:
    """A `receive` that ends the body once it is known to exceed `limit` bytes."""

    def __init__(self, scope: Scope, receive: Receive, limit: int) -> None:
        self.scope, self.receive, self.limit = scope, receive, limit
        declared = _content_length(scope)
        self.received = declared if declared is not None and declared > limit else 0
        self.cut = False

    async def __call__(self) -> Message:
        if self.cut:
            # Django only listens for a disconnect now. The rest of the body is never
            # received; this waits until Django, having answered, stops listening.
            await asyncio.Event().wait()
        if self.received > self.limit:  # declared too big: receive none of it
            return self._end()
        message = await self.receive()
        if message["type"] != "http.request":
            return message
        self.received += len(message.get("body", b""))
        return message if self.received <= self.limit else self._end()

    def _end(self) -> Message:
        """End the body here, declaring a length over the limit (a chunked body declares
        none), so that reading the body answers 413 as for any other."""
        self.cut = True
        headers = [(k, v) for k, v in self.scope["headers"] if k.lower() != b"content-length"]
        self.scope["headers"] = [*headers, (b"content-length", str(self.received).encode())]
        return {"type": "http.request", "body": b"", "more_body": False}


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
