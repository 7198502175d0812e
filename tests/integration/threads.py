"""Real threads released together, for the races the PostgreSQL tests provoke."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def at_once(
    task: Callable[[int], Any], threads: int, *, expected: tuple[type[Exception], ...] = ()
) -> list[Any]:
    """Run `task(n)` in `threads` threads released together; return what each returned.

    An exception of an `expected` type is that thread's outcome, for the test to assert
    on; any other is raised here once every thread has finished.
    """
    start = threading.Barrier(threads)
    results: list[Any] = [None] * threads
    unexpected: list[Exception] = []

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = task(n)
        except expected as error:
            results[n] = error
        except Exception as error:
            unexpected.append(error)
        finally:
            connections.close_all()  # each thread had a connection of its own

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if unexpected:
        raise unexpected[0]
    return results
