"""ALLOWED_HOSTS on Lambda: the region's execute-api hosts by default, and enforced."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scripts.apigateway_events import Gateway
from tests.lambda_.invoke import REGION, invoke, settings_on_lambda


def test_on_lambda_the_default_admits_the_regions_execute_api_hosts(
    lambda_defaults: dict[str, Any],
) -> None:
    assert lambda_defaults["ALLOWED_HOSTS"] == [f".execute-api.{REGION}.amazonaws.com"]
    assert lambda_defaults["LOG_FORMAT"] == "json"


def test_configured_allowed_hosts_replace_the_default() -> None:
    settings = settings_on_lambda(ALLOWED_HOSTS="api.example.com")
    assert settings["ALLOWED_HOSTS"] == ["api.example.com"]


def without_host(event: dict[str, Any]) -> None:
    """Remove the Host header from an event, in each of its header fields."""
    for field in ("headers", "multiValueHeaders"):
        headers = event.get(field, {})
        for name in [name for name in headers if name.lower() == "host"]:
            del headers[name]


@pytest.mark.parametrize(
    "host",
    [
        None,
        "evil.example.com",
        "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",  # another region's API
        "execute-api.eu-west-1.amazonaws.com.evil.example.com",
    ],
    ids=["no host", "foreign", "other region", "lookalike"],
)
@pytest.mark.parametrize("path", ["/api/todos/not-a-uuid", "/static/ninja/swagger-ui.css"])
def test_a_missing_or_foreign_host_answers_400_in_json(
    gateway: Gateway, host: str | None, path: str
) -> None:
    event = gateway.event("GET", f"{gateway.prefix}{path}", headers={"Host": host} if host else {})
    if host is None:  # every HTTP/1.1 client names one; the function must not count on it
        without_host(event)
    answer = invoke(event)
    assert answer.status == 400
    assert answer.json() == {"detail": "Bad Request"}


# Every recorded event uses an execute-api host of the region, or the custom domain.
def test_a_request_through_an_admitted_host_is_served(gateway: Gateway) -> None:
    answer = invoke(gateway.event("GET", f"{gateway.prefix}/api/openapi.json"))
    assert answer.status == 200  # the view's answer: the request got past the host check
    assert answer.json()["info"]["title"] == "Todo API"


def test_a_foreign_host_is_logged_once_at_warning_without_a_traceback_or_its_value(
    gateway: Gateway, json_log: Callable[[], list[dict[str, Any]]]
) -> None:
    host = "attacker-chosen.example.com"
    answer = invoke(gateway.event("GET", f"{gateway.prefix}/api/health", headers={"Host": host}))
    assert answer.status == 400
    lines = [line for line in json_log() if line["message"] != "request"]
    assert [(line["level"], line["logger"]) for line in lines] == [
        ("WARNING", "django.security.DisallowedHost")
    ]
    written = json.dumps(json_log())
    assert host not in written
    assert "Traceback" not in written
