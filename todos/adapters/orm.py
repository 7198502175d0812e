"""DjangoTodoRepository and DjangoCreateRequests: the todo ports over the Django ORM.

The owned-resource adapters (core/resources/orm.py, keys.py) do the work: one statement
per method, the owner scope (an active owner's rows only) inside each statement, columns
derived from TodoModel, so a field added to TodoModel and Todo needs no edit here. A
todo adds only its `completed` filter, and its keys table names the todo's id `todo_id`.
"""

from __future__ import annotations

from uuid import UUID

from core.resources import keys
from core.resources.orm import DjangoRepository
from core.resources.ports import PageQuery
from todos.domain import Todo
from todos.models import IdempotencyKeyModel, TodoModel
from todos.ports import TodoPage, TodoQuery


class DjangoTodoRepository(DjangoRepository[Todo]):
    """Store todos in the `todos` table through TodoModel."""

    def __init__(self) -> None:
        super().__init__(TodoModel)

    def list(self, owner: UUID, query: PageQuery, **match: object) -> TodoPage:
        """Return the page of the owner's todos the query selects, newest first."""
        if isinstance(query, TodoQuery) and query.completed is not None:
            match["completed"] = query.completed
        return super().list(owner, query, **match)


class DjangoCreateRequests(keys.DjangoCreateRequests[Todo]):
    """Idempotency keys in the `idempotency_keys` table, one row per owner and key."""

    def __init__(self) -> None:
        super().__init__(DjangoTodoRepository(), IdempotencyKeyModel, created_id="todo_id")
