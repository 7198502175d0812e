"""The TodoRepository contract, run against every adapter so the fake cannot drift."""

from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from tests.factories import EPOCH, TodoFactory
from todos.adapters.memory import InMemoryTodoRepository
from todos.adapters.orm import DjangoTodoRepository
from todos.domain import Todo
from todos.ports import TodoQuery, TodoRepository


@pytest.fixture(
    params=["memory", pytest.param("django", marks=[pytest.mark.django_db, pytest.mark.orm])]
)
def repo(request: pytest.FixtureRequest) -> TodoRepository:
    if request.param == "memory":
        return InMemoryTodoRepository()
    return DjangoTodoRepository()


def add_all(repo: TodoRepository, todos: list[Todo]) -> list[Todo]:
    for todo in todos:
        repo.add(todo)
    return todos


def ids(todos: object) -> list[UUID]:
    return [todo.id for todo in todos]  # type: ignore[attr-defined]


def test_get_returns_what_add_stored_to_the_microsecond(repo: TodoRepository) -> None:
    todo = TodoFactory.build(created_at=EPOCH + timedelta(microseconds=123456))
    repo.add(todo)
    stored = repo.get(todo.id)
    assert stored == todo
    assert stored is not None
    assert stored.created_at.utcoffset() == timedelta(0)


def test_get_returns_none_for_an_unknown_id(repo: TodoRepository) -> None:
    assert repo.get(uuid4()) is None


def test_list_orders_newest_first(repo: TodoRepository) -> None:
    todos = add_all(repo, TodoFactory.build_batch(3))
    assert ids(repo.list(TodoQuery()).items) == ids(reversed(todos))


def test_list_breaks_created_at_ties_by_descending_id(repo: TodoRepository) -> None:
    todos = add_all(repo, TodoFactory.build_batch(4, created_at=EPOCH))
    expected = sorted(ids(todos), reverse=True)
    assert ids(repo.list(TodoQuery()).items) == expected


def test_pages_cover_every_todo_exactly_once(repo: TodoRepository) -> None:
    todos = add_all(repo, TodoFactory.build_batch(3) + TodoFactory.build_batch(4, created_at=EPOCH))
    pages = [repo.list(TodoQuery(limit=2, offset=offset)) for offset in range(0, 8, 2)]
    seen = [todo_id for page in pages for todo_id in ids(page.items)]
    assert sorted(seen) == sorted(ids(todos))
    assert len(seen) == len(todos)
    assert {page.count for page in pages} == {7}


@pytest.mark.parametrize(
    ("limit", "offset", "expected_size"),
    [(2, 0, 2), (5, 0, 5), (10, 0, 5), (2, 4, 1), (2, 5, 0), (2, 50, 0)],
)
def test_list_counts_all_matches_whatever_the_window(
    repo: TodoRepository, limit: int, offset: int, expected_size: int
) -> None:
    add_all(repo, TodoFactory.build_batch(5))
    page = repo.list(TodoQuery(limit=limit, offset=offset))
    assert (len(page.items), page.count) == (expected_size, 5)


def test_list_of_nothing_is_an_empty_page(repo: TodoRepository) -> None:
    page = repo.list(TodoQuery())
    assert (list(page.items), page.count) == ([], 0)


@pytest.mark.parametrize("completed", [True, False])
def test_list_filters_on_completion_and_counts_the_filtered(
    repo: TodoRepository, completed: bool
) -> None:
    done = add_all(repo, TodoFactory.build_batch(2, completed=True))
    open_ = add_all(repo, TodoFactory.build_batch(3, completed=False))
    expected = done if completed else open_
    page = repo.list(TodoQuery(completed=completed, limit=1))
    assert ids(page.items) == [expected[-1].id]
    assert page.count == len(expected)


def test_update_writes_only_the_named_fields(repo: TodoRepository) -> None:
    todo = TodoFactory.build(title="Before", completed=False)
    repo.add(todo)
    later = todo.updated_at + timedelta(hours=1)
    changed = replace(todo, title="After", completed=True, updated_at=later)
    assert repo.update(changed, fields=frozenset({"completed", "updated_at"})) is True
    assert repo.get(todo.id) == replace(todo, completed=True, updated_at=later)


def test_update_of_a_missing_todo_reports_false_and_stores_nothing(repo: TodoRepository) -> None:
    todo = TodoFactory.build()
    assert repo.update(todo, fields=frozenset({"title"})) is False
    assert repo.get(todo.id) is None


def test_delete_removes_only_that_todo_and_reports_it(repo: TodoRepository) -> None:
    doomed, kept = add_all(repo, TodoFactory.build_batch(2))
    assert repo.delete(doomed.id) is True
    assert repo.get(doomed.id) is None
    assert repo.get(kept.id) == kept
    assert repo.delete(doomed.id) is False
