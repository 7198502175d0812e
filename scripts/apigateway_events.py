"""API Gateway Lambda proxy events, built from plain HTTP requests, as AWS sends them.

One builder, `Gateway`, for every way a client reaches the function: a REST API (payload
1.0, resources `/` and `/{proxy+}`, each with `ANY`) on its execute-api URL or behind a
custom domain, and an HTTP API (payload 2.0) on a named stage or on `$default`. The
shapes follow AWS's documented proxy integration formats; tests/lambda_/events/ holds
recordings that the tests hold the builder to.

- REST API: `path` is the path below the stage, so on the execute-api URL it lacks the
  stage, while a custom domain's base path stays in it; `requestContext.path` is the path
  the client asked for; `pathParameters.proxy` is the path below the API's root,
  percent-decoded. Header names keep the client's spelling; `headers` and
  `queryStringParameters` hold the last value of a repeated name, their `multiValue`
  twins every value in order. Content-Length is not passed on. A body whose media type
  matches the API's binary media types arrives base64-encoded, otherwise as text.
- HTTP API: `rawPath` and `requestContext.http.path` keep a named stage and come
  percent-decoded; header names are lower case; repeated headers and query values are
  joined by commas. The root of a named stage takes the `$default` route, as
  `/{proxy+}` needs a segment. Bodies of text media types arrive as text, all others
  base64-encoded.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote

Event = dict[str, Any]
Answer = tuple[int, dict[str, list[str]], bytes]  # status, headers (each with its values), body
# The client's headers: a mapping, or name and value pairs where a name may repeat.
Headers = Mapping[str, str] | Sequence[tuple[str, str]]

# The deployed REST API's binary media types (infra/components/rest_api.py): every request
# body reaches the function base64-encoded.
BINARY_MEDIA_TYPES: tuple[str, ...] = ("*/*",)
# The media types whose bodies an HTTP API passes as text; it base64-encodes the others,
# and a body without a Content-Type. AWS documents no list: these are the types seen
# to arrive as text (`application/x-www-form-urlencoded` and `+json` types do not).
HTTP_API_TEXT_TYPES = ("text/*", "application/json", "application/xml", "application/javascript")
ACCOUNT_ID = "123456789012"
API_ID = "local00api"
DEPLOYMENT_ID = "dep001"
ROOT_RESOURCE_ID = "rootres001"
PROXY_RESOURCE_ID = "proxyr"
CLIENT_IP = "203.0.113.42"  # a documentation address (RFC 5737)


@dataclass(frozen=True)
class Gateway:
    """An API Gateway endpoint in front of the function, and the events it sends it.

    On the execute-api URL (`base_path` None) clients put the stage in front of the API's
    paths, unless it is an HTTP API's `$default`; on a custom domain, the base path of its
    mapping ("" for none).
    """

    api: Literal["rest", "http"]
    domain_name: str  # the Host a client sends when it names none itself
    stage: str
    base_path: str | None = None
    api_id: str = API_ID
    proxy_route: bool = True  # HTTP API: `ANY /{proxy+}` beside `$default` (REST has both)
    binary_media_types: tuple[str, ...] = BINARY_MEDIA_TYPES  # REST API only
    forwarded_port: int = 443
    forwarded_proto: str = "https"

    @property
    def prefix(self) -> str:
        """Return what a client puts in front of the API's own paths: `/dev`, `/v1` or ""."""
        if self.base_path is not None:
            return self.base_path
        return "" if self.stage == "$default" else f"/{self.stage}"

    def event(
        self,
        method: str,
        target: str,
        *,
        headers: Headers = (),
        body: bytes | str = b"",
        source_ip: str = CLIENT_IP,
    ) -> Event:
        """Return the event for a request; `target` is the path and query the client sent.

        :raises ValueError: when the target is not under the gateway's prefix.
        """
        now = time.time()
        sent = self._headers(headers, source_ip, now)
        grouped = _multi(sent, fold_case=True)
        host = str(_header(sent, "Host"))
        name, _, port = host.rpartition(":")
        domain = name if port.isdigit() else host
        user_agent = _header(sent, "User-Agent")
        context = {
            "accountId": ACCOUNT_ID,
            "apiId": self.api_id,
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "stage": self.stage,
        }
        request_time = datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
        template: Event
        if self.api == "http":
            template = {
                "version": "2.0",
                "headers": {name.lower(): ",".join(values) for name, values in grouped.items()},
                "requestContext": {
                    **context,
                    "http": {
                        "method": method,
                        "protocol": "HTTP/1.1",
                        "sourceIp": source_ip,
                        "userAgent": user_agent,
                    },
                    "requestId": _short_id(),
                    "time": request_time,
                    "timeEpoch": int(now * 1000),
                },
            }
        else:
            template = {
                "httpMethod": method,
                "headers": {name: values[-1] for name, values in grouped.items()},
                "multiValueHeaders": grouped,
                "stageVariables": None,
                "requestContext": {
                    **context,
                    "deploymentId": DEPLOYMENT_ID,
                    "extendedRequestId": _short_id(),
                    "httpMethod": method,
                    "identity": _identity(source_ip, user_agent),
                    "protocol": "HTTP/1.1",
                    "requestId": str(uuid.uuid4()),
                    "requestTime": request_time,
                    "requestTimeEpoch": int(now * 1000),
                },
            }
        return self.retarget(template, target, body=body)

    def _headers(self, headers: Headers, source_ip: str, now: float) -> list[tuple[str, str]]:
        """Return the headers the function receives: the client's, and those API Gateway
        sets. A client naming no Host is taken to ask for the gateway's."""
        sent = list(headers.items() if isinstance(headers, Mapping) else headers)
        forwarded_for = ", ".join(filter(None, [_header(sent, "X-Forwarded-For"), source_ip]))
        added = {
            "X-Forwarded-For": forwarded_for,
            "X-Forwarded-Port": str(self.forwarded_port),
            "X-Forwarded-Proto": self.forwarded_proto,
            "X-Amzn-Trace-Id": f"Root=1-{int(now):08x}-{secrets.token_hex(12)}",
        }
        dropped = {name.lower() for name in (*added, "Content-Length")}
        kept = [(name, value) for name, value in sent if name.lower() not in dropped]
        host = [] if _header(kept, "Host") else [("Host", self.domain_name)]
        return [*host, *kept, *added.items()]

    def retarget(self, event: Event, target: str, *, body: bytes | str = b"") -> Event:
        """Return a copy of an event this gateway built, for another target and body.

        The method, headers, ids and times stay; the event given is left as it was, so
        one event can serve many requests without being built again.

        :raises ValueError: when the target is not under the gateway's prefix.
        """
        public_path, _, query = target.partition("?")
        if not public_path.startswith(f"{self.prefix}/"):
            raise ValueError(f"{target!r} is not under {self.prefix}/")
        content = body.encode() if isinstance(body, str) else body
        media_type = _header(list(event["headers"].items()), "Content-Type")
        encoded = bool(content) and self._base64_encodes(media_type)
        text = base64.b64encode(content).decode() if encoded else content.decode(errors="replace")
        request = _Request(
            public_path=public_path,
            app_path=public_path.removeprefix(self.prefix),
            query=query,
            body=text,
            length=len(content),
            encoded=encoded,
        )
        return self._http_api(event, request) if self.api == "http" else self._rest(event, request)

    def _base64_encodes(self, content_type: str | None) -> bool:
        """Return whether a body of this Content-Type reaches the function base64-encoded."""
        media_type = (content_type or "").split(";")[0].strip().lower()
        if self.api == "http":
            return not any(fnmatchcase(media_type, text) for text in HTTP_API_TEXT_TYPES)
        # A REST API treats a request without a Content-Type as application/json, as it
        # does when choosing a mapping template.
        media_type = media_type or "application/json"
        return any(fnmatchcase(media_type, binary) for binary in self.binary_media_types)

    def _rest(self, event: Event, request: _Request) -> Event:
        """Return the REST API (payload 1.0) event for the request."""
        resource = "/{proxy+}" if request.proxy else "/"
        values = _multi(parse_qsl(request.query, keep_blank_values=True), fold_case=False)
        return {
            **event,
            "resource": resource,
            # The path below the stage: a custom domain's base path stays in it.
            "path": request.public_path if self.base_path is not None else request.app_path,
            "queryStringParameters": {key: many[-1] for key, many in values.items()} or None,
            "multiValueQueryStringParameters": values or None,
            "pathParameters": {"proxy": request.proxy} if request.proxy else None,
            "requestContext": {
                **event["requestContext"],
                "path": request.public_path,
                "resourceId": PROXY_RESOURCE_ID if request.proxy else ROOT_RESOURCE_ID,
                "resourcePath": resource,
            },
            "body": request.body or None,
            "isBase64Encoded": request.encoded,
        }

    def _http_api(self, event: Event, request: _Request) -> Event:
        """Return the HTTP API (payload 2.0) event for the request; it leaves out empty fields."""
        route = "ANY /{proxy+}" if self.proxy_route and request.proxy else "$default"
        joined: dict[str, str] = {}
        for key, value in parse_qsl(request.query, keep_blank_values=True):
            joined[key] = f"{joined[key]},{value}" if key in joined else value
        optional = {
            "queryStringParameters": joined,
            "pathParameters": {"proxy": request.proxy} if route != "$default" else {},
            "body": request.body,
        }
        context = event["requestContext"]
        return {
            **{key: value for key, value in event.items() if key not in optional},
            "routeKey": route,
            "rawPath": unquote(request.public_path),
            "rawQueryString": request.query,
            "headers": {**event["headers"], "content-length": str(request.length)},
            "requestContext": {
                **context,
                "routeKey": route,
                "http": {**context["http"], "path": unquote(request.public_path)},
            },
            **{key: value for key, value in optional.items() if value},
            "isBase64Encoded": request.encoded,
        }


@dataclass(frozen=True)
class _Request:
    """What an event says of a request beside its method and headers."""

    public_path: str  # as the client sent it, prefix included
    app_path: str  # below the prefix
    query: str
    body: str  # text, or base64
    length: int  # the body's bytes
    encoded: bool

    @property
    def proxy(self) -> str:
        """Return the path below the API's root, percent-decoded: `{proxy+}`."""
        return unquote(self.app_path[1:])


def _identity(source_ip: str, user_agent: str | None) -> dict[str, str | None]:
    """Return a REST API event's `requestContext.identity` for an unauthenticated caller."""
    unknown = ("accessKey", "accountId", "caller", "cognitoAuthenticationProvider",
               "cognitoAuthenticationType", "cognitoIdentityId", "cognitoIdentityPoolId",
               "principalOrgId", "user", "userArn")  # fmt: skip
    return {**dict.fromkeys(unknown), "sourceIp": source_ip, "userAgent": user_agent}


def _short_id() -> str:
    """Return an id like API Gateway's extended request ids: ten random bytes, in base64."""
    return base64.b64encode(secrets.token_bytes(10)).decode()


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
