"""The Todo use cases: one function each, repository first, keyword-only arguments.

`actor` is the user the request acts for. Every use case works on the actor's own
todos only: the repository scopes each statement to the owner, so no use case can
forget the check, and another user's todo is as absent as a missing one.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from uuid import UUID, uuid4

from core.clock import Clock, utc_now
from core.identity.domain import Actor, InvalidAccessToken
from todos.domain import KeyReused, RequestInProgress, Todo, TodoNotFound, VersionMismatch
from todos.ports import (
    DEFAULT_PAGE_SIZE,
    Claim,
    CreateRequests,
    TodoPage,
    TodoQuery,
    TodoRepository,
    UpdatableField,
)

# An update without an expected version re-reads and writes again when another writer
# got in between; past this many collisions in a row it gives up (409).
UPDATE_ATTEMPTS = 5


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
    :raises RequestInProgress: if other writers kept changing it, UPDATE_ATTEMPTS times.
    """
    fields: set[UpdatableField] = {"updated_at"}
    if title is not None:
        fields.add("title")
    if completed is not None:
        fields.add("completed")
    for _ in range(UPDATE_ATTEMPTS):
        current = get_todo(repo, todo_id=todo_id, actor=actor)
        if expected_versions is not None and current.version not in expected_versions:
            raise VersionMismatch(todo_id)
        updated = current.changed(title=title, completed=completed, now=clock())
        written = repo.update(updated, fields=frozenset(fields), expected_version=current.version)
        if written:
            return updated
        # Another writer got in between; read again (and for a conditional update, the
        # next read answers 412, or 404 if it was deleted).
    raise RequestInProgress


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
    if repo.delete(actor.user_id, todo_id, versions=expected_versions):
        return
    if expected_versions is not None and repo.get(actor.user_id, todo_id) is not None:
        raise VersionMismatch(todo_id)
    raise _absent(repo, actor, todo_id)


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
    claim = _claim(repo, requests, actor=actor, key=key, fingerprint=fingerprint, now=now)
    if isinstance(claim, Todo):
        return claim, True
    try:
        completed_it = requests.complete(claim, todo)
    except Exception:
        # A request that failed may be retried with its key. When the failure is the
        # database itself (a dropped connection), releasing fails too; the claim is then
        # taken over by the retry once its holder is known gone, and the caller must see
        # the first error, not the second.
        with contextlib.suppress(Exception):
            requests.release(claim)
        raise
    if completed_it:
        return todo, False
    requests.release(claim)
    if not repo.owner_is_active(actor.user_id):
        raise InvalidAccessToken
    raise RequestInProgress  # too slow: a retry took the claim over


def _claim(
    repo: TodoRepository,
    requests: CreateRequests,
    *,
    actor: Actor,
    key: str,
    fingerprint: str,
    now: datetime,
) -> Claim | Todo:
    """Claim the key for this request, or return the todo its first request created.

    :raises KeyReused: if the key is remembered with another fingerprint.
    :raises RequestInProgress: if its first request is still being served.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    for _ in range(UPDATE_ATTEMPTS):
        record = requests.find(actor.user_id, key)
        created_at = now
        if record is not None and not record.expired(now):
            if record.created is None and record.stale(now):
                # Its request died unanswered, and only a 201 is remembered: take it over,
                # whatever that request's body was. The key keeps its age.
                created_at = record.claim.created_at
            elif record.claim.fingerprint != fingerprint:
                raise KeyReused
            elif record.created is not None:
                return record.created
            else:
                raise RequestInProgress
        claim = Claim(
            owner=actor.user_id,
            key=key,
            fingerprint=fingerprint,
            created_at=created_at,
            claimed_at=now,
            token=uuid4(),
        )
        if requests.claim(claim, replacing=record):
            return claim
        if not repo.owner_is_active(actor.user_id):
            raise InvalidAccessToken
    raise RequestInProgress


def _absent(repo: TodoRepository, actor: Actor, todo_id: UUID) -> Exception:
    """Say why the actor's todo was not there: it is not theirs (or does not exist), or
    the actor is no longer an active user. Costs a statement on this path only."""
    if not repo.owner_is_active(actor.user_id):
        return InvalidAccessToken()
    return TodoNotFound(todo_id)
