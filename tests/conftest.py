"""Fixtures for every layer, and the markers that name the layers.

Each test gets the marker of its folder (unit, contract, api, integration, lambda_, infra),
so `pytest -m unit` runs one layer; `make test-fast` runs the fast ones.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from config.composition import adapters, serving
from tests.factories import TodoFactory
from todos.domain import Todo

TESTS = Path(__file__).parent
LAYERS = ("unit", "contract", "api", "integration", "lambda_", "infra")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its layer; skip PostgreSQL-only tests on SQLite."""
    on_sqlite = connection.vendor != "postgresql"
    for item in items:
        layer = item.path.relative_to(TESTS).parts[0]
        if layer in LAYERS:
            item.add_marker(getattr(pytest.mark, layer))
        if on_sqlite and "postgresql" in item.keywords:
            item.add_marker(
                pytest.mark.skip(reason="needs PostgreSQL: DATABASE_URL=postgres://...")
            )


@pytest.fixture
def serve_with() -> Iterator[Callable[..., None]]:
    """Return a function that replaces some of the served adapters until the test ends,
    through the composition root: `serve_with(todos=BrokenRepository())`."""
    with ExitStack() as stack:

        def swap(**changes: Any) -> None:
            stack.enter_context(serving(replace(adapters, **changes)))

        yield swap


@pytest.fixture
def stored_todos() -> Callable[..., list[Todo]]:
    """Return a function that stores `n` new todos through the served repository, oldest
    first (with the ORM serving, the test needs the `django_db` mark)."""

    def store(n: int = 1, **fields: object) -> list[Todo]:
        todos = TodoFactory.build_batch(n, **fields)
        for todo in todos:
            adapters.todos.add(todo)
        return todos

    return store
