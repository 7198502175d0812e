"""The Todo use cases: one function each, repository first, keyword-only arguments.

`actor` is the user the request acts for. Every use case works on the actor's own
todos only: the repository scopes each statement to the owner, so no use case can
forget the check, and another user's todo is as absent as a missing one.
"""

from __future__ import annotations

from uuid import UUID

from core.clock import Clock, utc_now
from core.identity.domain import Actor, InvalidAccessToken
from todos.domain import Todo, TodoNotFound
from todos.ports import DEFAULT_PAGE_SIZE, TodoPage, TodoQuery, TodoRepository, UpdatableField


def create_todo(
    repo: TodoRepository,
    *,
    title: str,
    completed: bool = False,
    actor: Actor,
    clock: Clock = utc_now,
) -> Todo:
    """Create and store a todo of the actor's.

    :raises InvalidTitle: if the title breaks the title rules.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    todo = Todo.new(owner=actor.user_id, title=title, completed=completed, now=clock())
    if not repo.add(todo):
        raise InvalidAccessToken
    return todo


def get_todo(repo: TodoRepository, *, todo_id: UUID, actor: Actor) -> Todo:
    """Return one of the actor's todos.

    :raises TodoNotFound: if the actor has no todo with this id.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    todo = repo.get(actor.user_id, todo_id)
    if todo is None:
        raise _absent(repo, actor, todo_id)
    return todo


def list_todos(
    repo: TodoRepository,
    *,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
    completed: bool | None = None,
    actor: Actor,
) -> TodoPage:
    """Return a page of the actor's todos, newest first, with the total number that match.

    :raises InvalidInput: if limit or offset is out of bounds.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    page = repo.list(actor.user_id, TodoQuery(limit=limit, offset=offset, completed=completed))
    # A page with a todo on it proves the owner active; an empty one may hide an inactive one.
    if not page.items and not repo.owner_is_active(actor.user_id):
        raise InvalidAccessToken
    return page


def update_todo(
    repo: TodoRepository,
    *,
    todo_id: UUID,
    title: str | None = None,
    completed: bool | None = None,
    actor: Actor,
    clock: Clock = utc_now,
) -> Todo:
    """Change the title and/or completion of one of the actor's todos; `updated_at`
    always moves.

    :raises TodoNotFound: if the actor has no todo with this id (or it vanished meanwhile).
    :raises InvalidTitle: if the new title breaks the title rules.
    :raises InvalidAccessToken: if the actor is no longer an active user.
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


def delete_todo(repo: TodoRepository, *, todo_id: UUID, actor: Actor) -> None:
    """Delete one of the actor's todos.

    :raises TodoNotFound: if the actor has no todo with this id.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    if not repo.delete(actor.user_id, todo_id):
        raise _absent(repo, actor, todo_id)


def _absent(repo: TodoRepository, actor: Actor, todo_id: UUID) -> Exception:
    """Say why the actor's todo was not there: it is not theirs (or does not exist), or
    the actor is no longer an active user. Costs a statement on this path only."""
    if not repo.owner_is_active(actor.user_id):
        return InvalidAccessToken()
    return TodoNotFound(todo_id)
