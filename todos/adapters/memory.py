"""InMemoryTodoRepository: the TodoRepository port over a dict, for tests and prototypes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from uuid import UUID

from todos.domain import Todo
from todos.ports import TodoPage, TodoQuery, UpdatableField


def _everyone_active(owner: UUID) -> bool:
    return True


class InMemoryTodoRepository:
    """Keep todos in memory with the same ordering, paging, owner scope and results as
    the database. `owner_is_active` says which owners are active users (the in-memory
    user store's, when the composition root wires one in)."""

    def __init__(
        self,
        todos: Iterable[Todo] = (),
        *,
        owner_is_active: Callable[[UUID], bool] = _everyone_active,
    ) -> None:
        self._lock = threading.Lock()
        self._todos = {todo.id: todo for todo in todos}
        self._owner_is_active = owner_is_active

    def add(self, todo: Todo) -> bool:
        """Store a new todo; False if its owner is not an active user."""
        if not self._owner_is_active(todo.owner):
            return False
        with self._lock:
            self._todos[todo.id] = todo
        return True

    def get(self, owner: UUID, todo_id: UUID) -> Todo | None:
        """Return the owner's todo with this id, or None."""
        todo = self._todos.get(todo_id)
        return todo if todo is not None and self._mine(owner, todo) else None

    def list(self, owner: UUID, query: TodoQuery) -> TodoPage:
        """Return the page of the owner's todos the query selects, newest first."""
        matching = [
            todo
            for todo in list(self._todos.values())
            if self._mine(owner, todo)
            and (query.completed is None or todo.completed == query.completed)
        ]
        matching.sort(key=lambda todo: (todo.created_at, todo.id), reverse=True)
        window = matching[query.offset : query.offset + query.limit]
        return TodoPage(items=window, count=len(matching))

    def update(self, todo: Todo, *, fields: frozenset[UpdatableField]) -> bool:
        """Write the named fields of `todo`; return False if its owner no longer has it."""
        with self._lock:
            current = self._todos.get(todo.id)
            if current is None or not self._mine(todo.owner, current):
                return False
            changes = {field: getattr(todo, field) for field in fields}
            self._todos[todo.id] = replace(current, **changes)
            return True

    def delete(self, owner: UUID, todo_id: UUID) -> bool:
        """Remove the owner's todo with this id; return False if they had none."""
        with self._lock:
            todo = self._todos.get(todo_id)
            if todo is None or not self._mine(owner, todo):
                return False
            del self._todos[todo_id]
            return True

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner is an active user."""
        return self._owner_is_active(owner)

    def _mine(self, owner: UUID, todo: Todo) -> bool:
        return todo.owner == owner and self._owner_is_active(owner)
