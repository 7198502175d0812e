"""The NinjaAPI: routers, error handlers and docs, composed in one place."""

from ninja import NinjaAPI, Swagger

from config.composition import adapters
from core import health, http_errors
from core.renderers import PydanticJSONRenderer
from todos.api import build_router as todos_router

api = NinjaAPI(
    title="Todo API",
    version="1.0.0",
    description=(
        "A Todo REST API. Errors are JSON with a `detail` key; 503 with `Retry-After` "
        "means the database is momentarily unreachable and the request can be retried."
    ),
    urls_namespace="api",
    docs=Swagger(settings={"persistAuthorization": True}),
    renderer=PydanticJSONRenderer(),
)
api.add_router("/todos", todos_router(adapters))
api.add_router("", health.router)
http_errors.install(api)
