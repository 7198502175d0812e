"""Users, the actor a request acts for, sign-in sessions, signing keys and their rules.

Framework-free: the services and the todos hexagon use these without Django.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from core.errors import Conflict, Forbidden, InvalidInput, TooManyRequests, Unauthenticated

EMAIL_MAX_LENGTH = 254  # RFC 5321's limit on a forward path, less its angle brackets
PASSWORD_MIN_LENGTH = 8
# Passwords are capped before hashing, so that a sign-in costs the same bounded work
# whatever a client sends (a 10 kB password is refused, never hashed).
PASSWORD_MAX_LENGTH = 256
# local@domain.tld: no white space, no control character, one @, a dot in the domain.
_EMAIL = re.compile(r"[^\s@\x00-\x1f\x7f]{1,64}@[^\s@\x00-\x1f\x7f.]+(\.[^\s@\x00-\x1f\x7f.]+)+")


class InvalidEmail(InvalidInput):
    """Raise when an email address is malformed or too long."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="email")


class InvalidPassword(InvalidInput):
    """Raise when a password breaks the password rules; `field` names which password."""


class EmailTaken(Conflict):
    """Raise when an account with this email (in any letter case) exists."""

    def __init__(self) -> None:
        super().__init__("Email already registered")


class InvalidCredentials(Unauthenticated):
    """Raise for a wrong email or password, or a deactivated account: one answer for all,
    so that a sign-in never tells which accounts exist."""

    def __init__(self) -> None:
        super().__init__("Invalid email or password")


class SignInLocked(TooManyRequests):
    """Raise when too many sign-ins failed for this email (from this address)."""

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            "Too many failed sign-in attempts; try again later", retry_after=retry_after
        )


class InvalidRefreshToken(Unauthenticated):
    """Raise for a refresh token that is unknown, expired, revoked or already spent."""

    def __init__(self) -> None:
        super().__init__("Invalid refresh token")


class InvalidAccessToken(Unauthenticated):
    """Raise for an access token that is malformed, forged, expired, for another issuer
    or audience, or whose user no longer exists or is deactivated."""

    token_refused = True

    def __init__(self) -> None:
        super().__init__("Invalid access token")


class WrongCurrentPassword(Forbidden):
    """Raise when a password change does not prove the current password."""

    def __init__(self) -> None:
        super().__init__("Current password is incorrect")


def clean_email(raw: str) -> str:
    """Return the email trimmed of surrounding white space, as the user wrote it.

    Emails are compared without regard to letter case (`email_key`), so `Ann@Example.com`
    and `ann@example.com` are one account.

    :raises InvalidEmail: if it is longer than EMAIL_MAX_LENGTH or not an address.
    """
    email = raw.strip()
    if len(email) > EMAIL_MAX_LENGTH:
        raise InvalidEmail(f"Email must be at most {EMAIL_MAX_LENGTH} characters")
    if not _EMAIL.fullmatch(email):
        raise InvalidEmail("Enter a valid email address")
    return email


def email_key(email: str) -> str:
    """Return the form of an email that identifies an account: trimmed, NFKC-normalised
    and case-folded.

    Computed here and stored beside the email, so that the account lookup, the unique
    index and sign-in throttling all use this one rule: PostgreSQL's lower() and
    Python's disagree on some letters (lower("İ") is "i" in one, "i̇" in the other), and
    a throttle keyed one way on accounts found the other way could be walked around.
    """
    return unicodedata.normalize("NFKC", email.strip()).casefold()


def check_password_length(password: str, *, field: str = "password") -> None:
    """Refuse a password outside PASSWORD_MIN_LENGTH..PASSWORD_MAX_LENGTH characters.

    :raises InvalidPassword: if it is too short or too long.
    """
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidPassword(
            f"Password must be at most {PASSWORD_MAX_LENGTH} characters", field=field
        )
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidPassword(
            f"Password must be at least {PASSWORD_MIN_LENGTH} characters", field=field
        )


@dataclass(frozen=True, slots=True)
class User:
    """An account: signs in with its email and password."""

    id: UUID
    email: str
    password_hash: str = field(repr=False)
    is_active: bool
    created_at: datetime
    # The generation of the account's sign-ins: a password change moves it on, and a
    # refresh token of an earlier generation can neither be stored nor spent.
    session_epoch: int = 0


@dataclass(frozen=True, slots=True)
class Actor:
    """The user a request acts for, as its access token names them."""

    user_id: UUID


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """One refresh token of a sign-in, stored as the hash of its secret value.

    Every token that one sign-in leads to, through refresh after refresh, shares its
    `family`: reusing a spent token revokes the whole family.
    """

    token_hash: str
    user_id: UUID
    family: UUID
    # When the sign-in began; every token it leads to keeps it.
    signed_in_at: datetime
    created_at: datetime
    expires_at: datetime
    # The user's session_epoch the sign-in checked its password against: once the user's
    # has moved on (a password change), the token is dead.
    session_epoch: int = 0
    used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AttemptLog:
    """The attempts counted against one counter that are still within its window,
    oldest first: a sliding window, so no burst fits across a window's edge."""

    times: tuple[datetime, ...] = ()

    def counted(
        self, *, limit: int, window: timedelta, now: datetime
    ) -> tuple[AttemptLog, datetime | None]:
        """Count an attempt at `now`, unless `limit` attempts lie within `window` of it.

        Return the log with the attempt counted and None, or, when locked, the log
        without it and the moment the lock ends: `window` after the first of the last
        `limit` attempts, when fewer than `limit` remain.
        """
        recent = tuple(moment for moment in self.times if moment > now - window)
        if len(recent) >= limit:
            return AttemptLog(recent), recent[-limit] + window
        return AttemptLog((*recent, now)), None

    def without_newest(self) -> AttemptLog:
        """Return the log with its newest attempt taken back."""
        return AttemptLog(self.times[:-1])


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A secret that signs access tokens, named in each token's `kid` header."""

    kid: str
    secret: bytes = field(repr=False)
    created_at: datetime
