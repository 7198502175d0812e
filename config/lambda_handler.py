"""AWS Lambda entry point: API Gateway requests through Mangum, and management events.

`handler` serves API Gateway REST (v1) and HTTP API (v2) proxy events with the
Django ASGI application, and runs an allow-listed `manage.py` command when invoked
directly with `{"manage": ["migrate"]}`. Local runs use config.asgi and never import
this module.
"""

from __future__ import annotations

import io
import logging
import time
from typing import Any
from urllib.parse import unquote

from django.core.management import call_command
from django.core.management.base import CommandError
from mangum import Mangum

from config.asgi import application  # sets DJANGO_SETTINGS_MODULE and sets Django up
from core.logging import request_id

logger = logging.getLogger("config.lambda_handler")

# Commands a management event may run. The role bootstrap is not here: it needs the
# master credentials, which the function never has.
MANAGEMENT_COMMANDS = frozenset({"migrate", "showmigrations", "check", "seed_todos"})
# Options that would point Django at other code or settings.
FORBIDDEN_OPTIONS = ("--settings", "--pythonpath")

Scope = dict[str, Any]
ASGIApp = Any


def stage_prefix(event: dict[str, Any], mangum_path: str) -> str:
    """Return the path prefix the client used before the API's own root: `/dev` on the
    execute-api URL, a base path mapping's `/v1` on a custom domain, or "".

    API Gateway's `pathParameters.proxy` is the path below the API's root resource, so
    whatever the public path has in front of it is the prefix. Events from a resource
    without `{proxy+}` fall back to comparing the public path with the event's path.
    """
    context = event.get("requestContext") or {}
    if event.get("version") == "2.0":
        public_path = mangum_path  # HTTP API: rawPath, stage included
    else:
        public_path = unquote(context.get("path") or mangum_path)
    proxy = (event.get("pathParameters") or {}).get("proxy")
    if proxy is not None:
        app_path = "/" + unquote(proxy).lstrip("/")
    elif event.get("version") == "2.0":
        stage = context.get("stage", "$default")
        stage_root = f"/{stage}"
        if stage != "$default" and (
            public_path == stage_root or public_path.startswith(stage_root + "/")
        ):
            return stage_root
        return ""
    else:
        app_path = mangum_path
    if app_path != "/" and public_path.endswith(app_path):
        return public_path[: -len(app_path)].rstrip("/")
    if app_path == "/":
        return public_path.rstrip("/")
    return ""


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
            if prefix and not path.startswith(prefix + "/") and path != prefix:
                path = prefix + path
            scope = {**scope, "root_path": prefix, "path": path}
        await app(scope, receive, send)

    return prefixed


_http = Mangum(with_stage_prefix(application), lifespan="off")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one Lambda invocation: a management event or an API Gateway request."""
    token = request_id.set(getattr(context, "aws_request_id", None))
    try:
        if isinstance(event, dict) and set(event) == {"manage"}:
            return run_management_command(event["manage"])
        return _serve_http(event, context)
    finally:
        request_id.reset(token)


def _serve_http(event: dict[str, Any], context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    response = _http(event, context)
    http = (event.get("requestContext") or {}).get("http") or {}
    logger.info(
        "request",
        extra={
            "method": event.get("httpMethod") or http.get("method"),
            "path": (event.get("requestContext") or {}).get("path")
            or event.get("rawPath")
            or event.get("path"),
            "status": response.get("statusCode"),
            "durationMs": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return response


def run_management_command(argv: Any) -> dict[str, Any]:
    """Run an allow-listed management command; return its output and exit status."""
    if (
        not isinstance(argv, list)
        or not argv
        or not all(isinstance(arg, str) for arg in argv)
        or argv[0] not in MANAGEMENT_COMMANDS
        or any(arg.startswith(FORBIDDEN_OPTIONS) for arg in argv)
    ):
        allowed = ", ".join(sorted(MANAGEMENT_COMMANDS))
        logger.warning("management command refused", extra={"command": _describe(argv)})
        return {"exitStatus": 2, "output": f"Refused: the allowed commands are {allowed}."}
    output = io.StringIO()
    started = time.perf_counter()
    try:
        call_command(*argv, stdout=output, stderr=output, no_color=True)
        status = 0
    except CommandError as error:
        output.write(f"CommandError: {error}\n")
        status = 1
    except Exception:
        logger.exception("management command failed", extra={"command": argv[0]})
        output.write("The command failed; the function's log has the error.\n")
        status = 1
    logger.info(
        "management command",
        extra={
            "command": argv[0],
            "exitStatus": status,
            "durationMs": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return {"exitStatus": status, "output": output.getvalue()}


def _describe(argv: Any) -> str:
    """Name what was asked for in a log line without echoing arbitrary input at length."""
    first = argv[0] if isinstance(argv, list) and argv else argv
    return repr(first)[:80]
