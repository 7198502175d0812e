"""Timestamps come back from PostgreSQL aware, in UTC, read by psycopg's own loader."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.db import connection
from psycopg.pq import Format

from core.identity.domain import User
from core.postgresql.timestamps import UtcTimestamptzLoader
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


def test_a_utc_session_keeps_psycopg_s_loader_instead_of_django_s() -> None:
    connection.ensure_connection()
    adapters = connection.connection.adapters
    loader = adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
    assert loader is UtcTimestamptzLoader
    with connection.cursor() as cursor:  # Django would swap in its own loader here if
        cursor.execute("SELECT now()")  # it thought the time zones differed
        assert (
            cursor.cursor.adapters.get_loader(adapters.types["timestamptz"].oid, Format.TEXT)
            is UtcTimestamptzLoader
        )
        assert cursor.fetchone()[0].tzinfo is UTC
