"""AWS Lambda entry point (`config.aws_lambda.handler.handler`): where every event starts.

An event travels through this package in this order:

1. `handler` (here) tells a management event (`{"manage": ["migrate"]}`, management.py)
   from an API Gateway request, and refuses anything else;
2. Mangum turns a REST (v1) or HTTP API (v2) proxy event into an ASGI request;
3. stage_prefix.py gives Django the stage (`/dev`) as its script prefix, and
   body_length.py adds the Content-Length that REST events lack;
4. django_asgi.py runs Django: middleware, the Ninja view, the response.

With SnapStart, snapstart.py adds what runs around the snapshot Lambda takes of this
module once imported. Local runs use config.asgi (or runserver) and never import this
package.
"""

from __future__ import annotations

import asyncio
import gc

# Initialising allocates some 130,000 objects that live as long as the function, and
# Python's cyclic garbage collector would scan them again and again while they are made
# (some 60 collections), finding next to no garbage among them. It is paused until the
# end of this module, which then moves what initialisation made out of the collector's
# sight (gc.freeze) and resumes it. The first list of a fresh instance comes 33 ms (7 %)
# sooner (`uv run python bench/cold_start.py --runs 21 --baseline 92cf4c5`, median of
# the run-by-run differences and ratios, 2026-12-07).
_COLLECTING = gc.isenabled()
gc.disable()

import logging
import os
import time
from collections.abc import Callable
from typing import Any

import django
from django.urls import get_resolver
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

from config.aws_lambda.body_length import with_body_length
from config.aws_lambda.django_asgi import LambdaASGIHandler
from config.aws_lambda.lean_imports import load_test_signals_alone
from config.aws_lambda.management import is_management_event, run_management_event
from config.aws_lambda.stage_prefix import with_stage_prefix
from core.logging import request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# pydantic looks for plugins in every installed distribution's metadata, the Lambda
# runtime's own included, the first time a model is built; this app uses none. Skipping
# the search saves 27 ms of import on the bundle (`uv run python bench/startup.py
# --variant PYDANTIC_DISABLE_PLUGINS=`, 21 runs, 2026-11-30).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
# Django Ninja imports django.test.signals, and with it the whole of django.test (the
# test client and test cases, unittest, a live server): lean_imports.py loads the one
# module it needs. It saves 12 ms of import on the bundle (`uv run python
# bench/startup.py --baseline b8b8313`, 31 runs, median of run-by-run differences,
# 2026-12-07).
load_test_signals_alone()
django.setup(set_prefix=False)  # the prefix is set per request, from the event

logger = logging.getLogger(__name__)

LambdaHandler = Callable[[Any, Any], dict[str, Any]]


def make_handler(application: Any) -> LambdaHandler:
    """Return a Lambda handler that serves API Gateway events with an ASGI `application`
    (behind the stage prefix and body length) and runs management events."""
    http = Mangum(
        with_stage_prefix(with_body_length(application)),
        lifespan="off",
        # SVG is text: sent as is, it needs no binary media type on the REST API.
        text_mime_types=[*DEFAULT_TEXT_MIME_TYPES, "image/svg+xml"],
    )
    # The event loop Mangum runs every request on: the thread's, which it made current
    # when built. Request code that runs a loop of its own (asyncio.run) leaves the
    # thread with none when it ends (django_asgi.py serves requests on this thread), so
    # each invocation makes Mangum's current again.
    loop = asyncio.get_event_loop()

    def handler(event: Any, context: Any) -> dict[str, Any]:
        """Serve one Lambda invocation: a management event or an API Gateway request."""
        token = request_id.set(getattr(context, "aws_request_id", None))
        asyncio.set_event_loop(loop)
        try:
            if is_management_event(event):
                return run_management_event(event)
            if not _is_http_event(http, event, context):
                logger.warning("event refused", extra={"eventKeys": _describe_keys(event)})
                return {"exitStatus": 2, "output": UNKNOWN_EVENT}
            return _serve_http(http, event, context)
        finally:
            request_id.reset(token)

    return handler


UNKNOWN_EVENT = (
    "Refused: the function serves API Gateway requests, and management events of the "
    'form {"manage": ["migrate"]}, with no other key but a boolean "raiseOnFailure".'
)


def _is_http_event(http: Mangum, event: Any, context: Any) -> bool:
    """Tell whether Mangum knows the event's shape (API Gateway REST or HTTP API, ...)."""
    if not isinstance(event, dict):
        return False
    try:
        http.infer(event, context)
    except RuntimeError:
        return False
    return True


def _describe_keys(event: Any) -> str:
    """Name an event's top-level keys (never its values, which may hold anything)."""
    if not isinstance(event, dict):
        return type(event).__name__
    return repr(sorted(str(key)[:40] for key in event)[:10])[:200]


def _serve_http(http: Mangum, event: dict[str, Any], context: Any) -> dict[str, Any]:
    started = time.perf_counter()
    response: dict[str, Any] = http(event, context)
    v2_request = (event.get("requestContext") or {}).get("http") or {}
    logger.info(
        "request",
        extra={
            "method": event.get("httpMethod") or v2_request.get("method"),
            "path": (event.get("requestContext") or {}).get("path")
            or event.get("rawPath")
            or event.get("path"),
            "status": response.get("statusCode"),
            "durationMs": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return response


handler = make_handler(LambdaASGIHandler())
# The URL configuration (config/api.py: the routers, their schemas and validators) would
# otherwise load with the first request; loaded here, the init phase pays for it, and a
# SnapStart snapshot holds it.
get_resolver().url_patterns  # noqa: B018 (evaluated for its effect: importing the URLconf)
if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start":
    # Imported only where Lambda takes a snapshot: elsewhere its imports cost every cold
    # start for hooks that never run.
    from config.aws_lambda import snapstart

    snapstart.register(handler)
if _COLLECTING:
    gc.freeze()
    gc.enable()
