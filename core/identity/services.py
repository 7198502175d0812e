"""The identity use cases: register, sign in, refresh, log out, change a password, and
verify an access token. One function each, the ports first, keyword-only arguments.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID, uuid4

from core.clock import Clock
from core.identity.domain import (
    PASSWORD_MAX_LENGTH,
    Actor,
    InvalidAccessToken,
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshToken,
    SignInLocked,
    User,
    WrongCurrentPassword,
    check_password_length,
    clean_email,
    email_key,
)
from core.identity.ports import Passwords, RefreshTokens, SignInAttempts, UserRepository
from core.identity.tokens import (
    KEY_CACHE_TTL,
    KeyRing,
    TokenPolicy,
    issue_access_token,
    new_signing_key,
)
from core.identity.tokens import verify_access_token as verify_token
from core.transactions import Atomic

# Sign-in throttling (API.md): 5 failures for one email from one client address in
# 15 minutes lock that pair; 100 failures for one email in an hour lock the email.
ADDRESS_LIMIT, ADDRESS_WINDOW = 5, timedelta(minutes=15)
EMAIL_LIMIT, EMAIL_WINDOW = 100, timedelta(hours=1)


class Accounts(Protocol):
    """What the identity use cases need: the ports, the key ring, the policy, the clock."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokens: ...

    @property
    def sign_in_attempts(self) -> SignInAttempts: ...

    @property
    def passwords(self) -> Passwords: ...

    @property
    def keys(self) -> KeyRing: ...

    @property
    def token_policy(self) -> TokenPolicy: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def atomic(self) -> Atomic: ...


@dataclass(frozen=True, slots=True)
class TokenPair:
    """An access token and the refresh token that gets the next pair, with lifetimes."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


def register(accounts: Accounts, *, email: str, password: str) -> User:
    """Create an account.

    :raises InvalidEmail: if the email is malformed.
    :raises InvalidPassword: if the password rules refuse the password.
    :raises EmailTaken: if an account has this email, in any letter case.
    """
    email = clean_email(email)
    check_password_length(password)
    accounts.passwords.check_rules(password, email=email)
    user = User(
        id=uuid4(),
        email=email,
        password_hash=accounts.passwords.hash(password),
        is_active=True,
        created_at=accounts.clock(),
    )
    accounts.users.add(user)
    return user


def sign_in(accounts: Accounts, *, email: str, password: str, client_address: str) -> TokenPair:
    """Check an email and password and start a sign-in: a new pair of tokens.

    Every attempt is counted before the password is checked, so that concurrent
    attempts cannot slip past the limit; a success takes its count back.

    :raises SignInLocked: if too many attempts failed for this email (from this address).
    :raises InvalidCredentials: for an unknown email, a wrong password or a deactivated
        account alike.
    """
    now = accounts.clock()
    # The guess is counted and judged in one transaction: a failure on the way (a dropped
    # connection, answered 503) counts nothing, so only wrong passwords lock a sign-in.
    # Concurrent guesses for one email wait for each other on its counters' rows.
    with accounts.atomic():
        guess = _count_a_guess(accounts, email=email, client_address=client_address, now=now)
        user = accounts.users.by_email(email)
        known_hash = user.password_hash if user is not None else None
        matches = len(password) <= PASSWORD_MAX_LENGTH and accounts.passwords.verify(
            password, known_hash
        )
        if user is not None and matches and user.is_active:
            guess.succeeded()
    if user is None or not matches or not user.is_active:
        raise InvalidCredentials
    value, token = _refresh_token(
        accounts, user_id=user.id, family=uuid4(), signed_in_at=now, epoch=user.session_epoch
    )
    # Stored only if the password just checked is still the user's: a password change
    # that overtook this sign-in leaves it nothing to refresh with.
    if not accounts.refresh_tokens.add(token):
        raise InvalidCredentials
    return _pair(accounts, user_id=user.id, refresh_token=value, now=now)


def refresh(accounts: Accounts, *, refresh_token: str) -> TokenPair:
    """Spend a refresh token for a new pair of tokens of the same sign-in.

    A token presented after it was spent was stolen or replayed: the whole sign-in is
    revoked, every token descended from it included.

    :raises InvalidRefreshToken: for an unknown, expired, revoked or spent token, or one
        whose user no longer exists or is deactivated.
    """
    now = accounts.clock()
    token_hash = hash_refresh_token(refresh_token)
    tokens = accounts.refresh_tokens
    stored = tokens.find(token_hash)
    if stored is None:
        raise InvalidRefreshToken
    # Spent before (however long ago, and expired or not since): it was presented twice.
    if stored.used_at is not None:
        tokens.revoke_family(stored.family, now=now)
        raise InvalidRefreshToken
    if stored.revoked_at is not None or stored.expires_at <= now:
        raise InvalidRefreshToken
    value, successor = _refresh_token(
        accounts,
        user_id=stored.user_id,
        family=stored.family,
        signed_in_at=stored.signed_in_at,
        epoch=stored.session_epoch,
    )
    # Spent by a request racing this one, or no longer live (its user deactivated, its
    # sign-in ended by a password change or a revocation): the sign-in is over. Spending
    # and storing the successor are one step, so a failure between them (a dropped
    # connection) leaves the token unspent and the client's retry succeeds.
    if not tokens.rotate(token_hash, successor, now=now):
        tokens.revoke_family(stored.family, now=now)
        raise InvalidRefreshToken
    return _pair(accounts, user_id=stored.user_id, refresh_token=value, now=now)


def log_out(accounts: Accounts, *, refresh_token: str) -> None:
    """End the sign-in a refresh token belongs to: revoke all its refresh tokens.

    An unknown or already revoked token is no error: the sign-in is over either way.
    """
    tokens = accounts.refresh_tokens
    stored = tokens.find(hash_refresh_token(refresh_token))
    if stored is not None:
        tokens.revoke_family(stored.family, now=accounts.clock())


def current_user(accounts: Accounts, *, actor: Actor) -> User:
    """Return the account the actor is.

    :raises InvalidAccessToken: if it no longer exists or is deactivated.
    """
    user = accounts.users.get(actor.user_id)
    if user is None or not user.is_active:
        raise InvalidAccessToken
    return user


def change_password(
    accounts: Accounts,
    *,
    actor: Actor,
    current_password: str,
    new_password: str,
    client_address: str,
) -> None:
    """Replace the actor's password and end every sign-in of theirs (their access tokens
    run out within their lifetime).

    A wrong current password counts as a failed sign-in, so an access token cannot be
    used to guess the password past the sign-in limits.

    :raises InvalidAccessToken: if the account no longer exists or is deactivated.
    :raises SignInLocked: if too many guesses failed for this account (from this address).
    :raises WrongCurrentPassword: if `current_password` is not the password.
    :raises InvalidPassword: if the rules refuse the new password.
    """
    user = current_user(accounts, actor=actor)
    now = accounts.clock()
    with accounts.atomic():  # as in sign_in: a failure on the way counts nothing
        guess = _count_a_guess(accounts, email=user.email, client_address=client_address, now=now)
        matches = len(current_password) <= PASSWORD_MAX_LENGTH and accounts.passwords.verify(
            current_password, user.password_hash
        )
        if matches:
            guess.succeeded()
    if not matches:
        raise WrongCurrentPassword
    check_password_length(new_password, field="new_password")
    accounts.passwords.check_rules(new_password, email=user.email, field="new_password")
    # Only over the password just proved: a change that overlapped this one and landed
    # first made it no longer the current password.
    if not _replace_password(accounts, user, new_password, epoch=user.session_epoch):
        raise WrongCurrentPassword


def reset_password(accounts: Accounts, *, user_id: UUID, new_password: str) -> None:
    """Set a password without the current one (an operator's, or the local demo user's)
    and end every sign-in of the account.

    :raises InvalidPassword: if the rules refuse the new password.
    """
    user = accounts.users.get(user_id)
    if user is None:
        raise InvalidCredentials
    check_password_length(new_password)
    accounts.passwords.check_rules(new_password, email=user.email)
    _replace_password(accounts, user, new_password)


def _replace_password(
    accounts: Accounts, user: User, new_password: str, *, epoch: int | None = None
) -> bool:
    """Store the new password's hash and end every sign-in made with the old one; with
    `epoch`, only if the account is still at it. Tell whether it was stored."""
    new_hash = accounts.passwords.hash(new_password)
    # After the slow hashing, one write moves the hash and the session epoch together: a
    # sign-in that checked the old password at any moment before it stores a refresh
    # token of the old epoch, which can neither be stored nor spent from then on.
    now = accounts.clock()
    if not accounts.users.set_password_hash(user.id, new_hash, now=now, epoch=epoch):
        return False
    accounts.refresh_tokens.revoke_user(user.id, now=now)  # tidiness: they are dead already
    return True


def deactivate(accounts: Accounts, *, email: str) -> bool:
    """Deactivate the account with this email and end its sign-ins; False if none.

    Its access tokens are refused from the next request on: the statement that serves a
    todo operation only finds an active owner's todos.
    """
    user = accounts.users.by_email(email)
    if user is None:
        return False
    accounts.users.deactivate(user.id)
    accounts.refresh_tokens.revoke_user(user.id, now=accounts.clock())
    return True


def verify_access_token(accounts: Accounts, *, token: str) -> Actor:
    """Return the actor an access token names; reads no database once the keys are cached.

    Whether the user still exists and is active is checked by the statement that serves
    the request (the todos repository's owner scope), not here.

    :raises InvalidAccessToken: for a malformed, forged, expired or foreign token.
    """
    return verify_token(accounts.keys, accounts.token_policy, token, now=accounts.clock())


def rotate_signing_key(accounts: Accounts, *, drop_previous: bool = False) -> int:
    """Start signing with a new key; return how many old keys were deleted.

    Tokens signed with a previous key stay valid until they expire: a previous key is
    deleted only once no token it signed can still be valid. `drop_previous` deletes
    every previous key at once (after a leak), which signs everyone out.
    """
    now = accounts.clock()
    store = accounts.keys.store
    store.add(new_signing_key(now))
    keep_since = now if drop_previous else now - accounts.token_policy.access_ttl - KEY_CACHE_TTL
    deleted = store.delete_superseded_before(keep_since)
    accounts.keys.forget()
    return deleted


def hash_refresh_token(token: str) -> str:
    """Return how a refresh token is stored: the SHA-256 of its value (it is random and
    long, so a fast hash is enough to keep stolen rows useless)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _refresh_token(
    accounts: Accounts, *, user_id: UUID, family: UUID, signed_in_at: datetime, epoch: int
) -> tuple[str, RefreshToken]:
    """Return a new refresh token's value, and the record of it that is stored."""
    value = secrets.token_urlsafe(32)
    now = accounts.clock()
    return value, RefreshToken(
        token_hash=hash_refresh_token(value),
        user_id=user_id,
        family=family,
        signed_in_at=signed_in_at,
        created_at=now,
        expires_at=now + accounts.token_policy.refresh_ttl,
        session_epoch=epoch,
    )


def _pair(accounts: Accounts, *, user_id: UUID, refresh_token: str, now: datetime) -> TokenPair:
    policy = accounts.token_policy
    return TokenPair(
        access_token=issue_access_token(accounts.keys, policy, user_id=user_id, now=now),
        expires_in=int(policy.access_ttl.total_seconds()),
        refresh_token=refresh_token,
        refresh_expires_in=int(policy.refresh_ttl.total_seconds()),
    )


@dataclass(frozen=True, slots=True)
class _Guess:
    """A password guess, counted against both sign-in counters until it proves right."""

    attempts: SignInAttempts
    by_address: str
    by_email: str

    def succeeded(self) -> None:
        """A right password: reset the address's count, and take this guess back from
        the email's (which a success does not reset)."""
        self.attempts.reset(self.by_address)
        self.attempts.release(self.by_email)


def _count_a_guess(accounts: Accounts, *, email: str, client_address: str, now: datetime) -> _Guess:
    """Count a password guess before it is checked, so that concurrent guesses cannot
    slip past the limits; a guess answered 429 is not counted.

    :raises SignInLocked: if either counter is locked.
    """
    key = email_key(email)
    guess = _Guess(
        accounts.sign_in_attempts,
        by_address=_counter("address", key, _client_network(client_address)),
        by_email=_counter("email", key),
    )
    attempts = accounts.sign_in_attempts
    if locked_until := attempts.reserve(
        guess.by_address, limit=ADDRESS_LIMIT, window=ADDRESS_WINDOW, now=now
    ):
        raise SignInLocked(retry_after=_seconds_until(locked_until, now))
    if locked_until := attempts.reserve(
        guess.by_email, limit=EMAIL_LIMIT, window=EMAIL_WINDOW, now=now
    ):
        attempts.release(guess.by_address)  # answered 429: not counted
        raise SignInLocked(retry_after=_seconds_until(locked_until, now))
    return guess


def _client_network(address: str) -> str:
    """Return what one client's attempts are counted by: its IPv4 address, or the /64 of
    its IPv6 address (the block one customer line usually gets).

    An IPv4 client of a dual-stack server arrives as `::ffff:a.b.c.d`: it is counted by
    its IPv4 address, not lumped with every other IPv4 client into `::/64`.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


def _counter(kind: str, *parts: str) -> str:
    """Name a throttling counter without storing the email or address it counts."""
    return f"{kind}:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))
