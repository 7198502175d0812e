"""The transaction port: a block whose writes commit together or not at all.

Each repository method is atomic on its own; a use case opens a transaction only where a
failure between two of its statements (a dropped connection) must leave nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext

# `with atomic():` -- Django's transaction.atomic serves it on the database; the in-memory
# adapters have no half-done writes to undo, so nothing serves it there.
Atomic = Callable[[], AbstractContextManager[object]]


def no_transaction() -> AbstractContextManager[object]:
    """Return a block that does nothing on entry or exit (for the in-memory adapters)."""
    return nullcontext()
