"""AWS Lambda entry point: API Gateway requests through Mangum, and management events.

`handler` serves API Gateway REST (v1) and HTTP API (v2) proxy events with the
Django ASGI application, and runs an allow-listed `manage.py` command when invoked
directly with `{"manage": ["migrate"]}`. Local runs use config.asgi and never import
this module.
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any

import django
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

from config.apigateway import with_body_length, with_stage_prefix
from config.handlers import LambdaASGIHandler
from config.management_events import run_management_command
from core.logging import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# pydantic looks for plugins in every installed distribution's metadata, the Lambda
# runtime's own included, the first time a model is built; this app uses none.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
django.setup(set_prefix=False)  # the prefix is set per request, from the event

logger = logging.getLogger("config.lambda_handler")

_http = Mangum(
    with_stage_prefix(with_body_length(LambdaASGIHandler())),
    lifespan="off",
    # SVG is text: sent as is, it needs no binary media type on the REST API.
    text_mime_types=[*DEFAULT_TEXT_MIME_TYPES, "image/svg+xml"],
)


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one Lambda invocation: a management event or an API Gateway request."""
    token = request_id.set(getattr(context, "aws_request_id", None))
    try:
        if isinstance(event, dict) and set(event) == {"manage"}:
            return run_management_command(event["manage"])
        if not _is_http_event(event, context):
            logger.warning("event refused", extra={"eventKeys": _describe_keys(event)})
            return {"exitStatus": 2, "output": UNKNOWN_EVENT}
        return _serve_http(event, context)
    finally:
        request_id.reset(token)


UNKNOWN_EVENT = (
    "Refused: the function serves API Gateway requests, and management events of the "
    'form {"manage": ["migrate"]} with no other key.'
)


def _is_http_event(event: Any, context: Any) -> bool:
    """Tell whether Mangum knows the event's shape (API Gateway REST or HTTP API, ...)."""
    if not isinstance(event, dict):
        return False
    try:
        _http.infer(event, context)
    except RuntimeError:
        return False
    return True


def _describe_keys(event: Any) -> str:
    """Name an event's top-level keys (never its values, which may hold anything)."""
    if not isinstance(event, dict):
        return type(event).__name__
    return repr(sorted(str(key)[:40] for key in event)[:10])[:200]


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
