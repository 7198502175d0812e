"""The identity ports over the Django ORM. Every method is one statement, except where
its docstring says otherwise; none opens a transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Field, OuterRef, Subquery

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

_USER_FIELDS = ("id", "email", "is_active", "created_at", "session_epoch")


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
                session_epoch=user.session_epoch,
            )
        except IntegrityError as error:
            raise EmailTaken from error

    def get(self, user_id: UUID) -> User | None:
        """Return the account with this id, or None."""
        return _user(UserModel.objects.filter(pk=user_id))

    def by_email(self, email: str) -> User | None:
        """Return the account whose email has the same key, through the unique index."""
        return _user(UserModel.objects.filter(email_key=email_key(email)))

    def set_password_hash(
        self, user_id: UUID, password_hash: str, *, now: datetime, epoch: int | None = None
    ) -> bool:
        """Replace the password hash and move the session epoch on, with one UPDATE
        (that matches only the expected epoch, if given)."""
        matching = UserModel.objects.filter(pk=user_id)
        if epoch is not None:
            matching = matching.filter(session_epoch=epoch)
        changed = matching.update(
            password=password_hash,
            session_epoch=F("session_epoch") + 1,
            sessions_valid_after=now,
        )
        return changed == 1

    def is_active(self, user_id: UUID) -> bool:
        """Tell whether the account exists and is active."""
        return UserModel.objects.filter(pk=user_id, is_active=True).exists()

    def deactivate(self, user_id: UUID) -> bool:
        """Deactivate the account; False if there is no such account."""
        return UserModel.objects.filter(pk=user_id).update(is_active=False) == 1


def _db_value(field: str, value: object) -> Any:
    """Return a value as the database stores the refresh token's field."""
    model_field = RefreshTokenModel._meta.get_field(field.removesuffix("_id"))
    assert isinstance(model_field, Field)
    return model_field.get_db_prep_save(value, connection)


def _spend(token_hash: str, *, now: datetime) -> bool:
    """Mark a live token used with one conditional UPDATE (_ROTATE's conditions)."""
    # Conditions on other rows are EXISTS subqueries, not joins: Django turns a joined
    # UPDATE into `WHERE pk IN (SELECT ...)`, which is not checked again after a wait.
    revoked_in_family = RefreshTokenModel.objects.filter(
        family=OuterRef("family"), revoked_at__isnull=False
    )
    user_still_signed_in = UserModel.objects.filter(
        pk=OuterRef("user_id"), is_active=True, session_epoch=OuterRef("session_epoch")
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
    "session_epoch",
    "used_at",
    "revoked_at",
)
# What a successor takes from the token it replaces.
_INHERITED = ("user_id", "family", "signed_in_at", "session_epoch")
# What a successor's INSERT writes; its used_at and revoked_at start NULL.
_NEW_TOKEN_FIELDS = _TOKEN_FIELDS[:-2]
_TOKENS, _USERS = RefreshTokenModel._meta.db_table, UserModel._meta.db_table
# A new token is stored only while its user is active and at the token's epoch, in the
# INSERT itself: a password change committed before it leaves nothing stored.
_ADD = f"""
    INSERT INTO {_TOKENS} ({", ".join(_TOKEN_FIELDS)})
    SELECT {", ".join(["%s"] * len(_TOKEN_FIELDS))} FROM {_USERS}
    WHERE id = %s AND is_active AND session_epoch = %s
"""  # noqa: S608 (the names are the models' own)
# PostgreSQL spends a token and stores its successor in one statement, a transaction of
# its own: both or neither. The spend is one conditional UPDATE whose row lock lets
# exactly one of two concurrent callers match: after waiting for a concurrent writer of
# the row, PostgreSQL checks the row's own conditions again on its new version (the
# EXISTS subqueries keep the statement's snapshot). That is enough: whatever revokes or
# spends a token writes that token's own row, and the epoch travels with the successor.
_ROTATE = f"""
    WITH spent AS (
        UPDATE {_TOKENS} AS token SET used_at = %(now)s
        WHERE token.token_hash = %(old)s
          AND token.used_at IS NULL AND token.revoked_at IS NULL AND token.expires_at > %(now)s
          AND NOT EXISTS (
              SELECT 1 FROM {_TOKENS} AS kin
              WHERE kin.family = token.family AND kin.revoked_at IS NOT NULL
          )
          AND EXISTS (
              SELECT 1 FROM {_USERS} AS owner
              WHERE owner.id = token.user_id AND owner.is_active
                AND owner.session_epoch = token.session_epoch
          )
        RETURNING token.user_id, token.family, token.signed_in_at, token.session_epoch
    )
    INSERT INTO {_TOKENS} ({", ".join(_NEW_TOKEN_FIELDS)})
    SELECT %(new)s, user_id, family, signed_in_at, %(created)s, %(expires)s, session_epoch
    FROM spent
"""  # noqa: S608 (the names are the models' own)


class DjangoRefreshTokens:
    """Refresh tokens in the `refresh_tokens` table, by the hash of their value."""

    def add(self, token: RefreshToken) -> bool:
        """Store a new refresh token with one INSERT ... SELECT, for an active user at
        the token's epoch."""
        params = [_db_value(field, getattr(token, field)) for field in _TOKEN_FIELDS]
        params += [_db_value("user_id", token.user_id), token.session_epoch]
        with connection.cursor() as cursor:
            cursor.execute(_ADD, params)
            inserted: int = cursor.rowcount
        return inserted == 1

    def find(self, token_hash: str) -> RefreshToken | None:
        """Return the token with this hash, whatever its state, or None."""
        rows = list(RefreshTokenModel.objects.filter(pk=token_hash).values(*_TOKEN_FIELDS)[:1])
        return RefreshToken(**rows[0]) if rows else None

    def rotate(self, token_hash: str, successor: RefreshToken, *, now: datetime) -> bool:
        """Spend the token and store its successor: one statement on PostgreSQL, a
        transaction of two elsewhere (SQLite has no writes in WITH)."""
        if connection.vendor == "postgresql":
            params: dict[str, str | datetime] = {
                "now": now,
                "old": token_hash,
                "new": successor.token_hash,
                "created": successor.created_at,
                "expires": successor.expires_at,
            }
            with connection.cursor() as cursor:
                cursor.execute(_ROTATE, params)
                stored: int = cursor.rowcount
            return stored == 1
        with transaction.atomic():
            if not _spend(token_hash, now=now):
                return False
            inherited = RefreshTokenModel.objects.filter(pk=token_hash).values(*_INHERITED)[0]
            fields = {field: getattr(successor, field) for field in _TOKEN_FIELDS}
            RefreshTokenModel.objects.create(**{**fields, **inherited})
            return True

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
