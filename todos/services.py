"""The Todo use cases: one function each, repository first, keyword-only arguments.

`actor` is the user the request acts for. Every use case works on the actor's own
todos only: the repository scopes each statement to the owner, so no use case can
forget the check, and another user's todo is as absent as a missing one.
"""

from __future__ import annotations

from uuid import UUID

from core.clock import Clock, utc_now
from core.identity.domain import Actor, InvalidAccessToken
from core.resources import idempotent
from core.resources import services as owned
from todos.domain import Todo, TodoNotFound
from todos.ports import DEFAULT_PAGE_SIZE, CreateRequests, TodoPage, TodoQuery, TodoRepository

# What every owned resource shares (owner scope, versions, idempotency keys) is
# core/resources/services.py; each use case here says what is a todo's own.


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
    return owned.create(repo, todo)


def get_todo(repo: TodoRepository, *, todo_id: UUID, actor: Actor) -> Todo:
    """Return one of the actor's todos.

    :raises TodoNotFound: if the actor has no todo with this id.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    return owned.get(repo, entity_id=todo_id, actor=actor, missing=TodoNotFound)


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
    expected_versions: frozenset[int] | None = None,
    clock: Clock = utc_now,
) -> Todo:
    """Change the title and/or completion of one of the actor's todos; `updated_at` and
    the version always move.

    With `expected_versions`, the change is made only if the todo is at one of them when
    it is written (the comparison and the write are one atomic step); without, it is
    made whatever the version, on top of whatever another writer just did.

    :raises TodoNotFound: if the actor has no todo with this id (or it vanished meanwhile).
    :raises VersionMismatch: if the todo is at none of `expected_versions`.
    :raises InvalidTitle: if the new title breaks the title rules.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    :raises RequestInProgress: if other writers kept changing it, again and again.
    """
    changes = {"title": title, "completed": completed}
    return owned.update(
        repo,
        entity_id=todo_id,
        changes={field: value for field, value in changes.items() if value is not None},
        actor=actor,
        missing=TodoNotFound,
        expected_versions=expected_versions,
        now=clock,
    )


def delete_todo(
    repo: TodoRepository,
    *,
    todo_id: UUID,
    actor: Actor,
    expected_versions: frozenset[int] | None = None,
) -> None:
    """Delete one of the actor's todos; with `expected_versions`, only if it is at one
    of them when it is deleted (one atomic step).

    :raises TodoNotFound: if the actor has no todo with this id.
    :raises VersionMismatch: if the todo is at none of `expected_versions`.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    owned.delete(
        repo,
        entity_id=todo_id,
        actor=actor,
        missing=TodoNotFound,
        expected_versions=expected_versions,
    )


def create_todo_once(
    repo: TodoRepository,
    requests: CreateRequests,
    *,
    title: str,
    completed: bool = False,
    actor: Actor,
    key: str,
    fingerprint: str,
    clock: Clock = utc_now,
) -> tuple[Todo, bool]:
    """Create a todo once per idempotency key: the first request with `key` creates it,
    a repeat of that request (same `fingerprint`) gets the same todo, as created, back.
    Return the todo and whether it is such a replay.

    :raises InvalidTitle: if the title breaks the title rules (nothing is remembered).
    :raises KeyReused: if the key came with another request before, even one in flight.
    :raises RequestInProgress: if the first request with the key is still being served.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    now = clock()
    todo = Todo.new(owner=actor.user_id, title=title, completed=completed, now=now)
    return idempotent.create_once(
        repo, requests, entity=todo, actor=actor, key=key, fingerprint=fingerprint, now=now
    )
