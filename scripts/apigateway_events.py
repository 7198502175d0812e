"""API Gateway REST API (v1) Lambda proxy events, built from plain HTTP requests.

The shapes follow AWS's documented proxy integration input and output formats, for an
API whose root resource `/` and greedy resource `/{proxy+}` both have an `ANY` method,
called on its execute-api URL (`/<stage>/...`).
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatch
from typing import Any
from urllib.parse import parse_qsl, unquote

Event = dict[str, Any]
Answer = tuple[int, dict[str, list[str]], bytes]  # status, headers (each with its values), body

ACCOUNT_ID = "123456789012"
API_ID = "local00api"
ROOT_RESOURCE_ID = "rootres001"
PROXY_RESOURCE_ID = "proxyr"


@dataclass
class LambdaContext:
    """The Lambda context object, with the attributes the Python runtime gives it."""

    timeout_seconds: float = 30.0
    function_name: str = "todo-api-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = "1024"  # a string, as the runtime reads it from its environment
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:todo-api-local"
    log_group_name: str = "/aws/lambda/todo-api-local"
    log_stream_name: str = "local"
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Return the milliseconds left before the invocation's timeout."""
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def gateway_error(target: str, stage: str) -> Answer | None:
    """Return API Gateway's own answer to a request outside the stage, or None to invoke.

    An unknown stage is a 403 `Forbidden`; the stage name without a slash after it matches
    no resource, which API Gateway also answers with 403, `Missing Authentication Token`.
    """
    path = target.partition("?")[0]
    if path.startswith(f"/{stage}/"):
        return None
    error_type, message = (
        ("MissingAuthenticationTokenException", "Missing Authentication Token")
        if path == f"/{stage}"
        else ("ForbiddenException", "Forbidden")
    )
    headers = {"Content-Type": ["application/json"], "x-amzn-ErrorType": [error_type]}
    return 403, headers, f'{{"message":"{message}"}}'.encode()


def rest_v1_event(
    *,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    stage: str,
    source_ip: str,
    server_port: int,
    binary_media_types: Sequence[str] = (),
) -> Event:
    """Return the proxy event for a request whose target (path and query) is under the stage.

    Header names keep the client's spelling; `headers` and `queryStringParameters` hold
    the last value of a repeated name, their `multiValue` twins every value in order.
    """
    public_path, _, query = target.partition("?")
    path = public_path.removeprefix(f"/{stage}")
    at_root = path == "/"
    forwarded_for = ", ".join(filter(None, [_header(headers, "X-Forwarded-For"), source_ip]))
    forwarded = {
        "X-Forwarded-For": forwarded_for,
        "X-Forwarded-Port": str(server_port),
        "X-Forwarded-Proto": "http",  # API Gateway says https; this server speaks plain HTTP
    }
    sent = [(n, v) for n, v in headers if n.lower() not in {k.lower() for k in forwarded}]
    all_headers = _multi([*sent, *forwarded.items()], fold_case=True)
    query_params = _multi(parse_qsl(query, keep_blank_values=True), fold_case=False)
    host = (_header(headers, "Host") or "localhost").rpartition(":")
    domain_name = host[0] if host[2].isdigit() else "".join(host)
    now = time.time()
    media_type = (_header(headers, "Content-Type") or "").split(";")[0].strip()
    binary = any(fnmatch(media_type, pattern) for pattern in binary_media_types)
    return {
        "resource": "/" if at_root else "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {name: values[-1] for name, values in all_headers.items()},
        "multiValueHeaders": all_headers,
        "queryStringParameters": {k: v[-1] for k, v in query_params.items()} or None,
        "multiValueQueryStringParameters": query_params or None,
        "pathParameters": None if at_root else {"proxy": unquote(path[1:])},
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".")[0],
            "extendedRequestId": base64.b64encode(secrets.token_bytes(10)).decode(),
            "httpMethod": method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": source_ip,
                "user": None,
                "userAgent": _header(headers, "User-Agent"),
                "userArn": None,
            },
            "path": public_path,
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": ROOT_RESOURCE_ID if at_root else PROXY_RESOURCE_ID,
            "resourcePath": "/" if at_root else "/{proxy+}",
            "stage": stage,
        },
        "body": (base64.b64encode(body).decode() if binary else body.decode(errors="replace"))
        if body
        else None,
        "isBase64Encoded": bool(body) and binary,
    }


def http_response(result: Event) -> Answer:
    """Return the HTTP answer API Gateway makes of a proxy integration's result.

    :raises ValueError: when the result is not a proxy response (API Gateway answers 502).
    """
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise ValueError(f"Malformed Lambda proxy response: {result!r:.200}")
    single = (result.get("headers") or {}).items()
    headers = _multi([(name, str(value)) for name, value in single], fold_case=True)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        # A name in both: multiValueHeaders wins.
        headers = {n: v for n, v in headers.items() if n.lower() != name.lower()}
        headers[name] = [str(value) for value in values]
    if not any(name.lower() == "content-type" for name in headers):
        headers["Content-Type"] = ["application/json"]  # REST APIs' default
    body = result.get("body") or ""
    content = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return result["statusCode"], headers, content


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """Return the last value of a header, whatever the case of its name."""
    values = [value for key, value in headers if key.lower() == name.lower()]
    return values[-1] if values else None


def _multi(pairs: Sequence[tuple[str, str]], *, fold_case: bool) -> dict[str, list[str]]:
    """Group values by name, in order; header names match whatever their case."""
    grouped: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in pairs:
        key = spelling.setdefault(name.lower() if fold_case else name, name)
        grouped.setdefault(key, []).append(value)
    return grouped
