"""ASGI adapters for API Gateway events: the stage prefix and the body length.

Mangum turns an event into an ASGI scope with an empty `root_path` and, on a REST API,
the path without the stage; these wrappers put back what API Gateway took away.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

Scope = dict[str, Any]
ASGIApp = Any


def stage_prefix(event: dict[str, Any], mangum_path: str) -> str:
    """Return the path prefix the client used before the API's own root: `/dev` on the
    execute-api URL, a base path mapping's `/v1` on a custom domain, or "".

    The route (`resource`, or the HTTP API's `routeKey`) filled in with the path
    parameters is the path below the API's root, so whatever the public path has in
    front of it is the prefix. An HTTP API `$default` route has no template: its prefix
    is the stage, when the path carries it.
    """
    public_path = _public_path(event, mangum_path)
    app_path = _route_path(event)
    if app_path is None and event.get("version") == "2.0":
        stage = ((event.get("requestContext") or {}).get("stage")) or "$default"
        stage_root = f"/{stage}"
        if stage != "$default" and (public_path + "/").startswith(stage_root + "/"):
            return stage_root
        return ""
    if app_path is None:
        app_path = mangum_path
    # Path parameters arrive decoded once; HTTP API paths are decoded twice by the time
    # Mangum is done, so an encoded `%` may need a second decoding to match.
    for candidate in (app_path, unquote(app_path)):
        if candidate == "/":
            return public_path.rstrip("/")
        if public_path.endswith(candidate):
            return public_path[: -len(candidate)].rstrip("/")
    return ""


def _public_path(event: dict[str, Any], mangum_path: str) -> str:
    """Return the decoded path the client asked for, prefix included."""
    if event.get("version") == "2.0":
        return mangum_path  # HTTP API: rawPath, stage included
    return unquote((event.get("requestContext") or {}).get("path") or mangum_path)


def _route_path(event: dict[str, Any]) -> str | None:
    """Return the event's route template filled in with its path parameters, if it has one."""
    template = event.get("resource")
    if event.get("version") == "2.0":
        _, _, template = str(event.get("routeKey", "")).partition(" ")
    if not template:
        return None
    parameters = event.get("pathParameters") or {}
    if any(name not in parameters for name in _PARAMETER.findall(template)):
        return None
    return _PARAMETER.sub(lambda match: str(parameters[match.group(1)]), template)


_PARAMETER = re.compile(r"\{([^{}+]+)\+?\}")


def with_stage_prefix(app: ASGIApp) -> ASGIApp:
    """Wrap an ASGI app so Django sees the stage as its script prefix (`root_path`).

    Django then builds every URL with it: the OpenAPI paths, Swagger's openapi.json
    and static asset URLs, and `Location` headers.
    """

    async def prefixed(scope: Scope, receive: Any, send: Any) -> None:
        event = scope.get("aws.event")
        if scope["type"] == "http" and event is not None:
            prefix = stage_prefix(event, scope["path"])
            path = scope["path"]
            if prefix:
                # The public path, not Mangum's: on the execute-api URL the event's path
                # lacks the stage, and it may begin with a segment named like the stage.
                path = _public_path(event, path)
                path = path if path != prefix else prefix + "/"
            scope = {**scope, "root_path": prefix, "path": path}
        await app(scope, receive, send)

    return prefixed


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
