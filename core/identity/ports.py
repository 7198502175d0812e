"""The ports the identity services depend on. Each method is atomic on its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from core.identity.domain import RefreshToken, SigningKey, User


class UserRepository(Protocol):
    """Where accounts live."""

    def add(self, user: User) -> None:
        """Store a new account.

        :raises EmailTaken: if an account has this email, in any letter case.
        """
        ...

    def get(self, user_id: UUID) -> User | None:
        """Return the account with this id, or None."""
        ...

    def by_email(self, email: str) -> User | None:
        """Return the account whose email has the same `email_key`, or None."""
        ...

    def set_password_hash(
        self, user_id: UUID, password_hash: str, *, now: datetime, epoch: int | None = None
    ) -> bool:
        """Replace an account's password hash and, in the same atomic step, move its
        `session_epoch` on, which ends every sign-in made with the old password (even
        one still in flight). With `epoch`, only if the account is still at it, so of
        two overlapping changes the second, which proved a password no longer current,
        writes nothing. False if nothing was written."""
        ...

    def is_active(self, user_id: UUID) -> bool:
        """Tell whether this account exists and is active."""
        ...

    def deactivate(self, user_id: UUID) -> bool:
        """Deactivate an account: it can no longer sign in, and its tokens are refused.

        Return False if there is no such account.
        """
        ...


class RefreshTokens(Protocol):
    """The refresh tokens of every sign-in, by the hash of their value."""

    def add(self, token: RefreshToken) -> bool:
        """Store a new refresh token, in one atomic step, if its user is active and still
        at the token's `session_epoch`; False, with nothing stored, otherwise (a password
        change overtook the sign-in)."""
        ...

    def find(self, token_hash: str) -> RefreshToken | None:
        """Return the token with this hash, spent, revoked or expired alike, or None."""
        ...

    def rotate(self, token_hash: str, successor: RefreshToken, *, now: datetime) -> bool:
        """Mark the token used and store its successor, in one atomic step (both or
        neither: a failure in between leaves the token unspent, for the retry), if at
        `now` the token is live:

        - neither used, revoked nor expired;
        - no token of its sign-in revoked (so a token stored while its sign-in was being
          revoked cannot escape the revocation);
        - its user active and still at the token's `session_epoch` (so a sign-in that
          raced a password change cannot outlive it).

        The successor takes the token's user, family, sign-in time and epoch, whatever
        it says of them. Of two callers
        rotating the same token at once, exactly one gets True.
        """
        ...

    def revoke_family(self, family: UUID, *, now: datetime) -> int:
        """Revoke every live token of one sign-in; return how many were revoked."""
        ...

    def revoke_user(self, user_id: UUID, *, now: datetime) -> int:
        """Revoke every live token of a user; return how many were revoked."""
        ...

    def purge_expired(self, *, before: datetime) -> int:
        """Delete the tokens that expired before `before`; return how many."""
        ...


class SigningKeys(Protocol):
    """The keys that sign and verify access tokens."""

    def all(self) -> Sequence[SigningKey]:
        """Return every key, newest first."""
        ...

    def add(self, key: SigningKey) -> None:
        """Store a new key."""
        ...

    def delete_superseded_before(self, moment: datetime) -> int:
        """Delete the keys a newer key replaced at or before `moment`; return how many."""
        ...


class SignInAttempts(Protocol):
    """Counts of sign-in attempts, shared by every instance of the app.

    Each counter keeps an AttemptLog: it is locked while `limit` of its attempts lie
    within `window` of now (AttemptLog.counted has the rule). Each method is atomic:
    of concurrent attempts, no more than `limit` are counted.
    """

    def reserve(
        self, counter: str, *, limit: int, window: timedelta, now: datetime
    ) -> datetime | None:
        """Count one attempt against `counter` unless it is locked.

        Return None when the attempt was counted, or when the lock ends when it was not.
        """
        ...

    def release(self, counter: str) -> None:
        """Take one counted attempt back (it did not fail after all)."""
        ...

    def reset(self, counter: str) -> None:
        """Forget every attempt counted against `counter`."""
        ...

    def purge_idle(self, *, before: datetime) -> int:
        """Delete the counters with no attempt at or after `before`; return how many."""
        ...


class Passwords(Protocol):
    """Password hashing and the password rules."""

    def hash(self, password: str) -> str:
        """Return a slow, salted hash of the password."""
        ...

    def verify(self, password: str, password_hash: str | None) -> bool:
        """Tell whether the password matches the hash; with no hash, spend the same time
        hashing and say no (so an unknown email answers no faster than a known one)."""
        ...

    def check_rules(self, password: str, *, email: str, field: str = "password") -> None:
        """Refuse a password the rules refuse: too short, too common, all digits, or too
        close to the email.

        :raises InvalidPassword: with every reason, for the `field` named.
        """
        ...
