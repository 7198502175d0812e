"""DjangoRepository and DjangoCreateRequests: the resource ports over the Django ORM.

Every method is a single SQL statement, except `list`, which adds a COUNT only when the
page itself cannot tell the total, and a delete that Django must cascade. None opens a
transaction: each statement is atomic on its own, so BEGIN/COMMIT would only add round
trips. The owner scope is part of each statement: it matches the owner's rows while the
owner's row in `users` is active.

Columns are derived from the model's _meta, never listed by hand: a field added to the
model and its entity is written, read and remembered with no edit here. Where the two
disagree, a system check (core/resources/checks.py) stops the app at startup.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Generic, cast
from uuid import UUID

from django.db import connection
from django.db.models import Exists, Field, OuterRef, QuerySet
from django.db.models.deletion import Collector

from core.identity.models import UserModel
from core.resources.domain import E
from core.resources.models import OwnedModel
from core.resources.ports import Page, PageQuery

NEWEST_FIRST = ("-created_at", "-id")


def attribute_of(field: Field[Any, Any], entity: type[Any]) -> str:
    """Return the entity attribute a model field holds: its name (`owner`), or for a
    foreign key the entity may hold the id as the column's attribute (`project_id`)."""
    names = {f.name for f in fields(entity)}
    return field.name if field.name in names else field.attname


def db_value(field: Field[Any, Any], value: object) -> Any:
    """Return a value as the database stores the field (SQLite keeps UUIDs as hex text and
    datetimes as naive UTC text; PostgreSQL takes them as they are)."""
    return field.get_db_prep_save(value, connection)


class Insert:
    """An INSERT ... SELECT of one entity, for an active owner only: the ORM's create()
    cannot make an INSERT conditional. Columns and parameters come from the model."""

    def __init__(self, model: type[OwnedModel]) -> None:
        self.fields = [f for f in model._meta.concrete_fields if isinstance(f, Field)]
        owner = model._meta.get_field("owner")
        assert isinstance(owner, Field)
        self.owner = owner
        users = UserModel._meta.db_table
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in self.fields)
        values = ", ".join("id" if f.name == "owner" else "%s" for f in self.fields)
        self.sql = (
            f"INSERT INTO {model._meta.db_table} ({columns}) "  # noqa: S608 (the model's names)
            f"SELECT {values} FROM {users} WHERE id = %s AND is_active"
        )

    def params(self, entity: Any) -> list[Any]:
        """The parameters of `sql` for `entity`, in the columns' order."""
        values = [
            db_value(f, getattr(entity, attribute_of(f, type(entity))))
            for f in self.fields
            if f.name != "owner"
        ]
        return [*values, db_value(self.owner, entity.owner)]


class DjangoRepository(Generic[E]):
    """Store one kind of resource through its OwnedModel."""

    def __init__(self, model: type[OwnedModel]) -> None:
        self.model = model
        self.entity = cast("type[E]", model.entity)
        self.insert = Insert(model)
        self.attributes = {f.attname: attribute_of(f, self.entity) for f in self.insert.fields}

    def add(self, entity: E) -> bool:
        """Store a new entity with one INSERT ... SELECT; False if the owner is not active."""
        with connection.cursor() as cursor:
            cursor.execute(self.insert.sql, self.insert.params(entity))
            inserted: int = cursor.rowcount
        return inserted == 1

    def get(self, owner: UUID, entity_id: UUID) -> E | None:
        """Return the owner's entity with this id, or None."""
        # A slice, not first(): the id is unique, so the ORDER BY that first() adds is waste.
        rows = list(self._rows(self.mine(owner).filter(pk=entity_id))[:1])
        return self.to_entity(rows[0]) if rows else None

    def list(self, owner: UUID, query: PageQuery, **match: object) -> Page[E]:
        """Return the owner's page, newest first; `match` filters on fields' values."""
        selected = self.mine(owner).filter(**match)
        window = slice(query.offset, query.offset + query.limit)
        page = [self.to_entity(row) for row in self._rows(selected.order_by(*NEWEST_FIRST))[window]]
        if len(page) < query.limit and (page or query.offset == 0):
            # The page reaches the end of the result, so it already tells the total.
            return Page(items=page, count=query.offset + len(page))
        return Page(items=page, count=selected.count())

    def update(self, entity: E, *, fields: frozenset[str], expected_version: int) -> bool:
        """Write the named fields and the version with one UPDATE ... WHERE version = the
        expected one: PostgreSQL checks that condition again on the row it locks, so of
        two writers that read the same version, the second matches nothing."""
        changes = {field: getattr(entity, field) for field in fields}
        matching = self.mine(entity.owner).filter(pk=entity.id, version=expected_version)
        return matching.update(**changes, version=entity.version) == 1

    def delete(
        self, owner: UUID, entity_id: UUID, *, versions: frozenset[int] | None = None
    ) -> bool:
        """Remove the owner's entity (at one of `versions`, if given): one DELETE, unless
        rows point at it or signals listen, which Django's collector then serves."""
        matching = self.mine(owner).filter(pk=entity_id)
        if versions is not None:
            matching = matching.filter(version__in=versions)
        # QuerySet.delete() wraps even a lone DELETE in a transaction (BEGIN and COMMIT:
        # three statements for one, past a delete's budget of one; `make bench` measured
        # it 10 to 12 % slower, within the noise: docs/benchmarks.md). Its own test for
        # "nothing to collect" says when the plain DELETE it would send anyway is all
        # there is to do; _raw_delete is what it calls then (Django is pinned to 5.2).
        if Collector(using=matching.db).can_fast_delete(matching):
            return bool(matching._raw_delete(matching.db))
        deleted, _ = matching.delete()
        return deleted > 0

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner exists and is an active user."""
        return UserModel.objects.filter(pk=owner, is_active=True).exists()

    def mine(self, owner: UUID) -> QuerySet[OwnedModel]:
        """The owner's rows, while the owner is an active user, in the statement itself.

        The owner's row is an EXISTS subquery rather than a join: Django turns an UPDATE
        or DELETE with a join into `WHERE id IN (SELECT ...)`, whose conditions PostgreSQL
        does not check again after waiting for a concurrent write to the row.
        """
        active_owner = UserModel.objects.filter(pk=OuterRef("owner_id"), is_active=True)
        return self.model._default_manager.filter(Exists(active_owner), owner_id=owner)

    def to_entity(self, row: dict[str, Any]) -> E:
        """Return the entity a row of `_rows` holds."""
        return self.entity(**{self.attributes[name]: value for name, value in row.items()})

    def _rows(self, rows: QuerySet[OwnedModel]) -> QuerySet[OwnedModel, dict[str, Any]]:
        # (Typed apart: django-stubs types values() as Any while no model subclasses OwnedModel.)
        values: QuerySet[OwnedModel, dict[str, Any]] = rows.values(*self.attributes)
        return values
