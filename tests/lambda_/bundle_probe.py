"""Invoke a built Lambda bundle's handler the way the Lambda runtime would; print JSON.

Run by tests/lambda_/test_bundle.py as `python -I -S -B bundle_probe.py BUNDLE EVENT`,
EVENT being a REST API (v1) event whose path it varies. With no site-packages and no
repository on sys.path, every import comes from the bundle or the standard library, so
a missing module or file fails here as it would on Lambda.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from typing import Any


def rest_event(
    template: dict[str, Any],
    path: str,
    *,
    body: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return the REST API (v1) proxy event `template` as sent for `GET /<stage>{path}`,
    or for a POST of a JSON body (base64-encoded, as the deployed API's `*/*` does)."""
    context = template["requestContext"]
    method = "GET" if body is None else "POST"
    all_headers = {**template["headers"], **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    return {
        **template,
        "httpMethod": method,
        "path": path,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "pathParameters": {"proxy": path.lstrip("/")},
        "requestContext": {**context, "path": f"/{context['stage']}{path}", "httpMethod": method},
        "body": None if body is None else base64.b64encode(json.dumps(body).encode()).decode(),
        "isBase64Encoded": body is not None,
    }


class Context:
    """The attributes of Lambda's context object that the handler reads."""

    aws_request_id = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
    function_name = "todo-api"


def main(bundle: str, event_file: str) -> None:
    """Serve the docs, their assets, health and the todo list; run management commands."""
    sys.path.insert(0, bundle)
    from config.aws_lambda.handler import handler

    with open(event_file, encoding="utf-8") as file:
        template = json.load(file)
    stage = template["requestContext"]["stage"]

    def call(path: str, **options: Any) -> dict[str, Any]:
        response = handler(rest_event(template, path, **options), Context())
        return {k: response[k] for k in ("statusCode", "isBase64Encoded", "body")}

    results: dict[str, Any] = {"manage": {}, "get": {}}
    for command in (["check"], ["migrate"]):
        results["manage"][command[0]] = handler({"manage": command}, Context())
    account = {"email": "probe@example.com", "password": "a password for the probe"}
    results["register"] = call("/api/auth/register", body=account)
    results["token"] = call("/api/auth/token", body=account)
    results["manage"]["seed_todos"] = handler(
        {"manage": ["seed_todos", "--owner", account["email"]]}, Context()
    )
    bearer = {"Authorization": f"Bearer {json.loads(results['token']['body'])['access_token']}"}
    for path in ("/api/health", "/api/docs", "/api/openapi.json", "/api/todos"):
        results["get"][path] = call(path, headers=bearer)
    docs = results["get"]["/api/docs"]["body"]
    assets = sorted(set(re.findall(rf'"/{stage}(/static/[^"]+)"', docs)))
    results["assets"] = {asset: call(asset) for asset in assets}
    for asset in results["assets"].values():
        asset["body"] = len(asset["body"])  # the size is enough, and keeps the output small
    import jwt.algorithms
    import psycopg

    results["psycopg"] = psycopg.pq.__impl__
    results["jwt_has_crypto"] = jwt.algorithms.has_crypto
    results["cryptography_imported"] = "cryptography" in sys.modules
    print(json.dumps(results))


if __name__ == "__main__":
    main(*sys.argv[1:3])
