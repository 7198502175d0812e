"""InMemoryTodoRepository: the TodoRepository port over a dict, for tests and prototypes.

The owned-resource fake (core/resources/memory.py) keeps the order, paging, owner scope
and results of the database; a todo adds only its `completed` filter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from uuid import UUID

from core.resources.memory import InMemoryCreateRequests, InMemoryRepository
from core.resources.ports import PageQuery
from todos.domain import Todo
from todos.ports import TodoPage, TodoQuery

__all__ = ["InMemoryCreateRequests", "InMemoryTodoRepository"]


def _everyone_active(owner: UUID) -> bool:
    return True


class InMemoryTodoRepository(InMemoryRepository[Todo]):
    """Keep todos in memory with the same ordering, paging, owner scope and results as
    the database. `owner_is_active` says which owners are active users (the in-memory
    user store's, when the composition root wires one in)."""

    def __init__(
        self,
        todos: Iterable[Todo] = (),
        *,
        owner_is_active: Callable[[UUID], bool] = _everyone_active,
    ) -> None:
        super().__init__(owner_is_active=owner_is_active)
        for todo in todos:
            self._items[todo.id] = todo

    def list(self, owner: UUID, query: PageQuery, **match: object) -> TodoPage:
        """Return the page of the owner's todos the query selects, newest first."""
        if isinstance(query, TodoQuery) and query.completed is not None:
            match["completed"] = query.completed
        return super().list(owner, query, **match)
