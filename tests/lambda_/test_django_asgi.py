"""What LambdaASGIHandler (config/aws_lambda/django_asgi.py) relies on in Django's ASGI
handler, and the asyncio hooks its `synchronously` uses: if an upgrade of Django or
Python changes any of it, these fail before the handler misbehaves.

The handler earns its place by its warm throughput beside Django's stock handler
(docs/benchmarks.md, measured by `make bench`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
from asgiref.sync import iscoroutinefunction
from django.core.handlers.asgi import ASGIHandler, ASGIRequest, get_script_prefix
from django.core.signals import request_finished, request_started
from django.http import HttpResponse, HttpResponseBase
from pytest_django.fixtures import Settings

from config.aws_lambda.django_asgi import LambdaASGIHandler, synchronously
from tests.lambda_.events import REST_EXECUTE_API
from tests.lambda_.invoke import invoke

pytestmark = pytest.mark.usefixtures("on_lambda")

HOST = "abc123defg.execute-api.eu-west-1.amazonaws.com"


def http_scope(**changes: Any) -> dict[str, Any]:
    """Return the ASGI scope Mangum builds for `GET /api/docs` on the execute-api host."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": "/dev/api/docs",
        "raw_path": None,
        "root_path": "/dev",
        "query_string": b"",
        "headers": [(b"host", HOST.encode()), (b"accept", b"text/html")],
        "client": ("198.51.100.7", 0),
        "server": (HOST, 443),
        **changes,
    }


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine on a loop of its own, leaving the thread's event loop (Mangum's) be."""
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def body_file(content: bytes) -> Any:
    """Return what read_body returns for a request whose body is `content`, in one message."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": content, "more_body": False}

    return run(LambdaASGIHandler().read_body(receive))


@pytest.fixture
def signals_seen() -> Iterator[list[tuple[str, int]]]:
    """Record each request_started and request_finished, with the thread it came in."""
    seen: list[tuple[str, int]] = []

    def started(**kwargs: Any) -> None:
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs: Any) -> None:
        seen.append(("finished", threading.get_ident()))

    request_started.connect(started)
    request_finished.connect(finished)
    yield seen
    request_started.disconnect(started)
    request_finished.disconnect(finished)


def test_a_synchronous_middleware_chain_is_built_even_when_async_is_asked_for() -> None:
    handler = LambdaASGIHandler()
    assert not iscoroutinefunction(handler._middleware_chain)
    handler.load_middleware(is_async=True)
    assert not iscoroutinefunction(handler._middleware_chain)
    assert iscoroutinefunction(ASGIHandler()._middleware_chain)  # what the stock one builds


def test_read_body_returns_a_file_holding_every_chunk_of_the_body_from_its_start() -> None:
    chunks = iter(
        [
            {"type": "http.request", "body": b'{"title": ', "more_body": True},
            {"type": "http.request", "body": b'"Buy milk"}', "more_body": False},
        ]
    )

    async def receive() -> dict[str, Any]:
        return next(chunks)

    body = run(LambdaASGIHandler().read_body(receive))
    try:
        assert body.read() == b'{"title": "Buy milk"}'
    finally:
        body.close()


def test_create_request_returns_a_request_and_no_error_for_a_good_scope() -> None:
    request, error = LambdaASGIHandler().create_request(http_scope(), body_file(b""))
    assert error is None
    assert isinstance(request, ASGIRequest)
    assert (request.method, request.path, request.path_info) == (
        "GET",
        "/dev/api/docs",
        "/api/docs",
    )
    assert request.get_host() == HOST


def test_create_request_returns_no_request_and_a_400_for_a_bad_scope() -> None:
    not_utf8 = http_scope(query_string=b"title=\xff")
    request, error = LambdaASGIHandler().create_request(not_utf8, body_file(b""))
    assert request is None
    assert isinstance(error, HttpResponseBase)
    assert error.status_code == 400


def test_get_response_answers_synchronously_through_the_middleware_and_view() -> None:
    handler = LambdaASGIHandler()
    request, _ = handler.create_request(http_scope(path="/dev/api/nowhere"), body_file(b""))
    assert request is not None
    response = handler.get_response(request)
    assert isinstance(response, HttpResponseBase)  # not a coroutine to await
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")  # the app's own 404


def test_send_response_sends_the_start_then_the_whole_body() -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    response = HttpResponse(b'{"id": 1}', status=201, content_type="application/json")
    response["Location"] = "/dev/api/todos/1"
    run(LambdaASGIHandler().send_response(response, send))
    assert [message["type"] for message in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 201
    assert (b"Location", b"/dev/api/todos/1") in sent[0]["headers"]
    assert sent[1]["body"] == b'{"id": 1}'
    assert not sent[1].get("more_body", False)


def test_chunk_size_is_the_size_bodies_are_sent_in() -> None:
    handler = LambdaASGIHandler()
    assert isinstance(handler.chunk_size, int)
    chunks = list(handler.chunk_bytes(b"x" * (handler.chunk_size + 1)))
    assert [(len(chunk), last) for chunk, last in chunks] == [
        (handler.chunk_size, False),
        (1, True),
    ]


def test_get_script_prefix_is_the_scope_s_root_path_unless_forced(settings: Settings) -> None:
    assert get_script_prefix({"root_path": "/dev"}) == "/dev"
    assert get_script_prefix({}) == ""
    settings.FORCE_SCRIPT_NAME = "/forced"
    assert get_script_prefix({"root_path": "/dev"}) == "/forced"


def test_a_request_starts_runs_and_finishes_on_the_invoking_thread(
    on_lambda: Settings, signals_seen: list[tuple[str, int]]
) -> None:
    on_lambda.ROOT_URLCONF = "tests.lambda_.urls"
    answer = invoke(REST_EXECUTE_API.event("GET", "/dev/thread"))
    assert answer.status == 200
    here = threading.get_ident()  # where Mangum runs its event loop
    assert answer.json()["thread"] == here
    assert signals_seen == [("started", here), ("finished", here)]


def test_a_stream_that_fails_while_read_still_ends_the_request_once(
    on_lambda: Settings, signals_seen: list[tuple[str, int]]
) -> None:
    on_lambda.ROOT_URLCONF = "tests.lambda_.urls"
    assert invoke(REST_EXECUTE_API.event("GET", "/dev/broken-stream")).status == 500
    assert [name for name, _ in signals_seen] == ["started", "finished"]


def test_synchronously_sets_the_running_loop_aside_for_the_call_and_puts_it_back() -> None:
    seen: list[str] = []

    def inside() -> str:
        with pytest.raises(RuntimeError):  # no running loop: a synchronous thread
            asyncio.get_running_loop()
        return "answered"

    def failing() -> None:
        raise LookupError("from the call")

    async def coroutine() -> None:
        loop = asyncio.get_running_loop()
        seen.append(synchronously(inside))
        assert asyncio.get_running_loop() is loop
        with pytest.raises(LookupError):
            synchronously(failing)
        assert asyncio.get_running_loop() is loop  # put back after an error too
        await asyncio.sleep(0)  # and the loop still runs the coroutine on

    run(coroutine())
    assert seen == ["answered"]


def test_a_request_refused_before_its_view_still_starts_and_finishes_once(
    signals_seen: list[tuple[str, int]],
) -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run(LambdaASGIHandler()(http_scope(query_string=b"\xff"), receive, send))
    assert sent[0]["status"] == 400
    assert [name for name, _ in signals_seen] == ["started", "finished"]
