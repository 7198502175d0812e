"""CORS behind API Gateway: a preflight under the stage prefix reaches Django through the
proxy integration and is answered there, as API.md "Browsers (CORS)" says.

The REST API has only ANY methods (tests/infra/test_api_stack.py), so OPTIONS is proxied
to the function like any other method; no mock integration answers it first."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_django.fixtures import Settings

from scripts.apigateway_events import Gateway
from tests.lambda_.invoke import invoke, settings_on_lambda

FRONTEND = "https://app.example.com"


@pytest.fixture
def frontend(on_lambda: Settings) -> None:
    """The origin a deployment allows (CDK context corsOrigins sets CORS_ALLOWED_ORIGINS)."""
    on_lambda.CORS_ALLOWED_ORIGINS = [FRONTEND]


def preflight(gateway: Gateway, origin: str) -> dict[str, Any]:
    return gateway.event(
        "OPTIONS",
        f"{gateway.prefix}/api/todos/5b0c0c1e-8f1e-4a57-9d6c-1f8f1b1e2a10",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization, content-type, if-match",
        },
    )


@pytest.mark.usefixtures("frontend")
def test_a_preflight_under_the_stage_is_allowed_without_a_token(gateway: Gateway) -> None:
    answer = invoke(preflight(gateway, FRONTEND))
    assert answer.status == 200
    assert answer.header("Access-Control-Allow-Origin") == FRONTEND
    methods = {m.strip() for m in (answer.header("Access-Control-Allow-Methods") or "").split(",")}
    assert {"GET", "POST", "PATCH", "DELETE"} <= methods
    allowed = {h.strip() for h in (answer.header("Access-Control-Allow-Headers") or "").split(",")}
    assert {"authorization", "content-type", "if-match", "idempotency-key"} <= allowed


@pytest.mark.usefixtures("frontend")
def test_an_error_under_the_stage_exposes_its_headers_to_the_frontend(gateway: Gateway) -> None:
    answer = invoke(
        gateway.event("GET", f"{gateway.prefix}/api/todos", headers={"Origin": FRONTEND})
    )
    assert answer.status == 401
    assert answer.header("Access-Control-Allow-Origin") == FRONTEND
    exposed = {
        h.strip().lower() for h in (answer.header("Access-Control-Expose-Headers") or "").split(",")
    }
    assert "www-authenticate" in exposed


@pytest.mark.usefixtures("frontend")
def test_another_origin_gets_no_allow_origin_under_the_stage(gateway: Gateway) -> None:
    answer = invoke(preflight(gateway, "https://evil.example"))
    assert answer.header("Access-Control-Allow-Origin") is None


def test_a_deployment_without_corsorigins_allows_no_origin(
    gateway: Gateway, on_lambda: Settings, lambda_defaults: dict[str, Any]
) -> None:
    assert lambda_defaults["CORS_ALLOWED_ORIGINS"] == []  # not even the local defaults
    on_lambda.CORS_ALLOWED_ORIGINS = lambda_defaults["CORS_ALLOWED_ORIGINS"]
    answer = invoke(preflight(gateway, "http://localhost:3000"))
    assert answer.header("Access-Control-Allow-Origin") is None


def test_the_function_reads_its_origins_from_the_environment() -> None:
    origins = settings_on_lambda(CORS_ALLOWED_ORIGINS=f"{FRONTEND},http://localhost:3000")
    assert origins["CORS_ALLOWED_ORIGINS"] == [FRONTEND, "http://localhost:3000"]
