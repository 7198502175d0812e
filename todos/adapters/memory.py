"""InMemoryTodoRepository: the TodoRepository port over a dict, for tests and prototypes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from todos.domain import Todo
from todos.ports import Claim, KeyRecord, TodoPage, TodoQuery, UpdatableField


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

    def update(
        self, todo: Todo, *, fields: frozenset[UpdatableField], expected_version: int
    ) -> bool:
        """Write the named fields and the version, if the todo is at `expected_version`."""
        with self._lock:
            current = self._todos.get(todo.id)
            if current is None or not self._mine(todo.owner, current):
                return False
            if current.version != expected_version:
                return False
            changes = {field: getattr(todo, field) for field in fields}
            self._todos[todo.id] = replace(current, **changes, version=todo.version)
            return True

    def delete(self, owner: UUID, todo_id: UUID, *, versions: frozenset[int] | None = None) -> bool:
        """Remove the owner's todo with this id, if it is at one of `versions`."""
        with self._lock:
            todo = self._todos.get(todo_id)
            if todo is None or not self._mine(owner, todo):
                return False
            if versions is not None and todo.version not in versions:
                return False
            del self._todos[todo_id]
            return True

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner is an active user."""
        return self._owner_is_active(owner)

    def _mine(self, owner: UUID, todo: Todo) -> bool:
        return todo.owner == owner and self._owner_is_active(owner)


class InMemoryCreateRequests:
    """Idempotency keys in a dict, completing claims into an InMemoryTodoRepository."""

    def __init__(self, todos: InMemoryTodoRepository) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[UUID, str], KeyRecord] = {}
        self._todos = todos

    def find(self, owner: UUID, key: str) -> KeyRecord | None:
        """Return what is remembered of the owner's key; nothing once the owner is no
        longer active."""
        if not self._todos.owner_is_active(owner):
            return None
        return self._records.get((owner, key))

    def claim(self, claim: Claim, *, replacing: KeyRecord | None) -> bool:
        """Store the claim if what is stored is still `replacing`, for an active owner."""
        with self._lock:
            if self._records.get((claim.owner, claim.key)) != replacing:
                return False
            if not self._todos.owner_is_active(claim.owner):
                return False
            self._records[(claim.owner, claim.key)] = KeyRecord(claim)
            return True

    def complete(self, claim: Claim, todo: Todo) -> bool:
        """Store the todo and remember it under the key, if the claim is still held."""
        with self._lock:
            if self._records.get((claim.owner, claim.key)) != KeyRecord(claim):
                return False
            if not self._todos.add(todo):
                return False
            self._records[(claim.owner, claim.key)] = KeyRecord(claim, created=todo)
            return True

    def release(self, claim: Claim) -> None:
        """Forget the claim, if it is still the one held."""
        with self._lock:
            if self._records.get((claim.owner, claim.key)) == KeyRecord(claim):
                del self._records[(claim.owner, claim.key)]

    def purge_expired(self, *, now: datetime) -> int:
        """Delete the keys past their lifetime."""
        with self._lock:
            expired = [k for k, record in self._records.items() if record.expired(now)]
            for key in expired:
                del self._records[key]
            return len(expired)
