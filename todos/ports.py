"""The repository port the services depend on, and the value types it speaks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
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

    def update(
        self, todo: Todo, *, fields: frozenset[UpdatableField], expected_version: int
    ) -> bool:
        """Write the named fields of `todo` and its version, if the stored todo is still
        at `expected_version`: compare and write in one atomic step, so of two writers
        that read the same version exactly one succeeds. False if nothing was written
        (the owner no longer has it, or it is at another version)."""
        ...

    def delete(self, owner: UUID, todo_id: UUID, *, versions: frozenset[int] | None = None) -> bool:
        """Remove the owner's todo with this id, if it is at one of `versions` (any, when
        None), in one atomic step; return False if nothing was removed."""
        ...

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner exists and is an active user."""
        ...


# A key is remembered this long after its first use (API.md, "Idempotent creates").
KEY_LIFETIME = timedelta(hours=24)
# A claim not completed within this time belongs to a request that died (a Lambda
# instance stopped mid-request): longer than the function's 28 s timeout and API
# Gateway's 29 s, so a request still running is never taken over.
STALE_CLAIM = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to serve the first request with an idempotency key: whose key, the
    request's fingerprint, since when, and the token that proves who holds it."""

    owner: UUID
    key: str
    fingerprint: str
    created_at: datetime
    claimed_at: datetime
    token: UUID


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """What is remembered of an idempotency key: its claim, and once the request that
    held it succeeded, the todo it created, as it was then."""

    claim: Claim
    created: Todo | None = None
    # The request holding the claim is known to have ended without completing it (the
    # database session it claimed with is gone): a retry need not wait for STALE_CLAIM.
    holder_gone: bool = False

    def expired(self, now: datetime) -> bool:
        """Tell whether the key is past its lifetime: it is then as good as new."""
        return self.claim.created_at <= now - KEY_LIFETIME

    def stale(self, now: datetime) -> bool:
        """Tell whether the key's request died in flight: its claim may be taken over."""
        return self.created is None and (
            self.holder_gone or self.claim.claimed_at <= now - STALE_CLAIM
        )


class CreateRequests(Protocol):
    """The idempotency keys of todo creations, per owner. Each method is atomic."""

    def find(self, owner: UUID, key: str) -> KeyRecord | None:
        """Return what is remembered of the owner's key, or None."""
        ...

    def claim(self, claim: Claim, *, replacing: KeyRecord | None) -> bool:
        """Store a claim: a new key's, or in place of `replacing`, if that is still what
        is stored (compare and set). False if another request got there first, or if the
        owner is not an active user."""
        ...

    def complete(self, claim: Claim, todo: Todo) -> bool:
        """Store the todo and remember it under the claimed key, in one transaction:
        no crash leaves a todo without its key, or a key pointing at nothing. False,
        with nothing stored, if the claim is no longer held or the owner not active."""
        ...

    def release(self, claim: Claim) -> None:
        """Forget a claim whose request failed, so that it may be retried with its key."""
        ...

    def purge_expired(self, *, now: datetime) -> int:
        """Delete the keys past their lifetime; return how many."""
        ...
