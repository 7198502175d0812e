"""The CreateRequests contract (idempotency keys of todo creations), on both adapters."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import uuid4

from config.composition import Adapters
from core.identity.domain import User
from tests.factories import EPOCH, TodoFactory
from todos.ports import KEY_LIFETIME, Claim, KeyRecord, TodoQuery


def claim_of(user: User, key: str = "key-1", **fields: object) -> Claim:
    values: dict[str, object] = {
        "owner": user.id,
        "key": key,
        "fingerprint": "f" * 64,
        "created_at": EPOCH,
        "claimed_at": EPOCH,
        "token": uuid4(),
    }
    return Claim(**{**values, **fields})  # type: ignore[arg-type]


def test_a_new_key_is_claimed_once(built: Adapters, ann: User) -> None:
    first, second = claim_of(ann), claim_of(ann)
    assert built.create_requests.find(ann.id, "key-1") is None
    assert built.create_requests.claim(first, replacing=None) is True
    assert built.create_requests.claim(second, replacing=None) is False
    assert built.create_requests.find(ann.id, "key-1") == KeyRecord(first)


def test_a_claim_is_replaced_only_in_place_of_what_was_read(built: Adapters, ann: User) -> None:
    first = claim_of(ann)
    built.create_requests.claim(first, replacing=None)
    read = built.create_requests.find(ann.id, "key-1")
    takeover, late = claim_of(ann, claimed_at=EPOCH + timedelta(minutes=2)), claim_of(ann)
    assert built.create_requests.claim(takeover, replacing=read) is True
    assert built.create_requests.claim(late, replacing=read) is False  # read is stale now
    assert built.create_requests.find(ann.id, "key-1") == KeyRecord(takeover)


def test_completing_stores_the_todo_and_remembers_it_under_the_key(
    built: Adapters, ann: User
) -> None:
    claim = claim_of(ann)
    built.create_requests.claim(claim, replacing=None)
    todo = TodoFactory.build(owner=ann.id)
    assert built.create_requests.complete(claim, todo) is True
    assert built.todos.get(ann.id, todo.id) == todo
    assert built.create_requests.find(ann.id, "key-1") == KeyRecord(claim, created=todo)
    assert built.create_requests.complete(claim, TodoFactory.build(owner=ann.id)) is False


def test_a_claim_no_longer_held_completes_nothing(built: Adapters, ann: User) -> None:
    lost = claim_of(ann)
    built.create_requests.claim(lost, replacing=None)
    built.create_requests.claim(
        claim_of(ann), replacing=built.create_requests.find(ann.id, "key-1")
    )
    todo = TodoFactory.build(owner=ann.id)
    assert built.create_requests.complete(lost, todo) is False
    assert built.todos.get(ann.id, todo.id) is None


def test_an_inactive_owner_completes_nothing_todo_nor_key(built: Adapters, ann: User) -> None:
    claim = claim_of(ann)
    built.create_requests.claim(claim, replacing=None)
    built.users.deactivate(ann.id)
    todo = TodoFactory.build(owner=ann.id)
    assert built.create_requests.complete(claim, todo) is False
    assert built.todos.list(ann.id, TodoQuery()).count == 0


def test_an_inactive_owners_keys_are_not_found(built: Adapters, ann: User) -> None:
    """A deactivated user's token is refused; so is replaying what it created."""
    claim = claim_of(ann)
    built.create_requests.claim(claim, replacing=None)
    built.create_requests.complete(claim, TodoFactory.build(owner=ann.id))
    built.users.deactivate(ann.id)
    assert built.create_requests.find(ann.id, "key-1") is None


def test_a_claim_read_in_flight_is_not_replaced_once_it_completed(
    built: Adapters, ann: User
) -> None:
    """A retry read the first claim in flight, then the first request finished: the
    completed key keeps its todo, and the retry's takeover fails."""
    first = claim_of(ann)
    built.create_requests.claim(first, replacing=None)
    read = built.create_requests.find(ann.id, "key-1")
    todo = TodoFactory.build(owner=ann.id)
    assert built.create_requests.complete(first, todo) is True
    takeover = claim_of(ann, claimed_at=EPOCH + timedelta(minutes=2))
    assert built.create_requests.claim(takeover, replacing=read) is False
    assert built.create_requests.find(ann.id, "key-1") == KeyRecord(first, created=todo)


def test_the_todo_is_remembered_as_it_was_created(built: Adapters, ann: User) -> None:
    claim = claim_of(ann)
    built.create_requests.claim(claim, replacing=None)
    todo = TodoFactory.build(owner=ann.id, title="Café ☕", completed=True)
    built.create_requests.complete(claim, todo)
    renamed = replace(todo, title="Renamed", version=2)
    built.todos.update(renamed, fields=frozenset({"title"}), expected_version=1)
    built.todos.delete(ann.id, todo.id)
    record = built.create_requests.find(ann.id, "key-1")
    assert record is not None
    assert record.created == todo


def test_keys_are_per_owner(built: Adapters, ann: User, bob: User) -> None:
    assert built.create_requests.claim(claim_of(ann), replacing=None) is True
    assert built.create_requests.claim(claim_of(bob), replacing=None) is True
    assert built.create_requests.find(bob.id, "key-1") is not None


def test_a_released_claim_is_forgotten_and_a_completed_one_is_not(
    built: Adapters, ann: User
) -> None:
    released, completed = claim_of(ann, "k-1"), claim_of(ann, "k-2")
    for claim in (released, completed):
        built.create_requests.claim(claim, replacing=None)
    built.create_requests.complete(completed, TodoFactory.build(owner=ann.id))
    built.create_requests.release(released)
    built.create_requests.release(completed)
    assert built.create_requests.find(ann.id, "k-1") is None
    assert built.create_requests.find(ann.id, "k-2") is not None


def test_expired_keys_are_purged(built: Adapters, ann: User) -> None:
    for key, age in (("old", KEY_LIFETIME), ("older", 2 * KEY_LIFETIME), ("new", timedelta(0))):
        built.create_requests.claim(claim_of(ann, key, created_at=EPOCH - age), replacing=None)
    assert built.create_requests.purge_expired(now=EPOCH) == 2
    assert built.create_requests.find(ann.id, "new") is not None
    assert built.create_requests.find(ann.id, "old") is None


def test_an_inactive_or_deleted_owner_claims_nothing(built: Adapters, ann: User) -> None:
    built.users.deactivate(ann.id)
    assert built.create_requests.claim(claim_of(ann), replacing=None) is False
    assert built.create_requests.find(ann.id, "key-1") is None
    stranger = replace(ann, id=uuid4())
    assert built.create_requests.claim(claim_of(stranger), replacing=None) is False
