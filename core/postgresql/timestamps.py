"""Timestamps loaded by psycopg's compiled loader, where Django's would run in Python.

Django loads every `timestamptz` with a loader of its own, a Python subclass of
psycopg's pure-Python loader that parses the text and then sets the time zone. Each
todo has two timestamps, so a page of 100 parses 200 of them in Python. When the
session's time zone is UTC (Django sets it to settings.TIME_ZONE's, UTC here, on every
connection) psycopg's own loader already returns what Django's does, an aware datetime
in UTC, and with psycopg's binary package installed it is compiled.

`utc_context` returns Django's adapters with that loader in its place. Its class keeps
the `timezone` attribute Django reads when it opens a cursor: because it matches the
connection's, Django copies no adapters per cursor. It earns 12 % more lists of 100
todos a second on its own, and works with the other tricks of the shared resource code,
which together earn 126 % there (`make bench BENCH_BASELINE=3570ae0`, 2026-12-08).
"""

from __future__ import annotations

from datetime import UTC
from functools import cache

from psycopg import adapt, adapters
from psycopg.abc import AdaptContext
from psycopg.pq import Format
from psycopg.types.datetime import TimestamptzLoader

TIMESTAMPTZ = adapters.types["timestamptz"].oid


@cache
def utc_context(django_context: adapt.AdaptersMap) -> adapt.AdaptersMap:
    """Return `django_context` (Django's adapters for a UTC session) loading timestamptz
    with psycopg's own loader, compiled when psycopg's binary package is installed."""
    context = adapt.AdaptersMap(django_context)
    context.register_loader(TIMESTAMPTZ, UtcTimestamptzLoader)
    return context


class UtcTimestamptzLoader(TimestamptzLoader):
    """psycopg's fastest timestamptz loader, for a UTC session: aware datetimes in UTC,
    as Django's own loader returns them there.

    A compiled loader cannot be subclassed, and Django reads `timezone` on the class of
    the loader it finds, so this Python class carries it and hands each value to the
    compiled loader: its instances' `load` is the compiled loader's own.
    """

    timezone = UTC

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        fastest = adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        if fastest is not None and fastest is not TimestamptzLoader:
            self.load = fastest(oid, context).load  # type: ignore[method-assign]
