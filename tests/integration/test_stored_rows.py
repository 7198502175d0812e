"""A row the domain did not write (a data migration, the shell, a rule made stricter
since) is served as stored: the ORM adapter restores entities without running their
rules again (core/resources/domain.py `restorer`). A change to it runs them, and what
they rewrote is written with the change, so the answer is what is stored."""

from __future__ import annotations

from uuid import uuid4

import pytest

from core.identity.domain import Actor, User
from tests.factories import EPOCH
from todos import services
from todos.adapters.orm import DjangoTodoRepository
from todos.models import TodoModel
from todos.ports import TodoQuery

pytestmark = pytest.mark.django_db


def written_around_the_domain(user: User) -> TodoModel:
    """A todo whose title the domain would have trimmed."""
    return TodoModel.objects.create(
        id=uuid4(),
        owner_id=user.id,
        title="  padded  ",
        completed=False,
        created_at=EPOCH,
        updated_at=EPOCH,
        version=1,
    )


def test_a_row_written_around_the_domain_is_read_as_stored(user: User) -> None:
    row = written_around_the_domain(user)
    repository = DjangoTodoRepository()
    got = repository.get(user.id, row.id)
    assert got is not None
    assert got.title == "  padded  "
    assert [todo.title for todo in repository.list(user.id, TodoQuery()).items] == ["  padded  "]


def test_a_change_to_it_writes_what_the_rules_rewrote_with_it(user: User) -> None:
    row = written_around_the_domain(user)
    repository = DjangoTodoRepository()
    answered = services.update_todo(
        repository, todo_id=row.id, completed=True, actor=Actor(user_id=user.id)
    )
    assert (answered.title, answered.completed, answered.version) == ("padded", True, 2)
    assert repository.get(user.id, row.id) == answered
    row.refresh_from_db()
    assert row.title == "padded"
