"""The contract of every owned resource's store, as a base class: a resource's contract
test subclasses it, names its store and its fields, and runs every case on both adapters
(the `built` fixture of tests/contract/conftest.py)."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import timedelta
from typing import Any, Generic
from uuid import uuid4

from config.composition import Adapters
from core.identity.domain import User
from core.resources.domain import E
from core.resources.ports import KEY_LIFETIME, Claim, KeyRecord, PageQuery, Store
from tests.factories import EPOCH


class OwnedResourceContract(Generic[E]):
    """The cases; a subclass gives `store` (a fixture) and `fields` (its own fields)."""

    entity: type[E]

    def fields(self, n: int) -> dict[str, Any]:
        """Return the resource's own fields for the nth entity a case builds."""
        raise NotImplementedError

    def build(self, owner: User, n: int = 0, **changes: Any) -> E:
        """Build the nth entity of `owner`, n seconds after the epoch."""
        moment = EPOCH + timedelta(seconds=n)
        common = {"id": uuid4(), "owner": owner.id, "created_at": moment, "updated_at": moment}
        return self.entity(**{**common, **self.fields(n), **changes})

    def stored(self, store: Store[E], owner: User, n: int) -> list[E]:
        """Store n entities of `owner`, oldest first."""
        entities = [self.build(owner, i) for i in range(n)]
        for entity in entities:
            assert store.repository.add(entity)
        return entities

    def test_get_returns_what_add_stored_to_the_microsecond(
        self, store: Store[E], ann: User
    ) -> None:
        entity = self.build(ann, created_at=EPOCH + timedelta(microseconds=123456))
        assert store.repository.add(entity) is True
        assert store.repository.get(ann.id, entity.id) == entity
        assert store.repository.get(ann.id, uuid4()) is None

    def test_what_comes_back_holds_the_types_the_entity_made(
        self, store: Store[E], ann: User
    ) -> None:
        # The ORM adapter restores entities as stored (core/resources/domain.py
        # `restorer`): a rule that changes a field's type (a StrEnum made of a column's
        # text) would come back as the column's type. Each field must keep the domain's.
        [entity] = self.stored(store, ann, 1)
        got = store.repository.get(ann.id, entity.id)
        for read in (got, store.repository.list(ann.id, PageQuery()).items[0]):
            assert read == entity
            for field in fields(self.entity):
                made, back = getattr(entity, field.name), getattr(read, field.name)
                assert type(back) is type(made), field.name

    def test_another_owners_entity_is_absent_to_every_method(
        self, store: Store[E], ann: User, bob: User
    ) -> None:
        [annes] = self.stored(store, ann, 1)
        repo = store.repository
        assert repo.get(bob.id, annes.id) is None
        assert repo.list(bob.id, PageQuery()).count == 0
        assert (
            repo.update(
                replace(annes, owner=bob.id, version=2),
                fields=frozenset({"updated_at"}),
                expected_version=1,
            )
            is False
        )
        assert repo.delete(bob.id, annes.id) is False
        assert repo.get(ann.id, annes.id) == annes

    def test_list_pages_newest_first_and_counts_every_match(
        self, store: Store[E], ann: User
    ) -> None:
        entities = self.stored(store, ann, 5)
        page = store.repository.list(ann.id, PageQuery(limit=2, offset=1))
        assert [e.id for e in page.items] == [e.id for e in reversed(entities)][1:3]
        assert page.count == 5
        assert store.repository.list(ann.id, PageQuery(offset=9)).count == 5

    def test_update_writes_only_at_the_expected_version(self, store: Store[E], ann: User) -> None:
        [entity] = self.stored(store, ann, 1)
        moved = replace(entity, version=2, updated_at=entity.updated_at + timedelta(seconds=1))
        fields = frozenset({"updated_at"})
        assert store.repository.update(moved, fields=fields, expected_version=2) is False
        assert store.repository.update(moved, fields=fields, expected_version=1) is True
        assert store.repository.get(ann.id, entity.id) == moved

    def test_delete_removes_only_at_one_of_the_versions(self, store: Store[E], ann: User) -> None:
        [entity] = self.stored(store, ann, 1)
        assert store.repository.delete(ann.id, entity.id, versions=frozenset({2, 3})) is False
        assert store.repository.delete(ann.id, entity.id, versions=frozenset({1})) is True
        assert store.repository.delete(ann.id, entity.id) is False
        assert store.repository.get(ann.id, entity.id) is None

    def test_an_inactive_owner_stores_and_finds_nothing(
        self, store: Store[E], built: Adapters, ann: User
    ) -> None:
        [entity] = self.stored(store, ann, 1)
        built.users.deactivate(ann.id)
        assert store.repository.owner_is_active(ann.id) is False
        assert store.repository.add(self.build(ann, 1)) is False
        assert store.repository.get(ann.id, entity.id) is None
        assert store.repository.delete(ann.id, entity.id) is False

    def test_a_key_is_claimed_once_and_completing_remembers_the_entity(
        self, store: Store[E], ann: User
    ) -> None:
        first, second = claim_of(ann), claim_of(ann)
        assert store.requests.claim(first, replacing=None) is True
        assert store.requests.claim(second, replacing=None) is False
        entity = self.build(ann, created_at=EPOCH + timedelta(microseconds=5))
        assert store.requests.complete(second, entity) is False
        assert store.requests.complete(first, entity) is True
        assert store.requests.find(ann.id, "key-1") == KeyRecord(first, created=entity)
        assert store.repository.get(ann.id, entity.id) == entity

    def test_a_claim_is_replaced_only_in_place_of_what_was_read(
        self, store: Store[E], ann: User
    ) -> None:
        store.requests.claim(claim_of(ann), replacing=None)
        read = store.requests.find(ann.id, "key-1")
        takeover, late = claim_of(ann), claim_of(ann)
        assert store.requests.claim(takeover, replacing=read) is True
        assert store.requests.claim(late, replacing=read) is False
        assert store.requests.find(ann.id, "key-1") == KeyRecord(takeover)

    def test_a_released_claim_is_forgotten_and_keys_are_per_owner(
        self, store: Store[E], ann: User, bob: User
    ) -> None:
        claim = claim_of(ann)
        store.requests.claim(claim, replacing=None)
        assert store.requests.find(bob.id, "key-1") is None
        store.requests.release(claim)
        assert store.requests.find(ann.id, "key-1") is None

    def test_expired_keys_are_purged(self, store: Store[E], ann: User) -> None:
        store.requests.claim(claim_of(ann), replacing=None)
        assert store.requests.purge_expired(now=EPOCH + KEY_LIFETIME - timedelta(seconds=1)) == 0
        assert store.requests.purge_expired(now=EPOCH + KEY_LIFETIME) == 1
        assert store.requests.find(ann.id, "key-1") is None

    def test_an_inactive_owner_claims_and_completes_nothing(
        self, store: Store[E], built: Adapters, ann: User
    ) -> None:
        claim = claim_of(ann)
        store.requests.claim(claim, replacing=None)
        built.users.deactivate(ann.id)
        assert store.requests.find(ann.id, "key-1") is None
        assert store.requests.complete(claim, self.build(ann)) is False
        assert store.requests.claim(claim_of(ann, "key-2"), replacing=None) is False


def claim_of(user: User, key: str = "key-1") -> Claim:
    """A claim of `user`'s key, made at the epoch."""
    return Claim(user.id, key, "f" * 64, EPOCH, EPOCH, uuid4())
