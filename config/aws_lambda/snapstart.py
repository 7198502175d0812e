"""Lambda SnapStart: what runs just before the snapshot and just after each restore.

With SnapStart (`-c snapStart=true`, docs/infra.md), Lambda initialises the function once,
when a version is published, snapshots the initialised memory, and starts every new
instance from that snapshot. Whatever initialisation leaves behind is then shared by all
instances, and whatever it leaves undone each restored instance does on its first request.

Before the snapshot, `before_snapshot`:

- sends a few requests through the whole handler (Mangum, the stage prefix, middleware,
  the URL resolver, Ninja's parsing, pydantic's validators and serialisers, password
  hashing, token signing and checking, the conditional and idempotency headers, the
  error handlers, the renderer, the `Location` header's reverse lookup), served by the
  in-memory adapters, so the database is never touched: the account it signs up and the
  signing key it draws live in memory and are dropped before the snapshot;
- then closes every database connection and pool and forgets the AWS credentials held:
  a snapshot must carry no socket, IAM token or credentials into instances that would
  share them long after they expired.

After each restore, `after_restore`:

- reseeds `random`, whose state the snapshot holds: the same in every instance;
- drops any pooled connection, as above;
- draws a new SECRET_KEY when the settings drew one for the instance (none configured).

The hooks register with `snapshot_restore_py`, which the Lambda Python runtime ships, and
only when the runtime is initialising for a snapshot (AWS_LAMBDA_INITIALIZATION_TYPE is
`snap-start`); elsewhere that module is never imported, and the app runs without it.
"""

from __future__ import annotations

import json
import logging
import os
import random
import secrets
import types
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.db import connections

from core.postgresql.aws_credentials import forget_held_credentials
from core.runtime import draw_secret_key

logger = logging.getLogger(__name__)

SNAPSHOT_INITIALIZATION = "snap-start"
WARM_UP_REQUEST_ID = "snapstart-warm-up"
STAGE = "warmup"

Handler = Callable[[Any, Any], dict[str, Any]]


def register(handler: Handler, environ: Mapping[str, str] = os.environ) -> bool:
    """Register the hooks with the Lambda runtime when it is about to take a snapshot.

    Return whether they were registered.
    """
    if environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != SNAPSHOT_INITIALIZATION:
        return False
    try:
        import snapshot_restore_py  # shipped by the Lambda Python runtime, not the bundle
    except ImportError:
        logger.warning("SnapStart without snapshot_restore_py: no hooks around the snapshot")
        return False
    snapshot_restore_py.register_before_snapshot(before_snapshot, handler)
    snapshot_restore_py.register_after_restore(after_restore)
    return True


def before_snapshot(handler: Handler) -> None:
    """Warm the request path, then let go of connections and credentials."""
    answers = warm_up(handler)
    unexpected = [answer for answer in answers if answer[2] != answer[3]]
    if unexpected:
        # Not fatal: the snapshot is only colder. A host outside ALLOWED_HOSTS does this.
        logger.warning("SnapStart warm-up: unexpected answers", extra={"answers": unexpected})
    else:
        logger.info("SnapStart warm-up: %d requests answered as expected", len(answers))
    release_connections_and_credentials()


def after_restore() -> None:
    """Make this restored instance unlike the others restored from the same snapshot."""
    random.seed()
    release_connections_and_credentials()
    if settings.SECRET_KEY_PER_INSTANCE:
        settings.SECRET_KEY = draw_secret_key()


def release_connections_and_credentials() -> None:
    """Close this thread's database connections and every pool; forget held credentials."""
    for alias in connections:
        connection = connections[alias]
        connection.close()
        if drop_pool := getattr(connection, "drop_pool", None):  # core.postgresql's backend
            drop_pool()
    forget_held_credentials()


def warm_up(handler: Handler) -> list[tuple[str, str, int, int]]:
    """Serve one of each kind of request on the in-memory adapters; return each request's
    method, path, expected status and actual status."""
    # Here, not at the top: this module is imported before django.setup(), and the
    # composition root imports the ORM's models.
    from config.composition import in_memory_adapters, serving
    from core import metrics

    answers: list[tuple[str, str, int, int]] = []
    context = types.SimpleNamespace(aws_request_id=WARM_UP_REQUEST_ID)
    headers: dict[str, str] = {}

    def send(
        method: str, path: str, expected: int, body: Any = None, query: str = "", **extra: str
    ) -> tuple[Any, dict[str, str]]:
        event = _rest_event(method, path, body, query, {**headers, **extra})
        response = handler(event, context)
        answers.append((method, path, expected, response["statusCode"]))
        answer = json.loads(response["body"]) if response.get("body") else {}
        return answer, {k.lower(): v for k, v in (response.get("headers") or {}).items()}

    # The requests' own log lines (and Django's warnings for the 4xx answers) would only
    # puzzle whoever reads the function's logs; errors still show.
    quiet = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        # A throwaway account in memory: gone, with its signing key, when the block ends.
        # Its sign-in, replay and 412 are nobody's: the application metrics skip them.
        with serving(in_memory_adapters()), metrics.paused():
            account = {"email": "warm-up@example.com", "password": secrets.token_urlsafe()}
            send("POST", "/api/auth/register", 201, account)
            pair, _ = send("POST", "/api/auth/token", 200, account)
            refresh = {"refresh_token": pair.get("refresh_token", "-")}
            pair, _ = send("POST", "/api/auth/refresh", 200, refresh)
            send("GET", "/api/todos", 401)
            headers["Authorization"] = f"Bearer {pair.get('access_token', '-')}"
            created, _ = send(
                "POST", "/api/todos", 201, {"title": "Warm up"}, **{"Idempotency-Key": "warm-up"}
            )
            todo = f"/api/todos/{created.get('id', '00000000-0000-0000-0000-000000000000')}"
            send("GET", "/api/todos", 200, query="limit=10&completed=false")
            _, got = send("GET", todo, 200)
            send("GET", todo, 304, **{"If-None-Match": got.get("etag", '"0"')})
            _, patched = send(
                "PATCH", todo, 200, {"completed": True}, **{"If-Match": got.get("etag", '"0"')}
            )
            send("PATCH", todo, 412, {"completed": False}, **{"If-Match": got.get("etag", '"0"')})
            send("DELETE", todo, 204, **{"If-Match": patched.get("etag", '"0"')})
            send("GET", todo, 404)
            send("POST", "/api/todos", 422, {})
    finally:
        logging.disable(quiet)
    return answers


def _rest_event(
    method: str, path: str, body: Any, query: str, extra: Mapping[str, str]
) -> dict[str, Any]:
    """Return a REST API proxy event as API Gateway sends it, for the first allowed host."""
    host = _allowed_host()
    headers = {
        **extra,
        "Accept": "application/json",
        "Host": host,
        "X-Forwarded-For": "127.0.0.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if body is not None:
        headers["Content-Type"] = "application/json"
    parameters = dict(pair.split("=", 1) for pair in query.split("&")) if query else None
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": parameters,
        "multiValueQueryStringParameters": (
            {name: [value] for name, value in parameters.items()} if parameters else None
        ),
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{STAGE}{path}",
            "stage": STAGE,
            "requestId": WARM_UP_REQUEST_ID,
            "domainName": host,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": WARM_UP_REQUEST_ID},
        },
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }


def _allowed_host() -> str:
    """Return a host name ALLOWED_HOSTS admits (the execute-api domain, on Lambda)."""
    pattern = next(iter(settings.ALLOWED_HOSTS), "localhost")
    return "localhost" if pattern == "*" else pattern.lstrip(".")
