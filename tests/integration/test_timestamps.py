"""Timestamps come back from PostgreSQL exactly as stored, aware and in UTC."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.db import connection

from core.identity.domain import User
from tests.factories import TodoFactory
from todos.adapters.orm import DjangoTodoRepository

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]


def test_stored_timestamps_are_read_back_exactly_and_in_utc(user: User) -> None:
    todo = TodoFactory.build(owner=user.id)
    repository = DjangoTodoRepository()
    assert repository.add(todo)
    stored = repository.get(user.id, todo.id)
    assert stored is not None
    assert (stored.created_at, stored.updated_at) == (todo.created_at, todo.updated_at)
    assert stored.created_at.tzinfo is UTC


# Text PostgreSQL may send for a timestamptz in a UTC session: whole seconds, every
# precision of a fraction, years past 9999 are refused by both, so none here.
LITERALS = (
    "2026-12-07 17:28:29+00",
    "2026-12-07 17:28:29.1+00",
    "2026-12-07 17:28:29.123+00",
    "2026-12-07 17:28:29.123456+00",
    "2026-12-07 17:28:29.5+05:30",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
)


def test_the_loader_in_place_is_compiled_and_reads_what_djangos_reads() -> None:
    """The compiled loader (core/postgresql/timestamps.py) returns, for every literal,
    the value and time zone Django's own loader returns on the same connection."""
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg import adapters
    from psycopg.pq import Format

    from core.postgresql.timestamps import TIMESTAMPTZ, UtcTimestamptzLoader

    values = ", ".join(f"'{literal}'::timestamptz" for literal in LITERALS)
    with connection.cursor() as ours, connection.cursor() as djangos:
        loader = ours.cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert loader is UtcTimestamptzLoader
        # Its instances load with psycopg's compiled loader (psycopg[binary] is locked).
        compiled = adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert compiled is not None
        assert compiled.__module__ == "psycopg_binary._psycopg"
        assert isinstance(loader(TIMESTAMPTZ, ours.cursor).load.__self__, compiled)
        register_tzloader(UTC, djangos.cursor)  # Django's Python loader, on this cursor only
        ours.execute(f"SELECT {values}")
        djangos.execute(f"SELECT {values}")
        loaded, expected = ours.fetchone(), djangos.fetchone()
    assert loaded == expected
    assert all(value.tzinfo is UTC for value in loaded)
