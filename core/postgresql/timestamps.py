"""Reading `timestamptz` values in compiled code when the session is in UTC."""

from __future__ import annotations

from datetime import UTC, tzinfo
from typing import Any

import psycopg
from psycopg.abc import AdaptContext
from psycopg.adapt import Loader
from psycopg.pq import Format

_TIMESTAMPTZ = psycopg.postgres.types["timestamptz"].oid
# psycopg's own loader: compiled code when psycopg[binary] is installed.
_PSYCOPG_LOADER = psycopg.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)


class UtcTimestamptzLoader(Loader):
    """Load `timestamptz` with psycopg's own loader, for a session whose TimeZone is UTC.

    Django replaces psycopg's loader with one of its own, written in Python, that parses
    each value again to attach its time zone. In a UTC session psycopg's loader already
    returns `datetime.timezone.utc`. `timezone` is what Django compares to decide that
    this loader needs no replacing.

    It stays only while it makes a page of 100 todos more than 15 % faster: `make bench`
    (bench/warm.py) times the list with Django's loader in the same run. On 2026-11-30,
    on the deployed path in pool mode: 21 % faster (docs/benchmarks.md).
    """

    timezone: tzinfo = UTC

    def __init__(self, oid: int, context: AdaptContext | None = None):
        super().__init__(oid, context)
        assert _PSYCOPG_LOADER is not None
        self._load = _PSYCOPG_LOADER(oid, context).load

    def load(self, data: Any) -> Any:
        """Return the timestamp, in UTC."""
        return self._load(data)
