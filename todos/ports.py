"""The repository port the services depend on, and the value types it speaks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from uuid import UUID

from core.errors import InvalidInput
from todos.domain import Todo

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Beyond any real table, and well inside what every database accepts in OFFSET.
MAX_OFFSET = 2**31 - 1

# The fields an update may write; `id` and `created_at` never change.
UpdatableField = Literal["title", "completed", "updated_at"]


@dataclass(frozen=True, slots=True)
class TodoQuery:
    """Which todos to list: an optional `completed` filter and a page window."""

    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0
    completed: bool | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}", field="limit")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET}", field="offset")


@dataclass(frozen=True, slots=True)
class TodoPage:
    """One page of todos, newest first, and how many match the query in all."""

    items: Sequence[Todo]
    count: int


class TodoRepository(Protocol):
    """Where todos live. Each method is atomic on its own."""

    def add(self, todo: Todo) -> None:
        """Store a new todo."""
        ...

    def get(self, todo_id: UUID) -> Todo | None:
        """Return the todo with this id, or None."""
        ...

    def list(self, query: TodoQuery) -> TodoPage:
        """Return the page of todos the query selects, by `created_at` then `id`, descending."""
        ...

    def update(self, todo: Todo, *, fields: frozenset[UpdatableField]) -> bool:
        """Write the named fields of `todo`; return False if it no longer exists."""
        ...

    def delete(self, todo_id: UUID) -> bool:
        """Remove the todo with this id; return False if there was none."""
        ...
