"""Django's ASGI handler, adapted to an app whose middleware and views are synchronous."""

from __future__ import annotations

import warnings
from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase

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
    """The app's ASGI handler, serving one request at a time in one long-lived thread.

    Django gives each request a fresh worker thread so that concurrent requests cannot
    share one; a Lambda instance never serves two at once, so its requests all run in
    asgiref's one shared thread instead, and no thread is started per request.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Serve one HTTP request without a per-request thread context."""
        if scope["type"] != "http":
            raise ValueError(f"Only HTTP is served, not {scope['type']}")
        await self.handle(scope, receive, send)
