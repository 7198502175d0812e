"""The Todo entity and its rules, free of any framework."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed, Unprocessable

TITLE_MAX_LENGTH = 255
# Timestamps are kept to the millisecond, the precision the API writes them with (and
# JavaScript's Date keeps), so what is stored is exactly what clients see and compare.
TIMESTAMP_RESOLUTION = timedelta(milliseconds=1)
# NUL cannot be stored in PostgreSQL text, and an unpaired surrogate is not text at all.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


class InvalidTitle(InvalidInput):
    """Raise when a title is blank or too long once trimmed, or is not storable text."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="title")


class TodoNotFound(NotFound):
    """Raise when the actor has no todo with the requested id (another user's todo is
    not found either: it is indistinguishable from one that does not exist)."""

    def __init__(self, todo_id: UUID) -> None:
        super().__init__("Todo not found")
        self.todo_id = todo_id


class VersionMismatch(PreconditionFailed):
    """Raise when a todo is not at a version the caller said it must be at: someone
    else changed it since the caller read it."""

    def __init__(self, todo_id: UUID) -> None:
        super().__init__("Precondition failed")
        self.todo_id = todo_id


class RequestInProgress(Conflict):
    """Raise when an earlier request with the same idempotency key is still being served."""

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being processed")


class KeyReused(Unprocessable):
    """Raise when an idempotency key comes back with a different request."""

    def __init__(self) -> None:
        super().__init__("Idempotency-Key reused with a different request body")


def clean_title(raw: str) -> str:
    """Return the title trimmed of surrounding white space.

    :raises InvalidTitle: if nothing is left, more than TITLE_MAX_LENGTH characters are,
        or it holds a NUL character or an unpaired surrogate.
    """
    title = raw.strip()
    if not title:
        raise InvalidTitle("Title must not be blank")
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidTitle(f"Title must be at most {TITLE_MAX_LENGTH} characters")
    if _UNSTORABLE.search(title):
        raise InvalidTitle("Title must not contain NUL characters or unpaired surrogates")
    return title


def _to_resolution(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True, slots=True)
class Todo:
    """A thing to do, of one owner; every instance holds a clean title.

    `version` starts at 1 and moves on with every change; clients see it as the ETag.
    """

    id: UUID
    owner: UUID
    title: str
    completed: bool
    created_at: datetime
    updated_at: datetime
    version: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", clean_title(self.title))

    @classmethod
    def new(cls, *, owner: UUID, title: str, completed: bool, now: datetime) -> Todo:
        """Create a todo with a fresh id, created and updated at `now` (to the millisecond).

        :raises InvalidTitle: if the title breaks the title rules.
        """
        now = _to_resolution(now)
        return cls(
            id=uuid4(),
            owner=owner,
            title=title,
            completed=completed,
            created_at=now,
            updated_at=now,
        )

    def changed(
        self, *, title: str | None = None, completed: bool | None = None, now: datetime
    ) -> Todo:
        """Return the next version: the given fields changed, `updated_at` moved to `now`.

        `updated_at` always moves forward, by at least one millisecond, even when the
        clock has not (two updates within a millisecond, or clocks that disagree).

        :raises InvalidTitle: if the new title breaks the title rules.
        """
        return replace(
            self,
            title=self.title if title is None else title,
            completed=self.completed if completed is None else completed,
            updated_at=max(_to_resolution(now), self.updated_at + TIMESTAMP_RESOLUTION),
            version=self.version + 1,
        )
