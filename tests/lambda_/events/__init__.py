"""API Gateway events as AWS sends them, built from the recorded shapes beside this module.

Each JSON file is one `GET .../api/health` event of one kind of API Gateway endpoint;
`Gateway.event` turns it into another request's event the way API Gateway fills it:

- REST API (payload 1.0): `path` is the path below the stage, so on the execute-api URL
  it lacks `/dev`, while a custom domain's base path stays in it; `requestContext.path`
  is the path the client asked for; `pathParameters.proxy` is the path below the API's
  root, percent-decoded. Headers and query keys come last-value-wins in `headers` and
  `queryStringParameters`, and in full in the `multiValue...` fields. Content-Length is
  not passed on.
- HTTP API (payload 2.0): `rawPath` and `requestContext.http.path` keep a named stage
  and come percent-decoded; header names are lower case; repeated headers and query
  values are joined by commas.
"""

from __future__ import annotations

import base64
import copy
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

EVENTS = Path(__file__).parent
Headers = dict[str, str | list[str] | None]  # None removes a header the recording has


@dataclass(frozen=True)
class Gateway:
    """One way to reach the function, and the prefix its URLs have before `/api/...`."""

    recording: str
    prefix: str
    # REST only: whether `path` keeps the prefix (a base path does; the stage does not).
    path_keeps_prefix: bool = True

    def event(
        self,
        method: str,
        url: str,
        *,
        headers: Headers | None = None,
        body: str | bytes | None = None,
        base64_body: bool = False,
    ) -> dict[str, Any]:
        """Return the event for `method url` (the path and query the client sent)."""
        event = copy.deepcopy(_recorded(self.recording))
        parts = urlsplit(url)
        assert parts.path.startswith(self.prefix + "/"), f"{url} is not under {self.prefix}"
        app_path = parts.path.removeprefix(self.prefix)
        query = parse_qsl(parts.query, keep_blank_values=True)
        raw_body = body.encode() if isinstance(body, str) else body
        if base64_body and raw_body is not None:
            event["body"], event["isBase64Encoded"] = base64.b64encode(raw_body).decode(), True
        elif raw_body is not None:
            event["body"] = raw_body.decode()
        if "version" in event:
            _fill_http_api(event, method, parts.path, app_path, parts.query, query)
            if raw_body is not None:
                _set_headers(event, {"content-length": str(len(raw_body))}, lower=True)
            _set_headers(event, headers or {}, lower=True)
        else:
            path = parts.path if self.path_keeps_prefix else app_path
            _fill_rest(event, method, path, parts.path, app_path, query)
            _set_headers(event, headers or {}, lower=False)
        return event


@functools.cache
def _recorded(recording: str) -> dict[str, Any]:
    recorded: dict[str, Any] = json.loads((EVENTS / f"{recording}.json").read_text())
    return recorded


def _fill_rest(
    event: dict[str, Any],
    method: str,
    path: str,
    public_path: str,
    app_path: str,
    query: list[tuple[str, str]],
) -> None:
    context = event["requestContext"]
    event["httpMethod"] = context["httpMethod"] = method
    event["path"], context["path"] = path, public_path
    proxy = unquote(app_path).lstrip("/")
    # The root resource `/` answers the API's root; `/{proxy+}` everything below it.
    event["resource"] = context["resourcePath"] = "/{proxy+}" if proxy else "/"
    event["pathParameters"] = {"proxy": proxy} if proxy else None
    values: dict[str, list[str]] = {}
    for key, value in query:
        values.setdefault(key, []).append(value)
    event["multiValueQueryStringParameters"] = values or None
    event["queryStringParameters"] = {k: v[-1] for k, v in values.items()} or None


def _fill_http_api(
    event: dict[str, Any],
    method: str,
    public_path: str,
    app_path: str,
    raw_query: str,
    query: list[tuple[str, str]],
) -> None:
    context = event["requestContext"]
    context["http"]["method"] = method
    event["rawPath"] = context["http"]["path"] = unquote(public_path)
    proxy = unquote(app_path).lstrip("/")
    if "pathParameters" in event and proxy:
        event["pathParameters"] = {"proxy": proxy}
    elif "pathParameters" in event:  # `/{proxy+}` needs a segment: the root takes `$default`
        del event["pathParameters"]
        event["routeKey"] = context["routeKey"] = "$default"
    event["rawQueryString"] = raw_query
    joined: dict[str, str] = {}
    for key, value in query:
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    if joined:
        event["queryStringParameters"] = joined


def _set_headers(event: dict[str, Any], headers: Headers, *, lower: bool) -> None:
    for name, value in headers.items():
        for present in [key for key in event["headers"] if key.lower() == name.lower()]:
            del event["headers"][present]
            event.get("multiValueHeaders", {}).pop(present, None)
        if value is None:
            continue
        values = [value] if isinstance(value, str) else value
        key = name.lower() if lower else name
        if "multiValueHeaders" in event:
            event["headers"][key], event["multiValueHeaders"][key] = values[-1], values
        else:
            event["headers"][key] = ",".join(values)


REST_EXECUTE_API = Gateway("rest_execute_api", "/dev", path_keeps_prefix=False)
REST_CUSTOM_DOMAIN_BASE_PATH = Gateway("rest_custom_domain_base_path", "/v1")
REST_CUSTOM_DOMAIN = Gateway("rest_custom_domain", "")
HTTP_API_STAGE = Gateway("http_api_stage", "/dev")
HTTP_API_DEFAULT = Gateway("http_api_default", "")
GATEWAYS = (
    REST_EXECUTE_API,
    REST_CUSTOM_DOMAIN_BASE_PATH,
    REST_CUSTOM_DOMAIN,
    HTTP_API_STAGE,
    HTTP_API_DEFAULT,
)
