"""InMemoryTodoRepository: the TodoRepository port over a dict, for tests and prototypes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from uuid import UUID

from todos.domain import Todo
from todos.ports import TodoPage, TodoQuery, UpdatableField


class InMemoryTodoRepository:
    """Keep todos in memory with the same ordering, paging and results as the database."""

    def __init__(self, todos: Iterable[Todo] = ()) -> None:
        self._todos = {todo.id: todo for todo in todos}

    def add(self, todo: Todo) -> None:
        """Store a new todo."""
        self._todos[todo.id] = todo

    def get(self, todo_id: UUID) -> Todo | None:
        """Return the todo with this id, or None."""
        return self._todos.get(todo_id)

    def list(self, query: TodoQuery) -> TodoPage:
        """Return the page of todos the query selects, newest first."""
        matching = [
            todo
            for todo in self._todos.values()
            if query.completed is None or todo.completed == query.completed
        ]
        matching.sort(key=lambda todo: (todo.created_at, todo.id), reverse=True)
        window = matching[query.offset : query.offset + query.limit]
        return TodoPage(items=window, count=len(matching))

    def update(self, todo: Todo, *, fields: frozenset[UpdatableField]) -> bool:
        """Write the named fields of `todo`; return False if it no longer exists."""
        current = self._todos.get(todo.id)
        if current is None:
            return False
        changes = {field: getattr(todo, field) for field in fields}
        self._todos[todo.id] = replace(current, **changes)
        return True

    def delete(self, todo_id: UUID) -> bool:
        """Remove the todo with this id; return False if there was none."""
        return self._todos.pop(todo_id, None) is not None
