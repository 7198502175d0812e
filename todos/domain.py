"""The Todo entity and its rules, free of any framework."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID, uuid4

from core.errors import InvalidInput, NotFound

TITLE_MAX_LENGTH = 255


class InvalidTitle(InvalidInput):
    """Raise when a title is blank or too long once trimmed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="title")


class TodoNotFound(NotFound):
    """Raise when no todo has the requested id."""

    def __init__(self, todo_id: UUID) -> None:
        super().__init__("Todo not found")
        self.todo_id = todo_id


def clean_title(raw: str) -> str:
    """Return the title trimmed of surrounding white space.

    :raises InvalidTitle: if nothing is left or more than TITLE_MAX_LENGTH characters are.
    """
    title = raw.strip()
    if not title:
        raise InvalidTitle("Title must not be blank")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidTitle(f"Title must be at most {TITLE_MAX_LENGTH} characters")
    return title


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Todo:
    """A thing to do; every instance holds a clean title."""

    id: UUID
    title: str
    completed: bool
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_title(self.title))

    @classmethod
    def new(cls, *, title: str, completed: bool, now: datetime) -> Todo:
        """Create a todo with a fresh id, created and updated at `now`.

        :raises InvalidTitle: if the title breaks the title rules.
        """
        return cls(id=uuid4(), title=title, completed=completed, created_at=now, updated_at=now)

    def changed(
        self, *, title: str | None = None, completed: bool | None = None, now: datetime
    ) -> Todo:
        """Return a copy with the given fields changed and `updated_at` moved to `now`.

        :raises InvalidTitle: if the new title breaks the title rules.
        """
        return replace(
            self,
            title=self.title if title is None else title,
            completed=self.completed if completed is None else completed,
            updated_at=now,
        )
