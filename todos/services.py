"""The Todo use cases: one function each, repository first, keyword-only arguments.

`actor` is the acting user. It is None until authentication lands; the services
already take it so that ownership can be added without reshaping the hexagon.
"""

from __future__ import annotations

from uuid import UUID

from core.clock import Clock, utc_now
from todos.domain import Todo, TodoNotFound
from todos.ports import DEFAULT_PAGE_SIZE, TodoPage, TodoQuery, TodoRepository, UpdatableField

Actor = object


def create_todo(
    repo: TodoRepository,
    *,
    title: str,
    completed: bool = False,
    actor: Actor | None = None,
    clock: Clock = utc_now,
) -> Todo:
    """Create and store a todo.

    :raises InvalidTitle: if the title breaks the title rules.
    """
    todo = Todo.new(title=title, completed=completed, now=clock())
    repo.add(todo)
    return todo


def get_todo(repo: TodoRepository, *, todo_id: UUID, actor: Actor | None = None) -> Todo:
    """Return one todo.

    :raises TodoNotFound: if there is no todo with this id.
    """
    todo = repo.get(todo_id)
    if todo is None:
        raise TodoNotFound(todo_id)
    return todo


def list_todos(
    repo: TodoRepository,
    *,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
    completed: bool | None = None,
    actor: Actor | None = None,
) -> TodoPage:
    """Return a page of todos, newest first, with the total number that match.

    :raises InvalidInput: if limit or offset is out of bounds.
    """
    return repo.list(TodoQuery(limit=limit, offset=offset, completed=completed))


def update_todo(
    repo: TodoRepository,
    *,
    todo_id: UUID,
    title: str | None = None,
    completed: bool | None = None,
    actor: Actor | None = None,
    clock: Clock = utc_now,
) -> Todo:
    """Change the title and/or completion of a todo; `updated_at` always moves.

    :raises TodoNotFound: if there is no todo with this id (or it vanished meanwhile).
    :raises InvalidTitle: if the new title breaks the title rules.
    """
    current = get_todo(repo, todo_id=todo_id, actor=actor)
    updated = current.changed(title=title, completed=completed, now=clock())
    fields: set[UpdatableField] = {"updated_at"}
    if title is not None:
        fields.add("title")
    if completed is not None:
        fields.add("completed")
    if not repo.update(updated, fields=frozenset(fields)):
        raise TodoNotFound(todo_id)
    return updated


def delete_todo(repo: TodoRepository, *, todo_id: UUID, actor: Actor | None = None) -> None:
    """Delete a todo.

    :raises TodoNotFound: if there is no todo with this id.
    """
    if not repo.delete(todo_id):
        raise TodoNotFound(todo_id)
