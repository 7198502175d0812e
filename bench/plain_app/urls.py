"""One Ninja endpoint that touches no database."""

from django.urls import path
from ninja import NinjaAPI

api = NinjaAPI()


@api.get("/hello")
def hello(request: object) -> dict[str, str]:
    """Answer without touching the database."""
    return {"hello": "world"}


urlpatterns = [path("api/", api.urls)]
