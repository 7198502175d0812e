"""The ORM adapter's plain DELETE is a speed trick that must never skip what Django would
do: with a receiver listening (or a table pointing at the row, which Django's collector
serves the same way), the delete goes through the collector."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models.signals import post_delete
from pytest_django import DjangoAssertNumQueries

from core.identity.domain import User
from todos.adapters.orm import DjangoTodoRepository
from todos.domain import Todo
from todos.models import TodoModel

pytestmark = pytest.mark.django_db


def test_with_nothing_to_collect_a_delete_is_one_statement(
    user: User,
    stored_todos: Callable[..., list[Todo]],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    [todo] = stored_todos(1)
    with django_assert_num_queries(1):
        assert DjangoTodoRepository().delete(user.id, todo.id) is True


def test_a_delete_goes_through_django_when_a_receiver_listens(
    user: User, stored_todos: Callable[..., list[Todo]]
) -> None:
    [todo, other] = stored_todos(2)
    seen: list[Any] = []

    def receiver(sender: type[TodoModel], instance: TodoModel, **kwargs: Any) -> None:
        seen.append(instance.pk)

    post_delete.connect(receiver, sender=TodoModel)
    try:
        assert DjangoTodoRepository().delete(user.id, todo.id) is True
    finally:
        post_delete.disconnect(receiver, sender=TodoModel)
    assert seen == [todo.id]
    assert DjangoTodoRepository().get(user.id, todo.id) is None
    assert DjangoTodoRepository().get(user.id, other.id) == other
