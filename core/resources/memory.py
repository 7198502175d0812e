"""The in-memory fakes of the resource ports: same ordering, paging, owner scope and
results as the database, for the fast tests and for prototypes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Generic
from uuid import UUID

from core.resources.domain import E
from core.resources.ports import Claim, KeyRecord, Page, PageQuery, Store


def _everyone_active(owner: UUID) -> bool:
    return True


class InMemoryRepository(Generic[E]):
    """Keep one kind of resource in a dict. `owner_is_active` says which owners are
    active users (the in-memory user store's, when the composition root wires one in)."""

    def __init__(self, *, owner_is_active: Callable[[UUID], bool] = _everyone_active) -> None:
        self._lock = threading.Lock()
        self._items: dict[UUID, E] = {}
        self._owner_is_active = owner_is_active

    def add(self, entity: E) -> bool:
        """Store a new entity; False if its owner is not an active user."""
        if not self._owner_is_active(entity.owner):
            return False
        with self._lock:
            self._items[entity.id] = entity
        return True

    def get(self, owner: UUID, entity_id: UUID) -> E | None:
        """Return the owner's entity with this id, or None."""
        entity = self._items.get(entity_id)
        return entity if entity is not None and self._mine(owner, entity) else None

    def list(self, owner: UUID, query: PageQuery, **match: object) -> Page[E]:
        """Return the owner's page, newest first; `match` keeps entities whose fields
        equal its values."""
        matching = [
            entity
            for entity in list(self._items.values())
            if self._mine(owner, entity)
            and all(getattr(entity, name) == value for name, value in match.items())
        ]
        matching.sort(key=lambda entity: (entity.created_at, entity.id), reverse=True)
        window = matching[query.offset : query.offset + query.limit]
        return Page(items=window, count=len(matching))

    def update(self, entity: E, *, fields: frozenset[str], expected_version: int) -> bool:
        """Write the named fields and the version, if the entity is at `expected_version`."""
        with self._lock:
            current = self._items.get(entity.id)
            if current is None or not self._mine(entity.owner, current):
                return False
            if current.version != expected_version:
                return False
            changes = {field: getattr(entity, field) for field in fields}
            self._items[entity.id] = replace(current, **changes, version=entity.version)
            return True

    def delete(
        self, owner: UUID, entity_id: UUID, *, versions: frozenset[int] | None = None
    ) -> bool:
        """Remove the owner's entity with this id, if it is at one of `versions`."""
        with self._lock:
            entity = self._items.get(entity_id)
            if entity is None or not self._mine(owner, entity):
                return False
            if versions is not None and entity.version not in versions:
                return False
            del self._items[entity_id]
            return True

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner is an active user."""
        return self._owner_is_active(owner)

    def _mine(self, owner: UUID, entity: E) -> bool:
        return entity.owner == owner and self._owner_is_active(owner)


class InMemoryCreateRequests(Generic[E]):
    """Idempotency keys in a dict, completing claims into an InMemoryRepository."""

    def __init__(self, repository: InMemoryRepository[E]) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[UUID, str], KeyRecord[E]] = {}
        self._repository = repository

    def find(self, owner: UUID, key: str) -> KeyRecord[E] | None:
        """Return what is remembered of the owner's key; nothing once the owner is no
        longer active."""
        if not self._repository.owner_is_active(owner):
            return None
        return self._records.get((owner, key))

    def claim(self, claim: Claim, *, replacing: KeyRecord[E] | None) -> bool:
        """Store the claim if what is stored is still `replacing`, for an active owner."""
        with self._lock:
            if self._records.get((claim.owner, claim.key)) != replacing:
                return False
            if not self._repository.owner_is_active(claim.owner):
                return False
            self._records[(claim.owner, claim.key)] = KeyRecord(claim)
            return True

    def complete(self, claim: Claim, entity: E) -> bool:
        """Store the entity and remember it under the key, if the claim is still held."""
        with self._lock:
            if self._records.get((claim.owner, claim.key)) != KeyRecord(claim):
                return False
            if not self._repository.add(entity):
                return False
            self._records[(claim.owner, claim.key)] = KeyRecord(claim, created=entity)
            return True

    def release(self, claim: Claim) -> None:
        """Forget the claim, if it is still the one held."""
        with self._lock:
            if self._records.get((claim.owner, claim.key)) == KeyRecord(claim):
                del self._records[(claim.owner, claim.key)]

    def purge_expired(self, *, now: datetime) -> int:
        """Delete the keys past their lifetime."""
        with self._lock:
            expired = [k for k, record in self._records.items() if record.expired(now)]
            for key in expired:
                del self._records[key]
            return len(expired)


def memory_store(*, owner_is_active: Callable[[UUID], bool] = _everyone_active) -> Store[Any]:
    """Return a resource's store kept in memory, for owners `owner_is_active` admits."""
    repository: InMemoryRepository[Any] = InMemoryRepository(owner_is_active=owner_is_active)
    return Store(repository, InMemoryCreateRequests(repository))
