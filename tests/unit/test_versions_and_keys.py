"""Versions, conditional writes and idempotent creates, on the in-memory adapters."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from config.composition import Adapters, in_memory_adapters
from core.identity.domain import Actor, InvalidAccessToken
from tests.factories import EPOCH, TodoFactory, UserFactory
from todos import services
from todos.domain import (
    InvalidTitle,
    KeyReused,
    RequestInProgress,
    Todo,
    TodoNotFound,
    VersionMismatch,
)
from todos.ports import KEY_LIFETIME, STALE_CLAIM, Claim, KeyRecord, TodoQuery


class Clock:
    def __init__(self) -> None:
        self.now = EPOCH

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(clock: Clock) -> Adapters:
    return replace(in_memory_adapters(), clock=clock)


def actor(world: Adapters, email: str = "ann@example.com") -> Actor:
    user = UserFactory.build(email=email)
    world.users.add(user)
    return Actor(user.id)


@pytest.fixture
def ann(world: Adapters) -> Actor:
    return actor(world)


def create(world: Adapters, ann: Actor, title: str = "Buy milk") -> Todo:
    return services.create_todo(world.todos, title=title, actor=ann, clock=world.clock)


# --- Versions -----------------------------------------------------------------------------


def test_a_todo_starts_at_version_1_and_every_change_moves_it(world: Adapters, ann: Actor) -> None:
    todo = create(world, ann)
    assert todo.version == 1
    first = services.update_todo(world.todos, todo_id=todo.id, completed=True, actor=ann)
    second = services.update_todo(world.todos, todo_id=todo.id, completed=True, actor=ann)
    assert (first.version, second.version) == (2, 3)
    assert services.get_todo(world.todos, todo_id=todo.id, actor=ann).version == 3


def test_an_update_expecting_the_current_version_goes_ahead(world: Adapters, ann: Actor) -> None:
    todo = create(world, ann)
    updated = services.update_todo(
        world.todos,
        todo_id=todo.id,
        title="Oat milk",
        actor=ann,
        expected_versions=frozenset({1, 9}),
    )
    assert (updated.title, updated.version) == ("Oat milk", 2)


@pytest.mark.parametrize("expected", [frozenset({2}), frozenset()], ids=["stale", "none of ours"])
def test_an_update_expecting_another_version_changes_nothing(
    world: Adapters, ann: Actor, expected: frozenset[int]
) -> None:
    todo = create(world, ann)
    with pytest.raises(VersionMismatch):
        services.update_todo(
            world.todos, todo_id=todo.id, title="Lost", actor=ann, expected_versions=expected
        )
    assert services.get_todo(world.todos, todo_id=todo.id, actor=ann) == todo


def test_a_missing_or_foreign_todo_is_404_whatever_the_expected_version(
    world: Adapters, ann: Actor
) -> None:
    bobs = create(world, actor(world, "bob@example.com"))
    for todo_id in (uuid4(), bobs.id):
        with pytest.raises(TodoNotFound):
            services.update_todo(
                world.todos,
                todo_id=todo_id,
                completed=True,
                actor=ann,
                expected_versions=frozenset({1}),
            )
        with pytest.raises(TodoNotFound):
            services.delete_todo(
                world.todos, todo_id=todo_id, actor=ann, expected_versions=frozenset({1})
            )


def test_two_writers_that_read_the_same_version_one_wins(world: Adapters, ann: Actor) -> None:
    todo = create(world, ann)
    read_by_both = services.get_todo(world.todos, todo_id=todo.id, actor=ann)
    first = read_by_both.changed(title="First", now=EPOCH)
    second = read_by_both.changed(title="Second", now=EPOCH)
    fields = frozenset({"title"})
    assert world.todos.update(first, fields=fields, expected_version=1) is True  # type: ignore[arg-type]
    assert world.todos.update(second, fields=fields, expected_version=1) is False  # type: ignore[arg-type]
    with pytest.raises(VersionMismatch):
        services.update_todo(
            world.todos, todo_id=todo.id, title="Third", actor=ann, expected_versions=frozenset({1})
        )


def test_a_delete_expecting_another_version_keeps_the_todo(world: Adapters, ann: Actor) -> None:
    todo = create(world, ann)
    with pytest.raises(VersionMismatch):
        services.delete_todo(
            world.todos, todo_id=todo.id, actor=ann, expected_versions=frozenset({2})
        )
    services.delete_todo(world.todos, todo_id=todo.id, actor=ann, expected_versions=frozenset({1}))
    with pytest.raises(TodoNotFound):
        services.get_todo(world.todos, todo_id=todo.id, actor=ann)


# --- Idempotent creates ---------------------------------------------------------------------


def once(
    world: Adapters, ann: Actor, *, key: str = "k-1", fingerprint: str = "f1", title: str = "Milk"
) -> tuple[Todo, bool]:
    return services.create_todo_once(
        world.todos,
        world.create_requests,
        title=title,
        actor=ann,
        key=key,
        fingerprint=fingerprint,
        clock=world.clock,
    )


def count(world: Adapters, ann: Actor) -> int:
    return world.todos.list(ann.user_id, TodoQuery()).count


def test_a_repeat_gets_the_first_todo_back_and_creates_nothing(world: Adapters, ann: Actor) -> None:
    todo, replayed = once(world, ann)
    again, replayed_again = once(world, ann)
    assert (replayed, replayed_again) == (False, True)
    assert again == todo
    assert count(world, ann) == 1


def test_a_repeat_gets_the_todo_as_it_was_created_even_if_it_changed_or_went(
    world: Adapters, ann: Actor
) -> None:
    todo, _ = once(world, ann)
    services.update_todo(world.todos, todo_id=todo.id, title="Renamed", actor=ann)
    assert once(world, ann) == (todo, True)
    services.delete_todo(world.todos, todo_id=todo.id, actor=ann)
    assert once(world, ann) == (todo, True)
    assert count(world, ann) == 0


def test_the_same_key_with_another_request_is_refused(world: Adapters, ann: Actor) -> None:
    once(world, ann)
    with pytest.raises(KeyReused):
        once(world, ann, fingerprint="f2", title="Other")
    assert count(world, ann) == 1


def claim_in_flight(world: Adapters, ann: Actor, *, fingerprint: str = "f1") -> Claim:
    """A first request that claimed its key and has not finished (or died)."""
    now = world.clock()
    claim = Claim(ann.user_id, "k-1", fingerprint, created_at=now, claimed_at=now, token=uuid4())
    assert world.create_requests.claim(claim, replacing=None)
    return claim


def test_a_repeat_while_the_first_is_in_flight_is_told_so(world: Adapters, ann: Actor) -> None:
    claim_in_flight(world, ann)
    with pytest.raises(RequestInProgress):
        once(world, ann)
    with pytest.raises(KeyReused):  # another body: 422, even while the first is in flight
        once(world, ann, fingerprint="f2")
    assert count(world, ann) == 0


def test_a_claim_of_a_request_that_died_is_taken_over_after_a_bounded_time(
    world: Adapters, ann: Actor, clock: Clock
) -> None:
    dead = claim_in_flight(world, ann)
    clock.now += STALE_CLAIM - timedelta(seconds=1)
    with pytest.raises(RequestInProgress):
        once(world, ann)
    clock.now += timedelta(seconds=1)
    todo, replayed = once(world, ann)
    assert replayed is False
    assert count(world, ann) == 1
    assert world.create_requests.complete(dead, todo) is False  # the dead one cannot finish


def test_a_claim_whose_holder_is_known_gone_is_stale_at_once(clock: Clock) -> None:
    """A claim whose database session ended (its connection dropped) will never be
    completed or released: a retry need not wait STALE_CLAIM for it."""
    claim = Claim(
        owner=uuid4(),
        key="k",
        fingerprint="f1",
        created_at=clock(),
        claimed_at=clock(),
        token=uuid4(),
    )
    assert not KeyRecord(claim).stale(clock())
    assert KeyRecord(claim, holder_gone=True).stale(clock())
    done = TodoFactory.build(owner=claim.owner)
    assert not KeyRecord(claim, created=done, holder_gone=True).stale(clock())


def test_a_dead_claim_is_taken_over_whatever_body_its_request_had(
    world: Adapters, ann: Actor, clock: Clock
) -> None:
    """Only a 201 is remembered: a request that died answered nothing to hold to."""
    claim_in_flight(world, ann, fingerprint="f1")
    clock.now += STALE_CLAIM
    todo, replayed = once(world, ann, fingerprint="f2", title="Bread")
    assert (todo.title, replayed) == ("Bread", False)
    assert once(world, ann, fingerprint="f2", title="Bread") == (todo, True)


def test_a_key_is_forgotten_after_24_hours(world: Adapters, ann: Actor, clock: Clock) -> None:
    first, _ = once(world, ann)
    clock.now += KEY_LIFETIME
    second, replayed = once(world, ann, fingerprint="f2", title="Tomorrow's")
    assert replayed is False
    assert second.id != first.id
    assert count(world, ann) == 2


def test_keys_belong_to_their_user(world: Adapters, ann: Actor) -> None:
    bob = actor(world, "bob@example.com")
    annes, _ = once(world, ann)
    bobs, replayed = once(world, bob, fingerprint="f-bob")
    assert replayed is False
    assert bobs.id != annes.id
    assert bobs.owner == bob.user_id


def test_a_failed_request_is_not_remembered(world: Adapters, ann: Actor) -> None:
    with pytest.raises(InvalidTitle):
        once(world, ann, title="   ")
    assert world.create_requests.find(ann.user_id, "k-1") is None
    _, replayed = once(world, ann, fingerprint="f2")
    assert replayed is False


class FailingCreates:
    """The world's CreateRequests, with a completion that fails as a lost database would."""

    def __init__(self, world: Adapters) -> None:
        self.inner = world.create_requests

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def complete(self, claim: Claim, todo: Todo) -> bool:
        raise ConnectionError("database went away")


def test_a_request_that_fails_after_claiming_its_key_releases_it(
    world: Adapters, ann: Actor
) -> None:
    failing = replace(world, create_requests=FailingCreates(world))
    with pytest.raises(ConnectionError):
        once(failing, ann)
    assert world.create_requests.find(ann.user_id, "k-1") is None
    _, replayed = once(world, ann)  # the retry is served at once, not after a 409
    assert replayed is False
    assert count(world, ann) == 1


def test_a_deactivated_users_key_replays_nothing(world: Adapters, ann: Actor) -> None:
    once(world, ann)
    world.users.deactivate(ann.user_id)
    for fingerprint in ("f1", "f2"):  # the same request, and another: both refused
        with pytest.raises(InvalidAccessToken):
            once(world, ann, fingerprint=fingerprint)


def test_a_deactivated_user_creates_nothing_and_leaves_no_claim(
    world: Adapters, ann: Actor
) -> None:
    world.users.deactivate(ann.user_id)
    with pytest.raises(InvalidAccessToken):
        once(world, ann)
    assert world.create_requests.find(ann.user_id, "k-1") is None


def test_expired_keys_are_purged(world: Adapters, ann: Actor, clock: Clock) -> None:
    once(world, ann)
    once(world, ann, key="k-2")
    clock.now += timedelta(hours=23)
    once(world, ann, key="k-3")
    assert world.create_requests.purge_expired(now=clock.now + timedelta(hours=1)) == 2
    assert world.create_requests.find(ann.user_id, "k-3") is not None
