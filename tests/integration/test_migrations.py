from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from todos.models import TodoModel


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_migrations_unapply_and_apply_cleanly() -> None:
    call_command("migrate", "todos", "zero", verbosity=0)
    assert TodoModel._meta.db_table not in connection.introspection.table_names()
    call_command("migrate", "todos", verbosity=0)
    assert TodoModel._meta.db_table in connection.introspection.table_names()


@pytest.mark.django_db
def test_the_list_ordering_has_an_index() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TodoModel._meta.db_table)
    index = constraints["todos_newest_first"]
    assert index["index"] is True
    assert index["columns"] == ["created_at", "id"]
    assert index["orders"] == ["DESC", "DESC"]


@pytest.mark.postgresql
@pytest.mark.django_db
def test_postgresql_uses_the_index_for_the_first_page() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")  # an empty table would otherwise be scanned
        cursor.execute("EXPLAIN SELECT * FROM todos ORDER BY created_at DESC, id DESC LIMIT 100")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "todos_newest_first" in plan
