from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from core.errors import InvalidInput
from tests.factories import EPOCH, TodoFactory
from todos import services
from todos.adapters.memory import InMemoryTodoRepository
from todos.domain import InvalidTitle, TodoNotFound
from todos.ports import MAX_OFFSET, MAX_PAGE_SIZE


class SteppingClock:
    """A clock that moves one minute forward each time it is read."""

    def __init__(self, start: datetime = EPOCH) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def repo() -> InMemoryTodoRepository:
    return InMemoryTodoRepository()


def test_create_todo_stores_a_trimmed_open_todo(repo: InMemoryTodoRepository) -> None:
    todo = services.create_todo(repo, title="  Buy milk  ")
    assert todo.title == "Buy milk"
    assert todo.completed is False
    assert services.get_todo(repo, todo_id=todo.id) == todo


def test_create_todo_can_start_completed(repo: InMemoryTodoRepository) -> None:
    assert services.create_todo(repo, title="Done already", completed=True).completed is True


def test_create_todo_with_a_blank_title_stores_nothing(repo: InMemoryTodoRepository) -> None:
    with pytest.raises(InvalidTitle):
        services.create_todo(repo, title="  ")
    assert services.list_todos(repo).count == 0


def test_get_todo_raises_not_found_for_an_unknown_id(repo: InMemoryTodoRepository) -> None:
    missing = uuid4()
    with pytest.raises(TodoNotFound) as caught:
        services.get_todo(repo, todo_id=missing)
    assert caught.value.todo_id == missing


def test_list_todos_pages_newest_first_and_counts_all(repo: InMemoryTodoRepository) -> None:
    todos = TodoFactory.build_batch(5)
    for todo in todos:
        repo.add(todo)
    page = services.list_todos(repo, limit=2, offset=1)
    assert [todo.id for todo in page.items] == [todos[3].id, todos[2].id]
    assert page.count == 5


def test_list_todos_filters_on_completion(repo: InMemoryTodoRepository) -> None:
    done = TodoFactory.build(completed=True)
    for todo in [done, *TodoFactory.build_batch(2)]:
        repo.add(todo)
    page = services.list_todos(repo, completed=True)
    assert page.items == [done]
    assert page.count == 1


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": MAX_PAGE_SIZE + 1}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": MAX_OFFSET + 1}, "offset"),
    ],
)
def test_list_todos_rejects_out_of_bounds_windows(
    repo: InMemoryTodoRepository, arguments: dict[str, int], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.list_todos(repo, **arguments)
    assert caught.value.field == field


def test_update_todo_changes_only_the_given_fields(repo: InMemoryTodoRepository) -> None:
    clock = SteppingClock()
    todo = services.create_todo(repo, title="Buy milk", clock=clock)
    updated = services.update_todo(repo, todo_id=todo.id, completed=True, clock=clock)
    assert (updated.title, updated.completed) == ("Buy milk", True)
    assert updated.created_at == todo.created_at
    assert updated.updated_at > todo.updated_at
    assert services.get_todo(repo, todo_id=todo.id) == updated


def test_update_todo_moves_updated_at_on_every_update(repo: InMemoryTodoRepository) -> None:
    clock = SteppingClock()
    todo = services.create_todo(repo, title="Buy milk", clock=clock)
    first = services.update_todo(repo, todo_id=todo.id, title="Buy milk", clock=clock)
    second = services.update_todo(repo, todo_id=todo.id, title="Buy milk", clock=clock)
    assert todo.updated_at < first.updated_at < second.updated_at


def test_update_todo_with_a_blank_title_leaves_the_todo_alone(
    repo: InMemoryTodoRepository,
) -> None:
    todo = services.create_todo(repo, title="Buy milk")
    with pytest.raises(InvalidTitle):
        services.update_todo(repo, todo_id=todo.id, title=" ")
    assert services.get_todo(repo, todo_id=todo.id) == todo


def test_update_todo_raises_not_found_for_an_unknown_id(repo: InMemoryTodoRepository) -> None:
    with pytest.raises(TodoNotFound):
        services.update_todo(repo, todo_id=uuid4(), completed=True)


def test_delete_todo_removes_it(repo: InMemoryTodoRepository) -> None:
    todo = services.create_todo(repo, title="Buy milk")
    services.delete_todo(repo, todo_id=todo.id)
    with pytest.raises(TodoNotFound):
        services.get_todo(repo, todo_id=todo.id)


def test_delete_todo_raises_not_found_the_second_time(repo: InMemoryTodoRepository) -> None:
    todo = services.create_todo(repo, title="Buy milk")
    services.delete_todo(repo, todo_id=todo.id)
    with pytest.raises(TodoNotFound):
        services.delete_todo(repo, todo_id=todo.id)
