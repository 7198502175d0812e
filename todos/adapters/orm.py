"""DjangoTodoRepository: the TodoRepository port over the Django ORM.

Every method is a single SQL statement, except `list`, which adds a COUNT only when
the page itself cannot tell the total. None opens a transaction: each statement is
atomic on its own, so BEGIN/COMMIT would only add round trips.

The owner scope is part of each statement: it matches the owner's todos while the
owner's row in `users` is active. So a deactivated or deleted user's access token,
which verifying costs no statement, finds nothing, within the same statement count.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from django.db import connection, models, transaction
from django.db.models import Exists, Field, OuterRef, QuerySet
from django.db.models.expressions import RawSQL

from core.identity.models import UserModel
from todos.domain import Todo
from todos.models import IdempotencyKeyModel, TodoModel
from todos.ports import KEY_LIFETIME, Claim, KeyRecord, TodoPage, TodoQuery, UpdatableField

_COLUMNS = ("id", "owner_id", "title", "completed", "created_at", "updated_at", "version")
_NEWEST_FIRST = ("-created_at", "-id")
# A todo is written only for an active owner, in the INSERT itself: the ORM's create()
# cannot make an INSERT conditional.
_INSERT = f"""
    INSERT INTO {TodoModel._meta.db_table} ({", ".join(_COLUMNS)})
    SELECT %s, id, %s, %s, %s, %s, %s FROM {UserModel._meta.db_table} WHERE id = %s AND is_active
"""  # noqa: S608 (the names are the models' own)


class DjangoTodoRepository:
    """Store todos in the `todos` table through TodoModel."""

    def add(self, todo: Todo) -> bool:
        """Store a new todo with one INSERT ... SELECT; False if the owner is not active."""
        with connection.cursor() as cursor:
            cursor.execute(_INSERT, _insert_params(todo))
            inserted: int = cursor.rowcount
        return inserted == 1

    def get(self, owner: UUID, todo_id: UUID) -> Todo | None:
        """Return the owner's todo with this id, or None."""
        # A slice, not first(): the id is unique, so the ORDER BY that first() adds is waste.
        rows = list(_rows(owner).filter(pk=todo_id)[:1])
        return _todo(rows[0]) if rows else None

    def list(self, owner: UUID, query: TodoQuery) -> TodoPage:
        """Return the page of the owner's todos the query selects, newest first."""
        selected = _rows(owner)
        if query.completed is not None:
            selected = selected.filter(completed=query.completed)
        page = [_todo(row) for row in selected.order_by(*_NEWEST_FIRST)[_window(query)]]
        if len(page) < query.limit and (page or query.offset == 0):
            # The page reaches the end of the result, so it already tells the total.
            count = query.offset + len(page)
        else:
            count = selected.count()
        return TodoPage(items=page, count=count)

    def update(
        self, todo: Todo, *, fields: frozenset[UpdatableField], expected_version: int
    ) -> bool:
        """Write the named fields and the version with one UPDATE ... WHERE version = the
        expected one: PostgreSQL checks that condition again on the row it locks, so of
        two writers that read the same version, the second matches nothing."""
        changes = {field: getattr(todo, field) for field in fields}
        matching = _mine(todo.owner).filter(pk=todo.id, version=expected_version)
        return matching.update(**changes, version=todo.version) == 1

    def delete(self, owner: UUID, todo_id: UUID, *, versions: frozenset[int] | None = None) -> bool:
        """Remove the owner's todo with one DELETE (at one of `versions`, if given)."""
        matching = _mine(owner).filter(pk=todo_id)
        if versions is not None:
            matching = matching.filter(version__in=versions)
        # QuerySet.delete() would wrap this in a transaction for its deletion collector;
        # a todo has no relations or signals to collect, so the plain DELETE is enough.
        # `make bench` (bench/warm.py) runs both: QuerySet.delete() sends BEGIN, DELETE
        # and COMMIT, three statements where this sends one, past a delete's budget of
        # one (docs/benchmarks.md; its speed gain, 10 to 12 % there, is within the noise).
        # _raw_delete is what QuerySet.delete() itself calls; Django is pinned to 5.2
        # LTS, and the contract suite checks the result on every upgrade.
        return bool(matching._raw_delete(matching.db))

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner exists and is an active user."""
        return UserModel.objects.filter(pk=owner, is_active=True).exists()


def _mine(owner: UUID) -> QuerySet[TodoModel]:
    """The owner's todos, while the owner is an active user, in the statement itself.

    The owner's row is an EXISTS subquery rather than a join: Django turns an UPDATE or
    DELETE with a join into `WHERE id IN (SELECT ...)`, whose conditions PostgreSQL does
    not check again after waiting for a concurrent write to the row.
    """
    active_owner = UserModel.objects.filter(pk=OuterRef("owner_id"), is_active=True)
    return TodoModel.objects.filter(Exists(active_owner), owner_id=owner)


def _rows(owner: UUID) -> QuerySet[TodoModel, dict[str, Any]]:
    return cast("QuerySet[TodoModel, dict[str, Any]]", _mine(owner).values(*_COLUMNS))


def _todo(row: dict[str, Any]) -> Todo:
    return Todo(owner=row.pop("owner_id"), **row)


def _window(query: TodoQuery) -> slice:
    return slice(query.offset, query.offset + query.limit)


def _insert_params(todo: Todo) -> list[Any]:
    """The parameters of _INSERT, as the database stores each field."""
    fields = ("id", "title", "completed", "created_at", "updated_at", "version", "owner")
    return [_db_value(field, getattr(todo, field)) for field in fields]


def _db_value(field: str, value: object, model: type[models.Model] = TodoModel) -> Any:
    """Return a value as the database stores the model field (SQLite keeps UUIDs as hex
    text and datetimes as naive UTC text; PostgreSQL takes them as they are)."""
    model_field = model._meta.get_field(field)
    assert isinstance(model_field, Field)
    return model_field.get_db_prep_save(value, connection)


# PostgreSQL completes a claim in one statement, which is a transaction of its own: it
# locks the key's row while the claim is still this request's, inserts the todo for an
# active owner, and remembers it under the key. The todo is written only if the key is,
# and the key only if the todo is.
_COMPLETE = f"""
    WITH held AS (
        SELECT id FROM {IdempotencyKeyModel._meta.db_table}
        WHERE owner_id = %s AND key = %s AND claim = %s AND created IS NULL
        FOR UPDATE
    ), stored AS (
        {_INSERT} AND EXISTS (SELECT 1 FROM held)
        RETURNING id
    )
    UPDATE {IdempotencyKeyModel._meta.db_table} SET todo_id = stored.id, created = %s
    FROM stored WHERE {IdempotencyKeyModel._meta.db_table}.id = (SELECT id FROM held)
"""  # noqa: S608 (the names are the models' own)


# A new key's claim, for an active owner, unless a concurrent request with the same key
# claimed it first. (A plain INSERT for a deleted user would break the foreign key.)
_NEW_KEY = """
    INSERT INTO {table}
        (owner_id, key, fingerprint, created_at, claimed_at, claim, holder_pid, holder_started_at)
    SELECT id, %s, %s, %s, %s, %s, {holder} FROM {users} WHERE id = %s AND is_active
    ON CONFLICT (owner_id, key) DO NOTHING
"""
# On PostgreSQL a claim names the session that made it; elsewhere there is no other
# session to outlive (SQLite), and only STALE_CLAIM frees a claim left open.
_HOLDER = {
    "holder_pid": "pg_backend_pid()",
    "holder_started_at": (
        "(SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid())"
    ),
}
# Whether a claim still open belongs to a session that has ended: its request failed
# with its connection (a failover, a dropped network) and will never complete or release
# it. A session of the same role sees the others' pid and start in pg_stat_activity.
_HOLDER_GONE = f"""
    CASE WHEN {IdempotencyKeyModel._meta.db_table}.created IS NULL
          AND {IdempotencyKeyModel._meta.db_table}.holder_pid IS NOT NULL
    THEN NOT EXISTS (
        SELECT 1 FROM pg_stat_activity AS session
        WHERE session.pid = {IdempotencyKeyModel._meta.db_table}.holder_pid
          AND session.backend_start = {IdempotencyKeyModel._meta.db_table}.holder_started_at
    ) ELSE false END
"""  # noqa: S608 (the names are the model's own)


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def _holder_values() -> dict[str, RawSQL]:
    """The claim's holder columns, as SQL the server fills in (PostgreSQL only)."""
    if not _postgresql():
        return {}
    return {name: RawSQL(sql, ()) for name, sql in _HOLDER.items()}  # noqa: S611 (constant SQL)


class DjangoCreateRequests:
    """Idempotency keys in the `idempotency_keys` table, one row per owner and key."""

    def find(self, owner: UUID, key: str) -> KeyRecord | None:
        """Return what is remembered of the owner's key, with one SELECT; nothing once the
        owner is no longer active, whose keys then replay nothing."""
        found = IdempotencyKeyModel.objects.filter(owner_id=owner, key=key, owner__is_active=True)
        if _postgresql():
            found = found.annotate(holder_gone=RawSQL(_HOLDER_GONE, ()))  # noqa: S611 (constant)
        fields = ("fingerprint", "created_at", "claimed_at", "claim", "created")
        rows = list(found.values(*fields, *(["holder_gone"] if _postgresql() else []))[:1])
        if not rows:
            return None
        row = rows[0]
        claim = Claim(
            owner=owner,
            key=key,
            fingerprint=row["fingerprint"],
            created_at=row["created_at"],
            claimed_at=row["claimed_at"],
            token=row["claim"],
        )
        return KeyRecord(
            claim,
            created=_todo_from_json(row["created"]),
            holder_gone=row.get("holder_gone", False),
        )

    def claim(self, claim: Claim, *, replacing: KeyRecord | None) -> bool:
        """Store the claim with one INSERT ... ON CONFLICT DO NOTHING for a new key, or
        one UPDATE that matches only the claim read before (compare and set)."""
        values = {
            "fingerprint": claim.fingerprint,
            "created_at": claim.created_at,
            "claimed_at": claim.claimed_at,
            "claim": claim.token,
        }
        if replacing is None:
            columns = {"key": claim.key, **values, "owner": claim.owner}  # _NEW_KEY's order
            params = [
                _db_value(name, value, IdempotencyKeyModel) for name, value in columns.items()
            ]
            holder = ", ".join(_HOLDER.values()) if _postgresql() else "NULL, NULL"
            statement = _NEW_KEY.format(
                table=IdempotencyKeyModel._meta.db_table,
                users=UserModel._meta.db_table,
                holder=holder,
            )
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                inserted: int = cursor.rowcount
            return inserted == 1
        # The claim's token alone is not enough: a claim that completed since it was read
        # keeps its token, and must not be taken over.
        matching = IdempotencyKeyModel.objects.filter(
            owner_id=claim.owner,
            key=claim.key,
            claim=replacing.claim.token,
            created__isnull=replacing.created is None,
        )
        return matching.update(**values, **_holder_values(), todo_id=None, created=None) == 1

    def complete(self, claim: Claim, todo: Todo) -> bool:
        """Store the todo and remember it under the key: one statement on PostgreSQL, a
        transaction of two elsewhere (SQLite has no writes in WITH)."""
        snapshot = _todo_to_json(todo)
        if _postgresql():
            held: list[Any] = [claim.owner, claim.key, claim.token]
            with connection.cursor() as cursor:
                cursor.execute(_COMPLETE, [*held, *_insert_params(todo), snapshot])
                completed: int = cursor.rowcount
            return completed == 1
        with transaction.atomic():
            remembered = IdempotencyKeyModel.objects.filter(
                owner_id=claim.owner, key=claim.key, claim=claim.token, created=None
            ).update(todo_id=todo.id, created=snapshot)
            if remembered == 1 and DjangoTodoRepository().add(todo):
                return True
            transaction.set_rollback(True)
            return False

    def release(self, claim: Claim) -> None:
        """Forget the claim, if it is still the one held, with one DELETE."""
        IdempotencyKeyModel.objects.filter(
            owner_id=claim.owner, key=claim.key, claim=claim.token, created=None
        ).delete()

    def purge_expired(self, *, now: datetime) -> int:
        """Delete the keys past their lifetime."""
        deleted, _ = IdempotencyKeyModel.objects.filter(created_at__lte=now - KEY_LIFETIME).delete()
        return deleted


def _todo_to_json(todo: Todo) -> str:
    return json.dumps(
        {
            "id": str(todo.id),
            "owner": str(todo.owner),
            "title": todo.title,
            "completed": todo.completed,
            "created_at": todo.created_at.isoformat(),
            "updated_at": todo.updated_at.isoformat(),
            "version": todo.version,
        }
    )


def _todo_from_json(text: str | None) -> Todo | None:
    if text is None:
        return None
    fields = json.loads(text)
    return Todo(
        id=UUID(fields["id"]),
        owner=UUID(fields["owner"]),
        title=fields["title"],
        completed=fields["completed"],
        created_at=datetime.fromisoformat(fields["created_at"]),
        updated_at=datetime.fromisoformat(fields["updated_at"]),
        version=fields["version"],
    )
