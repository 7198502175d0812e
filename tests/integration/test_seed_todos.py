"""manage.py seed_todos: a user's samples, added once, never changing or deleting; and
the local demo user, whose password is printed once and who exists only with DEBUG."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings

from config.composition import adapters
from core.identity import services as accounts
from core.identity.domain import User
from todos.management.commands.seed_todos import DEMO_EMAIL, SAMPLES
from todos.models import TodoModel
from todos.ports import TodoQuery

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_todos", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[dict[str, object]]:
    return list(TodoModel.objects.order_by("id").values())


def test_seed_adds_the_samples_for_the_owner_named(user: User) -> None:
    assert "Seeded 5 todo(s) for ann@example.com; 0 already present." in seed(
        "--owner", "ann@example.com"
    )
    assert TodoModel.objects.filter(owner_id=user.id).count() == 5


def test_seeding_twice_leaves_the_same_rows(user: User) -> None:
    seed("--owner", user.email)
    first = snapshot()
    assert "Seeded 0 todo(s)" in seed("--owner", user.email)
    assert snapshot() == first


def test_each_user_gets_samples_of_their_own(user: User, make_user: "object") -> None:
    bob = make_user("bob@example.com")  # type: ignore[operator]
    seed("--owner", user.email)
    seed("--owner", bob.email)
    assert TodoModel.objects.filter(owner_id=bob.id).count() == 5
    assert TodoModel.objects.count() == 10


def test_seed_neither_deletes_nor_overwrites_existing_todos(user: User) -> None:
    seed("--owner", user.email)
    sample = TodoModel.objects.order_by("created_at").first()
    assert sample is not None
    TodoModel.objects.filter(pk=sample.pk).update(title="Edited by a user", completed=True)
    TodoModel.objects.create(
        id="00000000-0000-0000-0000-000000000001",
        owner_id=user.id,
        title="Mine",
        created_at=sample.created_at,
        updated_at=sample.created_at,
    )
    before = snapshot()
    seed("--owner", user.email)
    assert snapshot() == before


def test_samples_list_in_the_order_they_are_written(user: User) -> None:
    seed("--owner", user.email)
    page = adapters.todos.list(user.id, TodoQuery())
    assert [todo.title for todo in page.items] == [title for title, _ in SAMPLES]


def test_an_unknown_owner_is_an_error(user: User) -> None:
    with pytest.raises(CommandError, match="No account"):
        seed("--owner", "nobody@example.com")


def test_without_debug_there_is_no_demo_user(settings: Settings) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--owner"):
        seed()
    assert adapters.users.by_email(DEMO_EMAIL) is None


def test_on_lambda_there_is_no_demo_user_even_with_debug(settings: Settings) -> None:
    settings.DEBUG, settings.ON_LAMBDA = True, True
    with pytest.raises(CommandError, match="--owner"):
        seed()
    assert adapters.users.by_email(DEMO_EMAIL) is None


def demo_password(output: str) -> str:
    found = re.search(rf"email {re.escape(DEMO_EMAIL)}, password (\S+)", output)
    assert found, output
    return found.group(1)


def test_locally_the_demo_user_is_made_once_and_its_password_printed_once(
    settings: Settings,
) -> None:
    settings.DEBUG = True
    first = seed()
    password = demo_password(first)
    assert "Seeded 5 todo(s) for demo@example.com" in first
    second = seed()
    assert password not in second
    assert "exists" in second
    pair = accounts.sign_in(adapters, email=DEMO_EMAIL, password=password, client_address="::1")
    assert pair.access_token


def test_a_new_demo_password_replaces_the_old_one(settings: Settings) -> None:
    settings.DEBUG = True
    old = demo_password(seed())
    new = demo_password(seed("--new-demo-password"))
    assert new != old
    assert accounts.sign_in(adapters, email=DEMO_EMAIL, password=new, client_address="::1")
    with pytest.raises(accounts.InvalidCredentials):
        accounts.sign_in(adapters, email=DEMO_EMAIL, password=old, client_address="::1")
