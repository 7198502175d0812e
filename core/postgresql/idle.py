"""How long each pooled connection has sat idle in the pool, and whether it is still open."""

from __future__ import annotations

import select
import time
from typing import Any
from weakref import WeakKeyDictionary

import psycopg

# When each pooled connection last went back to the pool, by the wall clock: a frozen
# Lambda instance may not see the monotonic clock advance while it is frozen.
_returned_at: WeakKeyDictionary[psycopg.Connection[Any], float] = WeakKeyDictionary()


def mark_returned(connection: psycopg.Connection[Any]) -> None:
    """Note that a connection is going back to the pool now."""
    _returned_at[connection] = time.time()


def idle_seconds(connection: psycopg.Connection[Any]) -> float:
    """Return how long the connection has been in the pool; 0 for one never returned."""
    returned = _returned_at.get(connection)
    return 0.0 if returned is None else max(0.0, time.time() - returned)


def has_pending_input(connection: psycopg.Connection[Any]) -> bool:
    """Tell, without a round trip, whether the server sent something to an idle connection.

    An idle connection receives nothing unless the server is ending it (an idle-session
    timeout, a restart): then its socket is readable.
    """
    readable, _, _ = select.select([connection.fileno()], [], [], 0)
    return bool(readable)
