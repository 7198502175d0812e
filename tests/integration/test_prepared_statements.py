"""The repository's statements are kept prepared on the server; Django's are not."""

from __future__ import annotations

import pytest
from django.db import connection

from core.identity.domain import User
from core.postgresql.base import PREPARE_THRESHOLD
from tests.factories import TodoFactory
from todos.adapters.orm import DjangoTodoRepository
from todos.models import TodoModel
from todos.ports import TodoQuery

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]


def prepared() -> list[str]:
    """The statements this session keeps prepared."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_run_often_enough_is_prepared_and_djangos_are_not(user: User) -> None:
    todo = TodoFactory.build(owner=user.id)
    repository = DjangoTodoRepository()
    assert repository.add(todo)
    for _ in range(PREPARE_THRESHOLD + 1):
        assert repository.get(user.id, todo.id) == todo
        assert TodoModel.objects.filter(pk=todo.id).exists()
    statements = prepared()
    assert any(s.startswith("SELECT") and '"todos"."title"' in s for s in statements)
    # The ORM's query ran as often, through Django's cursor, which binds client-side.
    assert not any("LIMIT 1" in s for s in statements)


def test_prepare_threshold_none_in_options_turns_it_off() -> None:
    options = connection.settings_dict["OPTIONS"]
    connection.settings_dict["OPTIONS"] = {**options, "prepare_threshold": None}
    try:
        assert connection.get_connection_params()["prepare_threshold"] is None
    finally:
        connection.settings_dict["OPTIONS"] = options
    assert connection.get_connection_params()["prepare_threshold"] == PREPARE_THRESHOLD


@pytest.mark.django_db(transaction=True)
def test_a_column_widened_by_another_session_does_not_break_a_prepared_read(
    user: User,
) -> None:
    """A deploy migrates while the old instances still serve: a column whose type
    changes under a prepared statement is read again once it is prepared anew."""
    import psycopg

    todo = TodoFactory.build(owner=user.id)
    repository = DjangoTodoRepository()
    assert repository.add(todo)
    for _ in range(PREPARE_THRESHOLD + 1):
        assert repository.get(user.id, todo.id) == todo
    assert any('"todos"."title"' in s for s in prepared())
    params = connection.get_connection_params()
    other = {k: params[k] for k in ("host", "port", "dbname", "user", "password") if k in params}
    with psycopg.connect(**other, autocommit=True) as migration:
        migration.execute("ALTER TABLE todos ALTER COLUMN title TYPE varchar(300)")
        try:
            assert repository.get(user.id, todo.id) == todo
            page = repository.list(user.id, TodoQuery())
            assert [t.id for t in page.items] == [todo.id]
        finally:
            migration.execute("ALTER TABLE todos ALTER COLUMN title TYPE varchar(255)")
