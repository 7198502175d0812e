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

# The fields an update may write; `id`, `owner` and `created_at` never change.
UpdatableField = Literal["title", "completed", "updated_at"]


@dataclass(frozen=True, slots=True)
class TodoQuery:
    """Which todos to list: an optional `completed` filter and a page window."""

    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0
    completed: bool | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            message = f"limit must be between 1 and {MAX_PAGE_SIZE}"
            raise InvalidInput(message, field="limit", source="query")
        if not 0 <= self.offset <= MAX_OFFSET:
            message = f"offset must be between 0 and {MAX_OFFSET}"
            raise InvalidInput(message, field="offset", source="query")


@dataclass(frozen=True, slots=True)
class TodoPage:
    """One page of todos, newest first, and how many match the query in all."""

    items: Sequence[Todo]
    count: int


class TodoRepository(Protocol):
    """Where todos live. Each method is atomic on its own.

    Every method is scoped to one owner, and only while that owner is an active user:
    in the same single statement that reads or writes the todo, another owner's todos
    and an inactive owner's todos are as absent as ones that never existed.
    `owner_is_active` tells the two absences apart, when it matters.
    """

    def add(self, todo: Todo) -> bool:
        """Store a new todo of `todo.owner`; False (nothing stored) if the owner is not
        an active user."""
        ...

    def get(self, owner: UUID, todo_id: UUID) -> Todo | None:
        """Return the owner's todo with this id, or None."""
        ...

    def list(self, owner: UUID, query: TodoQuery) -> TodoPage:
        """Return the page of the owner's todos the query selects, by `created_at` then
        `id`, descending, and how many of theirs match in all."""
        ...

    def update(self, todo: Todo, *, fields: frozenset[UpdatableField]) -> bool:
        """Write the named fields of `todo`; return False if `todo.owner` no longer has it."""
        ...

    def delete(self, owner: UUID, todo_id: UUID) -> bool:
        """Remove the owner's todo with this id; return False if they had none."""
        ...

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner exists and is an active user."""
        ...
