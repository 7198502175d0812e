"""Users, the actor a request acts for, sign-in sessions, signing keys and their rules.

Framework-free: the services and the todos hexagon use these without Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
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
    """Return the form of an email that identifies an account: trimmed, lower case."""
    return email.strip().lower()


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
    password_hash: str
    is_active: bool
    created_at: datetime


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
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A secret that signs access tokens, named in each token's `kid` header."""

    kid: str
    secret: bytes
    created_at: datetime
