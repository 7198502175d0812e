"""The body length: API Gateway's REST events carry no Content-Length; this adds it."""

from __future__ import annotations

from typing import Any

Scope = dict[str, Any]
ASGIApp = Any


def with_body_length(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app so a request body comes with its Content-Length.

    REST API events carry no Content-Length, and Django reads a body without one as
    empty when it checks the body's size (413) and type (415) before parsing it.
    """

    async def measured(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or any(
            name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"]
        ):
            await app(scope, receive, send)
            return
        first = await receive()
        length = len(first.get("body", b""))
        if length and not first.get("more_body", False):
            headers = [*scope["headers"], [b"content-length", str(length).encode()]]
            scope = {**scope, "headers": headers}
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return first

        await app(scope, replay, send)

    return measured
