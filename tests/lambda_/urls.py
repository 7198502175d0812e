"""The app's URLs plus `/echo`, which answers with what Django received of the request,
and `/thread`, which names the thread the view ran in."""

import threading

from django.http import HttpRequest, JsonResponse
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


urlpatterns = [*app_urlpatterns, path("echo", echo), path("thread", thread)]
