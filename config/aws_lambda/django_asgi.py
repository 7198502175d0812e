"""Django behind Mangum: Django's ASGI handler, serving a Lambda instance's one request
at a time in one long-lived thread.

Every middleware and view of this app is synchronous. Django's stock ASGIHandler moves
between the event loop and worker threads for each middleware's request and response
phase (about a dozen thread switches a request) and gives every request a fresh worker
thread; this handler runs signals, the synchronous middleware chain, the view and the
response's close in a single hop to asgiref's one shared thread.

It stays only while it is more than 15 % faster than `make_handler(ASGIHandler())` on at
least three of the five operations `make bench` times (bench/warm.py runs both, warm,
in the same run; docs/benchmarks.md has the latest figures). On 2026-11-30, on the
deployed path in pool mode, it served 21 % more lists of 100 todos per second, 74 %
more gets, 101 % more creates, 43 % more updates and 79 % more deletes.

It relies on these parts of Django's ASGIHandler, pinned by
tests/lambda_/test_django_asgi.py against the Django version in uv.lock:
`load_middleware(is_async=False)`, `read_body`, `create_request`, `get_response`,
`send_response`, `chunk_size`, and `django.core.handlers.asgi.get_script_prefix`.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix


class LambdaASGIHandler(ASGIHandler):
    """Django's ASGI handler for one request at a time, in one thread hop per request.

    Django gives each request a fresh worker thread so that concurrent requests cannot
    share one, and watches for the client going away while the view runs. A Lambda
    instance never serves two requests at once and its client (API Gateway, through
    Mangum) never disconnects early, so neither is needed here.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        """Build the synchronous middleware chain, as under WSGI, whatever is asked for."""
        super().load_middleware(is_async=False)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve one HTTP request without a per-request thread context."""
        if scope["type"] != "http":
            raise ValueError(f"Only HTTP is served, not {scope['type']}")
        body_file = await self.read_body(receive)
        set_script_prefix(get_script_prefix(scope))
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            try:
                await self.send_response(response, send)
            finally:
                if response.streaming:  # its content is read while sending: close it after
                    await sync_to_async(response.close, thread_sensitive=True)()
        finally:
            body_file.close()

    def _respond(self, scope: dict[str, Any], body_file: Any) -> HttpResponseBase:
        """Return the response to the request in `scope`, closed unless it streams."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = self.get_response(request) if request is not None else error_response
        assert response is not None  # create_request returns a request or an error response
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size  # as Django's handler reads files
        if not response.streaming:  # the body is in memory already
            response.close()  # ends the request: request_finished, connections released
        return response
