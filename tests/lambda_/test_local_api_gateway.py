"""The local API Gateway builds REST API proxy events in AWS's documented shape."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from scripts.apigateway_events import gateway_error, http_response, rest_v1_event
from scripts.local_api_gateway import running_gateway

EVENT_KEYS = {
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
    "body",
    "isBase64Encoded",
}
CONTEXT_KEYS = {
    "accountId",
    "apiId",
    "domainName",
    "domainPrefix",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
}


def event(target: str, *headers: tuple[str, str], body: bytes = b"", **options: Any) -> Any:
    """Build the event for a request from 10.0.0.7 to the local gateway on port 3000."""
    return rest_v1_event(
        method=options.pop("method", "GET"),
        target=target,
        headers=[("Host", "127.0.0.1:3000"), *headers],
        body=body,
        stage="dev",
        source_ip="10.0.0.7",
        server_port=3000,
        **options,
    )


def test_a_request_under_the_stage_is_a_proxy_event_with_the_stage_only_in_the_context() -> None:
    built = event("/dev/api/todos/a%20b", ("User-Agent", "curl/8"))
    assert set(built) == EVENT_KEYS
    assert set(built["requestContext"]) == CONTEXT_KEYS
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


def test_a_json_body_arrives_as_text() -> None:
    body = json.dumps({"title": "Buy milk"}).encode()
    built = event("/dev/api/todos", ("Content-Type", "application/json"), body=body, method="POST")
    assert (built["httpMethod"], built["requestContext"]["httpMethod"]) == ("POST", "POST")
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


@pytest.mark.django_db(transaction=True)  # the gateway's own thread must see the rows
def test_the_real_handler_answers_through_the_gateway_with_the_stage_in_locations(
    settings: Settings,
) -> None:
    from config.aws_lambda.handler import handler

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    with running_gateway(handler, stage="dev") as base_url:
        create = urllib.request.Request(  # noqa: S310 (a local URL)
            f"{base_url}/api/todos",
            data=b'{"title": "Buy milk"}',
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(create) as created:  # noqa: S310 (a local URL)
            location = created.headers["Location"]
        assert created.status == 201
        assert location.startswith("/dev/api/todos/")
        with urllib.request.urlopen(base_url.removesuffix("/dev") + location) as fetched:  # noqa: S310
            assert json.loads(fetched.read())["title"] == "Buy milk"
