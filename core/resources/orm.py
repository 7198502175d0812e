"""DjangoRepository and DjangoCreateRequests: the resource ports over the Django ORM.

Every method is one SQL statement, written once per model when the repository is built
and sent as it is on every call: the ORM's query construction, compiled anew for each
call, was the largest share of a warm request (docs/benchmarks.md, "Where a list's time
goes"). Written once, they earn 120 % more calls a second on the median operation
than ORM queries, and 126 % with the other tricks of the shared resource code (`make
bench BENCH_BASELINE=3570ae0`, 2026-12-08). None opens a
transaction: each statement is atomic on its own, so BEGIN and COMMIT would only add
round trips. The owner scope is part of each statement: the
owner's rows, while the owner's row in `users` is active.

Columns come from the model's _meta, never listed by hand: a field added to the model
and its entity is written, read and remembered with no edit here. Where the two
disagree, a system check (core/resources/checks.py) stops the app at startup. Values
go through each field's own conversions (get_db_prep_save, and the backend's and the
field's converters on the way back), as the ORM would send and read them, so the same
statements serve PostgreSQL and SQLite.

What the statements do not go through: the model's default manager (a manager that
filters, for soft deletes or tenants, would be bypassed, so the system check refuses
one) and database routers (they go to the default database, as every app here does).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

from django.db import NotSupportedError, connection
from django.db.models import Exists, Field, OuterRef
from django.db.models.deletion import Collector

from core.identity.models import UserModel
from core.resources.domain import E, restorer
from core.resources.models import OwnedModel
from core.resources.ports import Page, PageQuery


def attribute_of(field: Field[Any, Any], entity: type[Any]) -> str:
    """Return the entity attribute a model field holds: its name (`owner`), or for a
    foreign key the entity may hold the id as the column's attribute (`project_id`)."""
    names = {f.name for f in fields(entity)}
    return field.name if field.name in names else field.attname


def db_value(field: Field[Any, Any], value: object) -> Any:
    """Return a value as the database stores the field (SQLite keeps UUIDs as hex text and
    datetimes as naive UTC text; PostgreSQL takes them as they are)."""
    return field.get_db_prep_save(value, connection)


def quote(name: str) -> str:
    """Return a table's or column's name quoted for the database."""
    return connection.ops.quote_name(name)


logger = logging.getLogger(__name__)
T = TypeVar("T")
# SQLSTATE feature_not_supported, which "cached plan must not change result type" is.
STALE_PLAN = "0A000"
# Named here, where `list` is still the builtin: the repository has a method of that name.
Rows = list[tuple[Any, ...]]
Params = list[Any]


class Insert:
    """An INSERT ... SELECT of one entity, for an active owner only: the ORM's create()
    cannot make an INSERT conditional. Columns and parameters come from the model."""

    def __init__(self, model: type[OwnedModel]) -> None:
        self.fields = [f for f in model._meta.concrete_fields if isinstance(f, Field)]
        owner = model._meta.get_field("owner")
        assert isinstance(owner, Field)
        self.owner = owner
        users, user_id, active = active_users()
        columns = ", ".join(quote(str(f.column)) for f in self.fields)
        values = ", ".join(user_id if f.name == "owner" else "%s" for f in self.fields)
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 (the model's names)
            f"SELECT {values} FROM {users} WHERE {user_id} = %s AND {active}"
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
    """Store one kind of resource through its OwnedModel, one prepared statement a call."""

    def __init__(self, model: type[OwnedModel]) -> None:
        self.model = model
        self.entity = cast("type[E]", model.entity)
        self.insert = Insert(model)
        self.attributes = {f.attname: attribute_of(f, self.entity) for f in self.insert.fields}
        self._fields = {attribute_of(f, self.entity): f for f in self.insert.fields}
        self._names = tuple(self.attributes.values())
        self._pk = self._field("id")
        self._owner = self.insert.owner
        table = quote(model._meta.db_table)
        self._table = table
        users, user_id, active = active_users()
        column = self._column
        # The owner's rows, while the owner is an active user: the scope of a write.
        # The owner's row is an EXISTS on the row's own owner, not a join: PostgreSQL
        # checks an UPDATE's or DELETE's own conditions again on a row it waited for,
        # but not a joined row's.
        self._mine = (
            f"{column('owner')} = %s AND EXISTS (SELECT 1 FROM {users}"  # noqa: S608 (the models' names)
            f" WHERE {users}.{user_id} = {column('owner')} AND {users}.{active})"
        )
        # The same scope for a read, whose EXISTS names the owner by the parameter, so
        # the server asks it once per statement rather than once per row read
        # (parameters: the owner, twice). What the check costs a request is in
        # docs/benchmarks-owner-scope.md (`bench/owner_scope.py`).
        self._reading = (
            f"{column('owner')} = %s AND EXISTS (SELECT 1 FROM {users}"  # noqa: S608 (the models' names)
            f" WHERE {users}.{user_id} = %s AND {users}.{active})"
        )
        # Statements whose shape depends on the call (which fields, how many versions),
        # each written once per shape.
        self._shapes: dict[tuple[object, ...], str] = {}
        self._select = ", ".join(column(name) for name in self._names)
        self._columns = Columns([self._fields[name] for name in self._names])
        # Entities come back as they were stored, not checked again (see `restorer`).
        self._restore = restorer(self.entity, self._names)
        self._get = (
            f"SELECT {self._select} FROM {table}"  # noqa: S608 (the model's names)
            f" WHERE {column('id')} = %s AND {self._reading}"
        )
        self._newest_first = f"{column('created_at')} DESC, {column('id')} DESC"

    # -- the port ------------------------------------------------------------------------

    def add(self, entity: E) -> bool:
        """Store a new entity with one INSERT ... SELECT; False if the owner is not active."""
        return self._write(self.insert.sql, self.insert.params(entity)) == 1

    def get(self, owner: UUID, entity_id: UUID) -> E | None:
        """Return the owner's entity with this id, or None."""
        owner_value = self._owner_value(owner)
        rows = self._read(self._get, [self._pk_value(entity_id), owner_value, owner_value])
        return self._entity(rows[0]) if rows else None

    def list(self, owner: UUID, query: PageQuery, **match: object) -> Page[E]:
        """Return the owner's page, newest first, and how many there are in all, with one
        SELECT: each row carries the total. A page past the end holds no row to carry it,
        and then a COUNT tells it. `match` filters on fields' values (None: IS NULL).

        :raises TypeError: if `match` names something that is not a field.
        """
        unknown = set(match) - set(self._fields)
        if unknown:
            raise TypeError(f"list() matches fields by value; no field {sorted(unknown)}")
        shape = tuple((name, match[name] is None) for name in sorted(match))
        values = [db_value(self._fields[name], match[name]) for name, null in shape if not null]
        owner_value = self._owner_value(owner)
        counting, reading = [owner_value, *values], [owner_value, owner_value, *values]
        page = [*counting, *reading, query.limit, query.offset]
        rows = self._read(self._page(shape), page)
        if rows:
            return Page(items=[self._entity(row) for row in rows], count=rows[0][-1])
        if query.offset == 0:
            return Page(items=[], count=0)
        counted = self._read(self._count(shape), reading)
        return Page(items=[], count=counted[0][0])

    def update(self, entity: E, *, fields: frozenset[str], expected_version: int) -> bool:
        """Write the named fields and the version with one UPDATE ... WHERE version = the
        expected one: PostgreSQL checks that condition again on the row it locks, so of
        two writers that read the same version, the second matches nothing."""
        names = tuple(sorted(fields))
        values = [db_value(self._fields[name], getattr(entity, name)) for name in names]
        params = [*values, entity.version, self._pk_value(entity.id)]
        params += [self._owner_value(entity.owner), expected_version]
        return self._write(self._update(names), params) == 1

    def delete(
        self, owner: UUID, entity_id: UUID, *, versions: frozenset[int] | None = None
    ) -> bool:
        """Remove the owner's entity (at one of `versions`, if given): one DELETE, unless
        rows point at it or signals listen, which Django's collector then serves."""
        # Django's own test for "nothing to collect" (it takes a model class too).
        if not Collector(using=connection.alias).can_fast_delete(cast("Any", self.model)):
            return self._collected_delete(owner, entity_id, versions)
        params = [self._pk_value(entity_id), self._owner_value(owner)]
        if versions is None:
            return self._write(self._delete(None), params) == 1
        if not versions:
            return False  # at none of no versions: nothing to ask the database
        return self._write(self._delete(len(versions)), [*params, *sorted(versions)]) == 1

    def owner_is_active(self, owner: UUID) -> bool:
        """Tell whether the owner exists and is an active user."""
        return UserModel.objects.filter(pk=owner, is_active=True).exists()

    def to_entity(self, row: dict[str, Any]) -> E:
        """Return the entity of a row given as {column attname: value}, made by its
        constructor, rules and all (a remembered answer comes back through it: its JSON is
        not a row the database typed)."""
        return self.entity(**{self.attributes[name]: value for name, value in row.items()})

    # -- the statements, built once per shape ----------------------------------------------

    def _column(self, name: str) -> str:
        """The column of an entity's attribute, with its table: "todos"."title"."""
        return f"{self._table}.{self._bare(name)}"

    def _bare(self, name: str) -> str:
        """The column of an entity's attribute, as an UPDATE's SET names it."""
        return quote(str(self._field(name).column))

    def _field(self, name: str) -> Field[Any, Any]:
        return self._fields[name]

    def _matching(self, shape: tuple[tuple[str, bool], ...], *, scope: str = "") -> str:
        """The owner scope (a read's unless given) and a list's `match`: (field, whether
        its value is None) each."""
        return (scope or self._reading) + "".join(
            f" AND {self._column(name)} {'IS NULL' if null else '= %s'}" for name, null in shape
        )

    def _page(self, shape: tuple[tuple[str, bool], ...]) -> str:
        """A page, each row with the total: a subquery the server runs once, so the page
        itself is still read newest first from the owner's index, only as far as it
        goes (a window's COUNT(*) OVER () would read every matching row first).

        The total counts the owner's rows without asking again whether the owner is
        active: it is only read from a row of the page, which has none unless the owner
        is.
        """
        if ("page", shape) not in self._shapes:
            owners = self._matching(shape, scope=f"{self._column('owner')} = %s")
            self._shapes["page", shape] = (
                f"SELECT {self._select}, (SELECT COUNT(*) FROM {self._table} WHERE {owners})"  # noqa: S608
                f" FROM {self._table} WHERE {self._matching(shape)}"
                f" ORDER BY {self._newest_first} LIMIT %s OFFSET %s"
            )
        return self._shapes["page", shape]

    def _count(self, shape: tuple[tuple[str, bool], ...]) -> str:
        if ("count", shape) not in self._shapes:
            where = self._matching(shape)
            self._shapes["count", shape] = f"SELECT COUNT(*) FROM {self._table} WHERE {where}"  # noqa: S608
        return self._shapes["count", shape]

    def _update(self, names: tuple[str, ...]) -> str:
        if ("update", names) not in self._shapes:
            changes = "".join(f"{self._bare(name)} = %s, " for name in names)
            self._shapes["update", names] = (
                f"UPDATE {self._table} SET {changes}{self._bare('version')} = %s"  # noqa: S608
                f" WHERE {self._column('id')} = %s AND {self._mine}"
                f" AND {self._column('version')} = %s"
            )
        return self._shapes["update", names]

    def _delete(self, versions: int | None) -> str:
        """The DELETE of one row, at one of `versions` versions (at any, when None)."""
        if ("delete", versions) not in self._shapes:
            sql = f"DELETE FROM {self._table} WHERE {self._column('id')} = %s AND {self._mine}"  # noqa: S608
            if versions is not None:
                if versions < 1:
                    raise ValueError("an IN list needs a value: `version IN ()` is not SQL")
                sql += f" AND {self._column('version')} IN ({', '.join(['%s'] * versions)})"
            self._shapes["delete", versions] = sql
        return self._shapes["delete", versions]

    # -- sending them ------------------------------------------------------------------------

    def _read(self, sql: str, params: Params) -> Rows:
        rows: Rows = run(sql, params, lambda cursor: cursor.fetchall())
        return rows

    def _write(self, sql: str, params: Params) -> int:
        changed: int = run(sql, params, lambda cursor: cursor.rowcount)
        return changed

    def _entity(self, row: Sequence[Any]) -> E:
        return self._restore(self._columns(row))

    def _pk_value(self, value: UUID) -> Any:
        return db_value(self._pk, value)

    def _owner_value(self, value: UUID) -> Any:
        return db_value(self._owner, value)

    def _collected_delete(
        self, owner: UUID, entity_id: UUID, versions: frozenset[int] | None
    ) -> bool:
        # Django's collector finds and deletes (or protects) the rows pointing at it.
        active_owner = UserModel.objects.filter(pk=OuterRef("owner_id"), is_active=True)
        matching = self.model._default_manager.filter(Exists(active_owner), owner_id=owner)
        matching = matching.filter(pk=entity_id)
        if versions is not None:
            matching = matching.filter(version__in=versions)
        deleted, _ = matching.delete()
        return deleted > 0


def active_users() -> tuple[str, str, str]:
    """The users table, its id column and its is-active column, quoted."""
    meta = UserModel._meta
    active = meta.get_field("is_active")
    assert isinstance(active, Field)
    return quote(meta.db_table), quote(str(meta.pk.column)), quote(str(active.column))


def run(sql: str, params: Params, result: Callable[[Any], T]) -> T:
    """Send one statement through `statements()`; return `result(cursor)`.

    A statement the server keeps prepared fails once a column it returns changes type
    (a deploy's migration widening a column while this instance still serves): the
    server answers "cached plan must not change result type" until it is prepared
    again. Outside a transaction this drops the connection's prepared statements
    (DEALLOCATE ALL, which psycopg sees and forgets its own) and sends it once more.
    Inside one, the error stands, and the transaction's rollback makes psycopg forget.
    """
    try:
        with statements() as cursor:
            cursor.execute(sql, params)
            return result(cursor)
    except NotSupportedError as error:
        stale = getattr(error.__cause__, "sqlstate", None) == STALE_PLAN
        if not stale or connection.in_atomic_block:
            raise
        logger.warning("A prepared statement's result changed type; preparing them again")
    with statements() as cursor:
        cursor.execute("DEALLOCATE ALL")
        cursor.execute(sql, params)
        return result(cursor)


def statements() -> Any:
    """Return a cursor for statements that run again and again: one the server keeps
    prepared where the backend offers it (core/postgresql/base.py `prepared_cursor`),
    Django's own elsewhere (SQLite's driver caches its statements itself)."""
    prepared = getattr(connection, "prepared_cursor", None)
    return prepared() if prepared is not None else connection.cursor()


class Columns:
    """Read a row's leading values as the ORM reads those fields' columns.

    The conversions come from the backend and the fields, as the ORM's own: none on
    PostgreSQL, whose driver returns UUIDs and aware datetimes, so a row passes as it
    is; SQLite's text and integers become UUIDs, datetimes and booleans.
    """

    def __init__(self, fields: Sequence[Field[Any, Any]]) -> None:
        self.fields = list(fields)
        self._found: list[list[Callable[[Any], Any]]] | None = None

    def __call__(self, row: Sequence[Any]) -> Sequence[Any]:
        """Return the row's values of `fields`, converted; the rest are left out."""
        converters = self._converters()
        if not converters:
            return row[: len(self.fields)]
        return [_apply(convert, value) for convert, value in zip(converters, row, strict=False)]

    def _converters(self) -> list[list[Callable[[Any], Any]]]:
        """Each column's conversions; none at all when no column needs one. Found on
        first use, when the database's backend is surely set up."""
        if self._found is None:
            converters = []
            for field in self.fields:
                column = field.get_col(field.model._meta.db_table)
                found = connection.ops.get_db_converters(column)
                found += field.get_db_converters(connection)
                converters.append([_bound(f, column) for f in found])
            self._found = converters if any(converters) else []
        return self._found


def _bound(converter: Callable[..., Any], column: Any) -> Callable[[Any], Any]:
    return lambda value: converter(value, column, connection)


def _apply(converters: Iterable[Callable[[Any], Any]], value: Any) -> Any:
    for convert in converters:
        value = convert(value)
    return value
