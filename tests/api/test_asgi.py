"""The ASGI application (what uvicorn serves, and what Lambda will) runs the same API."""

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync

from config.asgi import application

# Django's request signals look at the test's database connection, in the thread that
# async_to_sync runs the view in (this one).
pytestmark = pytest.mark.django_db


Headers = dict[str, str] | list[tuple[str, str]]


def call(
    method: str,
    path: str,
    body: bytes = b"",
    headers: Headers | None = None,
    chunks: list[bytes] | None = None,
) -> Any:
    """Send one HTTP request through the ASGI application; return status, headers, body.

    `chunks`, if given, is the body in pieces; the ones the app received are removed.
    """
    pairs = headers.items() if isinstance(headers, dict) else headers or []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in pairs],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": bool(chunks)}
        if messages and chunks is None:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays connected until Django answers
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async_to_sync(application)(scope, receive, send)
    start = sent[0]
    content = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict((k.decode(), v.decode()) for k, v in start["headers"]), content


def test_asgi_serves_a_round_trip(bearer: dict[str, str]) -> None:
    signed_in = {"host": "testserver", **bearer}
    json_headers = {**signed_in, "content-type": "application/json"}
    status, headers, content = call("POST", "/api/todos", b'{"title": "Buy milk"}', json_headers)
    assert status == 201
    status, _, content = call("GET", headers["Location"], headers=signed_in)
    assert status == 200
    assert json.loads(content)["title"] == "Buy milk"


def test_asgi_refuses_a_chunked_body_that_is_not_json() -> None:
    headers = {"host": "testserver", "content-type": "text/plain", "transfer-encoding": "chunked"}
    status, _, content = call("POST", "/api/todos", b'{"title": "Buy milk"}', headers)
    assert status == 415
    assert json.loads(content) == {"detail": "Content-Type must be application/json"}


def test_two_authorization_headers_are_refused_even_if_both_are_valid(
    bearer: dict[str, str],
) -> None:
    twice = [("host", "testserver"), *bearer.items(), *bearer.items()]
    status, headers, content = call("GET", "/api/todos", headers=twice)
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert json.loads(content) == {"detail": "Invalid access token"}


MIB = 1024 * 1024


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_oversized_body_is_refused_before_it_is_received(
    bearer: dict[str, str], declared: bool
) -> None:
    """64 MiB against a 1 MiB limit: the answer is the app's 413 (JSON, CORS headers),
    and no more than the limit and one piece of the body was taken in."""
    chunks = [b"x" * MIB for _ in range(64)]
    length = {"content-length": str(64 * MIB)} if declared else {"transfer-encoding": "chunked"}
    headers = {"host": "testserver", "content-type": "application/json", **length, **bearer}
    headers["origin"] = "http://localhost:3000"
    status, answered, content = call("POST", "/api/todos", headers=headers, chunks=chunks)
    assert status == 413
    assert json.loads(content)["detail"]
    cors = {name.lower(): value for name, value in answered.items()}
    assert cors["access-control-allow-origin"] == "http://localhost:3000"
    assert cors["connection"] == "close"  # the rest of the body is never read
    taken = 64 - len(chunks)
    assert taken == (0 if declared else 2)
