from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from core.errors import InvalidInput
from core.identity.adapters.memory import InMemoryUserRepository
from core.identity.domain import Actor, InvalidAccessToken
from tests.factories import EPOCH, TodoFactory, UserFactory
from todos import services
from todos.adapters.memory import InMemoryTodoRepository
from todos.domain import InvalidTitle, TodoNotFound
from todos.ports import MAX_OFFSET, MAX_PAGE_SIZE, TodoQuery


class SteppingClock:
    """A clock that moves one minute forward each time it is read."""

    def __init__(self, start: datetime = EPOCH) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def users() -> InMemoryUserRepository:
    return InMemoryUserRepository()


@pytest.fixture
def repo(users: InMemoryUserRepository) -> InMemoryTodoRepository:
    return InMemoryTodoRepository(owner_is_active=users.is_active)


@pytest.fixture
def ann(users: InMemoryUserRepository) -> Actor:
    user = UserFactory.build(email="ann@example.com")
    users.add(user)
    return Actor(user.id)


@pytest.fixture
def bob(users: InMemoryUserRepository) -> Actor:
    user = UserFactory.build(email="bob@example.com")
    users.add(user)
    return Actor(user.id)


def test_create_todo_stores_a_trimmed_open_todo_of_the_actors(
    repo: InMemoryTodoRepository, ann: Actor
) -> None:
    todo = services.create_todo(repo, title="  Buy milk  ", actor=ann)
    assert (todo.title, todo.completed, todo.owner) == ("Buy milk", False, ann.user_id)
    assert services.get_todo(repo, todo_id=todo.id, actor=ann) == todo


def test_create_todo_can_start_completed(repo: InMemoryTodoRepository, ann: Actor) -> None:
    assert services.create_todo(repo, title="Done", completed=True, actor=ann).completed is True


def test_create_todo_with_a_blank_title_stores_nothing(
    repo: InMemoryTodoRepository, ann: Actor
) -> None:
    with pytest.raises(InvalidTitle):
        services.create_todo(repo, title="  ", actor=ann)
    assert services.list_todos(repo, actor=ann).count == 0


def test_get_todo_raises_not_found_for_an_unknown_id(
    repo: InMemoryTodoRepository, ann: Actor
) -> None:
    missing = uuid4()
    with pytest.raises(TodoNotFound) as caught:
        services.get_todo(repo, todo_id=missing, actor=ann)
    assert caught.value.todo_id == missing


def test_list_todos_pages_newest_first_and_counts_all(
    repo: InMemoryTodoRepository, ann: Actor
) -> None:
    todos = TodoFactory.build_batch(5, owner=ann.user_id)
    for todo in todos:
        repo.add(todo)
    page = services.list_todos(repo, limit=2, offset=1, actor=ann)
    assert [todo.id for todo in page.items] == [todos[3].id, todos[2].id]
    assert page.count == 5


def test_list_todos_filters_on_completion(repo: InMemoryTodoRepository, ann: Actor) -> None:
    done = TodoFactory.build(completed=True, owner=ann.user_id)
    for todo in [done, *TodoFactory.build_batch(2, owner=ann.user_id)]:
        repo.add(todo)
    page = services.list_todos(repo, completed=True, actor=ann)
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
    repo: InMemoryTodoRepository, ann: Actor, arguments: dict[str, int], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.list_todos(repo, actor=ann, **arguments)
    assert caught.value.field == field


def test_update_todo_changes_only_the_given_fields(
    repo: InMemoryTodoRepository, ann: Actor
) -> None:
    clock = SteppingClock()
    todo = services.create_todo(repo, title="Buy milk", actor=ann, clock=clock)
    updated = services.update_todo(repo, todo_id=todo.id, completed=True, actor=ann, clock=clock)
    assert (updated.title, updated.completed) == ("Buy milk", True)
    assert updated.created_at == todo.created_at
    assert updated.updated_at > todo.updated_at
    assert services.get_todo(repo, todo_id=todo.id, actor=ann) == updated


def test_update_todo_moves_updated_at_on_every_update(
    repo: InMemoryTodoRepository, ann: Actor
) -> None:
    clock = SteppingClock()
    todo = services.create_todo(repo, title="Buy milk", actor=ann, clock=clock)
    first = services.update_todo(repo, todo_id=todo.id, title="Buy milk", actor=ann, clock=clock)
    second = services.update_todo(repo, todo_id=todo.id, title="Buy milk", actor=ann, clock=clock)
    assert todo.updated_at < first.updated_at < second.updated_at


def test_update_todo_with_a_blank_title_leaves_the_todo_alone(
    repo: InMemoryTodoRepository, ann: Actor
) -> None:
    todo = services.create_todo(repo, title="Buy milk", actor=ann)
    with pytest.raises(InvalidTitle):
        services.update_todo(repo, todo_id=todo.id, title=" ", actor=ann)
    assert services.get_todo(repo, todo_id=todo.id, actor=ann) == todo


def test_update_todo_raises_not_found_for_an_unknown_id(
    repo: InMemoryTodoRepository, ann: Actor
) -> None:
    with pytest.raises(TodoNotFound):
        services.update_todo(repo, todo_id=uuid4(), completed=True, actor=ann)


def test_delete_todo_removes_it(repo: InMemoryTodoRepository, ann: Actor) -> None:
    todo = services.create_todo(repo, title="Buy milk", actor=ann)
    services.delete_todo(repo, todo_id=todo.id, actor=ann)
    with pytest.raises(TodoNotFound):
        services.get_todo(repo, todo_id=todo.id, actor=ann)


def test_delete_todo_raises_not_found_the_second_time(
    repo: InMemoryTodoRepository, ann: Actor
) -> None:
    todo = services.create_todo(repo, title="Buy milk", actor=ann)
    services.delete_todo(repo, todo_id=todo.id, actor=ann)
    with pytest.raises(TodoNotFound):
        services.delete_todo(repo, todo_id=todo.id, actor=ann)


# --- Ownership: another user's todo is as absent as a missing one ------------------------


def test_another_users_todo_is_not_found_and_stays_unchanged(
    repo: InMemoryTodoRepository, ann: Actor, bob: Actor
) -> None:
    todo = services.create_todo(repo, title="Ann's", actor=ann)
    with pytest.raises(TodoNotFound):
        services.get_todo(repo, todo_id=todo.id, actor=bob)
    with pytest.raises(TodoNotFound):
        services.update_todo(repo, todo_id=todo.id, completed=True, actor=bob)
    with pytest.raises(TodoNotFound):
        services.delete_todo(repo, todo_id=todo.id, actor=bob)
    assert services.get_todo(repo, todo_id=todo.id, actor=ann) == todo


def test_each_user_lists_and_counts_only_their_own_todos(
    repo: InMemoryTodoRepository, ann: Actor, bob: Actor
) -> None:
    mine = [services.create_todo(repo, title=f"Ann {n}", actor=ann) for n in range(3)]
    services.create_todo(repo, title="Bob's", actor=bob)
    page = services.list_todos(repo, actor=ann)
    assert {todo.id for todo in page.items} == {todo.id for todo in mine}
    assert page.count == 3
    assert services.list_todos(repo, actor=bob).count == 1


@pytest.mark.parametrize("operation", ["create", "get", "list", "update", "delete"])
def test_a_deactivated_users_actor_is_refused_by_every_operation(
    repo: InMemoryTodoRepository, users: InMemoryUserRepository, ann: Actor, operation: str
) -> None:
    todo = services.create_todo(repo, title="Buy milk", actor=ann)
    users.deactivate(ann.user_id)
    calls = {
        "create": lambda: services.create_todo(repo, title="More", actor=ann),
        "get": lambda: services.get_todo(repo, todo_id=todo.id, actor=ann),
        "list": lambda: services.list_todos(repo, actor=ann),
        "update": lambda: services.update_todo(repo, todo_id=todo.id, completed=True, actor=ann),
        "delete": lambda: services.delete_todo(repo, todo_id=todo.id, actor=ann),
    }
    with pytest.raises(InvalidAccessToken):
        calls[operation]()
    assert repo.get(ann.user_id, todo.id) is None  # hidden while inactive
    assert repo.list(ann.user_id, TodoQuery()).count == 0


def test_an_actor_whose_user_never_existed_is_refused(repo: InMemoryTodoRepository) -> None:
    stranger = Actor(uuid4())
    with pytest.raises(InvalidAccessToken):
        services.list_todos(repo, actor=stranger)
    with pytest.raises(InvalidAccessToken):
        services.create_todo(repo, title="Sneaky", actor=stranger)
