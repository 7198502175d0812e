"""Django's ASGI handler, adapted to an app whose middleware and views are synchronous."""

from __future__ import annotations

import warnings
from typing import Any

from asgiref.sync import sync_to_async
from django.core import signals
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.urls import set_script_prefix

# WhiteNoise answers with a synchronous file iterator, which Django's ASGI handler reads
# in a worker thread, warning that it does. The static files here are small (Swagger UI's
# assets), so the thread hop costs little; the warning would only be noise in every log.
warnings.filterwarnings(
    "ignore",
    message="StreamingHttpResponse must consume synchronous iterators",
    module="django.core.handlers.asgi",
)


class SyncViewsASGIHandler(ASGIHandler):
    """Django's ASGI handler, running the middleware chain and the view in one thread hop.

    Every middleware and view of this app is synchronous. Django's own async chain would
    move between the event loop and a worker thread for each middleware's request and
    response phase, about a dozen thread switches per request; this handler builds the
    synchronous chain, as under WSGI, and runs it whole in the worker thread that Django
    would have run the view in. Signals and connection handling are Django's own.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        """Build the synchronous middleware chain, whatever the caller asks for."""
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        """Return the response of the synchronous chain, run in the request's thread."""
        response: HttpResponseBase = await sync_to_async(self.get_response, thread_sensitive=True)(
            request
        )
        return response


class LambdaASGIHandler(SyncViewsASGIHandler):
    """The app's ASGI handler for Lambda: one request at a time, in one long-lived thread.

    Django gives each request a fresh worker thread so that concurrent requests cannot
    share one, and watches for the client going away while the view runs. A Lambda
    instance never serves two requests at once and its client (API Gateway, through
    Mangum) never disconnects early, so here every request runs in asgiref's one shared
    thread, in a single hop: signals, the middleware chain and the view, and the
    response's close (which ends the request and releases its database connection).
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve one HTTP request without a per-request thread context."""
        if scope["type"] != "http":
            raise ValueError(f"Only HTTP is served, not {scope['type']}")
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Read the body, respond in one hop to the worker thread, send the response."""
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
            response.close()
        return response
