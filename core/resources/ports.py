"""The ports every owned resource's services depend on, generic in the entity type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from core.errors import InvalidInput
from core.resources.domain import Owned

E = TypeVar("E", bound=Owned)

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Beyond any real table, and well inside what every database accepts in OFFSET.
MAX_OFFSET = 2**31 - 1


@dataclass(frozen=True, slots=True)
class PageQuery:
    """A page window: at most `limit` items after skipping `offset`."""

    limit: int = DEFAULT_PAGE_SIZE
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            message = f"limit must be between 1 and {MAX_PAGE_SIZE}"
            raise InvalidInput(message, field="limit", source="query")
        if not 0 <= self.offset <= MAX_OFFSET:
            message = f"offset must be between 0 and {MAX_OFFSET}"
            raise InvalidInput(message, field="offset", source="query")


@dataclass(frozen=True, slots=True)
class Page(Generic[E]):
    """One page of items, newest first, and how many match the query in all."""

    items: Sequence[E]
    count: int


class Entities(Protocol[E]):
    """Where one kind of resource lives. Each method is atomic on its own.

    Every method is scoped to one owner, and only while that owner is an active user:
    in the same single statement that reads or writes, another owner's resources and an
    inactive owner's are as absent as ones that never existed.
    """

    def add(self, entity: E) -> bool:
        """Store a new entity; False (nothing stored) if its owner is not an active user."""
        ...

    def get(self, owner: UUID, entity_id: UUID) -> E | None:
        """Return the owner's entity with this id, or None."""
        ...

    def update(self, entity: E, *, fields: frozenset[str], expected_version: int) -> bool:
        """Write the named fields, `updated_at` and the version, if the stored entity is
        still at `expected_version` (compare and write in one atomic step)."""
        ...

    def delete(
        self, owner: UUID, entity_id: UUID, *, versions: frozenset[int] | None = None
    ) -> bool:
        """Remove the owner's entity if it is at one of `versions` (any, when None)."""
        ...

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner exists and is an active user."""
        ...


class OwnedRepository(Entities[E], Protocol[E]):
    """Entities that can also be listed, a page at a time."""

    def list(self, owner: UUID, query: PageQuery) -> Page[E]:
        """Return the owner's page, by `created_at` then `id`, descending, and the total."""
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
class KeyRecord(Generic[E]):
    """What is remembered of an idempotency key: its claim, and once the request that
    held it succeeded, the entity it created, as it was then."""

    claim: Claim
    created: E | None = None
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


class CreateRequests(Protocol[E]):
    """The idempotency keys of one resource's creations, per owner. Each method is atomic."""

    def find(self, owner: UUID, key: str) -> KeyRecord[E] | None:
        """Return what is remembered of the owner's key, or None."""
        ...

    def claim(self, claim: Claim, *, replacing: KeyRecord[E] | None) -> bool:
        """Store a claim: a new key's, or in place of `replacing` if that is still what is
        stored (compare and set). False if another request got there first, or the owner
        is not an active user."""
        ...

    def complete(self, claim: Claim, entity: E) -> bool:
        """Store the entity and remember it under the claimed key, in one transaction.
        False, with nothing stored, if the claim is no longer held or the owner not active."""
        ...

    def release(self, claim: Claim) -> None:
        """Forget a claim whose request failed, so that it may be retried with its key."""
        ...

    def purge_expired(self, *, now: datetime) -> int:
        """Delete the keys past their lifetime; return how many."""
        ...


@dataclass(frozen=True, slots=True)
class Store(Generic[E]):
    """Where one resource lives: its repository, and the idempotency keys of its creations."""

    repository: OwnedRepository[E]
    requests: CreateRequests[E]
