"""The use cases every owned resource shares, generic in its entity.

A resource's own services module names them in its words (`create_project`, ...) and
passes what only it knows: the entity it builds, the fields a change writes, its
not-found error. Every use case works on the actor's own resources only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from core.identity.domain import Actor, InvalidAccessToken
from core.resources.domain import E, RequestInProgress, ResourceNotFound, VersionMismatch, changed
from core.resources.ports import Entities, OwnedRepository, Page, PageQuery

# An update without an expected version re-reads and writes again when another writer
# got in between; past this many collisions in a row it gives up (409).
UPDATE_ATTEMPTS = 5


def create(repo: Entities[E], entity: E) -> E:
    """Store a new entity of the actor's.

    :raises InvalidAccessToken: if its owner is no longer an active user.
    """
    if not repo.add(entity):
        raise InvalidAccessToken
    return entity


def get(repo: Entities[E], *, entity_id: UUID, actor: Actor, missing: type[ResourceNotFound]) -> E:
    """Return one of the actor's entities.

    :raises ResourceNotFound: (`missing`) if the actor has none with this id.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    entity = repo.get(actor.user_id, entity_id)
    if entity is None:
        raise _absent(repo, actor, missing(entity_id))
    return entity


def list_page(repo: OwnedRepository[E], *, query: PageQuery, actor: Actor) -> Page[E]:
    """Return a page of the actor's entities, newest first, with the total.

    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    page = repo.list(actor.user_id, query)
    # A page with an item on it proves the owner active; an empty one may hide an inactive one.
    if not page.items and not repo.owner_is_active(actor.user_id):
        raise InvalidAccessToken
    return page


def update(
    repo: Entities[E],
    *,
    entity_id: UUID,
    changes: dict[str, object],
    actor: Actor,
    missing: type[ResourceNotFound],
    expected_versions: frozenset[int] | None,
    now: Callable[[], datetime],
) -> E:
    """Apply `changes` to one of the actor's entities; `updated_at` and the version move,
    and a field the entity's rules rewrote (one stored before the rule) is written too.
    With `expected_versions`, only if it is at one of them when written (one atomic step).

    :raises ResourceNotFound: (`missing`) if the actor has none with this id.
    :raises VersionMismatch: if it is at none of `expected_versions`.
    :raises InvalidInput: if a change breaks the entity's rules.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    :raises RequestInProgress: if other writers kept changing it, UPDATE_ATTEMPTS times.
    """
    for _ in range(UPDATE_ATTEMPTS):
        current = get(repo, entity_id=entity_id, actor=actor, missing=missing)
        if expected_versions is not None and current.version not in expected_versions:
            raise VersionMismatch(entity_id)
        updated = changed(current, now=now(), **changes)
        fields = frozenset({*changes, "updated_at", *_rewritten(current, updated)})
        if repo.update(updated, fields=fields, expected_version=current.version):
            return updated
        # Another writer got in between; read again (a conditional update then answers
        # 412, or 404 if it was deleted).
    raise RequestInProgress


def delete(
    repo: Entities[E],
    *,
    entity_id: UUID,
    actor: Actor,
    missing: type[ResourceNotFound],
    expected_versions: frozenset[int] | None,
) -> None:
    """Delete one of the actor's entities; with `expected_versions`, only at one of them.

    :raises ResourceNotFound: (`missing`) if the actor has none with this id.
    :raises VersionMismatch: if it is at none of `expected_versions`.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    if repo.delete(actor.user_id, entity_id, versions=expected_versions):
        return
    if expected_versions is not None and repo.get(actor.user_id, entity_id) is not None:
        raise VersionMismatch(entity_id)
    raise _absent(repo, actor, missing(entity_id))


def _rewritten(current: E, updated: E) -> set[str]:
    """Name the fields a change left alone but the entity's rules rewrote: a row stored
    before a rule that rewrites values (trims, say), which a repository gives back as
    stored. They are written with the change, so the answer is what is stored."""
    kept = {"version", "updated_at"}
    return {
        f.name
        for f in dataclasses.fields(current)
        if f.name not in kept and getattr(current, f.name) != getattr(updated, f.name)
    }


def _absent(repo: Entities[E], actor: Actor, missing: ResourceNotFound) -> Exception:
    """Say why the entity was not there: not the actor's (or nonexistent), or the actor is
    no longer an active user. Costs a statement on this path only."""
    if not repo.owner_is_active(actor.user_id):
        return InvalidAccessToken()
    return missing
