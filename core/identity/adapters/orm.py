"""The identity ports over the Django ORM. Every method is one statement, except where
its docstring says otherwise; none opens a transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import IntegrityError, connection
from django.db.models import Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Lower

from core.identity.domain import EmailTaken, RefreshToken, SigningKey, User
from core.identity.models import (
    RefreshTokenModel,
    SignInCounterModel,
    SigningKeyModel,
    UserModel,
)

_USER_FIELDS = ("id", "email", "is_active", "created_at")


class DjangoUserRepository:
    """Accounts in the `users` table."""

    def add(self, user: User) -> None:
        """Store a new account with one INSERT.

        :raises EmailTaken: when the case-insensitive unique index refuses the email.
        """
        try:
            UserModel.objects.create(
                id=user.id,
                email=user.email,
                password=user.password_hash,
                is_active=user.is_active,
                created_at=user.created_at,
            )
        except IntegrityError as error:
            raise EmailTaken from error

    def get(self, user_id: UUID) -> User | None:
        """Return the account with this id, or None."""
        return _user(UserModel.objects.filter(pk=user_id))

    def by_email(self, email: str) -> User | None:
        """Return the account with this email in any letter case, through its index."""
        matching = UserModel.objects.alias(email_lower=Lower("email")).filter(
            email_lower=Lower(Value(email))
        )
        return _user(matching)

    def set_password_hash(self, user_id: UUID, password_hash: str) -> bool:
        """Replace the password hash with one UPDATE; False if there is no such account."""
        return UserModel.objects.filter(pk=user_id).update(password=password_hash) == 1

    def is_active(self, user_id: UUID) -> bool:
        """Tell whether the account exists and is active."""
        return UserModel.objects.filter(pk=user_id, is_active=True).exists()

    def deactivate(self, user_id: UUID) -> bool:
        """Deactivate the account; False if there is no such account."""
        return UserModel.objects.filter(pk=user_id).update(is_active=False) == 1


def _user(rows: Any) -> User | None:
    found = list(rows.values(*_USER_FIELDS, "password")[:1])
    if not found:
        return None
    row = found[0]
    return User(password_hash=row.pop("password"), **row)


_TOKEN_FIELDS = (
    "token_hash",
    "user_id",
    "family",
    "created_at",
    "expires_at",
    "used_at",
    "revoked_at",
)


class DjangoRefreshTokens:
    """Refresh tokens in the `refresh_tokens` table, by the hash of their value."""

    def add(self, token: RefreshToken) -> None:
        """Store a new refresh token with one INSERT."""
        RefreshTokenModel.objects.create(
            **{field: getattr(token, field) for field in _TOKEN_FIELDS}
        )

    def find(self, token_hash: str) -> RefreshToken | None:
        """Return the token with this hash, whatever its state, or None."""
        rows = list(RefreshTokenModel.objects.filter(pk=token_hash).values(*_TOKEN_FIELDS)[:1])
        return RefreshToken(**rows[0]) if rows else None

    def spend(self, token_hash: str, *, now: datetime) -> bool:
        """Mark the token used with one conditional UPDATE: the row lock it takes lets
        exactly one of two concurrent callers match."""
        revoked_in_family = RefreshTokenModel.objects.filter(
            family=OuterRef("family"), revoked_at__isnull=False
        )
        live = RefreshTokenModel.objects.filter(
            ~Exists(revoked_in_family),
            pk=token_hash,
            used_at=None,
            revoked_at=None,
            expires_at__gt=now,
        )
        return live.update(used_at=now) == 1

    def revoke_family(self, family: UUID, *, now: datetime) -> int:
        """Revoke every live token of one sign-in with one UPDATE."""
        return RefreshTokenModel.objects.filter(family=family, revoked_at=None).update(
            revoked_at=now
        )

    def revoke_user(self, user_id: UUID, *, now: datetime) -> int:
        """Revoke every live token of a user with one UPDATE."""
        return RefreshTokenModel.objects.filter(user_id=user_id, revoked_at=None).update(
            revoked_at=now
        )


class DjangoSigningKeys:
    """Signing keys in the `signing_keys` table."""

    def all(self) -> Sequence[SigningKey]:
        """Return every key, newest first."""
        rows = SigningKeyModel.objects.order_by("-created_at").values_list(
            "kid", "secret", "created_at"
        )
        return [
            SigningKey(kid=kid, secret=bytes(secret), created_at=at) for kid, secret, at in rows
        ]

    def add(self, key: SigningKey) -> None:
        """Store a new key."""
        SigningKeyModel.objects.create(kid=key.kid, secret=key.secret, created_at=key.created_at)

    def delete_superseded_before(self, moment: datetime) -> int:
        """Delete every key older than the newest key created at or before `moment`."""
        newest_before = (
            SigningKeyModel.objects.filter(created_at__lte=moment)
            .order_by("-created_at")
            .values("created_at")[:1]
        )
        deleted, _ = SigningKeyModel.objects.filter(created_at__lt=Subquery(newest_before)).delete()
        return deleted


# One statement counts an attempt unless the counter is locked: PostgreSQL and SQLite
# both take the row's lock for ON CONFLICT ... DO UPDATE, so concurrent attempts from
# every instance of the app are counted one after the other, and none slips past the
# limit. A counter at 0 attempts, or whose window has ended, starts a new window.
_RESERVE = f"""
    INSERT INTO {SignInCounterModel._meta.db_table} AS c (counter, window_start, attempts)
    VALUES (%(counter)s, %(now)s, 1)
    ON CONFLICT (counter) DO UPDATE SET
        window_start = CASE WHEN c.attempts = 0 OR c.window_start <= %(ended_before)s
                            THEN excluded.window_start ELSE c.window_start END,
        attempts = CASE WHEN c.attempts = 0 OR c.window_start <= %(ended_before)s
                        THEN 1 ELSE c.attempts + 1 END
    WHERE c.attempts < %(limit)s OR c.window_start <= %(ended_before)s
    RETURNING attempts
"""  # noqa: S608 (the table name is the model's own)


class DjangoSignInAttempts:
    """Sign-in counters in the `sign_in_counters` table, shared by every instance."""

    def reserve(
        self, counter: str, *, limit: int, window: timedelta, now: datetime
    ) -> datetime | None:
        """Count an attempt with one statement; when the counter is locked, read when
        its window ends with a second one."""
        adapt = connection.ops.adapt_datetimefield_value
        params = {
            "counter": counter,
            "now": adapt(now),
            "ended_before": adapt(now - window),
            "limit": limit,
        }
        with connection.cursor() as cursor:
            cursor.execute(_RESERVE, params)
            counted = cursor.fetchone()
        if counted is not None:
            return None
        started = (
            SignInCounterModel.objects.filter(pk=counter)
            .values_list("window_start", flat=True)
            .first()
        )
        return (started or now) + window

    def release(self, counter: str) -> None:
        """Take one attempt back, with one UPDATE."""
        SignInCounterModel.objects.filter(pk=counter, attempts__gt=0).update(
            attempts=F("attempts") - 1
        )

    def reset(self, counter: str) -> None:
        """Forget the counter's attempts, with one UPDATE; the next starts a new window."""
        SignInCounterModel.objects.filter(pk=counter).update(attempts=0)
