"""The stage prefix: the part of the public path in front of the API's own root.

A client calls `https://<id>.execute-api.<region>.amazonaws.com/dev/api/todos`; the
function is asked for `/api/todos` on the stage `dev`. Mangum builds an ASGI scope
with an empty `root_path` and, on a REST API, the path without the stage. This module
is the one place that works out the prefix (`/dev`, a custom domain's base path such
as `/v1`, or nothing) and gives it to Django as the script prefix (`root_path`), from
which Django builds every URL: the OpenAPI paths, Swagger UI's document and assets
(through core/staticfiles.py), and `Location` headers.
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
