"""The app's URLs plus `/echo`, which answers with what Django received of the request,
`/thread`, which names the thread the view ran in, `/streamed` and `/broken-stream`,
which stream a body from a generator (the second fails), and `/own-loop`, which runs an
event loop of its own."""

import asyncio
import threading
from collections.abc import Iterator

from django.core.signals import request_finished
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def echo(request: HttpRequest) -> JsonResponse:
    """Answer with the request's headers and query, and set two cookies."""
    response = JsonResponse(
        {
            "headers": dict(request.headers),
            "query": {key: request.GET.getlist(key) for key in request.GET},
        }
    )
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return response


def thread(request: HttpRequest) -> JsonResponse:
    """Answer with the identifier of the thread this view runs in."""
    return JsonResponse({"thread": threading.get_ident()})


def streamed(request: HttpRequest) -> StreamingHttpResponse:
    """Stream a body from a synchronous generator: the thread it is read on, and whether
    the request had ended (request_finished) by the time it was."""
    finished: list[bool] = []

    def mark(**kwargs: object) -> None:
        finished.append(True)

    def parts() -> Iterator[bytes]:
        yield b'{"thread": %d, ' % threading.get_ident()
        yield b'"after_the_end": %s}' % (b"true" if finished else b"false")
        request_finished.disconnect(mark)

    request_finished.connect(mark)
    return StreamingHttpResponse(parts(), content_type="application/json")


def broken_stream(request: HttpRequest) -> StreamingHttpResponse:
    """Stream a body from a generator that fails after its first part."""

    def parts() -> Iterator[bytes]:
        yield b"{"
        raise LookupError("the stream broke")

    return StreamingHttpResponse(parts(), content_type="application/json")


def own_loop(request: HttpRequest) -> JsonResponse:
    """Answer with what a coroutine returns, run on an event loop of the view's own."""

    async def answer() -> str:
        return "from a loop of its own"

    return JsonResponse({"answer": asyncio.run(answer())})


urlpatterns = [
    *app_urlpatterns,
    path("echo", echo),
    path("thread", thread),
    path("streamed", streamed),
    path("broken-stream", broken_stream),
    path("own-loop", own_loop),
]
