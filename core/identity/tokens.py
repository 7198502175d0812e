"""Access tokens: short-lived HS256 JWTs, signed and verified in this process.

Verifying a token reads no database: the signing keys are cached per process
(`KeyRing`). PyJWT is used for HS256 only, which needs no `cryptography`.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from core.clock import Clock
from core.identity.domain import Actor, InvalidAccessToken, SigningKey
from core.identity.ports import SigningKeys

ALGORITHM = "HS256"
SECRET_BYTES = 32  # 256 bits, the size of HS256's hash
# Longer than any token this app signs (about 300 characters); refused before parsing.
MAX_TOKEN_LENGTH = 2048
# Keys are read again after this long, so that every instance signs with a rotated key
# within this time and stops accepting a deleted one. A key therefore stays valid for
# at least this long plus the access-token lifetime after it is superseded.
KEY_CACHE_TTL = timedelta(minutes=5)
# A token naming a key this process does not know reloads the keys, at most this often,
# so that tokens with made-up key ids cannot turn every request into a query.
RELOAD_INTERVAL = timedelta(seconds=1)
# How far ahead of this process's clock another instance's may run: a token it issued
# a moment ago is not refused as issued in the future.
CLOCK_SKEW = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """Who issues the tokens, who they are for, and how long each kind lives."""

    issuer: str
    audience: str
    access_ttl: timedelta
    refresh_ttl: timedelta


class KeyRing:
    """The signing keys, loaded from their store once and cached in this process.

    The newest key signs. A key is created on first use, when the store has none.
    """

    def __init__(self, store: SigningKeys, *, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] = {}
        self._newest: SigningKey | None = None
        self._loaded_at: datetime | None = None

    @property
    def store(self) -> SigningKeys:
        """Where the keys are kept."""
        return self._store

    def signing_key(self) -> SigningKey:
        """Return the key to sign with, creating the first one if there is none."""
        now = self._clock()
        if self._stale(now, KEY_CACHE_TTL) or self._newest is None:
            self._load(now)
        if self._newest is None:
            self._store.add(new_signing_key(now))
            self._load(now)
        assert self._newest is not None
        return self._newest

    def verification_key(self, kid: str) -> SigningKey | None:
        """Return the key named `kid`, reloading the keys once if it is unknown."""
        now = self._clock()
        if self._stale(now, KEY_CACHE_TTL) or (
            kid not in self._keys and self._stale(now, RELOAD_INTERVAL)
        ):
            self._load(now)
        return self._keys.get(kid)

    def forget(self) -> None:
        """Drop the cached keys; the next use reads them again."""
        with self._lock:
            self._keys, self._newest, self._loaded_at = {}, None, None

    def _stale(self, now: datetime, age: timedelta) -> bool:
        return self._loaded_at is None or now - self._loaded_at >= age

    def _load(self, now: datetime) -> None:
        with self._lock:
            keys = list(self._store.all())
            self._keys = {key.kid: key for key in keys}
            self._newest = max(keys, key=lambda key: key.created_at, default=None)
            self._loaded_at = now


def new_signing_key(now: datetime) -> SigningKey:
    """Return a fresh random key."""
    return SigningKey(
        kid=secrets.token_urlsafe(12), secret=secrets.token_bytes(SECRET_BYTES), created_at=now
    )


def issue_access_token(keys: KeyRing, policy: TokenPolicy, *, user_id: UUID, now: datetime) -> str:
    """Return a signed access token for the user, valid from `now` for the policy's TTL."""
    key = keys.signing_key()
    claims = {
        "iss": policy.issuer,
        "aud": policy.audience,
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int((now + policy.access_ttl).timestamp()),
    }
    return jwt.encode(claims, key.secret, algorithm=ALGORITHM, headers={"kid": key.kid})


def verify_access_token(keys: KeyRing, policy: TokenPolicy, token: str, *, now: datetime) -> Actor:
    """Return the actor a valid access token names.

    The algorithm is pinned to HS256 (`none` and every other algorithm are refused),
    and the signature, issuer, audience and lifetime are checked, against `now`.

    :raises InvalidAccessToken: for any token that fails a check.
    """
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidAccessToken
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidAccessToken from None
    kid = header.get("kid")
    if header.get("alg") != ALGORITHM or not isinstance(kid, str):
        raise InvalidAccessToken
    key = keys.verification_key(kid)
    if key is None:
        raise InvalidAccessToken
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key.secret,
            algorithms=[ALGORITHM],
            audience=policy.audience,
            issuer=policy.issuer,
            # The times are checked below against the app's clock, not PyJWT's.
            options={
                "require": ["iss", "aud", "sub", "iat", "exp"],
                "verify_exp": False,
                "verify_iat": False,
            },
        )
    except jwt.PyJWTError:
        raise InvalidAccessToken from None
    issued_at, expires_at, subject = claims["iat"], claims["exp"], claims["sub"]
    if not all(isinstance(value, int) for value in (issued_at, expires_at)):
        raise InvalidAccessToken
    moment = now.timestamp()
    if not issued_at - CLOCK_SKEW.total_seconds() <= moment < expires_at:
        raise InvalidAccessToken
    try:
        return Actor(user_id=UUID(subject))
    except (TypeError, ValueError):
        raise InvalidAccessToken from None
