"""Django behind Mangum: Django's ASGI handler, serving a Lambda instance's one request
at a time as one plain synchronous call on the invocation's own thread.

Every middleware and view of this app is synchronous. Django's stock ASGIHandler moves
between the event loop and worker threads for each middleware's request and response
phase (about a dozen thread switches a request) and gives every request a fresh worker
thread. This handler runs signals, the synchronous middleware chain, the view and the
response's close in one call, on the thread Mangum runs its event loop in, with the
loop set aside for the call (`synchronously`): to Django and asgiref that is a
synchronous thread, as under WSGI, so the ORM may be used, and Django keeps one
connection object for the thread from one invocation to the next (the connection
itself still goes back to the pool, or is closed, as each request ends). A body that
a synchronous iterator streams (a static file WhiteNoise serves, a view's generator) is
read in that call too, before the request ends: Mangum answers API Gateway with the
whole body at once anyway, and Django would otherwise read it on a worker thread, where
a database query from the iterator would hold a connection no request end releases.

Set aside, not blocked: nothing else is ever scheduled on Mangum's loop, which serves
one invocation and waits for the handler's answer. Sending the call to a thread and
back, as `sync_to_async` does, only added two thread switches to every request.

What this asks of the code a request runs: if it calls async code through
`async_to_sync` (an async signal receiver, an async-only middleware), asgiref runs that
on a new event loop in a new thread each time, as it does on any synchronous thread
with no loop of its own; and if it runs an event loop itself (`asyncio.run`), which
clears the thread's current loop when it ends, the handler (handler.py) puts Mangum's
back for the next invocation.

Both tricks stay only while each is more than 15 % faster than its stock twin on the
median of the five operations `make bench` times (bench/warm.py runs them side by side,
warm, in the same run; docs/benchmarks.md has the latest figures). On 2026-12-08 (`make
bench BENCH_BASELINE=3570ae0`, medians of the round-by-round ratios) this handler
answered 154 % more calls a second than `make_handler(ASGIHandler())`, and serving on
the invoking thread 32 % more than the same handler's hop to a worker thread and back,
round by round from +11 to +97 % (+18 % in docs/benchmarks-93ba3ae.md, +22 % in
docs/benchmarks-ff5a95a.md).

It relies on these parts of Django's ASGIHandler, pinned by
tests/lambda_/test_django_asgi.py against the Django version in uv.lock:
`load_middleware(is_async=False)`, `read_body`, `create_request`, `get_response`,
`send_response`, `chunk_size`, and `django.core.handlers.asgi.get_script_prefix`; and
on asyncio's `_get_running_loop` and `_set_running_loop`, the hooks event loops
themselves use to say which loop runs in a thread, pinned there too.
"""

from __future__ import annotations

from asyncio import events
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar, cast

from django.core import signals
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import set_script_prefix

T = TypeVar("T")


class LambdaASGIHandler(ASGIHandler):
    """Django's ASGI handler for one request at a time, called synchronously.

    Django gives each request a fresh worker thread so that concurrent requests cannot
    share one, and watches for the client going away while the view runs. A Lambda
    instance never serves two requests at once and its client (API Gateway, through
    Mangum) never disconnects early, so neither is needed here.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        """Build the synchronous middleware chain, as under WSGI, whatever is asked for."""
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve one HTTP request: Django's part as one synchronous call on this thread."""
        if scope["type"] != "http":
            raise ValueError(f"Only HTTP is served, not {scope['type']}")
        body_file = await self.read_body(receive)
        set_script_prefix(get_script_prefix(scope))
        try:
            response, closed = synchronously(self._respond, scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if not closed:  # an async iterator's body is read while sending: close after
                    synchronously(response.close)
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> tuple[HttpResponseBase, bool]:
        """Return the response to the request in `scope`, with its body in memory and the
        response closed, unless an async iterator streams it; and whether it is closed."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = self.get_response(request) if request is not None else error_response
        assert response is not None  # create_request returns a request or an error response
        if isinstance(response, StreamingHttpResponse) and response.is_async:
            return response, False
        try:
            if isinstance(response, StreamingHttpResponse):
                if isinstance(response, FileResponse):
                    response.block_size = self.chunk_size  # as Django's handler reads files
                # Read here, on this thread, while the request is open (the module's note).
                body = b"".join(cast("Iterator[bytes]", response.streaming_content))
                response.streaming_content = _already_read(body)
        finally:
            response.close()  # ends the request: request_finished, connections released
        return response, True


async def _already_read(body: bytes) -> AsyncIterator[bytes]:
    """Stream a body read already: Django's send_response sends it with no thread."""
    yield body


def synchronously(function: Callable[..., T], *args: Any) -> T:
    """Return `function(*args)`, called in this thread with its event loop set aside.

    Inside a coroutine the loop is running, and Django refuses the ORM there
    (SynchronousOnlyOperation), asgiref keeps thread-critical state such as the
    database connections per asyncio task (a new connection object every request),
    and `async_to_sync` refuses to run. None of that applies to a plain blocking call
    that nothing else on the loop waits to interleave with, which this is: with the
    loop set aside, the call sees a synchronous thread, as under WSGI, and the loop is
    put back before the coroutine goes on.
    """
    loop = events._get_running_loop()
    events._set_running_loop(None)
    try:
        return function(*args)
    finally:
        events._set_running_loop(loop)
