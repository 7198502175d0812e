"""The identity use cases on the in-memory adapters: accounts, sign-in, throttling,
refresh-token rotation and reuse detection, password changes, access tokens, keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import uuid4

import jwt
import pytest

from config.composition import Adapters, in_memory_adapters
from core.identity import services
from core.identity.adapters.memory import InMemorySigningKeys
from core.identity.adapters.passwords import DjangoPasswords
from core.identity.domain import (
    Actor,
    EmailTaken,
    InvalidAccessToken,
    InvalidCredentials,
    InvalidEmail,
    InvalidPassword,
    InvalidRefreshToken,
    SigningKey,
    SignInLocked,
    WrongCurrentPassword,
    email_key,
)
from core.identity.tokens import KEY_CACHE_TTL, KeyRing
from tests.conftest import PASSWORD
from tests.factories import EPOCH

HERE, THERE = "198.51.100.7", "203.0.113.9"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = EPOCH) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class CountingKeys(InMemorySigningKeys):
    """The in-memory key store, counting how often all keys are read."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def all(self) -> Sequence[SigningKey]:
        self.reads += 1
        return super().all()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def keys(clock: Clock) -> CountingKeys:
    return CountingKeys()


@pytest.fixture
def accounts(clock: Clock, keys: CountingKeys) -> Adapters:
    return replace(in_memory_adapters(), clock=clock, keys=KeyRing(keys, clock=clock))


@pytest.fixture
def ann(accounts: Adapters) -> Actor:
    return Actor(services.register(accounts, email="ann@example.com", password=PASSWORD).id)


def sign_in(
    accounts: Adapters,
    *,
    email: str = "ann@example.com",
    password: str = PASSWORD,
    address: str = HERE,
) -> services.TokenPair:
    return services.sign_in(accounts, email=email, password=password, client_address=address)


# --- Accounts ----------------------------------------------------------------------------


def test_register_keeps_the_email_as_written_and_only_a_hash_of_the_password(
    accounts: Adapters, clock: Clock
) -> None:
    user = services.register(accounts, email="  Ann@Example.com ", password=PASSWORD)
    assert (user.email, user.is_active, user.created_at) == ("Ann@Example.com", True, clock.now)
    assert PASSWORD not in user.password_hash
    assert accounts.passwords.verify(PASSWORD, user.password_hash)
    assert accounts.users.by_email("ann@example.COM") == user


def test_an_email_is_one_account_whatever_its_letter_case(accounts: Adapters) -> None:
    services.register(accounts, email="ann@example.com", password=PASSWORD)
    with pytest.raises(EmailTaken):
        services.register(accounts, email="ANN@Example.com", password=PASSWORD + "!")


@pytest.mark.parametrize(
    "email",
    [
        "ann",
        "ann@",
        "@example.com",
        "ann@example",
        "ann smith@example.com",
        "ann@exa mple.com",
        "ann\x00@example.com",
        "ann@example.com\x07",
        "ann\r@example.com",
        "a@b@example.com",
        "a" * 65 + "@example.com",
        "ann@" + "e" * 250 + ".com",
    ],
)
def test_a_malformed_email_is_refused_and_nothing_is_stored(accounts: Adapters, email: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        services.register(accounts, email=email, password=PASSWORD)
    assert caught.value.field == "email"
    assert accounts.users.by_email(email) is None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1!", "at least 8"),
        ("x" * 257, "at most 256"),
        ("password", "too common"),
        ("12345678901", "entirely numeric"),
        ("annexample", "too similar"),
    ],
)
def test_a_password_the_rules_refuse_is_refused_with_the_reason(
    accounts: Adapters, password: str, reason: str
) -> None:
    with pytest.raises(InvalidPassword, match=reason) as caught:
        services.register(accounts, email="ann@example.com", password=password)
    assert caught.value.field == "password"
    assert accounts.users.by_email("ann@example.com") is None


def test_a_password_of_256_characters_is_accepted(accounts: Adapters) -> None:
    long_password = ("correct horse battery staple " * 10)[:256]
    assert len(long_password) == 256
    services.register(accounts, email="ann@example.com", password=long_password)
    assert sign_in(accounts, password=long_password).access_token


# --- Signing in ----------------------------------------------------------------------------


def test_signing_in_answers_a_pair_whose_access_token_names_the_user(
    accounts: Adapters, ann: Actor
) -> None:
    pair = sign_in(accounts, email="ANN@example.com")
    assert services.verify_access_token(accounts, token=pair.access_token) == ann
    assert (pair.expires_in, pair.refresh_expires_in) == (900, 30 * 24 * 3600)
    assert pair.refresh_token != pair.access_token


@pytest.mark.parametrize(
    ("email", "password"),
    [("ann@example.com", "wrong password!"), ("nobody@example.com", PASSWORD)],
    ids=["wrong password", "unknown email"],
)
def test_a_wrong_password_and_an_unknown_email_get_the_same_refusal(
    accounts: Adapters, ann: Actor, email: str, password: str
) -> None:
    with pytest.raises(InvalidCredentials) as caught:
        sign_in(accounts, email=email, password=password)
    assert str(caught.value) == "Invalid email or password"


def test_a_deactivated_account_cannot_sign_in_and_its_refresh_tokens_die(
    accounts: Adapters, ann: Actor
) -> None:
    pair = sign_in(accounts)
    assert services.deactivate(accounts, email="ann@example.com")
    with pytest.raises(InvalidCredentials):
        sign_in(accounts)
    with pytest.raises(InvalidRefreshToken):
        services.refresh(accounts, refresh_token=pair.refresh_token)


class RecordingPasswords(DjangoPasswords):
    """Django's passwords, recording which hashes sign-ins were checked against."""

    def __init__(self) -> None:
        self.checked: list[str | None] = []

    def verify(self, password: str, password_hash: str | None) -> bool:
        self.checked.append(password_hash)
        return super().verify(password, password_hash)


def test_an_unknown_email_is_checked_against_no_hash_which_still_costs_a_hash(
    accounts: Adapters,
) -> None:
    # DjangoPasswords.verify hashes the password when there is no hash to check it
    # against (tests/integration/test_passwords.py counts that hash).
    passwords = RecordingPasswords()
    with pytest.raises(InvalidCredentials):
        sign_in(replace(accounts, passwords=passwords), email="nobody@example.com")
    assert passwords.checked == [None]


# --- Throttling (API.md: 5 per email and address in 15 minutes, 100 per email in an hour) ---


def fail(accounts: Adapters, times: int, address: str = HERE) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            sign_in(accounts, password="wrong password!", address=address)


def test_five_failures_lock_the_email_from_that_address_right_password_or_not(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    fail(accounts, 1)
    clock.advance(minutes=4)
    fail(accounts, 4)
    with pytest.raises(SignInLocked) as locked:
        sign_in(accounts)  # the right password
    assert locked.value.retry_after == 11 * 60  # 15 minutes after the first failure
    assert sign_in(accounts, address=THERE).access_token  # another address is not locked


def test_the_lock_ends_15_minutes_after_the_first_of_those_failures(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    fail(accounts, 5)
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(SignInLocked) as locked:
        sign_in(accounts)
    assert locked.value.retry_after == 1
    clock.advance(seconds=1)
    assert sign_in(accounts).access_token


def test_attempts_answered_429_are_not_counted(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    fail(accounts, 5)
    for _ in range(20):
        with pytest.raises(SignInLocked):
            sign_in(accounts, password="wrong password!")
    clock.advance(minutes=15)
    fail(accounts, 4)  # a new window: four failures, no lock
    assert sign_in(accounts).access_token


def test_a_success_before_the_lock_resets_the_count(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    fail(accounts, 4)
    assert sign_in(accounts).access_token
    fail(accounts, 4)
    assert sign_in(accounts).access_token
    fail(accounts, 5)
    with pytest.raises(SignInLocked):
        sign_in(accounts)


def test_a_hundred_failures_in_an_hour_lock_the_email_from_every_address(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    for n in range(24):
        fail(accounts, 4, address=f"192.0.2.{n}")
    fail(accounts, 3, address="192.0.2.100")  # 99 failures
    assert sign_in(accounts, address="192.0.2.200").access_token  # a success: not reset
    fail(accounts, 1, address="192.0.2.201")  # the hundredth
    with pytest.raises(SignInLocked) as locked:
        sign_in(accounts, address="192.0.2.202")
    assert locked.value.retry_after == 3600
    clock.advance(hours=1)
    assert sign_in(accounts, address="192.0.2.202").access_token


def test_an_email_locked_everywhere_does_not_count_against_the_address(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    for n in range(25):
        fail(accounts, 4, address=f"192.0.2.{n}")
    for _ in range(10):
        with pytest.raises(SignInLocked):
            sign_in(accounts, password="wrong password!", address=HERE)
    clock.advance(hours=1)
    fail(accounts, 4, address=HERE)  # the ten 429s left nothing behind for HERE
    assert sign_in(accounts, address=HERE).access_token


def test_throttling_counts_the_email_in_any_letter_case(accounts: Adapters, ann: Actor) -> None:
    for email in ("ann@example.com", "ANN@example.com", "Ann@Example.com", "aNN@example.com"):
        with pytest.raises(InvalidCredentials):
            sign_in(accounts, email=email, password="wrong password!")
    fail(accounts, 1)
    with pytest.raises(SignInLocked):
        sign_in(accounts, email="ANN@EXAMPLE.COM")


# --- Refresh tokens ------------------------------------------------------------------------


def test_a_refresh_token_works_once_and_gets_a_new_pair(accounts: Adapters, ann: Actor) -> None:
    first = sign_in(accounts)
    second = services.refresh(accounts, refresh_token=first.refresh_token)
    assert second.refresh_token != first.refresh_token
    assert services.verify_access_token(accounts, token=second.access_token) == ann
    third = services.refresh(accounts, refresh_token=second.refresh_token)
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)


def test_reusing_a_spent_refresh_token_revokes_everything_descended_from_its_sign_in(
    accounts: Adapters, ann: Actor
) -> None:
    stolen = sign_in(accounts)
    other_sign_in = sign_in(accounts)
    legitimate = services.refresh(accounts, refresh_token=stolen.refresh_token)
    with pytest.raises(InvalidRefreshToken):
        services.refresh(accounts, refresh_token=stolen.refresh_token)  # replayed
    with pytest.raises(InvalidRefreshToken):
        services.refresh(accounts, refresh_token=legitimate.refresh_token)  # its descendant
    assert services.refresh(accounts, refresh_token=other_sign_in.refresh_token)


def test_an_expired_refresh_token_is_refused(accounts: Adapters, ann: Actor, clock: Clock) -> None:
    pair = sign_in(accounts)
    clock.advance(days=30)
    with pytest.raises(InvalidRefreshToken):
        services.refresh(accounts, refresh_token=pair.refresh_token)


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 43])
def test_an_unknown_refresh_token_is_refused(accounts: Adapters, ann: Actor, token: str) -> None:
    with pytest.raises(InvalidRefreshToken):
        services.refresh(accounts, refresh_token=token)


def test_logging_out_ends_that_sign_in_only(accounts: Adapters, ann: Actor) -> None:
    leaving, staying = sign_in(accounts), sign_in(accounts)
    rotated = services.refresh(accounts, refresh_token=leaving.refresh_token)
    services.log_out(accounts, refresh_token=rotated.refresh_token)
    with pytest.raises(InvalidRefreshToken):
        services.refresh(accounts, refresh_token=rotated.refresh_token)
    assert services.refresh(accounts, refresh_token=staying.refresh_token)
    services.log_out(accounts, refresh_token=rotated.refresh_token)  # again: no error
    services.log_out(accounts, refresh_token="never-issued")


def test_refresh_tokens_are_stored_as_hashes_only(accounts: Adapters, ann: Actor) -> None:
    pair = sign_in(accounts)
    assert accounts.refresh_tokens.find(pair.refresh_token) is None
    stored = accounts.refresh_tokens.find(services.hash_refresh_token(pair.refresh_token))
    assert stored is not None
    assert stored.user_id == ann.user_id


# --- Password changes --------------------------------------------------------------------


def change_password(
    accounts: Adapters, actor: Actor, *, current: str, new: str, address: str = HERE
) -> None:
    services.change_password(
        accounts,
        actor=actor,
        current_password=current,
        new_password=new,
        client_address=address,
    )


def test_changing_the_password_ends_every_sign_in(accounts: Adapters, ann: Actor) -> None:
    first, second = sign_in(accounts), sign_in(accounts)
    change_password(accounts, ann, current=PASSWORD, new="a brand new secret")
    for pair in (first, second):
        with pytest.raises(InvalidRefreshToken):
            services.refresh(accounts, refresh_token=pair.refresh_token)
    with pytest.raises(InvalidCredentials):
        sign_in(accounts)
    assert sign_in(accounts, password="a brand new secret").access_token


def test_a_wrong_current_password_changes_nothing(accounts: Adapters, ann: Actor) -> None:
    pair = sign_in(accounts)
    with pytest.raises(WrongCurrentPassword):
        change_password(accounts, ann, current="not it at all", new="a new secret!")
    assert services.refresh(accounts, refresh_token=pair.refresh_token)


def test_a_new_password_the_rules_refuse_names_new_password(accounts: Adapters, ann: Actor) -> None:
    with pytest.raises(InvalidPassword) as caught:
        change_password(accounts, ann, current=PASSWORD, new="12345678")
    assert caught.value.field == "new_password"
    assert sign_in(accounts).access_token


# --- Access tokens -----------------------------------------------------------------------


def claims_and_header(token: str) -> tuple[dict[str, object], dict[str, object]]:
    header, payload, _ = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(payload), decode(header)


def test_an_access_token_is_hs256_with_kid_and_every_claim(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    claims, header = claims_and_header(sign_in(accounts).access_token)
    assert header["alg"] == "HS256"
    assert isinstance(header["kid"], str)
    assert claims == {
        "iss": "todo-api",
        "aud": "todo-api",
        "sub": str(ann.user_id),
        "iat": int(clock.now.timestamp()),
        "exp": int(clock.now.timestamp()) + 900,
    }


def jws(header: dict[str, object], claims: dict[str, object], secret: bytes) -> str:
    """Sign a token by hand (HS256 unless the header says HS512), so that a test can put
    anything in it, even what PyJWT would refuse to encode."""
    digest = hashlib.sha512 if header.get("alg") == "HS512" else hashlib.sha256

    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    signed = f"{part(header)}.{part(claims)}"
    signature = hmac.new(secret, signed.encode(), digest).digest()
    return f"{signed}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


def forged(accounts: Adapters, ann: Actor, **changes: object) -> str:
    """A token like a real one, signed with the real key, after `changes`: claims to
    change (None removes one), `header` entries, or another `secret`."""
    key = accounts.keys.signing_key()
    now = int(accounts.clock().timestamp())
    header: dict[str, object] = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    header.update(changes.pop("header", {}))  # type: ignore[call-overload]
    secret = changes.pop("secret", key.secret)
    assert isinstance(secret, bytes)
    claims: dict[str, object] = {"iss": "todo-api", "aud": "todo-api", "sub": str(ann.user_id)}
    claims |= {"iat": now, "exp": now + 900, **changes}
    return jws(header, {k: v for k, v in claims.items() if v is not None}, secret)


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "someone-else"},
        {"aud": "another-api"},
        {"sub": "not-a-uuid"},
        {"sub": None},
        {"exp": None},
        {"iat": None},
        {"exp": "tomorrow"},
        {"iat": 1.5},
        {"header": {"alg": "HS512"}},
        {"header": {"alg": "none"}},
        {"header": {"alg": "RS256"}},
        {"secret": b"an attacker's own secret of 32 bytes!!"},
        {"header": {"kid": "a-key-nobody-has"}},
        {"header": {"kid": 7}},
    ],
    ids=repr,
)
def test_a_token_that_fails_any_check_is_refused(
    accounts: Adapters, ann: Actor, changes: dict[str, object]
) -> None:
    with pytest.raises(InvalidAccessToken):
        services.verify_access_token(accounts, token=forged(accounts, ann, **changes))


def test_the_forging_helper_makes_tokens_the_app_accepts(accounts: Adapters, ann: Actor) -> None:
    assert services.verify_access_token(accounts, token=forged(accounts, ann)) == ann


def test_an_unsigned_token_alg_none_is_refused(accounts: Adapters, ann: Actor) -> None:
    token = jwt.encode(
        {"iss": "todo-api", "aud": "todo-api", "sub": str(ann.user_id), "iat": 0, "exp": 2**40},
        None,
        algorithm="none",
        headers={"kid": accounts.keys.signing_key().kid},
    )
    with pytest.raises(InvalidAccessToken):
        services.verify_access_token(accounts, token=token)


def test_a_tampered_payload_is_refused(accounts: Adapters, ann: Actor) -> None:
    header, payload, signature = sign_in(accounts).access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = str(uuid4())
    tampered = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(InvalidAccessToken):
        services.verify_access_token(accounts, token=f"{header}.{tampered}.{signature}")


def test_an_access_token_expires_after_its_lifetime(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    token = sign_in(accounts).access_token
    clock.advance(seconds=899)
    assert services.verify_access_token(accounts, token=token) == ann
    clock.advance(seconds=1)
    with pytest.raises(InvalidAccessToken):
        services.verify_access_token(accounts, token=token)


def test_a_token_issued_in_the_future_beyond_clock_skew_is_refused(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    clock.advance(minutes=5)
    token = sign_in(accounts).access_token
    clock.advance(minutes=-5)
    with pytest.raises(InvalidAccessToken):
        services.verify_access_token(accounts, token=token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "x" * 5000])
def test_garbage_is_refused(accounts: Adapters, ann: Actor, token: str) -> None:
    with pytest.raises(InvalidAccessToken):
        services.verify_access_token(accounts, token=token)


def test_the_access_token_ttl_comes_from_the_policy(accounts: Adapters, ann: Actor) -> None:
    short = replace(accounts.token_policy, access_ttl=timedelta(seconds=60))
    pair = sign_in(replace(accounts, token_policy=short))
    claims, _ = claims_and_header(pair.access_token)
    assert pair.expires_in == 60
    assert claims["exp"] == claims["iat"] + 60  # type: ignore[operator]


# --- Signing keys ------------------------------------------------------------------------


def test_the_first_sign_in_creates_the_signing_key(
    accounts: Adapters, ann: Actor, keys: CountingKeys
) -> None:
    assert list(keys.all()) == []
    sign_in(accounts)
    assert len(keys.all()) == 1


def test_verifying_reads_the_keys_once_per_cache_period(
    accounts: Adapters, ann: Actor, keys: CountingKeys, clock: Clock
) -> None:
    token = sign_in(accounts).access_token
    reads = keys.reads
    for _ in range(50):
        services.verify_access_token(accounts, token=token)
    assert keys.reads == reads
    clock.advance(seconds=KEY_CACHE_TTL.total_seconds())
    services.verify_access_token(accounts, token=token)
    assert keys.reads == reads + 1


def test_an_unknown_kid_reloads_the_keys_at_most_once_a_second(
    accounts: Adapters, ann: Actor, keys: CountingKeys, clock: Clock
) -> None:
    sign_in(accounts)
    clock.advance(seconds=1)
    reads = keys.reads
    for n in range(20):
        with pytest.raises(InvalidAccessToken):
            services.verify_access_token(
                accounts, token=forged(accounts, ann, header={"kid": f"made-up-{n}"})
            )
    assert keys.reads == reads + 1


def test_a_key_another_instance_made_is_found_by_reloading(
    accounts: Adapters, ann: Actor, keys: CountingKeys, clock: Clock
) -> None:
    sign_in(accounts)
    elsewhere = replace(accounts, keys=KeyRing(keys, clock=clock))  # another instance
    clock.advance(seconds=2)
    services.rotate_signing_key(elsewhere)
    token = sign_in(elsewhere).access_token
    assert services.verify_access_token(accounts, token=token) == ann


def test_after_rotation_tokens_of_the_previous_key_stay_valid_until_they_expire(
    accounts: Adapters, ann: Actor, keys: CountingKeys, clock: Clock
) -> None:
    old = sign_in(accounts).access_token
    clock.advance(seconds=1)
    assert services.rotate_signing_key(accounts) == 0
    new = sign_in(accounts).access_token
    assert claims_and_header(old)[1]["kid"] != claims_and_header(new)[1]["kid"]
    assert services.verify_access_token(accounts, token=old) == ann
    # Once no token of the old key can be valid, the next rotation deletes it.
    clock.advance(seconds=(900 + KEY_CACHE_TTL.total_seconds()))
    with pytest.raises(InvalidAccessToken):
        services.verify_access_token(accounts, token=old)  # expired by now
    assert services.rotate_signing_key(accounts) == 1
    assert len(keys.all()) == 2


def test_dropping_the_previous_keys_refuses_their_tokens_at_once(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    old = sign_in(accounts).access_token
    clock.advance(seconds=1)
    assert services.rotate_signing_key(accounts, drop_previous=True) == 1
    with pytest.raises(InvalidAccessToken):
        services.verify_access_token(accounts, token=old)


def test_wrong_current_passwords_count_as_failed_sign_ins(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    for _ in range(5):
        with pytest.raises(WrongCurrentPassword):
            change_password(accounts, ann, current="a guess", new="a brand new secret")
    with pytest.raises(SignInLocked):
        change_password(accounts, ann, current=PASSWORD, new="a brand new secret")
    with pytest.raises(SignInLocked):
        sign_in(accounts)  # the same counters: guessing here is guessing a sign-in
    assert sign_in(accounts, address=THERE).access_token


def test_a_sign_in_overtaken_by_a_password_change_gets_no_refresh_token(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    # The sign-in checked the old password; the change lands before it stores its token.
    real_verify = accounts.passwords.verify

    def verify_then_change(password: str, password_hash: str | None) -> bool:
        matches = real_verify(password, password_hash)
        clock.advance(seconds=1)
        change_password(accounts, ann, current=PASSWORD, new="changed meanwhile!")
        return matches

    racing = replace(accounts, passwords=_Verifying(accounts.passwords, verify_then_change))
    with pytest.raises(InvalidCredentials):
        sign_in(racing)


def test_a_sign_in_that_starts_during_a_password_change_and_stores_after_it_is_dead(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    """The interleaving an attacker with the old password aims for: the change has begun
    (it is hashing), the sign-in starts later and checks the old password, and stores
    its token only once the change is complete. That token must not refresh."""
    hashing, verified, changed = threading.Event(), threading.Event(), threading.Event()
    real_hash, real_verify = accounts.passwords.hash, accounts.passwords.verify

    def slow_hash(password: str) -> str:
        hashing.set()
        assert verified.wait(5)
        return real_hash(password)

    def verify_then_wait(password: str, password_hash: str | None) -> bool:
        matches = real_verify(password, password_hash)
        verified.set()
        assert changed.wait(5)
        return matches

    def change() -> None:
        changing = replace(accounts, passwords=_Hashing(accounts.passwords, slow_hash))
        change_password(changing, ann, current=PASSWORD, new="changed meanwhile!")
        changed.set()

    changer = threading.Thread(target=change)
    changer.start()
    assert hashing.wait(5)
    clock.advance(seconds=1)  # the sign-in starts after the change did
    racing = replace(accounts, passwords=_Verifying(accounts.passwords, verify_then_wait))
    try:
        pair: services.TokenPair | None = sign_in(racing)
    except InvalidCredentials:
        pair = None
    changer.join()
    if pair is not None:
        with pytest.raises(InvalidRefreshToken):
            services.refresh(accounts, refresh_token=pair.refresh_token)


class _Hashing:
    """A Passwords whose hash is replaced."""

    def __init__(self, passwords: object, hash_: object) -> None:
        self._passwords, self.hash = passwords, hash_

    def __getattr__(self, name: str) -> object:
        return getattr(self._passwords, name)


class _Verifying:
    """A Passwords whose verify is replaced."""

    def __init__(self, passwords: object, verify: object) -> None:
        self._passwords, self.verify = passwords, verify

    def __getattr__(self, name: str) -> object:
        return getattr(self._passwords, name)


def test_a_spent_token_presented_after_it_expired_still_ends_its_sign_in(
    accounts: Adapters, ann: Actor, clock: Clock
) -> None:
    stolen = sign_in(accounts)
    thiefs = services.refresh(accounts, refresh_token=stolen.refresh_token)
    clock.advance(days=31)  # the owner comes back a month later with the old token
    with pytest.raises(InvalidRefreshToken):
        services.refresh(accounts, refresh_token=stolen.refresh_token)
    stored = accounts.refresh_tokens.find(services.hash_refresh_token(thiefs.refresh_token))
    assert stored is not None
    assert stored.revoked_at == clock.now


def test_a_dotted_capital_i_is_the_same_account_and_the_same_counter(
    accounts: Adapters, clock: Clock
) -> None:
    services.register(accounts, email="alice@example.com", password=PASSWORD)
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            sign_in(accounts, email="alice@example.com", password="wrong password!")
    full_width = "\uff41\uff4c\uff49\uff43\uff45@example.com"
    for variant in ("alİce@example.com", "ALICE@example.com", full_width):
        with pytest.raises((SignInLocked, InvalidCredentials)) as refused:
            sign_in(accounts, email=variant)
        # The same account is locked whichever way it is written; a different key is
        # a different account, which does not exist.
        same = email_key(variant) == email_key("alice@example.com")
        assert isinstance(refused.value, SignInLocked) is same


def test_an_ipv6_clients_neighbours_share_its_counter(accounts: Adapters, ann: Actor) -> None:
    for n in range(5):
        with pytest.raises(InvalidCredentials):
            sign_in(accounts, password="wrong password!", address=f"2001:db8:1:2::{n + 1}")
    with pytest.raises(SignInLocked):
        sign_in(accounts, address="2001:db8:1:2:ffff::9")
    assert sign_in(accounts, address="2001:db8:1:3::1").access_token


def test_ipv4_clients_of_a_dual_stack_server_are_counted_by_their_own_address(
    accounts: Adapters, ann: Actor
) -> None:
    """`::ffff:a.b.c.d` is an IPv4 client, not one of all IPv4 clients in `::/64`."""
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            sign_in(accounts, password="wrong password!", address="::ffff:198.51.100.7")
    with pytest.raises(SignInLocked):
        sign_in(accounts, address="198.51.100.7")  # the same client, written as IPv4
    assert sign_in(accounts, address="::ffff:203.0.113.9").access_token


def test_of_two_overlapping_password_changes_the_second_proved_a_stale_password(
    accounts: Adapters, ann: Actor
) -> None:
    """Both proved the password current when they began; the first to land wins, and
    the other is told its current password is incorrect (it no longer is current)."""
    real_hash = accounts.passwords.hash

    def hash_while_another_change_lands(password: str) -> str:
        change_password(accounts, ann, current=PASSWORD, new="the first change wins")
        return real_hash(password)

    second = replace(
        accounts, passwords=_Hashing(accounts.passwords, hash_while_another_change_lands)
    )
    with pytest.raises(WrongCurrentPassword):
        change_password(second, ann, current=PASSWORD, new="the second change loses")
    assert sign_in(accounts, password="the first change wins").access_token
