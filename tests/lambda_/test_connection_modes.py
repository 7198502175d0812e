"""Server-side connections across many invocations of the handler, in each connection mode.

Counted in pg_stat_activity by the application name each test gives its connections.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from psycopg_pool import ConnectionPool

from config.aws_lambda.handler import handler
from core.database import POOL_MAX_SIZE
from tests.integration.databases import server_connection, settings_from
from tests.lambda_.events import REST_EXECUTE_API
from tests.lambda_.invoke import LambdaContext, invoke

pytestmark = [
    pytest.mark.postgresql,
    # Outside a test's transaction, requests take, close and return connections as on
    # Lambda (tests/lambda_/invoke.py), and the other sessions counted see their rows.
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("on_lambda"),
]

INVOCATIONS = 20
JSON = {"Content-Type": "application/json"}


def requests(bearer: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Yield API Gateway events for a health check, a create and a list, in turn."""
    while True:
        yield REST_EXECUTE_API.event("GET", "/dev/api/health")
        body = json.dumps({"title": f"Todo {uuid4()}"})
        yield REST_EXECUTE_API.event(
            "POST", "/dev/api/todos", headers={**JSON, **bearer}, body=body
        )
        yield REST_EXECUTE_API.event("GET", "/dev/api/todos?limit=5", headers=bearer)


def in_mode(mode: str, **variables: str) -> Iterator[str]:
    """Serve requests in `mode` until the test ends; yield the connections' application name."""
    name = f"todo-api-{mode}-{uuid4().hex[:8]}"
    configured = settings_from(
        DATABASE_URL=os.environ["DATABASE_URL"],
        DB_CONNECTION_MODE=mode,
        DB_APPLICATION_NAME=name,
        **variables,
    )
    saved = connection.settings_dict.copy()
    connection.close()
    for key in ("OPTIONS", "POLICY"):
        connection.settings_dict[key] = configured.get(key, saved.get(key))
    try:
        yield name
    finally:
        connection.close()
        if connection.pool:
            connection.close_pool()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def request_mode() -> Iterator[str]:
    yield from in_mode("request")


@pytest.fixture
def pool_mode() -> Iterator[str]:
    yield from in_mode("pool")


@pytest.fixture
def pool_mode_idle_briefly() -> Iterator[str]:
    yield from in_mode("pool", DB_POOL_IDLE_TIMEOUT="0.2")


@pytest.fixture
def server_connections() -> Iterator[Any]:
    """Return a function that lists the server's connections with an application name."""
    with server_connection(application_name="connection-counter") as observer:

        def pids(name: str) -> set[int]:
            query = "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
            return {row[0] for row in observer.execute(query, [name]).fetchall()}

        yield pids


def eventually_none(pids: Any, name: str) -> set[int]:
    """Wait up to two seconds for the server to end the sessions (it does so just after
    the client closes, or once they are idle too long); return those still open."""
    deadline = time.monotonic() + 2
    while (still_open := pids(name)) and time.monotonic() < deadline:
        time.sleep(0.01)
    return still_open  # type: ignore[no-any-return]


def test_in_request_mode_each_invocation_opens_a_connection_and_closes_it(
    bearer: dict[str, str], request_mode: str, server_connections: Any
) -> None:
    opened: list[str] = []

    def count(sender: Any, connection: Any, **kwargs: Any) -> None:
        opened.append(connection.alias)

    connection_created.connect(count)
    try:
        for _, event in zip(range(INVOCATIONS), requests(bearer), strict=False):
            answer = invoke(event)
            assert answer.status in (200, 201), answer.raw
            assert eventually_none(server_connections, request_mode) == set()
    finally:
        connection_created.disconnect(count)
    assert opened == ["default"] * INVOCATIONS


def test_in_pool_mode_invocations_reuse_the_same_few_connections(
    bearer: dict[str, str], pool_mode: str, server_connections: Any
) -> None:
    seen: set[int] = set()
    for _, event in zip(range(INVOCATIONS), requests(bearer), strict=False):
        answer = invoke(event)
        assert answer.status in (200, 201), answer.raw
        open_now = server_connections(pool_mode)
        assert 1 <= len(open_now) <= POOL_MAX_SIZE
        seen |= open_now
    # One invocation at a time, as Lambda sends them: one connection serves them all.
    assert len(seen) == 1


def test_in_pool_mode_the_server_closes_an_idle_connection_and_the_next_request_replaces_it(
    pool_mode_idle_briefly: str, server_connections: Any
) -> None:
    health = REST_EXECUTE_API.event("GET", "/dev/api/health")
    assert invoke(health).status == 200
    first = server_connections(pool_mode_idle_briefly)
    assert len(first) == 1
    # Idle, as between invocations: nothing stays open to keep Aurora awake.
    assert eventually_none(server_connections, pool_mode_idle_briefly) == set()
    assert invoke(health).status == 200
    # A new connection served it (psycopg also reopens the one it found closed).
    second = server_connections(pool_mode_idle_briefly)
    assert 1 <= len(second) <= POOL_MAX_SIZE
    assert second.isdisjoint(first)


@pytest.fixture
def pool_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the server process of every pooled connection checked before use."""
    checked: list[int] = []
    check = ConnectionPool.check_connection

    def recording_check(conn: Any) -> None:
        checked.append(conn.info.backend_pid)
        check(conn)

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(recording_check))
    return checked


def test_in_pool_mode_a_connection_in_steady_use_is_not_checked_before_each_request(
    bearer: dict[str, str], pool_mode: str, pool_checks: list[int]
) -> None:
    for _, event in zip(range(INVOCATIONS), requests(bearer), strict=False):
        assert invoke(event).status in (200, 201)
    assert pool_checks == []


def test_in_pool_mode_a_connection_idle_for_a_while_is_checked_before_use(
    pool_checks: list[int], server_connections: Any
) -> None:
    # Checked after half the idle timeout (1 s); the server would end it after 2 s.
    name = next(in_mode_generator := in_mode("pool", DB_POOL_IDLE_TIMEOUT="2"))
    try:
        health = REST_EXECUTE_API.event("GET", "/dev/api/health")
        assert invoke(health).status == 200
        (first,) = server_connections(name)
        assert invoke(health).status == 200
        assert pool_checks == []  # in use a moment ago: trusted as it is
        time.sleep(1.3)
        assert invoke(health).status == 200
        assert pool_checks == [first]
        assert server_connections(name) == {first}  # it was alive, and kept
    finally:
        in_mode_generator.close()


def test_in_pool_mode_a_connection_the_server_ended_is_replaced_without_a_503(
    pool_mode: str, pool_checks: list[int], server_connections: Any
) -> None:
    health = REST_EXECUTE_API.event("GET", "/dev/api/health")
    assert invoke(health).status == 200
    (first,) = server_connections(pool_mode)
    with server_connection(application_name="terminator") as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [first])
    assert eventually_none(server_connections, pool_mode) == set()
    # Long before any idle check is due: the server's goodbye on the socket tells.
    assert invoke(health).status == 200
    assert pool_checks == [first]
    assert first not in server_connections(pool_mode)


def test_a_management_event_leaves_no_connection_open_in_request_mode(
    request_mode: str, server_connections: Any
) -> None:
    result = handler({"manage": ["showmigrations", "todos"]}, LambdaContext())
    assert result["exitStatus"] == 0, result["output"]
    assert eventually_none(server_connections, request_mode) == set()


def test_in_pool_mode_management_events_survive_the_server_closing_idle_connections(
    pool_mode_idle_briefly: str, server_connections: Any
) -> None:
    for _ in range(2):
        result = handler({"manage": ["showmigrations", "todos"]}, LambdaContext())
        assert result["exitStatus"] == 0, result["output"]
        # Idle past DB_POOL_IDLE_TIMEOUT: the server ends the pooled connection.
        assert eventually_none(server_connections, pool_mode_idle_briefly) == set()


def test_in_pool_mode_every_connection_the_server_ended_is_replaced_without_a_503(
    pool_mode: str, pool_checks: list[int], server_connections: Any
) -> None:
    """The server may end all idle connections at once (a restart, Aurora scaling): the
    pool holds two, and the second must be checked as the first was."""
    health = REST_EXECUTE_API.event("GET", "/dev/api/health")
    assert invoke(health).status == 200
    pool = connection.pool
    held = [pool.getconn() for _ in range(POOL_MAX_SIZE)]
    pids = {held_one.info.backend_pid for held_one in held}
    for held_one in held:
        pool.putconn(held_one)
    assert len(pids) == POOL_MAX_SIZE
    with server_connection(application_name="terminator") as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    assert eventually_none(server_connections, pool_mode) == set()
    assert invoke(health).status == 200
    assert set(pool_checks) == pids
    assert server_connections(pool_mode).isdisjoint(pids)
