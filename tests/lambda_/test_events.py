"""The event builder makes the events AWS sends: held to the recordings, rule by rule."""

from __future__ import annotations

import base64
import copy
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from scripts.apigateway_events import Gateway
from tests.lambda_.events import (
    GATEWAYS,
    HTTP_API_DEFAULT,
    HTTP_API_STAGE,
    REST_CUSTOM_DOMAIN_BASE_PATH,
    REST_EXECUTE_API,
    recorded,
    recording_name,
)

# What curl sent when the events were recorded.
CURL = {
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate, br",
    "User-Agent": "curl/8.5.0",
}
# The recorded REST APIs were edge-optimized: a CloudFront distribution added these
# headers, and its own address to X-Forwarded-For. The deployed REST API is regional.
EDGE_HEADERS = re.compile(r"cloudfront-.*|via|x-amz-cf-id", re.IGNORECASE)
TRACE_ID = re.compile(r"Root=1-[0-9a-f]{8}-[0-9a-f]{24}")
REQUEST_TIME = "%d/%b/%Y:%H:%M:%S %z"


def regional(event: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a recorded event as a regional endpoint sends it."""
    event = copy.deepcopy(event)
    if "multiValueHeaders" not in event:
        return event  # HTTP APIs are regional
    for headers in (event["headers"], event["multiValueHeaders"]):
        for name in [name for name in headers if EDGE_HEADERS.fullmatch(name)]:
            del headers[name]
    client, _, _ = event["headers"]["X-Forwarded-For"].rpartition(", ")
    event["headers"]["X-Forwarded-For"] = client
    event["multiValueHeaders"]["X-Forwarded-For"] = [client]
    return event


def comparable(event: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of an event with the ids, times and trace id of its request replaced
    by their kind, once they are found to have the form AWS gives them."""
    event = copy.deepcopy(event)
    context = event["requestContext"]
    for key in ("requestTime", "time"):
        if key in context:
            datetime.strptime(context[key], REQUEST_TIME)  # raises on another form
            context[key] = "<time>"
    for key in ("requestTimeEpoch", "timeEpoch"):
        if isinstance(context.get(key), int):
            context[key] = "<epoch>"
    for key in ("requestId", "extendedRequestId", "deploymentId", "resourceId"):
        if isinstance(context.get(key), str) and context[key]:
            context[key] = "<id>"
    for headers in (event["headers"], event.get("multiValueHeaders", {})):
        for name, value in headers.items():
            values = value if isinstance(value, list) else [value]
            if name.lower() == "x-amzn-trace-id" and all(map(TRACE_ID.fullmatch, values)):
                headers[name] = "<trace>"
    return event


@pytest.mark.parametrize("gateway", GATEWAYS, ids=recording_name)
def test_a_built_event_is_the_recorded_one_but_for_its_ids_and_times(gateway: Gateway) -> None:
    built = gateway.event("GET", f"{gateway.prefix}/api/health", headers=CURL)
    assert comparable(built) == comparable(regional(recorded(gateway)))


def test_a_custom_domains_base_path_stays_in_a_rest_apis_path_even_at_its_root() -> None:
    built = REST_CUSTOM_DOMAIN_BASE_PATH.event("GET", "/v1/")
    assert (built["resource"], built["path"], built["pathParameters"]) == ("/", "/v1/", None)
    assert built["requestContext"]["path"] == "/v1/"


def test_an_http_api_lowercases_header_names_and_joins_repeated_values_with_commas() -> None:
    built = HTTP_API_STAGE.event(
        "GET",
        "/dev/api/todos?tag=a&tag=b%20c&empty",
        headers=[("X-Tag", "a"), ("x-tag", "b"), ("Content-Length", "99")],
    )
    assert built["headers"]["x-tag"] == "a,b"
    assert all(name == name.lower() for name in built["headers"])
    assert "multiValueHeaders" not in built
    assert built["headers"]["content-length"] == "0"  # the body's, not what the client said
    assert built["rawQueryString"] == "tag=a&tag=b%20c&empty"
    assert built["queryStringParameters"] == {"tag": "a,b c", "empty": ""}


def test_an_http_api_decodes_the_raw_path_and_keeps_the_stage_in_it() -> None:
    built = HTTP_API_STAGE.event("GET", "/dev/api/todos/caf%C3%A9")
    assert built["rawPath"] == built["requestContext"]["http"]["path"] == "/dev/api/todos/café"
    assert built["pathParameters"] == {"proxy": "api/todos/café"}
    assert built["routeKey"] == built["requestContext"]["routeKey"] == "ANY /{proxy+}"


@pytest.mark.parametrize("gateway", [HTTP_API_STAGE, HTTP_API_DEFAULT], ids=recording_name)
def test_the_root_of_an_http_api_takes_the_default_route_without_path_parameters(
    gateway: Gateway,
) -> None:
    built = gateway.event("GET", f"{gateway.prefix}/")
    assert built["routeKey"] == built["requestContext"]["routeKey"] == "$default"
    assert "pathParameters" not in built
    assert built["rawPath"] == f"{gateway.prefix}/"


@pytest.mark.parametrize(
    ("gateway", "content_type", "base64_encoded"),
    [
        (REST_EXECUTE_API, "application/json", True),
        (REST_EXECUTE_API, "text/plain; charset=utf-8", True),
        (REST_EXECUTE_API, None, True),
        (replace(REST_EXECUTE_API, binary_media_types=("image/*",)), "image/png", True),
        (replace(REST_EXECUTE_API, binary_media_types=("image/*",)), "application/json", False),
        (replace(REST_EXECUTE_API, binary_media_types=()), "application/json", False),
        (HTTP_API_STAGE, "application/json", False),
        (HTTP_API_STAGE, "text/plain; charset=utf-8", False),
        (HTTP_API_STAGE, "application/merge-patch+json", True),
        (HTTP_API_STAGE, "application/x-www-form-urlencoded", True),
        (HTTP_API_STAGE, None, True),
    ],
)
def test_a_body_is_base64_encoded_by_its_media_type_as_each_kind_of_api_does(
    gateway: Gateway, content_type: str | None, base64_encoded: bool
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = "Café".encode()
    built = gateway.event("POST", f"{gateway.prefix}/api/todos", headers=headers, body=body)
    assert built["isBase64Encoded"] is base64_encoded
    sent = base64.b64decode(built["body"]) if base64_encoded else built["body"].encode()
    assert sent == body


@pytest.mark.parametrize("gateway", GATEWAYS, ids=recording_name)
def test_an_event_without_a_body_says_so_in_the_fields_of_its_kind(gateway: Gateway) -> None:
    built = gateway.event("GET", f"{gateway.prefix}/api/health")
    assert built["isBase64Encoded"] is False
    assert built.get("body") is None
    assert ("body" in built) is (gateway.api == "rest")


@pytest.mark.parametrize("gateway", GATEWAYS, ids=recording_name)
def test_a_retargeted_event_is_the_one_built_for_its_target_and_the_template_stays(
    gateway: Gateway,
) -> None:
    json = {"Content-Type": "application/json"}
    template = gateway.event("POST", f"{gateway.prefix}/api/todos?x=1", headers=json, body="{}")
    kept = copy.deepcopy(template)
    target, body = f"{gateway.prefix}/api/todos/caf%C3%A9", '{"title": "Milk"}'
    again = gateway.retarget(template, target, body=body)
    assert template == kept
    fresh = gateway.event("POST", target, headers=json, body=body)
    assert comparable(again) == comparable(fresh)


def test_a_target_outside_the_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match="not under /dev/"):
        REST_EXECUTE_API.event("GET", "/prod/api/health")
