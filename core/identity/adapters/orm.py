"""The identity ports over the Django ORM. Every method is one statement, except where
its docstring says otherwise; none opens a transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import IntegrityError, connection
from django.db.models import Exists, OuterRef, Q, Subquery

from core.identity.domain import (
    AttemptLog,
    EmailTaken,
    RefreshToken,
    SigningKey,
    User,
    email_key,
)
from core.identity.models import (
    RefreshTokenModel,
    SignInCounterModel,
    SigningKeyModel,
    UserModel,
)

_USER_FIELDS = ("id", "email", "is_active", "created_at", "sessions_valid_after")


class DjangoUserRepository:
    """Accounts in the `users` table."""

    def add(self, user: User) -> None:
        """Store a new account with one INSERT.

        :raises EmailTaken: when the unique index on the email's key refuses it.
        """
        try:
            UserModel.objects.create(
                id=user.id,
                email=user.email,
                email_key=email_key(user.email),
                password=user.password_hash,
                is_active=user.is_active,
                created_at=user.created_at,
                sessions_valid_after=user.sessions_valid_after,
            )
        except IntegrityError as error:
            raise EmailTaken from error

    def get(self, user_id: UUID) -> User | None:
        """Return the account with this id, or None."""
        return _user(UserModel.objects.filter(pk=user_id))

    def by_email(self, email: str) -> User | None:
        """Return the account whose email has the same key, through the unique index."""
        return _user(UserModel.objects.filter(email_key=email_key(email)))

    def set_password_hash(self, user_id: UUID, password_hash: str, *, now: datetime) -> bool:
        """Replace the password hash and end earlier sign-ins, with one UPDATE."""
        changed = UserModel.objects.filter(pk=user_id).update(
            password=password_hash, sessions_valid_after=now
        )
        return changed == 1

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
    "signed_in_at",
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
        # Conditions on other rows are EXISTS subqueries, not joins: Django turns a joined
        # UPDATE into `WHERE pk IN (SELECT ...)`, which PostgreSQL does not check again
        # after waiting for a concurrent UPDATE of the row, so two callers would both win.
        revoked_in_family = RefreshTokenModel.objects.filter(
            family=OuterRef("family"), revoked_at__isnull=False
        )
        user_still_signed_in = UserModel.objects.filter(
            Q(sessions_valid_after=None) | Q(sessions_valid_after__lt=OuterRef("signed_in_at")),
            pk=OuterRef("user_id"),
            is_active=True,
        )
        live = RefreshTokenModel.objects.filter(
            Exists(user_still_signed_in),
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

    def purge_expired(self, *, before: datetime) -> int:
        """Delete the tokens that expired before `before`."""
        deleted, _ = RefreshTokenModel.objects.filter(expires_at__lt=before).delete()
        return deleted

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


# A new counter's row, unless a concurrent attempt made it first.
_NEW_COUNTER = f"""
    INSERT INTO {SignInCounterModel._meta.db_table} (counter, attempts) VALUES (%s, %s)
    ON CONFLICT (counter) DO NOTHING
"""  # noqa: S608 (the table name is the model's own)
# Concurrent attempts on one counter: each tries again with what the winner wrote. Past
# this many, the counter is hammered, and the attempt is answered as locked.
MAX_TRIES = 50


class DjangoSignInAttempts:
    """Sign-in counters in the `sign_in_counters` table, shared by every instance.

    Each change is a compare-and-set: read the counter's log (one SELECT), count in
    Python (AttemptLog), write it back only if nobody changed it meanwhile (one UPDATE
    or INSERT that matches the log read). Of concurrent attempts, each write wins once,
    so no more than the limit are ever counted, on PostgreSQL and SQLite alike.
    """

    def reserve(
        self, counter: str, *, limit: int, window: timedelta, now: datetime
    ) -> datetime | None:
        """Count an attempt (two statements), or return when the lock ends."""
        for _ in range(MAX_TRIES):
            stored = _stored_log(counter)
            log, locked_until = _decode(stored).counted(limit=limit, window=window, now=now)
            if locked_until is not None:
                return locked_until
            if _replace_log(counter, stored, _encode(log)):
                return None
        return now + timedelta(seconds=1)

    def release(self, counter: str) -> None:
        """Take the newest attempt back (two statements)."""
        for _ in range(MAX_TRIES):
            stored = _stored_log(counter)
            if not stored or _replace_log(
                counter, stored, _encode(_decode(stored).without_newest())
            ):
                return

    def reset(self, counter: str) -> None:
        """Forget the counter's attempts, with one UPDATE."""
        SignInCounterModel.objects.filter(pk=counter).update(attempts="")

    def purge_idle(self, *, before: datetime) -> int:
        """Delete the counters with no attempt at or after `before` (each by compare and
        set, so an attempt counted meanwhile is kept)."""
        deleted = 0
        rows = SignInCounterModel.objects.values_list("counter", "attempts").iterator()
        for counter, stored in rows:
            if all(moment < before for moment in _decode(stored).times):
                gone, _ = SignInCounterModel.objects.filter(pk=counter, attempts=stored).delete()
                deleted += gone
        return deleted


def _stored_log(counter: str) -> str | None:
    """Return the counter's stored log, or None when it has no row yet."""
    return SignInCounterModel.objects.filter(pk=counter).values_list("attempts", flat=True).first()


def _replace_log(counter: str, old: str | None, new: str) -> bool:
    """Write `new` if the stored log is still `old`; tell whether it was written."""
    if old is None:
        with connection.cursor() as cursor:
            cursor.execute(_NEW_COUNTER, [counter, new])
            inserted: int = cursor.rowcount
        return inserted == 1
    return SignInCounterModel.objects.filter(pk=counter, attempts=old).update(attempts=new) == 1


def _decode(stored: str | None) -> AttemptLog:
    micros = [int(part) for part in (stored or "").split(",") if part]
    return AttemptLog(tuple(EPOCH + timedelta(microseconds=m) for m in micros))


def _encode(log: AttemptLog) -> str:
    return ",".join(str((moment - EPOCH) // timedelta(microseconds=1)) for moment in log.times)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
