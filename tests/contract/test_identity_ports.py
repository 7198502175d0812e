"""The identity ports' contract, run against the fakes and the Django ORM alike."""

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from config.composition import Adapters
from core.identity.domain import EmailTaken, RefreshToken, SigningKey, User, email_key
from tests.factories import EPOCH, UserFactory

# --- UserRepository ----------------------------------------------------------------------


def test_a_user_reads_back_as_stored(built: Adapters) -> None:
    user = UserFactory.build(email="Ann@Example.com", password_hash="argon2$x")
    built.users.add(user)
    assert built.users.get(user.id) == user
    assert built.users.get(uuid4()) is None


@pytest.mark.parametrize("spelling", ["ann@example.com", "ANN@EXAMPLE.COM", "aNn@eXample.Com"])
def test_a_user_is_found_by_email_in_any_letter_case(built: Adapters, spelling: str) -> None:
    user = UserFactory.build(email="Ann@Example.com")
    built.users.add(user)
    assert built.users.by_email(spelling) == user
    assert built.users.by_email("bob@example.com") is None


@pytest.mark.django_db(transaction=True)  # the refused INSERT ends PostgreSQL's transaction
def test_an_email_taken_in_another_letter_case_is_refused(built: Adapters) -> None:
    built.users.add(UserFactory.build(email="ann@example.com"))
    with pytest.raises(EmailTaken):
        built.users.add(UserFactory.build(email="ANN@example.com"))
    assert built.users.by_email("ann@example.com") is not None


def test_a_password_hash_is_replaced_and_the_session_epoch_moves_on(built: Adapters) -> None:
    user = UserFactory.build()
    built.users.add(user)
    now = EPOCH + timedelta(days=1)
    assert built.users.set_password_hash(user.id, "argon2$new", now=now) is True
    expected = replace(user, password_hash="argon2$new", session_epoch=user.session_epoch + 1)
    assert built.users.get(user.id) == expected
    assert built.users.set_password_hash(uuid4(), "argon2$new", now=now) is False


def test_a_password_hash_is_replaced_only_at_the_expected_epoch(built: Adapters) -> None:
    user = UserFactory.build()
    built.users.add(user)
    assert built.users.set_password_hash(user.id, "argon2$one", now=EPOCH, epoch=0) is True
    assert built.users.set_password_hash(user.id, "argon2$two", now=EPOCH, epoch=0) is False
    stored = built.users.get(user.id)
    assert stored is not None
    assert (stored.password_hash, stored.session_epoch) == ("argon2$one", 1)


FULL_WIDTH_IREM = "\uff29\uff32\uff25\uff2d@example.com"


@pytest.mark.parametrize(
    "spelling",
    ["İrem@example.com", "irem@example.com", "IREM@EXAMPLE.COM", FULL_WIDTH_IREM],
)
def test_one_key_rule_finds_and_guards_an_email_whatever_its_letters(
    built: Adapters, spelling: str
) -> None:
    # Python's and PostgreSQL's lower() disagree on İ; the stored key is Python's, so the
    # lookup, the unique index and the sign-in throttle agree.
    user = UserFactory.build(email="irem@example.com")
    built.users.add(user)
    found = built.users.by_email(spelling)
    assert (found == user) is (email_key(spelling) == email_key(user.email))


def test_a_deactivated_user_is_kept_but_no_longer_active(built: Adapters) -> None:
    user = UserFactory.build()
    built.users.add(user)
    assert built.users.is_active(user.id) is True
    assert built.users.deactivate(user.id) is True
    assert built.users.is_active(user.id) is False
    assert built.users.get(user.id) == replace(user, is_active=False)
    assert built.users.is_active(uuid4()) is False
    assert built.users.deactivate(uuid4()) is False


# --- RefreshTokens -----------------------------------------------------------------------

HOUR = timedelta(hours=1)


@pytest.fixture
def user(built: Adapters) -> User:
    user = UserFactory.build()
    built.users.add(user)
    return user


def token(user: User, **fields: object) -> RefreshToken:
    defaults: dict[str, object] = {
        "token_hash": uuid4().hex * 2,
        "user_id": user.id,
        "family": uuid4(),
        "signed_in_at": EPOCH,
        "created_at": EPOCH,
        "expires_at": EPOCH + timedelta(days=30),
    }
    return RefreshToken(**{**defaults, **fields})  # type: ignore[arg-type]


def test_a_refresh_token_reads_back_by_its_hash(built: Adapters, user: User) -> None:
    stored = token(user)
    assert built.refresh_tokens.add(stored) is True
    assert built.refresh_tokens.find(stored.token_hash) == stored
    assert built.refresh_tokens.find("f" * 64) is None


def test_a_token_of_an_inactive_user_or_an_earlier_epoch_is_not_stored(
    built: Adapters, user: User
) -> None:
    """A sign-in that checked the old password stores nothing once the change is in."""
    built.users.set_password_hash(user.id, "argon2$new", now=EPOCH)
    stale = token(user)  # epoch 0, the old password's
    assert built.refresh_tokens.add(stale) is False
    assert built.refresh_tokens.find(stale.token_hash) is None
    current = token(user, session_epoch=1)
    assert built.refresh_tokens.add(current) is True
    built.users.deactivate(user.id)
    assert built.refresh_tokens.add(token(user, session_epoch=1)) is False


def rotate(built: Adapters, stored: RefreshToken, *, now: datetime) -> RefreshToken | None:
    """Rotate `stored`; return its successor as stored, or None if it was refused."""
    successor = token(
        User(
            id=stored.user_id,
            email="x@example.com",
            password_hash="",
            is_active=True,
            created_at=EPOCH,
        ),
        created_at=now,
        expires_at=now + timedelta(days=30),
        family=stored.family,
        signed_in_at=stored.signed_in_at,
        session_epoch=stored.session_epoch,
    )
    if not built.refresh_tokens.rotate(stored.token_hash, successor, now=now):
        assert built.refresh_tokens.find(successor.token_hash) is None, "stored on refusal"
        return None
    return built.refresh_tokens.find(successor.token_hash)


def test_a_token_is_spent_once_and_its_successor_stored_with_it(
    built: Adapters, user: User
) -> None:
    stored = token(user)
    built.refresh_tokens.add(stored)
    now = EPOCH + timedelta(hours=1)
    successor = rotate(built, stored, now=now)
    assert successor is not None
    assert (successor.family, successor.signed_in_at, successor.used_at) == (
        stored.family,
        stored.signed_in_at,
        None,
    )
    assert rotate(built, stored, now=now) is None
    assert built.refresh_tokens.find(stored.token_hash) == replace(stored, used_at=now)
    assert rotate(built, successor, now=now) is not None


def test_a_successor_takes_the_user_family_sign_in_and_epoch_of_the_token_it_replaces(
    built: Adapters, user: User
) -> None:
    stored = token(user)
    built.refresh_tokens.add(stored)
    someone_else = UserFactory.build()
    built.users.add(someone_else)
    claims_more = token(
        someone_else,
        family=uuid4(),
        signed_in_at=EPOCH + HOUR,
        session_epoch=7,
        created_at=EPOCH + HOUR,
        expires_at=EPOCH + timedelta(days=31),
    )
    assert built.refresh_tokens.rotate(stored.token_hash, claims_more, now=EPOCH + HOUR)
    successor = built.refresh_tokens.find(claims_more.token_hash)
    assert successor is not None
    assert (successor.user_id, successor.family, successor.signed_in_at) == (
        stored.user_id,
        stored.family,
        stored.signed_in_at,
    )
    assert successor.session_epoch == stored.session_epoch
    assert (successor.created_at, successor.expires_at) == (
        EPOCH + HOUR,
        EPOCH + timedelta(days=31),
    )


def test_a_revoked_or_expired_token_cannot_be_spent(built: Adapters, user: User) -> None:
    revoked, expired = token(user), token(user, expires_at=EPOCH + timedelta(minutes=30))
    for stored in (revoked, expired):
        built.refresh_tokens.add(stored)
    built.refresh_tokens.revoke_family(revoked.family, now=EPOCH)
    assert rotate(built, revoked, now=EPOCH + timedelta(hours=1)) is None
    assert rotate(built, expired, now=EPOCH + timedelta(hours=1)) is None
    assert rotate(built, token(user), now=EPOCH) is None  # never stored


def test_a_token_of_a_sign_in_revoked_before_it_was_stored_cannot_be_spent(
    built: Adapters, user: User
) -> None:
    family = uuid4()
    spent = token(user, family=family)
    built.refresh_tokens.add(spent)
    built.refresh_tokens.revoke_family(family, now=EPOCH)
    late = token(user, family=family)  # issued by a request that raced the revocation
    built.refresh_tokens.add(late)
    assert rotate(built, late, now=EPOCH) is None
    unrelated = token(user)
    built.refresh_tokens.add(unrelated)
    assert rotate(built, unrelated, now=EPOCH) is not None


def test_a_token_of_an_earlier_session_epoch_cannot_be_spent(built: Adapters, user: User) -> None:
    before = token(user)
    built.refresh_tokens.add(before)
    built.users.set_password_hash(user.id, "argon2$new", now=EPOCH + timedelta(minutes=30))
    after = token(user, session_epoch=1, signed_in_at=EPOCH + HOUR)
    built.refresh_tokens.add(after)
    assert rotate(built, before, now=EPOCH + 2 * HOUR) is None
    assert rotate(built, after, now=EPOCH + 2 * HOUR) is not None


def test_a_deactivated_users_token_cannot_be_spent(built: Adapters, user: User) -> None:
    stored = token(user)
    built.refresh_tokens.add(stored)
    built.users.deactivate(user.id)
    assert rotate(built, stored, now=EPOCH + HOUR) is None


def test_revoking_a_family_revokes_its_live_tokens_only(built: Adapters, user: User) -> None:
    family = uuid4()
    first, second = token(user, family=family), token(user, family=family)
    other = token(user)
    already = token(user, family=family, revoked_at=EPOCH)
    for stored in (first, second, other, already):
        built.refresh_tokens.add(stored)
    now = EPOCH + timedelta(hours=1)
    assert built.refresh_tokens.revoke_family(family, now=now) == 2
    assert built.refresh_tokens.find(first.token_hash) == replace(first, revoked_at=now)
    assert built.refresh_tokens.find(already.token_hash) == already
    assert built.refresh_tokens.find(other.token_hash) == other


def test_revoking_a_user_revokes_every_sign_in_of_theirs_only(built: Adapters, user: User) -> None:
    someone_else = UserFactory.build()
    built.users.add(someone_else)
    mine = [token(user), token(user)]
    theirs = token(someone_else)
    for stored in [*mine, theirs]:
        built.refresh_tokens.add(stored)
    assert built.refresh_tokens.revoke_user(user.id, now=EPOCH) == 2
    assert all(built.refresh_tokens.find(t.token_hash).revoked_at == EPOCH for t in mine)  # type: ignore[union-attr]
    assert built.refresh_tokens.find(theirs.token_hash) == theirs


# --- SigningKeys -------------------------------------------------------------------------


def key(minutes: int) -> SigningKey:
    return SigningKey(
        kid=f"key-{minutes}",
        secret=bytes([minutes]) * 32,
        created_at=EPOCH + timedelta(minutes=minutes),
    )


def test_keys_read_back_newest_first_with_their_secrets(built: Adapters) -> None:
    store = built.keys.store
    for minutes in (0, 20, 10):
        store.add(key(minutes))
    assert list(store.all()) == [key(20), key(10), key(0)]


@pytest.mark.parametrize(
    ("moment", "kept"),
    [(-1, [0, 10, 20]), (0, [0, 10, 20]), (9, [0, 10, 20]), (10, [10, 20]), (25, [20])],
)
def test_keys_superseded_at_or_before_a_moment_are_deleted(
    built: Adapters, moment: int, kept: list[int]
) -> None:
    store = built.keys.store
    for minutes in (0, 10, 20):
        store.add(key(minutes))
    deleted = store.delete_superseded_before(EPOCH + timedelta(minutes=moment))
    assert deleted == 3 - len(kept)
    assert [k.kid for k in store.all()] == [f"key-{m}" for m in reversed(kept)]


# --- SignInAttempts ----------------------------------------------------------------------

WINDOW = timedelta(minutes=15)


def at(minutes: float) -> datetime:
    return EPOCH + timedelta(minutes=minutes)


def test_attempts_are_counted_up_to_the_limit_then_locked_until_the_oldest_leaves_the_window(
    built: Adapters,
) -> None:
    attempts = built.sign_in_attempts
    for minute in (0, 1, 2):
        assert attempts.reserve("c", limit=3, window=WINDOW, now=at(minute)) is None
    assert attempts.reserve("c", limit=3, window=WINDOW, now=at(5)) == at(15)
    assert attempts.reserve("other", limit=3, window=WINDOW, now=at(5)) is None
    assert attempts.reserve("c", limit=3, window=WINDOW, now=at(15)) is None  # 0 has left
    assert attempts.reserve("c", limit=3, window=WINDOW, now=at(15.5)) == at(16)


def test_the_window_slides_so_no_burst_fits_across_its_edge(built: Adapters) -> None:
    attempts = built.sign_in_attempts
    attempts.reserve("c", limit=5, window=WINDOW, now=at(0))
    for _ in range(3):
        assert attempts.reserve("c", limit=5, window=WINDOW, now=at(14.9)) is None
    assert attempts.reserve("c", limit=5, window=WINDOW, now=at(15)) is None  # 0 has left
    assert attempts.reserve("c", limit=5, window=WINDOW, now=at(15)) is None
    assert attempts.reserve("c", limit=5, window=WINDOW, now=at(15)) == at(14.9 + 15)


def test_a_locked_counter_does_not_count_the_refused_attempts(built: Adapters) -> None:
    attempts = built.sign_in_attempts
    for _ in range(2):
        attempts.reserve("c", limit=2, window=WINDOW, now=EPOCH)
    for _ in range(5):
        assert attempts.reserve("c", limit=2, window=WINDOW, now=EPOCH) is not None
    attempts.release("c")  # one counted attempt back: room for exactly one more
    assert attempts.reserve("c", limit=2, window=WINDOW, now=EPOCH) is None
    assert attempts.reserve("c", limit=2, window=WINDOW, now=EPOCH) is not None


def test_a_reset_counter_forgets_every_attempt(built: Adapters) -> None:
    attempts = built.sign_in_attempts
    for _ in range(2):
        attempts.reserve("c", limit=2, window=WINDOW, now=at(0))
    attempts.reset("c")
    for _ in range(2):
        assert attempts.reserve("c", limit=2, window=WINDOW, now=at(10)) is None
    assert attempts.reserve("c", limit=2, window=WINDOW, now=at(10)) == at(25)
    attempts.reset("never-counted")
    attempts.release("never-counted")
    assert attempts.reserve("never-counted", limit=1, window=WINDOW, now=EPOCH) is None


def test_tokens_expired_before_a_moment_are_purged(built: Adapters, user: User) -> None:
    old = token(user, expires_at=EPOCH)
    live = token(user, expires_at=EPOCH + 2 * HOUR)
    for stored in (old, live):
        built.refresh_tokens.add(stored)
    assert built.refresh_tokens.purge_expired(before=EPOCH + HOUR) == 1
    assert built.refresh_tokens.find(old.token_hash) is None
    assert built.refresh_tokens.find(live.token_hash) == live


def test_counters_idle_since_a_moment_are_purged(built: Adapters) -> None:
    attempts = built.sign_in_attempts
    attempts.reserve("idle", limit=5, window=WINDOW, now=at(0))
    attempts.reserve("busy", limit=5, window=WINDOW, now=at(0))
    attempts.reserve("busy", limit=5, window=WINDOW, now=at(30))
    attempts.reserve("reset", limit=5, window=WINDOW, now=at(30))
    attempts.reset("reset")
    assert attempts.purge_idle(before=at(20)) == 2
    for _ in range(4):
        assert attempts.reserve("busy", limit=5, window=WINDOW, now=at(31)) is None
    assert attempts.reserve("busy", limit=5, window=WINDOW, now=at(31)) is not None  # kept
