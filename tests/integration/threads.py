"""Real threads released together, for the races the PostgreSQL tests provoke."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def at_once(task: Callable[[int], Any], threads: int) -> list[Any]:
    """Run `task(n)` in `threads` threads released together; return what each returned,
    or the exception it raised (an outcome the test can assert on)."""
    start = threading.Barrier(threads)
    results: list[Any] = [None] * threads

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = task(n)
        except Exception as error:  # the outcome under test
            results[n] = error
        finally:
            connections.close_all()  # each thread had a connection of its own

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results
