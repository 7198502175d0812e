"""A Lambda instance serves its requests on the invoking thread, middleware and view alike,
as one synchronous call (config/aws_lambda/django_asgi.py `synchronously`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, connections

from tests.lambda_.events import REST_EXECUTE_API
from tests.lambda_.invoke import invoke

pytestmark = pytest.mark.usefixtures("on_lambda")


@pytest.fixture
def request_threads() -> Iterator[list[tuple[int, int]]]:
    """Record, for each request as it starts (Django's request_started signal), its thread
    and the database connection object Django hands that thread."""
    seen: list[tuple[int, int]] = []

    def record(**kwargs: Any) -> None:
        seen.append((threading.get_ident(), id(connections[DEFAULT_DB_ALIAS])))

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


def test_consecutive_invocations_run_on_the_invoking_thread_with_one_connection(
    request_threads: list[tuple[int, int]],
) -> None:
    before = threading.active_count()
    for _ in range(5):
        assert invoke(REST_EXECUTE_API.event("GET", "/dev/api/docs")).status == 200
    # The thread Lambda invokes the handler in, which Mangum runs its event loop in.
    assert {thread for thread, _ in request_threads} == {threading.get_ident()}
    # One connection object from one invocation to the next: Django sees a synchronous
    # thread, not an asyncio task, which would get a connection of its own each time.
    assert len({held for _, held in request_threads}) == 1
    assert threading.active_count() == before  # no worker thread started


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
