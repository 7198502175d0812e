"""Invoke a Lambda handler in this process with the events API Gateway would send."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.apigateway_events import Gateway, LambdaContext

# The deployed REST API's execute-api URL, stage dev: request bodies arrive base64-encoded.
GATEWAY = Gateway("rest", "abc123defg.execute-api.eu-west-1.amazonaws.com", "dev")
CLIENT_IP = "198.51.100.7"
# What every request carries. A header every call needs (an Authorization header) goes
# into Invoker's `headers`.
HEADERS = (("User-Agent", "bench"), ("Accept", "application/json"))
Header = tuple[str, str]
Operation = Callable[[int], Any]


def rest_event(
    method: str, path: str, body: bytes = b"", headers: Sequence[Header] = HEADERS
) -> dict[str, Any]:
    """Return the REST API event of `method` on /dev<path>, as API Gateway's `/{proxy+}`
    resource sends it."""
    if body:
        headers = [*headers, ("Content-Type", "application/json")]
    return GATEWAY.event(
        method, f"{GATEWAY.prefix}{path}", headers=list(headers), body=body, source_ip=CLIENT_IP
    )


class Invoker:
    """Call a Lambda handler (the app's, unless given) as API Gateway would.

    Events are built once per method and reused with the path and body of each call, so
    the time measured is the handler's, not the event builder's (API Gateway builds the
    event outside the function). `headers` are sent with every call, after HEADERS.
    """

    def __init__(self, handler: Any = None, headers: Sequence[Header] = ()) -> None:
        if handler is None:
            from config.aws_lambda.handler import handler

        self.handler = handler
        self.headers = (*HEADERS, *headers)
        self.templates: dict[tuple[str, bool], dict[str, Any]] = {}
        self.calls = 0

    def event(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        """Return the REST API event for `method` on /dev<path> with this JSON body."""
        key = (method, bool(body))
        if key not in self.templates:
            self.templates[key] = rest_event(method, path, body, self.headers)
        return GATEWAY.retarget(self.templates[key], f"{GATEWAY.prefix}{path}", body=body)

    def __call__(self, method: str, path: str, payload: Any = None, expect: int = 200) -> Any:
        """Send one request to /dev<path>; check its status and return the decoded body.

        :raises RuntimeError: when the status is not `expect`.
        """
        body = b"" if payload is None else json.dumps(payload).encode()
        result = self.handler(self.event(method, path, body), LambdaContext())
        self.calls += 1
        if result["statusCode"] != expect:
            raise RuntimeError(f"{method} {path}: {result['statusCode']} {result['body'][:200]}")
        return json.loads(result["body"]) if result["body"] else None


def operations(invoke: Invoker, ids: list[str]) -> dict[str, Operation]:
    """Return each benchmarked operation as a function of a running number.

    Each checks that it did its work (a full page, the right todo), so a broken setup
    cannot pass for a fast one.
    """
    created: list[str] = []

    def list_page(n: int) -> None:
        page = invoke("GET", "/api/todos")
        if len(page["items"]) != len(ids):
            raise RuntimeError(f"listed {len(page['items'])} todos, not {len(ids)}")

    def get(n: int) -> None:
        todo_id = ids[n % len(ids)]
        if invoke("GET", f"/api/todos/{todo_id}")["id"] != todo_id:
            raise RuntimeError(f"GET /api/todos/{todo_id} answered another todo")

    def create(n: int) -> None:
        created.append(invoke("POST", "/api/todos", {"title": f"Bench {n}"}, expect=201)["id"])

    def update(n: int) -> None:
        todo_id = ids[n % len(ids)]
        answer = invoke("PATCH", f"/api/todos/{todo_id}", {"completed": n % 2 == 0})
        if answer["completed"] != (n % 2 == 0):
            raise RuntimeError(f"PATCH /api/todos/{todo_id} did not update it")

    def delete(n: int) -> None:
        invoke("DELETE", f"/api/todos/{created.pop()}", expect=204)

    return {
        "list (100 rows)": list_page,
        "get": get,
        "create": create,
        "update": update,
        "delete": delete,
    }
