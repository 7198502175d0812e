"""stage_prefix and with_stage_prefix: the prefix and path Django sees, event by event."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from mangum import Mangum

from config.aws_lambda.stage_prefix import stage_prefix, with_stage_prefix
from scripts.apigateway_events import Gateway
from tests.lambda_.events import (
    GATEWAYS,
    HTTP_API_STAGE,
    REST_CUSTOM_DOMAIN_BASE_PATH,
    REST_EXECUTE_API,
    recording_name,
)

# What clients send below the prefix: the root, a plain path, UTF-8, a percent sign
# alone, and an encoded percent sign followed by hex digits (decoded once, not twice).
APP_PATHS = ("/", "/api/health", "/api/todos/caf%C3%A9", "/api/todos/100%25", "/api/t/%2541")


async def _no_app(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError("only the scope is built here")


_mangum = Mangum(_no_app, lifespan="off")


def mangum_path(event: dict[str, Any]) -> str:
    """Return the path Mangum puts in the ASGI scope for this event."""
    path: str = _mangum.infer(event, None).scope["path"]
    return path


def django_scope(event: dict[str, Any]) -> dict[str, Any]:
    """Return the scope the wrapped application receives for this event."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    async_to_sync(with_stage_prefix(app))(_mangum.infer(event, None).scope, None, None)
    return seen


@pytest.mark.parametrize("app_path", APP_PATHS)
@pytest.mark.parametrize("gateway", GATEWAYS, ids=recording_name)
def test_the_prefix_is_what_the_client_sent_before_the_apps_path(
    gateway: Gateway, app_path: str
) -> None:
    event = gateway.event("GET", gateway.prefix + app_path)
    assert stage_prefix(event, mangum_path(event)) == gateway.prefix


@pytest.mark.parametrize("app_path", APP_PATHS)
@pytest.mark.parametrize("gateway", GATEWAYS, ids=recording_name)
def test_django_sees_the_prefix_as_script_name_and_the_rest_as_path_info(
    gateway: Gateway, app_path: str
) -> None:
    scope = django_scope(gateway.event("GET", gateway.prefix + app_path))
    assert scope["root_path"] == gateway.prefix
    assert scope["path"].removeprefix(gateway.prefix) == mangum_path(
        replace(gateway, base_path="").event("GET", app_path)
    )


def test_a_stage_named_like_the_apps_first_segment_is_stripped_once() -> None:
    event = replace(REST_EXECUTE_API, stage="api").event("GET", "/api/api/health")
    assert django_scope(event)["path"] == "/api/api/health"
    assert django_scope(event)["root_path"] == "/api"


def test_without_request_context_path_the_stage_is_unknown_but_a_base_path_is_not() -> None:
    on_stage = REST_EXECUTE_API.event("GET", "/dev/api/health")
    on_base_path = REST_CUSTOM_DOMAIN_BASE_PATH.event("GET", "/v1/api/health")
    for event in (on_stage, on_base_path):
        del event["requestContext"]["path"]
    assert stage_prefix(on_stage, mangum_path(on_stage)) == ""
    assert stage_prefix(on_base_path, mangum_path(on_base_path)) == "/v1"


def test_a_resource_without_proxy_compares_the_public_path_with_the_path() -> None:
    event = REST_EXECUTE_API.event("GET", "/dev/api/health")
    event["resource"] = event["requestContext"]["resourcePath"] = "/api/health"
    event["pathParameters"] = None
    assert stage_prefix(event, mangum_path(event)) == "/dev"


@pytest.mark.parametrize("path", ["/dev", "/dev/", "/dev/api/health"])
def test_an_http_api_default_route_takes_the_stage_from_the_context(path: str) -> None:
    event = replace(HTTP_API_STAGE, proxy_route=False).event("GET", "/dev/api/health")
    assert "pathParameters" not in event
    assert event["routeKey"] == event["requestContext"]["routeKey"] == "$default"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    assert stage_prefix(event, mangum_path(event)) == "/dev"
