"""DjangoTodoRepository: the TodoRepository port over the Django ORM.

Every method is a single SQL statement, except `list`, which adds a COUNT only when
the page itself cannot tell the total. None opens a transaction: each statement is
atomic on its own, so BEGIN/COMMIT would only add round trips.

The owner scope is part of each statement: it matches the owner's todos while the
owner's row in `users` is active. So a deactivated or deleted user's access token,
which verifying costs no statement, finds nothing, within the same statement count.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.db import connection
from django.db.models import Exists, Field, OuterRef, QuerySet

from core.identity.models import UserModel
from todos.domain import Todo
from todos.models import TodoModel
from todos.ports import TodoPage, TodoQuery, UpdatableField

_COLUMNS = ("id", "owner_id", "title", "completed", "created_at", "updated_at")
_NEWEST_FIRST = ("-created_at", "-id")
# A todo is written only for an active owner, in the INSERT itself: the ORM's create()
# cannot make an INSERT conditional.
_INSERT = f"""
    INSERT INTO {TodoModel._meta.db_table} ({", ".join(_COLUMNS)})
    SELECT %s, id, %s, %s, %s, %s FROM {UserModel._meta.db_table} WHERE id = %s AND is_active
"""  # noqa: S608 (the names are the models' own)


class DjangoTodoRepository:
    """Store todos in the `todos` table through TodoModel."""

    def add(self, todo: Todo) -> bool:
        """Store a new todo with one INSERT ... SELECT; False if the owner is not active."""
        values = [todo.id, todo.title, todo.completed, todo.created_at, todo.updated_at]
        fields = ("id", "title", "completed", "created_at", "updated_at")
        params = [_db_value(field, value) for field, value in zip(fields, values, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(_INSERT, [*params, _db_value("owner", todo.owner)])
            inserted: int = cursor.rowcount
        return inserted == 1

    def get(self, owner: UUID, todo_id: UUID) -> Todo | None:
        """Return the owner's todo with this id, or None."""
        # A slice, not first(): the id is unique, so the ORDER BY that first() adds is waste.
        rows = list(_rows(owner).filter(pk=todo_id)[:1])
        return _todo(rows[0]) if rows else None

    def list(self, owner: UUID, query: TodoQuery) -> TodoPage:
        """Return the page of the owner's todos the query selects, newest first."""
        selected = _rows(owner)
        if query.completed is not None:
            selected = selected.filter(completed=query.completed)
        page = [_todo(row) for row in selected.order_by(*_NEWEST_FIRST)[_window(query)]]
        if len(page) < query.limit and (page or query.offset == 0):
            # The page reaches the end of the result, so it already tells the total.
            count = query.offset + len(page)
        else:
            count = selected.count()
        return TodoPage(items=page, count=count)

    def update(self, todo: Todo, *, fields: frozenset[UpdatableField]) -> bool:
        """Write the named fields of `todo` with one UPDATE; False if the row is gone."""
        changes = {field: getattr(todo, field) for field in fields}
        return _mine(todo.owner).filter(pk=todo.id).update(**changes) == 1

    def delete(self, owner: UUID, todo_id: UUID) -> bool:
        """Remove the owner's todo with one DELETE; False if they had none."""
        # QuerySet.delete() would wrap this in a transaction for its deletion collector;
        # a todo has no relations or signals to collect, so the plain DELETE is enough.
        # _raw_delete is what QuerySet.delete() itself calls; Django is pinned to 5.2
        # LTS, and the contract suite checks the result on every upgrade.
        matching = _mine(owner).filter(pk=todo_id)
        return bool(matching._raw_delete(matching.db))

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner exists and is an active user."""
        return UserModel.objects.filter(pk=owner, is_active=True).exists()


def _mine(owner: UUID) -> QuerySet[TodoModel]:
    """The owner's todos, while the owner is an active user, in the statement itself.

    The owner's row is an EXISTS subquery rather than a join: Django turns an UPDATE or
    DELETE with a join into `WHERE id IN (SELECT ...)`, whose conditions PostgreSQL does
    not check again after waiting for a concurrent write to the row.
    """
    active_owner = UserModel.objects.filter(pk=OuterRef("owner_id"), is_active=True)
    return TodoModel.objects.filter(Exists(active_owner), owner_id=owner)


def _rows(owner: UUID) -> QuerySet[TodoModel, dict[str, Any]]:
    return cast("QuerySet[TodoModel, dict[str, Any]]", _mine(owner).values(*_COLUMNS))


def _todo(row: dict[str, Any]) -> Todo:
    return Todo(owner=row.pop("owner_id"), **row)


def _window(query: TodoQuery) -> slice:
    return slice(query.offset, query.offset + query.limit)


def _db_value(field: str, value: object) -> Any:
    """Return a value as the database stores the model field (SQLite keeps UUIDs as hex
    text and datetimes as naive UTC text; PostgreSQL takes them as they are)."""
    model_field = TodoModel._meta.get_field(field)
    assert isinstance(model_field, Field)
    return model_field.get_db_prep_save(value, connection)
