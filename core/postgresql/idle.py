"""How long each pooled connection has sat idle in the pool."""

from __future__ import annotations

import time
from typing import Any
from weakref import WeakKeyDictionary

import psycopg

# When each pooled connection last went back to the pool.
_returned_at: WeakKeyDictionary[psycopg.Connection[Any], float] = WeakKeyDictionary()


def mark_returned(connection: psycopg.Connection[Any]) -> None:
    """Note that a connection is going back to the pool now."""
    _returned_at[connection] = time.monotonic()


def idle_seconds(connection: psycopg.Connection[Any]) -> float:
    """Return how long the connection has been in the pool; 0 for one never returned."""
    returned = _returned_at.get(connection)
    return 0.0 if returned is None else time.monotonic() - returned
