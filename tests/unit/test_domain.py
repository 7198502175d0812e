from datetime import timedelta
from uuid import uuid4

import pytest

from core.clock import utc_now
from tests.factories import EPOCH, TodoFactory
from todos.domain import TIMESTAMP_RESOLUTION, TITLE_MAX_LENGTH, InvalidTitle, Todo

OWNER = uuid4()


def test_new_todo_trims_its_title_and_starts_with_equal_timestamps() -> None:
    todo = Todo.new(owner=OWNER, title="  Buy milk \n", completed=False, now=EPOCH)
    assert todo.title == "Buy milk"
    assert todo.created_at == todo.updated_at == EPOCH


def test_timestamps_are_kept_to_the_millisecond() -> None:
    now = EPOCH + timedelta(microseconds=123_456)
    todo = Todo.new(owner=OWNER, title="Buy milk", completed=False, now=now)
    assert todo.created_at == EPOCH + timedelta(milliseconds=123)
    assert todo.changed(completed=True, now=now + timedelta(seconds=1)).updated_at == (
        EPOCH + timedelta(seconds=1, milliseconds=123)
    )


@pytest.mark.parametrize(
    "clock_step",
    [timedelta(0), timedelta(microseconds=10), -timedelta(minutes=5)],
    ids=["same instant", "same millisecond", "clock went back"],
)
def test_updated_at_moves_forward_even_when_the_clock_does_not(clock_step: timedelta) -> None:
    todo = TodoFactory.build()
    changed = todo.changed(completed=True, now=todo.updated_at + clock_step)
    assert changed.updated_at == todo.updated_at + TIMESTAMP_RESOLUTION


def test_new_todos_get_distinct_ids() -> None:
    now = utc_now()
    assert (
        Todo.new(owner=OWNER, title="a", completed=False, now=now).id
        != Todo.new(owner=OWNER, title="a", completed=False, now=now).id
    )


@pytest.mark.parametrize("title", ["", " ", "\t\n  "])
def test_blank_title_is_rejected(title: str) -> None:
    with pytest.raises(InvalidTitle, match="must not be blank") as caught:
        Todo.new(owner=OWNER, title=title, completed=False, now=utc_now())
    assert caught.value.field == "title"


def test_title_of_max_length_is_accepted_even_with_surrounding_space() -> None:
    title = "x" * TITLE_MAX_LENGTH
    assert (
        Todo.new(owner=OWNER, title=f"  {title}  ", completed=False, now=utc_now()).title == title
    )


@pytest.mark.parametrize("title", ["a\x00b", "a\ud800b"], ids=["NUL", "lone surrogate"])
def test_title_that_is_not_storable_text_is_rejected(title: str) -> None:
    with pytest.raises(InvalidTitle, match="NUL characters or unpaired surrogates"):
        Todo.new(owner=OWNER, title=title, completed=False, now=utc_now())


def test_title_one_over_max_length_is_rejected() -> None:
    with pytest.raises(InvalidTitle, match="at most 255"):
        Todo.new(owner=OWNER, title="x" * (TITLE_MAX_LENGTH + 1), completed=False, now=utc_now())


def test_changed_keeps_id_and_created_at_and_moves_updated_at() -> None:
    todo = TodoFactory.build()
    later = todo.updated_at + timedelta(minutes=5)
    changed = todo.changed(completed=True, now=later)
    assert (changed.id, changed.owner, changed.created_at, changed.title) == (
        todo.id,
        todo.owner,
        todo.created_at,
        todo.title,
    )
    assert changed.completed is True
    assert changed.updated_at == later


def test_changed_applies_the_title_rules() -> None:
    todo = TodoFactory.build()
    assert todo.changed(title="  New  ", now=utc_now()).title == "New"
    with pytest.raises(InvalidTitle):
        todo.changed(title="   ", now=utc_now())
