"""The Todo entity and its rules, free of any framework.

A todo is an owned resource (core/resources/domain.py): an id, an owner, timestamps and
a version come from `Owned`; what is a todo's own is its title, its completion and the
rule that a title is 1 to 255 characters once trimmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from core.errors import InvalidInput
from core.resources.domain import (
    TIMESTAMP_RESOLUTION,
    KeyReused,
    Owned,
    RequestInProgress,
    ResourceNotFound,
    VersionMismatch,
    changed,
    clean_text,
    new,
)

__all__ = [
    "TIMESTAMP_RESOLUTION",
    "TITLE_MAX_LENGTH",
    "InvalidTitle",
    "KeyReused",
    "RequestInProgress",
    "Todo",
    "TodoNotFound",
    "VersionMismatch",
    "clean_title",
]

TITLE_MAX_LENGTH = 255


class InvalidTitle(InvalidInput):
    """Raise when a title is blank or too long once trimmed, or is not storable text."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="title")


class TodoNotFound(ResourceNotFound):
    """Raise when the actor has no todo with the requested id (another user's todo is
    not found either: it is indistinguishable from one that does not exist)."""

    noun = "Todo"

    def __init__(self, todo_id: UUID) -> None:
        super().__init__(todo_id)
        self.todo_id = todo_id


def clean_title(raw: str) -> str:
    """Return the title trimmed of surrounding white space.

    :raises InvalidTitle: if nothing is left, more than TITLE_MAX_LENGTH characters are,
        or it holds a NUL character or an unpaired surrogate.
    """
    try:
        return clean_text(raw, field="title", max_length=TITLE_MAX_LENGTH)
    except InvalidInput as broken:
        raise InvalidTitle(str(broken)) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Todo(Owned):
    """A thing to do, of one owner; every instance holds a clean title.

    `version` starts at 1 and moves on with every change; clients see it as the ETag.
    """

    title: str
    completed: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_title(self.title))

    @classmethod
    def new(cls, *, owner: UUID, title: str, completed: bool, now: datetime) -> Todo:
        """Create a todo with a fresh id, created and updated at `now` (to the millisecond).

        :raises InvalidTitle: if the title breaks the title rules.
        """
        return new(cls, owner=owner, now=now, title=title, completed=completed)

    def changed(
        self, *, title: str | None = None, completed: bool | None = None, now: datetime
    ) -> Todo:
        """Return the next version: the given fields changed, `updated_at` moved to `now`.

        `updated_at` always moves forward, by at least one millisecond, even when the
        clock has not (two updates within a millisecond, or clocks that disagree).

        :raises InvalidTitle: if the new title breaks the title rules.
        """
        changes = {"title": title, "completed": completed}
        return changed(self, now=now, **{k: v for k, v in changes.items() if v is not None})
