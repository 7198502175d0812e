"""The identity ports in memory, with the same results as the database, for tests and
prototypes. A lock makes each method atomic, as each ORM statement is."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from core.identity.domain import (
    AttemptLog,
    EmailTaken,
    RefreshToken,
    SigningKey,
    User,
    email_key,
)
from core.identity.ports import UserRepository


class InMemoryUserRepository:
    """Accounts in a dict, unique by email in any letter case."""

    def __init__(self, users: Iterable[User] = ()) -> None:
        self._lock = threading.Lock()
        self._users = {user.id: user for user in users}

    def add(self, user: User) -> None:
        """Store a new account.

        :raises EmailTaken: if an account has this email, in any letter case.
        """
        with self._lock:
            key = email_key(user.email)
            if any(email_key(existing.email) == key for existing in self._users.values()):
                raise EmailTaken
            self._users[user.id] = user

    def get(self, user_id: UUID) -> User | None:
        """Return the account with this id, or None."""
        return self._users.get(user_id)

    def by_email(self, email: str) -> User | None:
        """Return the account with this email in any letter case, or None."""
        key = email_key(email)
        return next((u for u in self._users.values() if email_key(u.email) == key), None)

    def set_password_hash(
        self, user_id: UUID, password_hash: str, *, now: datetime, epoch: int | None = None
    ) -> bool:
        """Replace the password hash and move the session epoch on (if still at `epoch`)."""
        with self._lock:
            user = self._users.get(user_id)
            if user is None or (epoch is not None and user.session_epoch != epoch):
                return False
            epoch = user.session_epoch + 1
            self._users[user_id] = replace(user, password_hash=password_hash, session_epoch=epoch)
            return True

    def is_active(self, user_id: UUID) -> bool:
        """Tell whether the account exists and is active."""
        user = self._users.get(user_id)
        return user is not None and user.is_active

    def deactivate(self, user_id: UUID) -> bool:
        """Deactivate the account; False if there is no such account."""
        return self._change(user_id, is_active=False)

    def _change(self, user_id: UUID, **changes: object) -> bool:
        with self._lock:
            user = self._users.get(user_id)
            if user is None:
                return False
            self._users[user_id] = replace(user, **changes)  # type: ignore[arg-type]
            return True


class InMemoryRefreshTokens:
    """Refresh tokens in a dict, by the hash of their value; `users` says whose are live."""

    def __init__(self, users: UserRepository) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, RefreshToken] = {}
        self._users = users

    def add(self, token: RefreshToken) -> bool:
        """Store a new refresh token if its user is active and at its session epoch."""
        with self._lock:
            if not self._signed_in(token):
                return False
            self._tokens[token.token_hash] = token
            return True

    def find(self, token_hash: str) -> RefreshToken | None:
        """Return the token with this hash, whatever its state, or None."""
        return self._tokens.get(token_hash)

    def rotate(self, token_hash: str, successor: RefreshToken, *, now: datetime) -> bool:
        """Spend the token and store its successor if the token is live; of two
        concurrent callers, one gets True."""
        with self._lock:
            token = self._tokens.get(token_hash)
            if token is None or token.used_at or token.revoked_at or token.expires_at <= now:
                return False
            if any(t.family == token.family and t.revoked_at for t in self._tokens.values()):
                return False
            if not self._signed_in(token):
                return False
            self._tokens[token_hash] = replace(token, used_at=now)
            self._tokens[successor.token_hash] = replace(
                successor,
                user_id=token.user_id,
                family=token.family,
                signed_in_at=token.signed_in_at,
                session_epoch=token.session_epoch,
            )
            return True

    def _signed_in(self, token: RefreshToken) -> bool:
        """Tell whether the token's user is active and still at the token's epoch."""
        user = self._users.get(token.user_id)
        return user is not None and user.is_active and user.session_epoch == token.session_epoch

    def revoke_family(self, family: UUID, *, now: datetime) -> int:
        """Revoke every live token of one sign-in."""
        return self._revoke(lambda token: token.family == family, now)

    def revoke_user(self, user_id: UUID, *, now: datetime) -> int:
        """Revoke every live token of a user."""
        return self._revoke(lambda token: token.user_id == user_id, now)

    def purge_expired(self, *, before: datetime) -> int:
        """Delete the tokens that expired before `before`."""
        with self._lock:
            expired = [h for h, token in self._tokens.items() if token.expires_at < before]
            for token_hash in expired:
                del self._tokens[token_hash]
            return len(expired)

    def _revoke(self, selected: Callable[[RefreshToken], bool], now: datetime) -> int:
        with self._lock:
            live = [t for t in self._tokens.values() if t.revoked_at is None and selected(t)]
            for token in live:
                self._tokens[token.token_hash] = replace(token, revoked_at=now)
            return len(live)


class InMemorySigningKeys:
    """Signing keys in a list."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: list[SigningKey] = []

    def all(self) -> Sequence[SigningKey]:
        """Return every key, newest first."""
        return sorted(self._keys, key=lambda key: key.created_at, reverse=True)

    def add(self, key: SigningKey) -> None:
        """Store a new key."""
        with self._lock:
            self._keys.append(key)

    def delete_superseded_before(self, moment: datetime) -> int:
        """Delete every key older than the newest key created at or before `moment`."""
        with self._lock:
            before = [key.created_at for key in self._keys if key.created_at <= moment]
            if not before:
                return 0
            kept = [key for key in self._keys if key.created_at >= max(before)]
            deleted = len(self._keys) - len(kept)
            self._keys = kept
            return deleted


class InMemorySignInAttempts:
    """Sign-in counters in a dict: an AttemptLog by counter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: dict[str, AttemptLog] = {}

    def reserve(
        self, counter: str, *, limit: int, window: timedelta, now: datetime
    ) -> datetime | None:
        """Count an attempt unless the counter is locked; else return when it unlocks."""
        with self._lock:
            log, locked_until = self._logs.get(counter, AttemptLog()).counted(
                limit=limit, window=window, now=now
            )
            self._logs[counter] = log
            return locked_until

    def release(self, counter: str) -> None:
        """Take the newest attempt back."""
        with self._lock:
            if counter in self._logs:
                self._logs[counter] = self._logs[counter].without_newest()

    def reset(self, counter: str) -> None:
        """Forget the counter's attempts."""
        with self._lock:
            if counter in self._logs:
                self._logs[counter] = AttemptLog()

    def purge_idle(self, *, before: datetime) -> int:
        """Delete the counters with no attempt at or after `before`."""
        with self._lock:
            idle = [c for c, log in self._logs.items() if all(t < before for t in log.times)]
            for counter in idle:
                del self._logs[counter]
            return len(idle)
