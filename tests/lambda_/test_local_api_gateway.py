"""The local API Gateway builds REST API proxy events in AWS's documented shape."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from scripts.apigateway_events import gateway_error, http_response
from scripts.local_api_gateway import local_gateway, running_gateway
from tests.lambda_.events import REST_EXECUTE_API, recorded

# What AWS sends on an execute-api URL: the local gateway's events have the same fields.
RECORDED = recorded(REST_EXECUTE_API)


def event(target: str, *headers: tuple[str, str], body: bytes = b"", **options: Any) -> Any:
    """Build the event for a request from 10.0.0.7 to the local gateway on port 3000."""
    method = options.pop("method", "GET")
    gateway = local_gateway(stage="dev", port=3000, **options)
    sent = [("Host", "127.0.0.1:3000"), *headers]
    return gateway.event(method, target, headers=sent, body=body, source_ip="10.0.0.7")


def post_json(url: str, body: bytes, **headers: str) -> Any:
    """POST a JSON body to the local gateway; return its open response."""
    headers = {"Content-Type": "application/json", **headers}
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 (local)
    return urllib.request.urlopen(request)  # noqa: S310 (a local URL)


def test_a_request_under_the_stage_is_a_proxy_event_with_the_stage_only_in_the_context() -> None:
    built = event("/dev/api/todos/a%20b", ("User-Agent", "curl/8"))
    assert set(built) == set(RECORDED)
    assert set(built["requestContext"]) == set(RECORDED["requestContext"])
    assert set(built["requestContext"]["identity"]) == set(RECORDED["requestContext"]["identity"])
    assert (built["resource"], built["path"]) == ("/{proxy+}", "/api/todos/a%20b")
    assert built["pathParameters"] == {"proxy": "api/todos/a b"}
    context = built["requestContext"]
    assert (context["path"], context["stage"], context["resourcePath"]) == (
        "/dev/api/todos/a%20b",
        "dev",
        "/{proxy+}",
    )
    assert (context["domainName"], context["domainPrefix"]) == ("127.0.0.1", "127")
    assert context["identity"]["sourceIp"] == "10.0.0.7"
    assert context["identity"]["userAgent"] == "curl/8"
    assert built["headers"]["Host"] == "127.0.0.1:3000"
    assert built["queryStringParameters"] is None
    assert built["multiValueQueryStringParameters"] is None
    assert (built["stageVariables"], built["body"], built["isBase64Encoded"]) == (None, None, False)


def test_repeated_query_keys_and_headers_keep_every_value_and_the_last_as_the_single_one() -> None:
    built = event(
        "/dev/api/todos?completed=true&tag=a&tag=b%20c&empty",
        ("Accept", "text/html"),
        ("accept", "application/json"),
        ("X-Forwarded-For", "192.0.2.1"),
    )
    assert built["queryStringParameters"] == {"completed": "true", "tag": "b c", "empty": ""}
    assert built["multiValueQueryStringParameters"] == {
        "completed": ["true"],
        "tag": ["a", "b c"],
        "empty": [""],
    }
    assert built["headers"]["Accept"] == "application/json"
    assert built["multiValueHeaders"]["Accept"] == ["text/html", "application/json"]
    assert built["headers"]["X-Forwarded-For"] == "192.0.2.1, 10.0.0.7"
    assert built["headers"]["X-Forwarded-Proto"] == "http"


def test_a_json_body_arrives_base64_encoded_as_under_the_deployed_binary_media_types() -> None:
    body = json.dumps({"title": "Buy milk"}).encode()
    built = event(
        "/dev/api/todos",
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        body=body,
        method="POST",
    )
    assert (built["httpMethod"], built["requestContext"]["httpMethod"]) == ("POST", "POST")
    assert built["isBase64Encoded"] is True
    assert base64.b64decode(built["body"]) == body
    # REST API events carry no Content-Length, whatever the client sent.
    assert not [name for name in built["multiValueHeaders"] if name.lower() == "content-length"]


def test_a_body_of_a_type_the_binary_media_types_do_not_match_arrives_as_text() -> None:
    body = json.dumps({"title": "Buy milk"}).encode()
    built = event(
        "/dev/api/todos",
        ("Content-Type", "application/json"),
        body=body,
        method="POST",
        binary_media_types=("image/*",),
    )
    assert (built["body"], built["isBase64Encoded"]) == ('{"title": "Buy milk"}', False)


def test_a_body_of_a_binary_media_type_arrives_base64_encoded() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    built = event(
        "/dev/upload", ("Content-Type", "image/png"), body=png, binary_media_types=("image/*",)
    )
    assert built["isBase64Encoded"] is True
    assert base64.b64decode(built["body"]) == png


def test_the_stage_root_reaches_the_root_resource_without_path_parameters() -> None:
    built = event("/dev/")
    assert (built["resource"], built["path"], built["pathParameters"]) == ("/", "/", None)
    assert built["requestContext"]["resourcePath"] == "/"
    assert built["requestContext"]["path"] == "/dev/"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/prod/api/todos", "Forbidden"),
        ("/api/todos", "Forbidden"),
        ("/", "Forbidden"),
        ("/dev", "Missing Authentication Token"),
    ],
)
def test_paths_outside_the_stage_get_api_gateways_own_403(target: str, message: str) -> None:
    answer = gateway_error(target, "dev")
    assert answer is not None
    status, _, body = answer
    assert (status, json.loads(body)) == (403, {"message": message})
    assert gateway_error("/dev/api/todos?x=/prod", "dev") is None


def test_the_functions_answer_merges_headers_and_decodes_a_base64_body() -> None:
    status, headers, content = http_response(
        {
            "statusCode": 200,
            "headers": {"content-type": "image/png", "Vary": "Accept"},
            "multiValueHeaders": {"vary": ["Origin", "Cookie"]},
            "body": base64.b64encode(b"\x00\xff").decode(),
            "isBase64Encoded": True,
        }
    )
    assert (status, content) == (200, b"\x00\xff")
    assert headers == {"content-type": ["image/png"], "vary": ["Origin", "Cookie"]}


def test_a_failing_function_is_a_502_and_a_wrong_stage_never_reaches_it() -> None:
    calls: list[dict[str, Any]] = []

    def failing(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event)
        raise RuntimeError("boom")

    with running_gateway(failing, stage="dev") as base_url:
        for url, status in [(f"{base_url}/api/todos", 502), (f"{base_url}x/api/todos", 403)]:
            with pytest.raises(urllib.error.HTTPError) as answer:
                urllib.request.urlopen(url)  # noqa: S310 (a local URL)
            assert answer.value.code == status
            assert "boom" not in answer.value.read().decode()
    assert [call["path"] for call in calls] == ["/api/todos"]


def test_the_server_hands_bodies_over_as_the_deployed_api_does() -> None:
    calls: list[dict[str, Any]] = []

    def recording(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event)
        return {"statusCode": 204, "body": ""}

    with (
        running_gateway(recording, stage="dev") as base_url,
        post_json(f"{base_url}/api/todos", b'{"title": "Milk"}') as answer,
    ):
        assert answer.status == 204
    (sent,) = calls
    assert sent["isBase64Encoded"] is True
    assert base64.b64decode(sent["body"]) == b'{"title": "Milk"}'
    assert "content-length" not in {name.lower() for name in sent["headers"]}


@pytest.mark.django_db(transaction=True)  # the gateway's own thread must see the rows
def test_the_real_handler_answers_through_the_gateway_with_the_stage_in_locations(
    settings: Settings, bearer: dict[str, str]
) -> None:
    from config.aws_lambda.handler import handler

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    with running_gateway(handler, stage="dev") as base_url:
        body = b'{"title": "Buy milk"}'
        with post_json(f"{base_url}/api/todos", body, **bearer) as created:
            location = created.headers["Location"]
        assert created.status == 201
        assert location.startswith("/dev/api/todos/")
        read = urllib.request.Request(base_url.removesuffix("/dev") + location, headers=bearer)  # noqa: S310
        with urllib.request.urlopen(read) as fetched:  # noqa: S310
            assert json.loads(fetched.read())["title"] == "Buy milk"
