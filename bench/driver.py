"""Invoke the Lambda handler in this process with the events API Gateway would send."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.apigateway_events import Gateway, LambdaContext

# The deployed REST API's execute-api URL, stage dev: request bodies arrive base64-encoded.
GATEWAY = Gateway("rest", "abc123defg.execute-api.eu-west-1.amazonaws.com", "dev")
CLIENT_IP = "198.51.100.7"


class Invoker:
    """Call `config.aws_lambda.handler.handler` as API Gateway's `/{proxy+}` resource would.

    Events are built once per method and reused with the path and body of each call, so
    the time measured is the handler's, not the event builder's (API Gateway builds the
    event outside the function).
    """

    def __init__(self, handler: Any = None) -> None:
        if handler is None:
            from config.aws_lambda.handler import handler

        self.handler = handler
        self.templates: dict[tuple[str, bool], dict[str, Any]] = {}

    def event(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        """Return the REST API event for `method` on /dev<path> with this JSON body."""
        key = (method, bool(body))
        target = f"{GATEWAY.prefix}{path}"
        if key not in self.templates:
            headers = [("User-Agent", "bench"), ("Accept", "application/json")]
            if body:
                headers.append(("Content-Type", "application/json"))
            self.templates[key] = GATEWAY.event(
                method, target, headers=headers, body=body, source_ip=CLIENT_IP
            )
        return GATEWAY.retarget(self.templates[key], target, body=body)

    def __call__(self, method: str, path: str, payload: Any = None, expect: int = 200) -> Any:
        """Send one request to /dev<path>; check its status and return the decoded body."""
        body = b"" if payload is None else json.dumps(payload).encode()
        result = self.handler(self.event(method, path, body), LambdaContext())
        if result["statusCode"] != expect:
            raise RuntimeError(f"{method} {path}: {result['statusCode']} {result['body'][:200]}")
        return json.loads(result["body"]) if result["body"] else None


def operations(invoke: Invoker, ids: list[str]) -> dict[str, Any]:
    """Return each benchmarked operation as a function of a running number."""
    created: list[str] = []

    def create(n: int) -> None:
        created.append(invoke("POST", "/api/todos", {"title": f"Bench {n}"}, expect=201)["id"])

    def delete(n: int) -> None:
        invoke("DELETE", f"/api/todos/{created.pop()}", expect=204)

    return {
        "list (100 rows)": lambda n: invoke("GET", "/api/todos"),
        "get": lambda n: invoke("GET", f"/api/todos/{ids[n % len(ids)]}"),
        "create": create,
        "update": lambda n: invoke(
            "PATCH", f"/api/todos/{ids[n % len(ids)]}", {"completed": n % 2 == 0}
        ),
        "delete": delete,
    }
