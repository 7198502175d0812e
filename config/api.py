"""The NinjaAPI: routers, error handlers and docs, composed in one place."""

from ninja import Swagger

from config.composition import adapters
from core import health, http_errors
from core.identity.api import BearerAuth
from core.identity.api import build_router as auth_router
from todos.api import build_router as todos_router

api = http_errors.DocumentedErrorsAPI(
    title="Todo API",
    version="1.0.0",
    description=(
        "A Todo REST API. Sign in with `POST /api/auth/token` and send the access token as "
        "`Authorization: Bearer <token>` (the Authorize button here takes it). Errors are "
        "JSON with a `detail` key; 503 with `Retry-After` means the database is momentarily "
        "unreachable and the request can be retried."
    ),
    urls_namespace="api",
    # Swagger UI forgets the access token on reload rather than keep it in localStorage.
    docs=Swagger(settings={"persistAuthorization": False}),
)
bearer = BearerAuth(adapters)
api.add_router("/auth", auth_router(adapters, auth=bearer))
api.add_router("/todos", todos_router(adapters), auth=bearer)
api.add_router("", health.router)
http_errors.install(api)
