"""When PostgreSQL cannot be reached, every endpoint answers 503 fast, without leaking."""

import socket
import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

REQUESTS = [
    ("get", "/api/todos", None),
    ("post", "/api/todos", {"title": "Buy milk"}),
    ("get", f"/api/todos/{uuid4()}", None),
    ("patch", f"/api/todos/{uuid4()}", {"completed": True}),
    ("delete", f"/api/todos/{uuid4()}", None),
]


def point_database_at(port: int, **options: Any) -> Iterator[None]:
    """Point the default connection at 127.0.0.1:`port` until the test ends."""
    saved = connection.settings_dict.copy()
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), **options}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def closed_port() -> Iterator[None]:
    """A port nothing listens on: connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield from point_database_at(port)


@pytest.fixture
def silent_server() -> Iterator[None]:
    """A port that accepts TCP connections but never answers, like a paused database."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield from point_database_at(server.getsockname()[1], connect_timeout=2)


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


@pytest.mark.usefixtures("closed_port")
@pytest.mark.parametrize(("method", "path", "body"), REQUESTS)
def test_todo_operations_are_503_when_the_database_refuses_connections(
    client: Client, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = getattr(client, method)(path, body, content_type="application/json")
    assert_database_unavailable(response, {"detail": "Service temporarily unavailable"})


@pytest.mark.usefixtures("silent_server")
def test_a_database_that_never_answers_gives_503_within_the_connect_timeout(
    client: Client,
) -> None:
    started = time.monotonic()
    response = client.get("/api/todos")
    elapsed = time.monotonic() - started
    assert_database_unavailable(response, {"detail": "Service temporarily unavailable"})
    assert elapsed < 10, f"took {elapsed:.1f}s with a 2s connect timeout"
