from datetime import timedelta

import pytest

from tests.factories import TodoFactory
from todos.domain import TITLE_MAX_LENGTH, InvalidTitle, Todo, utc_now


def test_new_todo_trims_its_title_and_starts_with_equal_timestamps() -> None:
    now = utc_now()
    todo = Todo.new(title="  Buy milk \n", completed=False, now=now)
    assert todo.title == "Buy milk"
    assert todo.created_at == todo.updated_at == now


def test_new_todos_get_distinct_ids() -> None:
    now = utc_now()
    assert (
        Todo.new(title="a", completed=False, now=now).id
        != Todo.new(title="a", completed=False, now=now).id
    )


@pytest.mark.parametrize("title", ["", " ", "\t\n  "])
def test_blank_title_is_rejected(title: str) -> None:
    with pytest.raises(InvalidTitle, match="must not be blank") as caught:
        Todo.new(title=title, completed=False, now=utc_now())
    assert caught.value.field == "title"


def test_title_of_max_length_is_accepted_even_with_surrounding_space() -> None:
    title = "x" * TITLE_MAX_LENGTH
    assert Todo.new(title=f"  {title}  ", completed=False, now=utc_now()).title == title


def test_title_one_over_max_length_is_rejected() -> None:
    with pytest.raises(InvalidTitle, match="at most 255"):
        Todo.new(title="x" * (TITLE_MAX_LENGTH + 1), completed=False, now=utc_now())


def test_changed_keeps_id_and_created_at_and_moves_updated_at() -> None:
    todo = TodoFactory.build()
    later = todo.updated_at + timedelta(minutes=5)
    changed = todo.changed(completed=True, now=later)
    assert (changed.id, changed.created_at, changed.title) == (todo.id, todo.created_at, todo.title)
    assert changed.completed is True
    assert changed.updated_at == later


def test_changed_applies_the_title_rules() -> None:
    todo = TodoFactory.build()
    assert todo.changed(title="  New  ", now=utc_now()).title == "New"
    with pytest.raises(InvalidTitle):
        todo.changed(title="   ", now=utc_now())
