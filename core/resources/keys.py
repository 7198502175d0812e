"""DjangoCreateRequests: the CreateRequests port over a resource's idempotency keys table."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Generic
from uuid import UUID

from django.db import models, transaction

from core.identity.models import UserModel
from core.resources.domain import E
from core.resources.holders import holder_gone, holder_sql, holder_values, postgresql
from core.resources.models import IdempotencyKeyModel, OwnedModel
from core.resources.orm import Columns, DjangoRepository, db_value, run
from core.resources.ports import KEY_LIFETIME, Claim, KeyRecord, Store

_CLAIM_COLUMNS = ("key", "fingerprint", "created_at", "claimed_at", "claim", "owner_id")
_FOUND_COLUMNS = ("fingerprint", "created_at", "claimed_at", "claim", "created")


class DjangoCreateRequests(Generic[E]):
    """Idempotency keys in `keys`'s table, one row per owner and key, completing claims
    into `repository`'s table; `created_id` names the column of the created row's id."""

    def __init__(
        self,
        repository: DjangoRepository[E],
        keys: type[models.Model],
        *,
        created_id: str = "created_id",
    ) -> None:
        self.repository, self.keys, self.created_id = repository, keys, created_id
        table, users = keys._meta.db_table, UserModel._meta.db_table
        self.table = table
        # What `find` reads of a key, for an active owner, written once (as the
        # repository's statements are: core/resources/orm.py); on PostgreSQL also
        # whether its claim's holder is gone.
        read = [keys._meta.get_field(name) for name in _FOUND_COLUMNS]
        self._found = Columns([f for f in read if isinstance(f, models.Field)])
        select = ", ".join(f"{table}.{f.column}" for f in self._found.fields)
        self._find = {
            on_postgresql: f"""
                SELECT {select}, {holder_gone(table) if on_postgresql else "false"}
                FROM {table} JOIN {users} ON {users}.id = {table}.owner_id
                WHERE {table}.owner_id = %s AND {table}.key = %s AND {users}.is_active
            """  # noqa: S608 (the models' own names)
            for on_postgresql in (True, False)
        }
        # A new key's claim, for an active owner, unless a concurrent request with the same
        # key claimed it first. (A plain INSERT for a deleted user would break the foreign key.)
        self._new_key = f"""
            INSERT INTO {table} ({", ".join(_CLAIM_COLUMNS)}, holder_pid, holder_seen_at)
            SELECT %s, %s, %s, %s, %s, id, {{holder}} FROM {users} WHERE id = %s AND is_active
            ON CONFLICT (owner_id, key) DO NOTHING
        """  # noqa: S608 (the models' own names)
        # PostgreSQL completes a claim in one statement, a transaction of its own: it locks
        # the key's row while the claim is still this request's, inserts the entity for an
        # active owner and remembers it under the key; each is written only with the other.
        self._complete = f"""
            WITH held AS (
                SELECT id FROM {table}
                WHERE owner_id = %s AND key = %s AND claim = %s AND created IS NULL
                FOR UPDATE
            ), stored AS (
                {repository.insert.sql} AND EXISTS (SELECT 1 FROM held) RETURNING id
            )
            UPDATE {table} SET {created_id} = stored.id, created = %s
            FROM stored WHERE {table}.id = (SELECT id FROM held)
        """  # noqa: S608 (the models' own names)

    def find(self, owner: UUID, key: str) -> KeyRecord[E] | None:
        """Return what is remembered of the owner's key, with one SELECT; nothing once the
        owner is no longer active, whose keys then replay nothing."""
        owner_id = self.keys._meta.get_field("owner")
        assert isinstance(owner_id, models.Field)
        params = [db_value(owner_id, owner), key]
        found = run(self._find[postgresql()], params, lambda cursor: cursor.fetchone())
        if found is None:
            return None
        fingerprint, created_at, claimed_at, token, snapshot = self._found(found)
        claim = Claim(owner, key, fingerprint, created_at, claimed_at, token)
        created = self._from_json(snapshot)
        return KeyRecord(claim, created=created, holder_gone=bool(found[-1]))

    def claim(self, claim: Claim, *, replacing: KeyRecord[E] | None) -> bool:
        """Store the claim with one INSERT ... ON CONFLICT DO NOTHING for a new key, or one
        UPDATE that matches only the claim read before (compare and set)."""
        if replacing is None:
            values = [claim.key, claim.fingerprint, claim.created_at, claim.claimed_at]
            params: list[object] = [*values, claim.token, claim.owner]
            model_fields = [self.keys._meta.get_field(name) for name in _CLAIM_COLUMNS]
            row: list[Any] = [db_value(f, v) for f, v in zip(model_fields, params, strict=True)]  # type: ignore[arg-type]
            sql = self._new_key.format(holder=holder_sql())
            inserted: int = run(sql, row, lambda cursor: cursor.rowcount)
            return inserted == 1
        # The claim's token alone is not enough: a claim that completed since it was read
        # keeps its token, and must not be taken over.
        matching = self.keys._default_manager.filter(
            owner_id=claim.owner,
            key=claim.key,
            claim=replacing.claim.token,
            created__isnull=replacing.created is None,
        )
        changes = {"fingerprint": claim.fingerprint, "claimed_at": claim.claimed_at}
        changes |= {"created_at": claim.created_at, "claim": claim.token}
        changes |= {self.created_id: None, "created": None, **holder_values()}
        return matching.update(**changes) == 1

    def complete(self, claim: Claim, entity: E) -> bool:
        """Store the entity and remember it under the key: one statement on PostgreSQL, a
        transaction of two elsewhere (SQLite has no writes in WITH)."""
        snapshot = self._to_json(entity)
        if postgresql():
            held: list[Any] = [claim.owner, claim.key, claim.token]
            params = [*held, *self.repository.insert.params(entity), snapshot]
            completed: int = run(self._complete, params, lambda cursor: cursor.rowcount)
            return completed == 1
        with transaction.atomic():
            remembered = self._held(claim).update(**{self.created_id: entity.id}, created=snapshot)
            if remembered == 1 and self.repository.add(entity):
                return True
            transaction.set_rollback(True)
            return False

    def release(self, claim: Claim) -> None:
        """Forget the claim, if it is still the one held, with one DELETE."""
        self._held(claim).delete()

    def purge_expired(self, *, now: datetime) -> int:
        """Delete the keys past their lifetime."""
        expired = self.keys._default_manager.filter(created_at__lte=now - KEY_LIFETIME)
        deleted, _ = expired.delete()
        return deleted

    def _held(self, claim: Claim) -> Any:
        return self.keys._default_manager.filter(
            owner_id=claim.owner, key=claim.key, claim=claim.token, created=None
        )

    def _to_json(self, entity: E) -> str:
        """Return the entity as remembered under its key, attribute by attribute."""
        attributes = self.repository.attributes.values()
        return json.dumps({attr: _jsonable(getattr(entity, attr)) for attr in attributes})

    def _from_json(self, text: str | None) -> E | None:
        if text is None:
            return None
        stored = json.loads(text)
        attributes = self.repository.attributes
        fields = {f.attname: f for f in self.repository.insert.fields}
        return self.repository.to_entity(
            {
                # A key remembered before a nullable field was added holds no value for it.
                name: None if stored.get(attr) is None else fields[name].to_python(stored[attr])
                for name, attr in attributes.items()
            }
        )


def _jsonable(value: object) -> object:
    """Return a column's value as JSON holds it (UUIDs and datetimes as ISO 8601 text)."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def orm_store(model: type[OwnedModel], keys: type[IdempotencyKeyModel]) -> Store[Any]:
    """Return a resource's store in its model's table and its keys' table."""
    repository: DjangoRepository[Any] = DjangoRepository(model)
    return Store(repository, DjangoCreateRequests(repository, keys))
