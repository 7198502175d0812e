"""The "Ownership" rules of API.md: another user's todo is indistinguishable from a
missing one, and never appears in a list or its count."""

from collections.abc import Callable
from uuid import uuid4

import pytest
from django.test import Client

from core.identity.domain import User
from todos.domain import Todo

TODOS = "/api/todos"
StoreTodos = Callable[..., list[Todo]]


@pytest.fixture
def bob_client(make_user: Callable[..., User], access_token: Callable[[User], str]) -> Client:
    bob = make_user("bob@example.com")
    return Client(headers={"Authorization": f"Bearer {access_token(bob)}"})


def test_another_users_todo_answers_exactly_as_a_missing_one(
    client: Client, bob_client: Client, stored_todos: StoreTodos
) -> None:
    [annes] = stored_todos(1)
    missing = uuid4()
    for method, body in (("get", None), ("patch", {"completed": True}), ("delete", None)):
        foreign = getattr(bob_client, method)(
            f"{TODOS}/{annes.id}", body, content_type="application/json"
        )
        absent = getattr(bob_client, method)(
            f"{TODOS}/{missing}", body, content_type="application/json"
        )
        assert (foreign.status_code, foreign.json()) == (absent.status_code, absent.json())
        assert (foreign.status_code, foreign.json()) == (404, {"detail": "Todo not found"})
        assert dict(foreign.items()).keys() == dict(absent.items()).keys()
    unchanged = client.get(f"{TODOS}/{annes.id}")
    assert unchanged.status_code == 200
    assert unchanged.json()["completed"] is False


def test_a_list_shows_and_counts_only_the_users_own_todos(
    client: Client, bob_client: Client, stored_todos: StoreTodos
) -> None:
    annes = stored_todos(3)
    created = bob_client.post(TODOS, {"title": "Bob's"}, content_type="application/json")
    assert created.status_code == 201
    body = client.get(TODOS).json()
    assert body["count"] == 3
    assert [item["id"] for item in body["items"]] == [str(t.id) for t in reversed(annes)]
    bobs = bob_client.get(TODOS).json()
    assert (bobs["count"], [item["title"] for item in bobs["items"]]) == (1, ["Bob's"])


def test_a_todo_belongs_to_whoever_created_it(client: Client, bob_client: Client) -> None:
    created = bob_client.post(TODOS, {"title": "Mine"}, content_type="application/json")
    assert bob_client.get(created["Location"]).status_code == 200
    assert client.get(created["Location"]).status_code == 404
    assert set(created.json()) == {
        "id",
        "title",
        "completed",
        "created_at",
        "updated_at",
        "version",
    }
