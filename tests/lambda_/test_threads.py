"""A Lambda instance serves its requests on the invoking thread, middleware and view alike,
as one synchronous call (config/aws_lambda/django_asgi.py `synchronously`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, connections
from pytest_django.fixtures import Settings

from tests.lambda_.events import REST_EXECUTE_API
from tests.lambda_.invoke import invoke

pytestmark = pytest.mark.usefixtures("on_lambda")


@pytest.fixture
def request_threads() -> Iterator[list[tuple[int, Any]]]:
    """Record, for each request as it starts (Django's request_started signal), its thread
    and the database connection object Django hands that thread."""
    seen: list[tuple[int, Any]] = []

    def record(**kwargs: Any) -> None:
        seen.append((threading.get_ident(), connections[DEFAULT_DB_ALIAS]))

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


def test_consecutive_invocations_run_on_the_invoking_thread_with_one_connection(
    request_threads: list[tuple[int, Any]],
) -> None:
    before = set(threading.enumerate())
    for _ in range(5):
        assert invoke(REST_EXECUTE_API.event("GET", "/dev/api/docs")).status == 200
    # The thread Lambda invokes the handler in, which Mangum runs its event loop in.
    assert {thread for thread, _ in request_threads} == {threading.get_ident()}
    # One connection object from one invocation to the next: Django sees a synchronous
    # thread, not an asyncio task, which would get a connection object of its own.
    first = request_threads[0][1]
    assert all(held is first for _, held in request_threads)
    assert not set(threading.enumerate()) - before  # no worker thread started


def test_an_asynchronous_receiver_runs_within_a_request() -> None:
    # Django calls an async receiver of a synchronous signal through async_to_sync, which
    # refuses to run in a thread whose event loop is running: the loop is set aside.
    ran: list[str] = []

    async def receiver(**kwargs: Any) -> None:
        ran.append("ran")

    request_started.connect(receiver)
    try:
        assert invoke(REST_EXECUTE_API.event("GET", "/dev/api/docs")).status == 200
    finally:
        request_started.disconnect(receiver)
    assert ran == ["ran"]


def test_a_streamed_body_is_read_on_the_invoking_thread_before_the_request_ends(
    on_lambda: Settings,
) -> None:
    on_lambda.ROOT_URLCONF = "tests.lambda_.urls"
    answer = invoke(REST_EXECUTE_API.event("GET", "/dev/streamed"))
    assert answer.status == 200
    assert answer.json() == {"thread": threading.get_ident(), "after_the_end": False}


def test_a_view_that_runs_an_event_loop_of_its_own_leaves_the_next_invocations_served(
    on_lambda: Settings,
) -> None:
    # asyncio.run clears the thread's current loop when it ends: the handler puts back
    # the one Mangum runs every invocation on.
    on_lambda.ROOT_URLCONF = "tests.lambda_.urls"
    for _ in range(2):
        answer = invoke(REST_EXECUTE_API.event("GET", "/dev/own-loop"))
        assert (answer.status, answer.json()) == (200, {"answer": "from a loop of its own"})
    assert invoke(REST_EXECUTE_API.event("GET", "/dev/api/docs")).status == 200
