"""The repository port the services depend on, and the value types it speaks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol
from uuid import UUID

from core.resources.ports import (
    DEFAULT_PAGE_SIZE,
    KEY_LIFETIME,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    STALE_CLAIM,
    Claim,
    Entities,
    KeyRecord,
    Page,
    PageQuery,
)
from core.resources.ports import CreateRequests as SharedCreateRequests
from todos.domain import Todo

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "KEY_LIFETIME",
    "MAX_OFFSET",
    "MAX_PAGE_SIZE",
    "STALE_CLAIM",
    "Claim",
    "CreateRequests",
    "KeyRecord",
    "TodoPage",
    "TodoQuery",
    "TodoRepository",
    "UpdatableField",
]

# The fields an update may write; `id`, `owner` and `created_at` never change.
UpdatableField = Literal["title", "completed", "updated_at"]


@dataclass(frozen=True, slots=True)
class TodoQuery(PageQuery):
    """Which todos to list: a page window (limit, offset) and an optional `completed` filter."""

    completed: bool | None = None


# One page of todos, newest first, and how many match the query in all.
TodoPage = Page[Todo]


class TodoRepository(Entities[Todo], Protocol):
    """Where todos live. Each method is atomic on its own.

    Every method is scoped to one owner, and only while that owner is an active user:
    in the same single statement that reads or writes the todo, another owner's todos
    and an inactive owner's todos are as absent as ones that never existed.
    `owner_is_active` tells the two absences apart, when it matters. Adding, getting,
    updating and deleting are every owned resource's (core/resources/ports.py).
    """

    def list(self, owner: UUID, query: TodoQuery) -> TodoPage:
        """Return the page of the owner's todos the query selects, by `created_at` then
        `id`, descending, and how many of theirs match in all."""
        ...


# The idempotency keys of todo creations: the shared claim and record types, for todos.
CreateRequests = SharedCreateRequests[Todo]
