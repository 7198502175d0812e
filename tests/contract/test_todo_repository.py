"""The TodoRepository contract, run against every adapter so the fake cannot drift."""

from dataclasses import fields, replace
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from config.composition import Adapters
from core.identity.domain import User
from tests.factories import EPOCH, TodoFactory
from todos.domain import Todo
from todos.ports import TodoQuery, TodoRepository


@pytest.fixture
def repo(built: Adapters) -> TodoRepository:
    return built.todos


@pytest.fixture
def owner(ann: User) -> UUID:
    """The owner of the todos the cases build."""
    return ann.id


def build(owner: UUID, n: int | None = None, **fields: Any) -> Any:
    """Build one todo of `owner`, or a batch of `n`."""
    if n is None:
        return TodoFactory.build(owner=owner, **fields)
    return TodoFactory.build_batch(n, owner=owner, **fields)


def add_all(repo: TodoRepository, todos: list[Todo]) -> list[Todo]:
    for todo in todos:
        assert repo.add(todo)
    return todos


def ids(todos: object) -> list[UUID]:
    return [todo.id for todo in todos]  # type: ignore[attr-defined]


def test_get_returns_what_add_stored_to_the_microsecond(repo: TodoRepository, owner: UUID) -> None:
    todo = build(owner, created_at=EPOCH + timedelta(microseconds=123456))
    assert repo.add(todo) is True
    stored = repo.get(owner, todo.id)
    assert stored == todo
    assert stored is not None
    assert stored.created_at.utcoffset() == timedelta(0)


def test_what_comes_back_holds_the_types_the_entity_made(repo: TodoRepository, owner: UUID) -> None:
    # The ORM adapter restores entities as stored (core/resources/domain.py `restorer`):
    # each field must come back with the type the domain made it with.
    todo = build(owner)
    assert repo.add(todo)
    for read in (repo.get(owner, todo.id), repo.list(owner, TodoQuery()).items[0]):
        assert read == todo
        for field in fields(Todo):
            made, back = getattr(todo, field.name), getattr(read, field.name)
            assert type(back) is type(made), field.name


def test_get_returns_none_for_an_unknown_id(repo: TodoRepository, owner: UUID) -> None:
    assert repo.get(owner, uuid4()) is None


def test_list_orders_newest_first(repo: TodoRepository, owner: UUID) -> None:
    todos = add_all(repo, build(owner, 3))
    assert ids(repo.list(owner, TodoQuery()).items) == ids(reversed(todos))


def test_list_breaks_created_at_ties_by_descending_id(repo: TodoRepository, owner: UUID) -> None:
    todos = add_all(repo, build(owner, 4, created_at=EPOCH))
    expected = sorted(ids(todos), reverse=True)
    assert ids(repo.list(owner, TodoQuery()).items) == expected


def test_pages_cover_every_todo_exactly_once(repo: TodoRepository, owner: UUID) -> None:
    todos = add_all(repo, build(owner, 3) + build(owner, 4, created_at=EPOCH))
    pages = [repo.list(owner, TodoQuery(limit=2, offset=offset)) for offset in range(0, 8, 2)]
    seen = [todo_id for page in pages for todo_id in ids(page.items)]
    assert sorted(seen) == sorted(ids(todos))
    assert len(seen) == len(todos)
    assert {page.count for page in pages} == {7}


@pytest.mark.parametrize(
    ("limit", "offset", "expected_size"),
    [(2, 0, 2), (5, 0, 5), (10, 0, 5), (2, 4, 1), (2, 5, 0), (2, 50, 0)],
)
def test_list_counts_all_matches_whatever_the_window(
    repo: TodoRepository, owner: UUID, limit: int, offset: int, expected_size: int
) -> None:
    add_all(repo, build(owner, 5))
    page = repo.list(owner, TodoQuery(limit=limit, offset=offset))
    assert (len(page.items), page.count) == (expected_size, 5)


def test_list_of_nothing_is_an_empty_page(repo: TodoRepository, owner: UUID) -> None:
    page = repo.list(owner, TodoQuery())
    assert (list(page.items), page.count) == ([], 0)


@pytest.mark.parametrize("completed", [True, False])
def test_list_filters_on_completion_and_counts_the_filtered(
    repo: TodoRepository, owner: UUID, completed: bool
) -> None:
    done = add_all(repo, build(owner, 2, completed=True))
    open_ = add_all(repo, build(owner, 3, completed=False))
    expected = done if completed else open_
    page = repo.list(owner, TodoQuery(completed=completed, limit=1))
    assert ids(page.items) == [expected[-1].id]
    assert page.count == len(expected)


def test_update_writes_only_the_named_fields_and_the_version(
    repo: TodoRepository, owner: UUID
) -> None:
    todo = build(owner, title="Before", completed=False)
    repo.add(todo)
    later = todo.updated_at + timedelta(hours=1)
    changed = replace(todo, title="After", completed=True, updated_at=later, version=2)
    fields = frozenset({"completed", "updated_at"})
    assert repo.update(changed, fields=fields, expected_version=1) is True  # type: ignore[arg-type]
    assert repo.get(owner, todo.id) == replace(todo, completed=True, updated_at=later, version=2)


def test_update_of_a_missing_todo_reports_false_and_stores_nothing(
    repo: TodoRepository, owner: UUID
) -> None:
    todo = build(owner)
    assert repo.update(todo, fields=frozenset({"title"}), expected_version=1) is False
    assert repo.get(owner, todo.id) is None


def test_update_writes_nothing_unless_the_todo_is_at_the_expected_version(
    repo: TodoRepository, owner: UUID
) -> None:
    todo = build(owner, title="Before")
    repo.add(todo)
    first = replace(todo, title="First", version=2)
    second = replace(todo, title="Second", version=2)  # read version 1 too
    assert repo.update(first, fields=frozenset({"title"}), expected_version=1) is True
    assert repo.update(second, fields=frozenset({"title"}), expected_version=1) is False
    assert repo.get(owner, todo.id) == first


@pytest.mark.parametrize(
    ("versions", "deleted"),
    [
        (None, True),
        (frozenset({1}), True),
        (frozenset({1, 7}), True),
        (frozenset({2}), False),
        (frozenset(), False),  # an If-Match that names none of ours matches no version
    ],
)
def test_delete_compares_the_version_in_the_same_step(
    repo: TodoRepository, owner: UUID, versions: frozenset[int] | None, deleted: bool
) -> None:
    todo = build(owner)
    repo.add(todo)
    assert repo.delete(owner, todo.id, versions=versions) is deleted
    assert (repo.get(owner, todo.id) is None) is deleted


def test_delete_removes_only_that_todo_and_reports_it(repo: TodoRepository, owner: UUID) -> None:
    doomed, kept = add_all(repo, build(owner, 2))
    assert repo.delete(owner, doomed.id) is True
    assert repo.get(owner, doomed.id) is None
    assert repo.get(owner, kept.id) == kept
    assert repo.delete(owner, doomed.id) is False


# --- The owner scope ---------------------------------------------------------------------


def test_another_owners_todo_is_absent_to_every_method(
    repo: TodoRepository, ann: User, bob: User
) -> None:
    annes = build(ann.id, title="Ann's")
    repo.add(annes)
    assert repo.get(bob.id, annes.id) is None
    assert repo.list(bob.id, TodoQuery()).count == 0
    stolen = replace(annes, owner=bob.id, title="Bob's now", version=2)
    assert repo.update(stolen, fields=frozenset({"title"}), expected_version=1) is False
    assert repo.delete(bob.id, annes.id) is False
    assert repo.get(ann.id, annes.id) == annes


def test_each_owner_lists_and_counts_only_their_own(
    repo: TodoRepository, ann: User, bob: User
) -> None:
    annes = add_all(repo, build(ann.id, 3))
    add_all(repo, build(bob.id, 2))
    page = repo.list(ann.id, TodoQuery(limit=2))
    assert ids(page.items) == ids(reversed(annes))[:2]
    assert page.count == 3


def test_an_inactive_owners_todos_are_absent_until_nothing_can_reach_them(
    built: Adapters, repo: TodoRepository, ann: User
) -> None:
    todo = build(ann.id)
    repo.add(todo)
    assert repo.owner_is_active(ann.id) is True
    built.users.deactivate(ann.id)
    assert repo.owner_is_active(ann.id) is False
    assert repo.get(ann.id, todo.id) is None
    assert repo.list(ann.id, TodoQuery()).count == 0
    renamed = replace(todo, title="x", version=2)
    assert repo.update(renamed, fields=frozenset({"title"}), expected_version=1) is False
    assert repo.delete(ann.id, todo.id) is False
    assert repo.add(build(ann.id)) is False


def test_a_todo_of_an_owner_who_does_not_exist_is_not_stored(repo: TodoRepository) -> None:
    stranger = uuid4()
    assert repo.owner_is_active(stranger) is False
    assert repo.add(build(stranger)) is False
    assert repo.list(stranger, TodoQuery()).count == 0
