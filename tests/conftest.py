from collections.abc import Callable

import pytest
from django.db import connection

from tests.factories import TodoFactory
from todos.adapters.orm import DjangoTodoRepository
from todos.domain import Todo


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip PostgreSQL-only tests when the suite runs on SQLite."""
    if connection.vendor == "postgresql":
        return
    reason = "needs PostgreSQL: set DATABASE_URL=postgres://..."
    for item in items:
        if "postgresql" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def stored_todos(db: None) -> Callable[..., list[Todo]]:
    """Return a function that stores `n` new todos in the database, oldest first."""

    def store(n: int = 1, **fields: object) -> list[Todo]:
        todos = TodoFactory.build_batch(n, **fields)
        repository = DjangoTodoRepository()
        for todo in todos:
            repository.add(todo)
        return todos

    return store
