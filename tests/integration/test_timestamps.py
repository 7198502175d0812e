"""Timestamps come back from PostgreSQL exactly as stored, aware and in UTC."""

from __future__ import annotations

from datetime import UTC

import pytest

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
