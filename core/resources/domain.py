"""What every owned resource is made of: an id, an owner, timestamps and a version.

A resource's entity is a frozen dataclass with slots that extends `Owned` with its own
fields and checks them in `__post_init__`; `new` and `changed` give it the lifecycle the
API relies on (a version that moves with every change, `updated_at` that always moves
forward), and `restorer` gives a repository back what it stored, unchecked.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

from core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed, Unprocessable

# Timestamps are kept to the millisecond, the precision the API writes them with (and
# JavaScript's Date keeps), so what is stored is exactly what clients see and compare.
TIMESTAMP_RESOLUTION = timedelta(milliseconds=1)
# NUL cannot be stored in PostgreSQL text, and an unpaired surrogate is not text at all.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True, kw_only=True)
class Owned:
    """The fields every owned resource has; `version` starts at 1 and is the ETag."""

    id: UUID
    owner: UUID
    created_at: datetime
    updated_at: datetime
    version: int = 1


E = TypeVar("E", bound=Owned)


def new(entity: type[E], *, owner: UUID, now: datetime, **fields: Any) -> E:
    """Return a new entity of `owner` with a fresh id, created and updated at `now`.

    :raises InvalidInput: if a field breaks the entity's rules.
    """
    now = to_resolution(now)
    return entity(id=uuid4(), owner=owner, created_at=now, updated_at=now, **fields)


def changed(entity: E, *, now: datetime, **changes: Any) -> E:
    """Return the next version: `changes` applied, `updated_at` moved on by at least one
    millisecond (two updates within a millisecond, or clocks that disagree).

    :raises InvalidInput: if a field breaks the entity's rules: a changed one, or one
        stored before a stricter rule (every field is checked again).
    """
    return replace(
        entity,
        **changes,
        updated_at=max(to_resolution(now), entity.updated_at + TIMESTAMP_RESOLUTION),
        version=entity.version + 1,
    )


def restorer(entity: type[E], names: Sequence[str]) -> Callable[[Sequence[Any]], E]:
    """Return what rebuilds a stored `entity` from its values, given in `names` order,
    without running its checks again.

    An entity checks its fields whenever it is made or changed (`__post_init__`, through
    `new` and `changed`), so what a repository stored has passed them, as a model Django
    loads is not cleaned again. A rule may rewrite a value (trim it), but not change its
    type (a `StrEnum` made of a column's text): what comes back is the column's value as
    the database hands it over, and the contract suite's
    `test_what_comes_back_holds_the_types_the_entity_made` fails for such a field.

    A frozen dataclass's `__init__` sets each field through `object.__setattr__` and
    then checks; a page of 100 rebuilds 100 entities. Made by the constructor instead, a
    list of 100 todos costs the function 14 % more instructions
    (`bench/list_instructions.py`) and takes 7 % longer, switched batch by batch in one
    process (`bench/list_tricks.py --rounds 40`, 2026-12-08). It is one of the shared
    resource code's tricks, which earn 126 % on a list together (`make bench`); beside
    its twin in a process of its own, `make bench` cannot tell its share from noise
    (docs/lambda.md, "Warm requests").

    :raises TypeError: at startup, unless `names` are the entity's fields, each once, and
        the entity keeps them in slots (`@dataclass(frozen=True, slots=True, kw_only=True)`).
    """
    declared = sorted(f.name for f in fields(entity))
    if sorted(names) != declared:
        raise TypeError(f"{entity.__name__} has the fields {declared}, not {sorted(names)}")
    slots = [inspect.getattr_static(entity, name, None) for name in names]
    if not all(isinstance(slot, types.MemberDescriptorType) for slot in slots):
        raise TypeError(f"{entity.__name__} must keep its fields in slots: slots=True")
    setters = [slot.__set__ for slot in slots]
    make = object.__new__

    def restore(values: Sequence[Any]) -> E:
        stored: E = make(entity)
        for put, value in zip(setters, values, strict=True):
            put(stored, value)
        return stored

    return restore


def to_resolution(moment: datetime) -> datetime:
    """Return `moment` cut to the millisecond."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def clean_text(raw: str, *, field: str, max_length: int) -> str:
    """Return `raw` trimmed of surrounding white space.

    :raises InvalidInput: naming `field`, if nothing is left, more than `max_length`
        characters are, or it holds a NUL character or an unpaired surrogate.
    """
    text = raw.strip()
    label = field.replace("_", " ").capitalize()
    if not text:
        raise InvalidInput(f"{label} must not be blank", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{label} must be at most {max_length} characters", field=field)
    if _UNSTORABLE.search(text):
        message = f"{label} must not contain NUL characters or unpaired surrogates"
        raise InvalidInput(message, field=field)
    return text


class VersionMismatch(PreconditionFailed):
    """Raise when a resource is not at a version the caller said it must be at."""

    def __init__(self, resource_id: UUID) -> None:
        super().__init__("Precondition failed")
        self.resource_id = resource_id


class RequestInProgress(Conflict):
    """Raise when an earlier request with the same idempotency key is still being served."""

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being processed")


class KeyReused(Unprocessable):
    """Raise when an idempotency key comes back with a different request."""

    def __init__(self) -> None:
        super().__init__("Idempotency-Key reused with a different request body")


class ResourceNotFound(NotFound):
    """Raise when the actor has no such resource with the requested id (another user's is
    not found either: it is indistinguishable from one that does not exist)."""

    noun = "Resource"

    def __init__(self, resource_id: UUID) -> None:
        super().__init__(f"{self.noun} not found")
        self.resource_id = resource_id
