from collections.abc import Iterator
from io import StringIO
from uuid import uuid4

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from config.composition import adapters
from core.clock import utc_now
from core.identity import services as accounts
from tests.conftest import PASSWORD
from todos.models import TodoModel
from todos.ports import TodoQuery

BEFORE_ACCOUNTS = [("todos", "0001_initial"), ("identity", None)]
IDENTITY_TABLES = {"todos", "users", "refresh_tokens", "signing_keys", "sign_in_counters"}


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_migrations_unapply_and_apply_cleanly() -> None:
    call_command("migrate", "todos", "zero", verbosity=0)
    call_command("migrate", "identity", "zero", verbosity=0)
    tables = connection.introspection.table_names()
    assert not {"todos", "users", "refresh_tokens", "signing_keys", "sign_in_counters"} & set(
        tables
    )
    call_command("migrate", verbosity=0)
    tables = connection.introspection.table_names()
    assert {"todos", "users", "refresh_tokens", "signing_keys", "sign_in_counters"} <= set(tables)


@pytest.fixture
def database_before_accounts() -> Iterator[MigrationExecutor]:
    """The schema as it was before accounts existed; the full schema again afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_ACCOUNTS)
    executor.loader.build_graph()
    yield executor
    call_command("migrate", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_upgrading_a_database_that_holds_todos_loses_none_and_they_can_be_given_an_owner(
    database_before_accounts: MigrationExecutor,
) -> None:
    with connection.cursor() as cursor:
        for n in range(3):
            cursor.execute(
                "INSERT INTO todos (id, title, completed, created_at, updated_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                [
                    TodoModel._meta.pk.get_db_prep_value(uuid4(), connection),  # type: ignore[union-attr]
                    f"Old todo {n}",
                    False,
                    connection.ops.adapt_datetimefield_value(utc_now()),
                    connection.ops.adapt_datetimefield_value(utc_now()),
                ],
            )
    call_command("migrate", verbosity=0)
    assert TodoModel.objects.filter(owner__isnull=True).count() == 3  # kept, nobody's yet
    ann = accounts.register(adapters, email="ann@example.com", password=PASSWORD)
    assert adapters.todos.list(ann.id, TodoQuery()).count == 0
    out = StringIO()
    call_command("assign_todos", "--to", "ANN@example.com", stdout=out)
    assert "Gave 3 todo(s)" in out.getvalue()
    titles = sorted(todo.title for todo in adapters.todos.list(ann.id, TodoQuery()).items)
    assert titles == ["Old todo 0", "Old todo 1", "Old todo 2"]
    again = StringIO()
    call_command("assign_todos", "--to", "ann@example.com", stdout=again)
    assert "Gave 0 todo(s)" in again.getvalue()


@pytest.mark.django_db
def test_the_owners_list_ordering_has_an_index() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TodoModel._meta.db_table)
    index = constraints["todos_owner_newest_first"]
    assert index["index"] is True
    assert index["columns"] == ["owner_id", "created_at", "id"]
    assert index["orders"] == ["ASC", "DESC", "DESC"]


@pytest.mark.django_db
def test_emails_are_unique_by_their_key_in_the_schema_itself() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "users")
    unique = [c["columns"] for c in constraints.values() if c["unique"] and not c["primary_key"]]
    assert ["email_key"] in unique


@pytest.mark.postgresql
@pytest.mark.django_db
def test_postgresql_uses_the_index_for_an_owners_first_page() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # an empty table would otherwise be scanned
        cursor.execute(
            "EXPLAIN SELECT * FROM todos WHERE owner_id = %s"
            " ORDER BY created_at DESC, id DESC LIMIT 100",
            [uuid4()],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "todos_owner_newest_first" in plan
