"""A Lambda instance serves its requests in one long-lived thread, middleware and view alike."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.signals import request_started

from tests.lambda_.events import REST_EXECUTE_API
from tests.lambda_.invoke import invoke

pytestmark = pytest.mark.usefixtures("on_lambda")


@pytest.fixture
def request_threads() -> Iterator[list[int]]:
    """Record the thread each request starts in (Django's request_started signal)."""
    threads: list[int] = []

    def record(**kwargs: Any) -> None:
        threads.append(threading.get_ident())

    request_started.connect(record)
    yield threads
    request_started.disconnect(record)


def test_consecutive_invocations_run_in_the_same_worker_thread(
    request_threads: list[int],
) -> None:
    before = threading.active_count()
    for _ in range(5):
        assert invoke(REST_EXECUTE_API.event("GET", "/dev/api/docs")).status == 200
    assert len(set(request_threads)) == 1
    assert request_threads[0] != threading.get_ident()  # not on the event loop's thread
    assert threading.active_count() <= before + 1  # at most the one shared worker
