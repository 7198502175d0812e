"""When PostgreSQL cannot be reached, every endpoint answers 503 fast, without leaking."""

import contextlib
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client

from config.composition import adapters
from core.postgresql.policy import ConnectionPolicy
from tests.integration.databases import point_database_at

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

REQUESTS = [
    ("get", "/api/todos", None),
    ("post", "/api/todos", {"title": "Buy milk"}),
    ("get", f"/api/todos/{uuid4()}", None),
    ("patch", f"/api/todos/{uuid4()}", {"completed": True}),
    ("delete", f"/api/todos/{uuid4()}", None),
]


@pytest.fixture
def closed_port() -> Iterator[None]:
    """A port nothing listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield from point_database_at(port)


@pytest.fixture
def silent_server() -> Iterator[Callable[[], int]]:
    """A port that accepts TCP connections but never answers, like a resuming database.

    Yields a function that returns how many connections clients have opened to it.
    """
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)

        def attempts() -> int:
            server.setblocking(False)
            count = 0
            with contextlib.suppress(BlockingIOError):
                while True:
                    server.accept()[0].close()
                    count += 1
            return count

        # 2 s is the shortest connect timeout libpq and psycopg honour.
        for _ in point_database_at(server.getsockname()[1], connect_timeout=2):
            connection.settings_dict["POLICY"] = ConnectionPolicy(connect_retries=1)
            yield attempts


def assert_database_unavailable(response: Any, body: dict[str, str]) -> None:
    assert response.status_code == 503
    assert response.json() == body
    assert int(response["Retry-After"]) > 0
    assert b"127.0.0.1" not in response.content
    assert b"5432" not in response.content


@pytest.mark.usefixtures("closed_port")
def test_health_is_503_when_the_database_refuses_connections(client: Client) -> None:
    assert_database_unavailable(
        client.get("/api/health"),
        {"status": "error", "database": "disconnected", "detail": "Database unavailable"},
    )


@pytest.fixture
def signed_in(bearer: dict[str, str]) -> Client:
    """A client signed in while the database answered; its signing key is cached."""
    return Client(headers=bearer)


@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
def test_todo_operations_are_503_when_the_database_refuses_connections(
    signed_in: Client, closed_port: None, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = getattr(signed_in, method)(path, body, content_type="application/json")
    assert_database_unavailable(response, {"detail": "Service temporarily unavailable"})


def test_a_fresh_instance_that_cannot_read_the_signing_keys_answers_503(
    signed_in: Client, closed_port: None
) -> None:
    adapters.keys.forget()  # as a new Lambda instance: no key cached yet
    response = signed_in.get("/api/todos")
    assert_database_unavailable(response, {"detail": "Service temporarily unavailable"})


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/register", {"email": "bob@example.com", "password": "a fine password"}),
        ("/api/auth/token", {"email": "ann@example.com", "password": "a fine password"}),
        ("/api/auth/refresh", {"refresh_token": "x" * 43}),
        ("/api/auth/logout", {"refresh_token": "x" * 43}),
    ],
)
def test_accounts_are_503_when_the_database_refuses_connections(
    client: Client, closed_port: None, path: str, body: dict[str, str]
) -> None:
    response = client.post(path, body, content_type="application/json")
    assert_database_unavailable(response, {"detail": "Service temporarily unavailable"})


def test_a_database_that_never_answers_is_tried_twice_then_gives_503_within_the_budget(
    signed_in: Client, silent_server: Callable[[], int]
) -> None:
    started = time.monotonic()
    response = signed_in.get("/api/todos")
    elapsed = time.monotonic() - started
    assert_database_unavailable(response, {"detail": "Service temporarily unavailable"})
    assert silent_server() == 2  # the attempt and its one retry
    assert 4 <= elapsed < 7, f"took {elapsed:.1f}s for two attempts of 2s"
